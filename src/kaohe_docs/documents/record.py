"""One description of a person's record: labelled fields, the values the documents print.

The approval lock (``audit.lock``), ``kaohe log`` (``audit.history``) and the semantic diff
(``audit.semdiff``) all compare records through this one flattening, so a value that reaches
paper — an external body's grade, an ungraded reason, a printed note, a bonus's evidence —
cannot change without the lock, the log and the diff naming it.
"""
from __future__ import annotations

from kaohe_docs.model import Appeal, AppealOutcome, Entry

# texts too long to quote in a one-line change: reported as 已填写 / 有修改 / 已删除
LONG_FIELDS = ("个人小结",)


def common_label(element: str) -> str:
    """The label of a typed 共性 element total."""
    return f"共性“{element}”"


def bonus_label(item: str, deed: str) -> str:
    return f"加分“{item}（{deed}）”"


def entry_fields(e: Entry) -> dict[str, str]:
    """Every printed field of one record in a unit's quarter file, label → value (empty fields left out)."""
    f = {"考核方式": e.status.value, "姓名": e.name}
    f.update({common_label(k): f"{v:f}" for k, v in e.common.items()})
    f.update(indicator_fields(e))
    f.update({f"{m}月绩效": f"{v:f}" for m, v in e.monthly.items()})
    for b in e.bonuses:
        f[bonus_label(b.item, b.deed)] = (f"{b.status}" + (f"，{b.points:f} 分" if b.points is not None else "")
                                          + (f"，依据 {b.evidence}" if b.evidence else "")
                                          + (f"，理由 {b.reason}" if b.reason else ""))
    f.update({f"出勤“{k}”": f"{v:f}" for k, v in e.attendance.items()})
    for label, value in (("建议等次", e.suggested.value if e.suggested else None), ("降等理由", e.lower_reason),
                         ("备注", e.note), ("个人小结", e.summary), ("不确定等次", e.ungraded_reason)):
        if value:
            f[label] = value
    if e.external:
        f["外单位考核机关"] = e.external.body
        f["外单位考核等次"] = e.external.grade.value if e.external.grade else "—"
        f["外单位考核文号"] = e.external.document
    return f


def indicator_fields(e: Entry) -> dict[str, str]:
    """A person's 共性指标 items as labelled values (“共性指标“勤-2（3月6日值班期间脱岗）”” → “1.5 分，2026-03-06，…”)."""
    out = {}
    for c in e.indicators or ():
        value = "，".join(x for x in (f"{c.points:f} 分" if c.points is not None else "按该项分值",
                                      str(c.date) if c.date else "", c.evidence or "") if x)
        out[f"共性指标“{c.item}（{c.matter}）”"] = value
    return out


def appeal_text(a: Appeal | None) -> str:
    """A 复核 in one line: its state, the outcome with the new grade, the reason and the reply date."""
    if a is None:
        return ""
    if a.outcome is None:
        return f"{a.received} 收到（{a.grounds}），待答复"
    grade = f"为“{a.grade.value}”" if a.outcome == AppealOutcome.CHANGED and a.grade else ""
    return (f"{a.received} 收到，{a.outcome}{grade}" + (f"（{a.reason}）" if a.reason else "")
            + (f"，{a.replied} 答复" if a.replied else ""))


def field_change(label: str, old: str | None, new: str | None) -> str | None:
    """One changed field in words: a field that appears reads as added, one that goes as removed."""
    if old == new:
        return None
    if label in LONG_FIELDS:
        return f"{label}有修改" if old and new else (f"{label}已填写" if new else f"{label}已删除")
    if not old:
        return f"新增{label}：{new}"
    if not new:
        return f"删除{label}（原为 {old}）"
    return f"{label} {old} → {new}"


def field_changes(old: dict[str, str], new: dict[str, str]) -> list[str]:
    """The changes between two descriptions, in the order of the fields."""
    return [line for key in dict.fromkeys([*old, *new]) if (line := field_change(key, old.get(key), new.get(key)))]
