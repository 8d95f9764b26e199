"""Grade bands with may/must semantics: a grade may be lower than its band, never higher."""
from __future__ import annotations

from decimal import Decimal

from kaohe_docs.model import Grade
from kaohe_docs.records.policy import Policy


def band(total: Decimal, policy: Policy) -> Grade:
    """The best grade a (rounded) total allows; "xx分以上" includes the number itself."""
    for grade in (Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE):
        if total >= policy.thresholds[grade]:
            return grade
    return Grade.POOR  # below the lowest line: must be 较差


def within_band(grade: Grade, allowed: Grade) -> bool:
    return grade.rank <= allowed.rank


def below_band(grade: Grade, allowed: Grade) -> bool:
    return grade.rank < allowed.rank
