"""Per-person papers, one document per unit: 平时考核登记表 and 结果反馈通知 (+ 谈话记录)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kaohe_docs.documents import Document, form_title
from kaohe_docs.documents.formatting import aligned, date_zh, grade_text, item_lines, number, percent
from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.engine.calendar import calendar_of, working_days_end
from kaohe_docs.engine.grading import below_band
from kaohe_docs.engine.scoring import Score
from kaohe_docs.filenames import safe_name
from kaohe_docs.model import Feedback, FeedbackMethod, Grade, Person, Quarter, Unit, talk_kind


def _talk(grade: Grade | None) -> dict | None:
    """The talk record printed with the feedback notice (谈话提醒 / 批评教育; 诫勉 only for 较差)."""
    kind = talk_kind(grade)
    return {"title": f"{kind}记录", "content": f"{kind}内容", "admonish": grade is Grade.POOR} if kind else None


def weights(a: Assessment) -> dict:
    p = a.policy
    return {"common": percent(p.common_weight), "individual": percent(p.individual_weight), "cap": f"{p.bonus_cap:f}"}


# Per-person papers are grouped by unit, at most this many people per document: one corrected
# record re-renders a few pages, not a whole large unit (see docs/scaling.md).
PEOPLE_PER_DOCUMENT = 10


@dataclass(frozen=True)
class Paper:
    """A result with a per-person paper: the person is on the roster and is scored here."""

    result: Result
    person: Person
    score: Score


def _papers(results: list[Result], only: Callable[[Result], bool]) -> list[Paper]:
    return [Paper(r, r.person, r.score) for r in results if r.score is not None and r.person is not None and only(r)]


def _units(a: Assessment, quarter: Quarter,
           only: Callable[[Result], bool] = lambda r: True) -> Iterator[tuple[Unit, str, str, list[Paper]]]:
    """(unit, part suffix for ids/paths, part label for titles, papers) per document."""
    for unit in a.bureau.units_in_order():
        results = _papers(a.quarter_results(quarter, unit.id), only)
        chunks = [results[i:i + PEOPLE_PER_DOCUMENT] for i in range(0, len(results), PEOPLE_PER_DOCUMENT)]
        for n, chunk in enumerate(chunks, 1):
            if len(chunks) == 1:
                yield unit, "", unit.name, chunk
            else:
                start, end = (n - 1) * PEOPLE_PER_DOCUMENT + 1, (n - 1) * PEOPLE_PER_DOCUMENT + len(chunk)
                yield unit, f"-{n}", f"{unit.name} 第{start}–{end}人" if end > start else f"{unit.name} 第{start}人", chunk


def registration(a: Assessment, quarter: Quarter) -> list[Document]:
    return [Document(
        id=f"{quarter}/登记表/{unit.id}{part}", title=f"{a.bureau.info.name}{quarter.zh}平时考核登记表（{label}）",
        kind="form persons registration", template="registration.html", path=f"05-登记表/{safe_name(f'{unit.order + 1:02d}-{unit.name}{part}')}",
        period=quarter.zh,
        context={"period_zh": quarter.zh, "weights": weights(a), "form_title": form_title(a, "登记表"),
                 "people": [_registration(a, unit.name, paper) for paper in papers]})
        for unit, part, label, papers in _units(a, quarter)]


def _registration(a: Assessment, unit_name: str, paper: Paper) -> dict:
    r = paper.result
    p, s, e, person = a.policy, paper.score, r.entry, paper.person
    present = [m for m in e.quarter.months if m in e.monthly]
    months = [{"month": m, "score": score} for m, score in zip(present, aligned([e.monthly[m] for m in present]))]
    element_scores = aligned([s.elements.get(k) for k in p.elements])
    return {
        "name": person.name, "gender": person.gender, "birth": person.birth.replace("-", "."),
        "unit": unit_name, "post": person.post, "summary": e.summary or "",
        "elements": [{"name": k, "max": f"{v:f}", "score": score} for (k, v), score in zip(p.elements.items(), element_scores)],
        "items": item_lines(s),
        # a part not filled in yet is printed blank (a unit can print the form and fill it by hand), never 0
        "common_raw": f"{s.common_raw:f}" if s.common_complete else "", "common": number(s.common, p) if s.common_complete else "",
        "months": months, "average": number(s.monthly_average, p),
        "individual": number(s.individual, p) if s.monthly_average is not None else "",
        "months_note": "缺" + "、".join(f"{m}月" for m in s.months_missing) + "，按已有月份平均"
                       if s.months_missing and s.monthly_average is not None else "",
        "bonuses": [f"{b.claim.item}：{b.claim.deed}（{b.points:f} 分{'，' + b.claim.evidence if b.claim.evidence else ''}）"
                    for b in s.bonuses],
        "bonus": number(s.bonus, p), "capped": s.capped, "total": number(s.total, p) if s.complete else "",
        "band": s.band.value if s.complete else "",
        "attendance": "；".join(f"{k} {v:f} 天" for k, v in e.attendance.items()) or "—",
        "suggested": grade_text(e.suggested), "lower_reason": e.lower_reason or "", "final": grade_text(r.final),
        "decided": grade_text(r.decided if r.decided is not None else r.final), "review": appeal_outcome(r),
    }


def appeal_outcome(r: Result) -> str:
    """What a 复核 did to the decided grade, as the papers issued after it state it ("" without one)."""
    a = r.appeal
    if a is None:
        return ""
    if a.outcome is None:
        return f"{date_zh(a.received)}申请复核，尚在复核中"
    replied = f"（{date_zh(a.replied)}答复）" if a.replied else ""
    if r.final is not r.decided:
        return f"经复核，等次由“{grade_text(r.decided)}”改为“{grade_text(r.final)}”{replied}"
    return f"经复核，维持“{grade_text(r.final)}”{replied}"


def blank_registration_person(a: Assessment) -> dict:
    """A 登记表 with nothing filled in (the element maxima and weights printed): for filling by hand."""
    return {
        "name": "", "gender": "", "birth": "", "unit": "", "post": "", "summary": "",
        "elements": [{"name": k, "max": f"{v:f}", "score": "\u3000"} for k, v in a.policy.elements.items()],  # a line to write on
        "items": [], "common_raw": "", "common": "", "months": [], "average": "", "individual": "", "months_note": "",
        "bonuses": [], "bonus": "", "capped": False, "total": "", "band": "", "attendance": "",
        "suggested": "", "lower_reason": "", "decided": "", "review": "", "final": "", "blank": True,
    }


def feedback(a: Assessment, quarter: Quarter) -> list[Document]:
    """结果反馈通知 for everyone decided, with a 谈话提醒 / 批评教育 record for 一般 / 较差."""
    docs: list[Document] = []
    for unit, part, label, decided in _units(a, quarter, only=lambda r: r.final is not None):
        docs.append(Document(
            id=f"{quarter}/反馈通知/{unit.id}{part}", title=f"{a.bureau.info.name}{quarter.zh}平时考核结果反馈通知（{label}）",
            kind="letter persons", template="feedback.html", path=f"07-反馈通知/{safe_name(f'{unit.order + 1:02d}-{unit.name}{part}')}",
            period=quarter.zh,
            context={"period_zh": quarter.zh, "unit": unit.name, "contact": a.policy.contact,
                     "people": [_feedback(a, quarter, paper) for paper in decided]}))
    return docs


def _feedback(a: Assessment, quarter: Quarter, paper: Paper) -> dict:
    r = paper.result
    assert r.final is not None, "feedback() writes letters only for decided results"
    record = a.bureau.quarters[quarter].feedback.get(r.entry.person_id)
    return {"name": paper.person.name, "post": paper.person.post, "total": number(paper.score.total, a.policy),
            "final": r.final.value, "talk": _talk(r.final), "review": appeal_outcome(r),
            "methods": [("■" if record and record.method == m else "□") + m.value for m in FeedbackMethod],
            "date": date_zh(record.date) if record else date_zh(None),
            "why": _why(paper), "must": _must(a, paper.score), "appeal": _appeal_path(a, r, record),
            "talked": {"by": record.talk.by, "date": date_zh(record.talk.date), "note": record.talk.note or "",
                       "admonish": "■是　□否" if record.admonish else "□是　■否"}
            if record and record.talk else {"by": "", "date": "", "note": "", "admonish": "□是　□否"}}


def _must(a: Assessment, score: Score) -> str:
    """The threshold below which the grade must be 较差 ("" unless the total is below it)."""
    floor = a.policy.thresholds[Grade.AVERAGE]
    return f"{floor:f}" if score.complete and score.total is not None and a.policy.round(score.total) < floor else ""


def _why(paper: Paper) -> dict | None:
    """Why the grade is not what the score or the unit's recommendation allowed, for the letter to say:
    {"kind": rejected | lowered | committee | addition, and the grades and reason in the second person}."""
    r, s = paper.result, paper.score
    e, name = r.entry, paper.person.name
    reason = addressed(r.change.reason if r.change is not None else "", name)
    if r.addition:
        return {"kind": "addition", "reason": reason}
    if r.rejected and r.decided is not Grade.GOOD:
        return {"kind": "rejected", "decided": grade_text(r.decided), "reason": reason}
    if r.changed and r.decided is not None:
        return {"kind": "committee", "suggested": grade_text(e.suggested), "decided": r.decided.value, "reason": reason}
    if s.complete and e.suggested is not None and below_band(e.suggested, s.band):
        return {"kind": "lowered", "band": s.band.value, "suggested": e.suggested.value,
                "reason": addressed(e.lower_reason or "", name)}
    return None


def _appeal_path(a: Assessment, r: Result, record: Feedback | None) -> dict:
    """The appeal open on the day the letter is received: policy's working days from the next day on,
    counted with the holiday calendar; the last day where the receipt (or the talk, the meeting) is recorded."""
    days = a.policy.appeal_working_days
    received = (record.receipt or (record.date if record.method != FeedbackMethod.WRITTEN else None)) if record else None
    until = working_days_end(received + dt.timedelta(days=1), days, calendar_of(a.policy)) if received else None
    # one 复核 per result: once applied for, the letter points to its answer instead of offering another
    state = "none" if r.appeal is None else ("pending" if r.appeal.outcome is None else "answered")
    return {"days": days, "received": date_zh(received) if received else "", "until": date_zh(until) if until else "",
            "office": a.bureau.info.office, "contact": a.policy.contact, "state": state,
            "open": r.final is not Grade.GOOD and state == "none"}


def addressed(text: str, name: str, *others: str) -> str:
    """A record's text about the person, as said to them ("该同志", "××同志", and ``others`` → "你")."""
    text = (text or "").strip()
    for third in (f"{name}同志", "该同志", "该民警", *others):
        text = text.replace(third, "你")
    return text


def appeal_notices(a: Assessment, quarter: Quarter) -> list[Document]:
    """复核结果告知: one page per answered appeal of the quarter."""
    records = a.bureau.quarters[quarter]
    answered = [(r, records.appeals[r.entry.person_id]) for r in a.quarter_results(quarter)
                if r.entry.person_id in records.appeals and records.appeals[r.entry.person_id].outcome]
    if not answered:
        return []
    return [Document(
        id=f"{quarter}/复核结果告知", title=f"{a.bureau.info.name}{quarter.zh}平时考核复核结果告知", kind="letter persons",
        template="appeal.html", path="08-复核结果告知", period=quarter.zh,
        context={"period_zh": quarter.zh, "office": a.bureau.info.office, "people": [{
            "name": r.entry.name, "unit": a.bureau.units[r.entry.unit_id].name, "received": date_zh(p.received),
            "grounds": addressed(p.grounds, r.entry.name, "本人"), "before": grade_text(r.decided), "outcome": p.outcome,
            "after": grade_text(r.final), "reason": addressed(p.reason or "", r.entry.name), "replied": date_zh(p.replied),
        } for r, p in answered]})]
