"""Values not filled in yet (待填写): a quarter being collected is incomplete, not wrong.

A field that is present in a unit file but empty (``德:`` with nothing after it, ``summary:``)
is *missing*; one filled with something invalid is *wrong* and reported by the other rules.
Missing values are ``pending`` diagnostics: they fail only ``check --complete``,
``build --final`` and ``approve``.
"""
from __future__ import annotations

from kaohe_docs.checks.base import Findings, who
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.errors import pending
from kaohe_docs.model import Entry

LABELS = {"summary": "个人小结", "suggested": "建议等次", "common": "共性得分", "monthly": "月度绩效得分"}


def pending_label(key: str) -> str:
    """“common:德” → “共性“德””, “monthly:3” → “3月绩效得分”."""
    field, _, part = key.partition(":")
    if not part:
        return LABELS[field]
    return f"共性“{part}”" if field == "common" else f"{part}月绩效得分"


def _order(key: str) -> int:
    return ("summary", "common", "monthly", "suggested").index(key.partition(":")[0])


def pending_keys(entry: Entry) -> list[str]:
    """The entry's missing values in the order of the form (小结, 共性, 月度, 建议等次)."""
    return sorted(entry.pending, key=_order)  # stable: elements and months keep the file's order


def values_not_filled_in(a: Assessment) -> Findings:
    """A field present but empty is pending (待填写), not wrong: one pending item per person, never an error."""
    for results in a.results.values():
        for r in results:
            keys = pending_keys(r.entry)
            if keys:
                line = r.entry.at(keys[0].partition(":")[0])
                labels = tuple(map(pending_label, keys))
                yield pending(line.file, line.line, f"{who(r)}尚未填写：{'、'.join(labels)}",
                              person=r.entry.person_id, name=r.entry.name or "", fields=labels)
