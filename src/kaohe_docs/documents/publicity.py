"""公示: the 好 list (or all grades) after the committee's decision.

Shows only 单位/姓名/职务/等次: no scores, birth dates or other personal data.
"""
from __future__ import annotations

from ..assess import Assessment
from ..model import Grade, Quarter
from ..workdays import working_days_end
from ..formatting import date_zh
from . import Document, person_order


def publicity(a: Assessment, quarter: Quarter) -> Document | None:
    decision = a.bureau.quarters[quarter].decision
    if decision is None:
        return None
    policy, bureau = a.policy, a.bureau
    only_good = policy.publicity_scope == "好"
    shown = [r for r in a.quarter_results(quarter) if r.final is not None and r.score is not None
             and (r.final is Grade.GOOD or not only_good)]
    shown.sort(key=lambda r: person_order(policy, bureau.units[r.entry.unit_id].order, r.entry.name))
    rows = [{"unit": bureau.units[r.entry.unit_id].name, "name": r.entry.name,
             "position": r.person.position if r.person else "", "grade": r.final.value} for r in shown]
    subject = "“好”等次人员" if only_good else "结果"
    start = decision.publicity_start
    if start:
        end = working_days_end(start, policy.publicity_working_days)
        period_text = f"{date_zh(start)}至{date_zh(end)}（{policy.publicity_working_days}个工作日）"
    else:
        period_text = f"自发布之日起{policy.publicity_working_days}个工作日"
    return Document(
        id=f"{quarter}/公示", title=f"关于{bureau.info.name}{quarter.zh}平时考核{subject}的公示",
        kind="notice", template="publicity.html", path="公示", period=quarter.zh,
        context={
            "meeting_date": date_zh(decision.meeting_date), "period_zh": quarter.zh,
            "scope_phrase": f"结果为“好”等次的人员共{len(rows)}名" if only_good else f"结果（共{len(rows)}人）",
            "period_text": period_text, "contact": policy.contact,
            "list_title": f"{quarter.zh}平时考核{'“好”等次人员' if only_good else '结果'}名单",
            "order_note": "按姓氏笔画为序" if policy.list_order == "姓氏笔画" else "按单位排列",
            "rows": rows, "issue_date": date_zh(start),
        })
