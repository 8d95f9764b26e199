"""How values are written on paper and on screen (shared by documents and reports)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from kaohe_docs.engine.grading import below_band
from kaohe_docs.model import AppealOutcome, Grade
from kaohe_docs.records.policy import Policy


def number(value: Decimal | None, policy: Policy) -> str:
    """A score as printed: the policy's rounding rule and places."""
    if value is None:
        return ""
    return f"{policy.round(value):f}"


def score_cells(s, policy: Policy) -> list[str]:
    """共性, 个性, 加分, 总分 as printed; a part whose inputs are not all filled in yet is blank, never 0."""
    if s is None:
        return ["", "", "", ""]
    return [number(s.common, policy) if s.common_complete else "",
            number(s.individual, policy) if s.monthly_average is not None else "",
            number(s.bonus, policy), number(s.total, policy) if s.complete else ""]


def aligned(values) -> list[str]:
    """Raw scores printed side by side with the same number of decimal places (17.5 and 17.0, not 17.5
    and 17); None is printed blank."""
    places = max((max(0, -v.normalize().as_tuple().exponent) for v in values if v is not None), default=0)
    return ["" if v is None else f"{v.quantize(Decimal(1).scaleb(-places)):f}" for v in values]


def percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def date_zh(day: dt.date | None) -> str:
    """Dates on official papers: Arabic numerals, no leading zeros (2026年4月15日)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else "　　年　　月　　日"


END_PUNCTUATION = "。！？…；.!?;”’」』）)"


def sentence(text: str | None) -> str:
    """Free text inserted into a sentence of a document, closed with "。" when it lacks end punctuation.

    Trailing "，" "、" "：" are replaced; an empty text stays empty. The one helper for every
    inserted sentence (appeal grounds and reasons, lower-grade reasons, committee reasons, contact).
    """
    text = (text or "").strip()
    if not text:
        return ""
    if text[-1] in "，,、：:":
        text = text[:-1].rstrip()
    if text and text[-1] in END_PUNCTUATION and not (text[-1] in "”’」』）)" and text[-2:-1] not in tuple("。！？…")):
        return text
    return text + "。" if text else ""


def grade_text(grade: Grade | None) -> str:
    return grade.value if grade is not None else ""


def appeal_text(result) -> str:
    """复核 column: "—" without an appeal; else the outcome."""
    appeal = getattr(result, "appeal", None)
    if appeal is None:
        return "—"
    if appeal.outcome is None:
        return "复核中"
    return f"改为{appeal.grade.value}" if appeal.outcome == AppealOutcome.CHANGED and appeal.grade else AppealOutcome.UPHELD.value


def clause(text: str | None) -> str:
    """Free text as one clause of a list joined by "；" (no end punctuation of its own)."""
    return (text or "").strip().rstrip("。；;，,、.").strip()


def remark(result) -> str:
    """备注 for a person's row: why there is no score, how the committee decided, notes."""
    e = result.entry
    parts = []
    if e.external is not None:
        grade = f"，{e.external.grade.value}" if e.external.grade else ""
        parts.append(f"由{e.external.body}考核（{e.external.document}{grade}）")
    if e.ungraded_reason:
        parts.append(f"不确定等次：{e.ungraded_reason}")
    score = getattr(result, "score", None)
    change = getattr(result, "change", None)
    reason = f"，理由：{clause(change.reason)}" if change is not None and change.reason else ""
    if result.addition:
        # the unit's lower suggestion is history: the result is the committee's addition, said as one
        why = f"（{clause(e.lower_reason)}）" if e.lower_reason else ""
        suggested = f"所室队建议“{e.suggested.value}”{why}，" if e.suggested is not None else ""
        parts.append(f"{suggested}局党委在推荐人选以外确定为“好”（党委增加，不占所室队名额）{reason}")
    elif score is not None and e.suggested is not None and below_band(e.suggested, score.band):
        why = f"，理由：{clause(e.lower_reason)}" if e.lower_reason else "，未写明理由"
        parts.append(f"可评“{score.band.value}”，建议“{e.suggested.value}”{why}")
    if result.addition:
        pass  # said above
    elif result.recommended and result.decided is not None and result.decided is not Grade.GOOD:
        parts.append(f"推荐未通过（占用名额），局党委审定为“{result.decided.value}”{reason}")
    elif result.changed and result.decided is not None:
        parts.append(f"局党委审定为“{result.decided.value}”{reason}")
    if result.appeal is not None and result.appeal.outcome == AppealOutcome.CHANGED and result.appeal.grade:
        parts.append(f"复核改为“{result.appeal.grade.value}”")
    if e.note:
        parts.append(e.note)
    return "；".join(parts)


def item_text(claim, indicator=None, points: Decimal | None = None, brief: bool = False) -> str:
    """One 共性指标 item applied to a person: “勤 扣1.5分：3月6日值班期间脱岗（勤-2，2026年3月6日，值班抽查记录）”;
    ``brief``: “勤-2 扣1.5分（3月6日值班期间脱岗）”. Without a known indicator (not in the policy): as written."""
    detail = "，".join(x for x in (claim.item, date_zh(claim.date) if claim.date else "", claim.evidence or "") if x)
    if indicator is None:
        return f"{claim.item}（{claim.matter}）" if brief else f"{claim.matter}（{detail}）"
    value = points if points is not None else claim.points
    value_text = f"{indicator.kind[0]}{value:f}分" if value is not None else indicator.kind
    if brief:
        return f"{claim.item} {value_text}（{claim.matter}）"
    return f"{indicator.element} {value_text}：{claim.matter}（{detail}）"


def item_lines(score, brief: bool = False) -> list[str]:
    """Why each 共性 point was lost or gained: one line per counted item, element by element; a matter also
    written under other items says it counted once (就高不就低); a bounded element says so."""
    if score is None or score.items is None:
        return []
    dropped: dict[int, list[str]] = {}
    for kept, other in score.items.duplicates:
        dropped.setdefault(id(kept.claim), []).append(other.claim.item)
    lines = []
    for element in score.items.elements.values():
        for c in element.counted:
            line = item_text(c.claim, c.indicator, c.points, brief)
            if id(c.claim) in dropped:
                line += f"；同一事项另涉及{'、'.join(dropped[id(c.claim)])}，只记一次（就高不就低）"
            lines.append(line)
        if element.bounded and element.score is not None:
            lines.append(f"{element.element} 按项目合计超出 0–{element.full:f} 分，计 {element.score:f} 分")
    return lines
