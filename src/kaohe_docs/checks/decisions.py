"""The committee's decision: who it names, and where a final 好 comes from."""
from __future__ import annotations

from kaohe_docs.checks.base import Findings, err, warn
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.model import Grade, Status


def decision_names_assessed_people(a: Assessment) -> Findings:
    """The decision names only people assessed by a unit of the bureau that quarter."""
    for quarter, records in a.bureau.quarters.items():
        if records.decision is None or records.incomplete:
            continue
        by_id = {r.entry.person_id: r for r in a.results[quarter]}
        d = records.decision
        for change in (*d.changes.values(), *d.additions.values()):
            r = by_id.get(change.person_id)
            if r is None:
                yield err(change.src, f"审定记录中的警号“{change.person_id}”在 {quarter} 的所室队记录中不存在")
            elif r.entry.status is not Status.ASSESSED:
                yield err(change.src, f"{r.entry.name}（警号 {change.person_id}）本季度为“{r.entry.status.value}”，不能由局党委审定等次")


def final_good_is_recommended_or_added(a: Assessment) -> Findings:
    """A final 好 was recommended by the unit or added by the committee (additions), not both."""
    for quarter, records in a.bureau.quarters.items():
        d = records.decision
        if d is None or records.incomplete:
            continue
        by_id = {r.entry.person_id: r for r in a.results[quarter]}
        for change in d.changes.values():
            r = by_id.get(change.person_id)
            if r is None or r.entry.status is not Status.ASSESSED:
                continue
            if change.grade is Grade.GOOD and not r.recommended:
                yield err(change.src, f"{r.entry.name}（警号 {change.person_id}）审定为“好”，但既不是所室队推荐人选，"
                                      "也未列入党委增加人选（additions）")
            elif change.grade is r.entry.suggested:
                yield warn(change.src, f"{r.entry.name}（警号 {change.person_id}）的审定等次与建议等次相同，无需列入 changes")
        for addition in d.additions.values():
            r = by_id.get(addition.person_id)
            if r is not None and r.recommended:
                yield err(addition.src, f"{r.entry.name}（警号 {addition.person_id}）已是所室队推荐的“好”等次人选，"
                                        "不应再列为党委增加人选")
