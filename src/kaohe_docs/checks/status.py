"""``kaohe status QUARTER``: what is missing, late or pending, per unit and for the bureau."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from kaohe_docs.engine.assess import Assessment
from kaohe_docs.errors import KaoheError
from kaohe_docs.model import ClaimStatus, Quarter, Status, talk_kind
from kaohe_docs.engine.calendar import submission_deadline, working_days_end

@dataclass
class Section:
    title: str
    items: list[str] = field(default_factory=list)


def quarter_status(a: Assessment, quarter: Quarter, today: dt.date) -> list[Section]:
    """Outstanding items; an empty list means the quarter is complete."""
    records = a.bureau.quarters[quarter]
    sections, unknown = [], None
    try:
        deadline = submission_deadline(quarter, a.policy.submission_day, a.policy.extend_to_workday)
    except KaoheError as exc:  # the calendar does not know next year yet: say so, check the rest
        deadline, unknown = None, exc.message
    for unit in a.bureau.units_in_order():
        uq = records.units.get(unit.id)
        if uq is None:
            continue
        section = Section(unit.name, _unit_items(a, quarter, unit.id, uq, deadline, today))
        if section.items:
            sections.append(section)
    bureau = Section("考核办 / 局党委", ([f"报送截止日期无法确定：{unknown}"] if unknown else []) + _bureau_items(a, quarter, today))
    if bureau.items:
        sections.append(bureau)
    return sections


def _unit_items(a: Assessment, quarter: Quarter, unit_id: str, uq, deadline: dt.date, today: dt.date) -> list[str]:
    items = []
    if deadline is None:
        pass
    elif uq.submitted is None and today > deadline:
        items.append(f"未报送（截止 {deadline}）")
    elif uq.submitted is not None and uq.submitted > deadline:
        items.append(f"逾期报送：{uq.submitted} 报送，截止 {deadline}")
    for r in a.quarter_results(quarter, unit_id):
        e, name = r.entry, r.entry.name
        if e.status is not Status.ASSESSED:
            continue
        if not e.summary:
            items.append(f"{name}：个人小结未填写")
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


def _bureau_items(a: Assessment, quarter: Quarter, today: dt.date) -> list[str]:
    records = a.bureau.quarters[quarter]
    d = records.decision
    if d is None:
        return ["局党委尚未审定（缺 decision.yaml）"]
    items = []
    if d.publicity_start is None:
        items.append("公示尚未开始（decision.yaml 中没有 publicity_start）")
    elif today < d.publicity_start:
        items.append(f"公示尚未开始（定于 {d.publicity_start}）")
    elif today <= (end := working_days_end(d.publicity_start, a.policy.publicity_working_days)):
        items.append(f"公示期中（至 {end}）")
    for appeal in records.appeals.values():
        if appeal.outcome is None:
            items.append(f"复核未办结：{_name(a, appeal.person_id)}（{appeal.received} 收到）")
    for r in a.quarter_results(quarter):
        if r.entry.status is not Status.ASSESSED or r.final is None:
            continue
        fb = records.feedback.get(r.entry.person_id)
        if fb is None:
            items.append(f"结果未反馈：{r.entry.name}（{a.bureau.units[r.entry.unit_id].name}）")
        elif talk_kind(r.final) and fb.talk is None:
            items.append(f"缺{talk_kind(r.final)}记录：{r.entry.name}（{r.final.value}）")
    return items


def _name(a: Assessment, person_id: str) -> str:
    person = a.bureau.people.get(person_id)
    return person.name if person else person_id


def as_text(sections: list[Section], quarter: Quarter) -> str:
    if not sections:
        return f"{quarter.zh}平时考核各项工作已全部完成。\n"
    total = sum(len(s.items) for s in sections)
    lines = [f"{quarter.zh}平时考核尚有 {total} 项未完成："]
    for s in sections:
        lines.append(f"\n{s.title}（{len(s.items)}）：")
        lines += [f"  - {item}" for item in s.items]
    return "\n".join(lines) + "\n"
