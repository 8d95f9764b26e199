"""The committee's annual choice (records/<year>/annual.yaml): after Q4, eligible people, within the limit."""
from __future__ import annotations

from kaohe_docs.checks.base import Findings, err
from kaohe_docs.engine.annual import annual_rows, excellent_limit, ineligibility, participants, year_complete
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.model import Quarter


def annual_choice_after_fourth_quarter(a: Assessment) -> Findings:
    """The committee's annual 优秀 choice comes after the year's fourth quarter is decided (and its meeting)."""
    for year, decision in sorted(a.bureau.annual.items()):
        q4 = a.bureau.quarters.get(Quarter(year, 4))
        if q4 is None or q4.decision is None:
            yield err(decision.at("excellent"), f"{year}年第四季度平时考核尚未审定（缺少 records/{year}/Q4/decision.yaml），"
                                                  "不能确定年度考核“优秀”人选")
        elif decision.meeting_date < q4.decision.meeting_date:
            yield err(decision.at("meeting_date"), f"年度“优秀”人选的审定日期 {decision.meeting_date} 早于第四季度的审定日期 "
                                                     f"{q4.decision.meeting_date}，须在第四季度审定之后确定")


def annual_choice_is_eligible(a: Assessment) -> Findings:
    """Each annual 优秀 choice had a record that year, is named as on the roster and is eligible (more 好, no 一般/较差)."""
    share = a.policy.excellent_min_good_share
    for year, decision in sorted(a.bureau.annual.items()):
        if not year_complete(a, year):  # reported once by annual_choice_after_fourth_quarter
            continue
        rows = {row.person.id: row for row in annual_rows(a, year)}
        for choice in decision.choices.values():
            row = rows.get(choice.person_id)
            if row is None:
                yield err(choice.src, f"警号“{choice.person_id}”在 {year} 年没有平时考核记录，不能确定为年度“优秀”人选")
                continue
            if choice.name is not None and choice.name != row.person.name:
                yield err(choice.src, f"警号“{choice.person_id}”在花名册中的姓名是“{row.person.name}”，这里写的是“{choice.name}”")
            why = ineligibility(row, share)
            if why is not None:
                yield err(choice.src, f"{row.person.name}（警号 {choice.person_id}）不符合年度“优秀”人选条件：{why}")


def annual_choices_within_limit(a: Assessment) -> Findings:
    """The annual 优秀 choices stay within the policy's share of the year's participants."""
    for year, decision in sorted(a.bureau.annual.items()):
        if not year_complete(a, year):
            continue
        limit, chosen = excellent_limit(a, year), len(decision.choices)
        if chosen > limit:
            yield err(decision.at("excellent"),
                      f"{year}年度“优秀”人选 {chosen} 名，超过上限 {limit} 名（参加平时考核 {participants(a, year)} 人 × "
                      f"{(a.policy.excellent_limit * 100).normalize():f}%，取整数）")
