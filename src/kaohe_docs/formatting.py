"""How values are written on paper and on screen (shared by documents and reports)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from .model import Grade
from .policy import Policy


def number(value: Decimal | None, policy: Policy) -> str:
    """A score as printed: the policy's rounding rule and places."""
    if value is None:
        return ""
    return f"{policy.round(value):f}"


def percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def date_zh(day: dt.date | None) -> str:
    """Dates on official papers: Arabic numerals, no leading zeros (2026年4月15日)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else "　　年　　月　　日"


def grade_text(grade: Grade | None) -> str:
    return grade.value if grade is not None else ""


def remark(result) -> str:
    """备注 for a person's row: why there is no score, or how the committee decided."""
    e = result.entry
    if e.external is not None:
        return f"由{e.external.body}考核（{e.external.document}）"
    if e.ungraded_reason:
        return f"不确定等次：{e.ungraded_reason}"
    if result.addition:
        return "党委增加（不占单位名额）"
    if result.rejected:
        return "推荐未通过（占用名额）"
    return ""
