"""``kaohe status QUARTER``: what is missing, late or pending, per unit and for the bureau."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.engine.calendar import calendar_of, gap_message
from kaohe_docs.model import Bureau, ClaimStatus, Quarter, Status, UnitQuarter, talk_kind


@dataclass
class Section:
    title: str
    items: list[str] = field(default_factory=list)  # pending: each keeps the quarter from being complete
    notes: list[str] = field(default_factory=list)  # history (a late submission, dated): shown, not pending


def quarter_status(a: Assessment, quarter: Quarter, today: dt.date) -> list[Section]:
    """Outstanding items per unit and for the bureau, with dated history (late submissions) as notes;
    the quarter is complete when ``pending_count`` is 0."""
    records = a.bureau.quarters[quarter]
    sections, unknown = [], None
    deadline = calendar_of(a.policy).submission_deadline(quarter, a.policy.submission_day, a.policy.extend_to_workday)
    if deadline is None:  # the calendar does not know next year yet: say so, check the rest
        unknown = gap_message(quarter.year + (quarter.q == 4))
    for unit in a.bureau.units_in_order():
        uq = records.units.get(unit.id)
        if uq is None:
            continue
        items, notes = _unit_items(a, quarter, unit.id, uq, deadline, today=today)
        if items or notes:
            sections.append(Section(f"{unit.name} {_filled(a, quarter, unit.id)}", items, notes))
    bureau = Section("考核办 / 局党委", ([f"报送截止日期无法确定：{unknown}"] if unknown else []) + _bureau_items(a, quarter, today))
    if bureau.items:
        sections.append(bureau)
    return sections


def _person_items(r: Result, bureau: Bureau) -> list[str]:
    e, name = r.entry, bureau.shown_name(r.entry.person_id, r.entry.name)
    if e.status is not Status.ASSESSED:
        return []
    items = []
    if not e.summary:
        items.append(f"{name}：个人小结未填写")
    if "common" in e.pending:
        items.append(f"{name}：共性得分未填写")
    elif any(k.startswith("common:") for k in e.pending):
        parts = [k.partition(":")[2] for k in e.pending if k.startswith("common:")]
        items.append(f"{name}：共性得分未填写（{'、'.join(parts)}）")
    if r.missing_months:
        items.append(f"{name}：缺 {'、'.join(f'{m}月' for m in r.missing_months)} 绩效得分")
    for claim in e.bonuses:
        if claim.status == ClaimStatus.DECLARED:
            items.append(f"{name}：加分申报“{claim.item}（{claim.deed}）”待所室队把关")
        elif claim.status == ClaimStatus.CHECKED:
            items.append(f"{name}：加分申报“{claim.item}（{claim.deed}）”待考核办审核")
    if e.suggested is None:
        items.append(f"{name}：缺所室队建议等次")
    return items


def _filled(a: Assessment, quarter: Quarter, unit_id: str) -> str:
    """“已填齐 3/4 人”: people of the unit with nothing left to fill in."""
    results = [r for r in a.quarter_results(quarter, unit_id) if r.entry.status is Status.ASSESSED]
    done = sum(not _person_items(r, a.bureau) for r in results)
    return f"已填齐 {done}/{len(results)} 人"


def _unit_items(a: Assessment, quarter: Quarter, unit_id: str, uq: UnitQuarter, deadline: dt.date | None, *,
                today: dt.date) -> tuple[list[str], list[str]]:
    items, notes = [], []
    if deadline is None:
        pass
    elif uq.submitted is None and today > deadline:
        items.append(f"未报送（截止 {deadline}）")
    elif uq.submitted is not None and uq.submitted > deadline:
        notes.append(f"逾期报送：{uq.submitted} 报送，截止 {deadline}")
    for r in a.quarter_results(quarter, unit_id):
        items += _person_items(r, a.bureau)
    return items, notes


def _bureau_items(a: Assessment, quarter: Quarter, today: dt.date) -> list[str]:
    records = a.bureau.quarters[quarter]
    d = records.decision
    if d is None:
        return ["局党委尚未审定（decision.yaml 尚未填写）"]
    items = []
    if d.publicity_start is None:
        items.append("公示尚未开始（decision.yaml 中没有 publicity_start）")
    elif today < d.publicity_start:
        items.append(f"公示尚未开始（定于 {d.publicity_start}）")
    elif (end := calendar_of(a.policy).working_days_end(d.publicity_start, a.policy.publicity_working_days)) is None:
        items.append(f"公示结束日期无法确定：{gap_message(d.publicity_start.year)}")
    elif today <= end:
        items.append(f"公示期中（至 {end}）")
    for appeal in records.appeals.values():
        if appeal.outcome is None:
            items.append(f"复核未办结：{a.bureau.shown_name(appeal.person_id)}（{appeal.received} 收到）")
    for r in a.quarter_results(quarter):
        if r.entry.status is not Status.ASSESSED or r.final is None:
            continue
        fb = records.feedback.get(r.entry.person_id)
        if fb is None:
            items.append(f"结果未反馈：{a.bureau.shown_name(r.entry.person_id, r.entry.name)}（{a.bureau.units[r.entry.unit_id].name}）")
        elif talk_kind(r.final) and fb.talk is None:
            items.append(f"缺{talk_kind(r.final)}记录：{a.bureau.shown_name(r.entry.person_id, r.entry.name)}（{r.final.value}）")
    return items


def pending_count(sections: list[Section]) -> int:
    """Items still to do; 0 means nothing pending (late submissions are history, not pending)."""
    return sum(len(s.items) for s in sections)


def as_text(sections: list[Section], quarter: Quarter) -> str:
    total = pending_count(sections)
    lines = [f"{quarter.zh}平时考核尚有 {total} 项未完成：" if total else f"{quarter.zh}平时考核各项工作已全部完成。"]
    for s in sections:
        if s.items:
            lines.append(f"\n{s.title}（{len(s.items)}）：")
            lines += [f"  - {item}" for item in s.items]
    notes = [(s.title, note) for s in sections for note in s.notes]
    if notes:
        lines.append("\n记录在案（不影响完成）：")
        lines += [f"  - {title.split(' ')[0]}：{note}" for title, note in notes]
    return "\n".join(lines) + "\n"
