"""The annual link on grade patterns (including quarters without a grade)."""
from decimal import Decimal
from types import SimpleNamespace

import pytest

from kaohe_docs.engine.annual import FLAG_ALL_POOR, FLAG_WEAK, AnnualRow, eligible_for_excellent, flag
from kaohe_docs.model import Grade

G = {"好": Grade.GOOD, "较好": Grade.FAIRLY_GOOD, "一般": Grade.AVERAGE, "较差": Grade.POOR}


def row(*grades):
    """'好', '较好', … or None for a quarter without a grade (不确定等次 / not yet decided / not on roster)."""
    r = AnnualRow(person=SimpleNamespace(id="1", name="甲"), unit_id="u")
    for q, text in enumerate(grades, 1):
        r.quarters[q] = SimpleNamespace(final=G[text]) if text else None
    return r


HALF = Decimal("0.5")


@pytest.mark.parametrize("grades, excellent, flagged", [
    (("好", "好", "好", "好"), True, None),
    (("好", "好", "较好", "较好"), True, None),  # half of the quarters: "more 好" at the policy's 50 %
    (("好", "较好", "较好", "较好"), False, None),  # 1 of 4 is not enough
    (("好", "好", "好", "一般"), False, None),  # any 一般 excludes
    (("好", "好", None, None), True, None),  # only graded quarters count
    ((None, None, None, None), False, None),  # never graded: nothing to say
    (("较好", "一般", "一般", "较好"), False, None),  # exactly half is not "more than half"
    (("较好", "一般", "一般", "较差"), False, FLAG_WEAK),
    (("一般", "较差", None, "较好"), False, FLAG_WEAK),  # 2 of 3 graded
    (("较差", "较差", "较差", "较差"), False, FLAG_ALL_POOR),
    (("较差", None, "较差", None), False, FLAG_ALL_POOR),  # every graded quarter
    (("较差", "较差", "较差", "一般"), False, FLAG_WEAK),
])
def test_annual_link_patterns(grades, excellent, flagged):
    r = row(*grades)
    assert eligible_for_excellent(r, HALF) is excellent
    assert flag(r, HALF) == flagged


def test_policy_share_changes_what_more_good_means():
    r = row("好", "较好", "较好", None)
    assert not eligible_for_excellent(r, HALF)
    assert eligible_for_excellent(r, Decimal("0.3"))


def test_policy_weak_share_changes_what_more_than_half_means():
    r = row("较好", "一般", "较好", "较好")  # 1 of 4 weak
    assert flag(r, HALF) is None
    assert flag(r, Decimal("0.2")) == FLAG_WEAK  # 25% > 20%
    assert flag(row("一般", "较好"), HALF) is None  # exactly half is not "more than half"
