"""Compute everything the documents and checks need: scores, final grades, ledgers.

Pure: ``assess(bureau, policy) -> Assessment``; no rule is enforced here (that is ``checks``),
so a record with a problem is still scored and every problem can be reported at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kaohe_docs.engine.quota import LedgerRow, ledger
from kaohe_docs.engine.scoring import Score, score_entry
from kaohe_docs.model import Appeal, AppealOutcome, Bureau, Entry, Grade, GradeChange, Person, Quarter, Status
from kaohe_docs.records.policy import Policy


@dataclass
class Result:
    """One person in one quarter, as decided."""

    entry: Entry
    person: Person | None
    score: Score | None  # None when not graded here (不确定等次, 外单位考核)
    final: Grade | None  # None until the committee has decided (or never, when ungraded)
    addition: bool = False  # 好 chosen by the committee outside the recommendations
    changed: bool = False  # the committee's grade differs from the suggestion
    decided: Grade | None = None  # the committee's grade, before any 复核
    appeal: Appeal | None = None  # 复核; an outcome 改变 replaces the final grade
    change: GradeChange | None = None  # the committee's recorded change or addition, with its reason

    @property
    def recommended(self) -> bool:
        return self.entry.status is Status.ASSESSED and self.entry.suggested is Grade.GOOD

    @property
    def rejected(self) -> bool:
        return self.recommended and self.final is not None and self.final is not Grade.GOOD

    @property
    def missing_months(self) -> tuple[int, ...]:
        """Months without a score while the person was in the bureau (a new hire's earlier months are not missing)."""
        if self.score is None:
            return ()
        present = self.person.months_in(self.entry.quarter) if self.person else self.entry.quarter.months
        return tuple(m for m in self.score.months_missing if m in present)


@dataclass
class Assessment:
    bureau: Bureau
    policy: Policy
    results: dict[Quarter, list[Result]] = field(default_factory=dict)
    unit_ledgers: dict[tuple[str, Quarter], LedgerRow] = field(default_factory=dict)
    bureau_ledgers: dict[Quarter, LedgerRow] = field(default_factory=dict)
    _by_unit: dict[Quarter, Any] = field(default_factory=dict, repr=False, compare=False)  # quarter → (list, count, unit → results)
    pinned: dict[Quarter, Policy] = field(default_factory=dict)  # quarters computed with their approval's policy
    # a quarter's results as approved, before the later 复核/反馈 records: the documents issued at approval
    issued: dict[Quarter, "Assessment"] = field(default_factory=dict)

    def policy_of(self, quarter: Quarter) -> Policy:
        """The policy a quarter's results are computed with."""
        return self.pinned.get(quarter, self.policy)

    def quarter_results(self, quarter: Quarter, unit_id: str | None = None) -> list[Result]:
        if unit_id is None:
            return list(self.results.get(quarter, ()))
        results = self.results.get(quarter, ())
        index = self._by_unit.get(quarter)
        if index is None or index[0] is not results or index[1] != len(results):  # built on first use
            grouped: dict[str, list[Result]] = {}
            for r in results:
                grouped.setdefault(r.entry.unit_id, []).append(r)
            index = self._by_unit[quarter] = (results, len(results), grouped)
        return list(index[2].get(unit_id, ()))

    def decided(self, quarter: Quarter) -> bool:
        records = self.bureau.quarters.get(quarter)
        return bool(records and records.decision)


def counts_in_base(result: Result, policy: Policy) -> bool:
    status = result.entry.status
    return status is Status.ASSESSED or (status is Status.UNGRADED and policy.ungraded_in_base)


def assess(bureau: Bureau, policy: Policy, pinned: dict[Quarter, Policy] | None = None) -> Assessment:
    """Every quarter's results and ledgers; ``pinned``: quarters computed with another policy (an approved
    quarter keeps the policy of its approval, whatever changed since)."""
    out = Assessment(bureau, policy, pinned=dict(pinned or {}))
    for quarter in sorted(bureau.quarters):
        out.results[quarter] = [_result(e, bureau, out.policy_of(quarter)) for e in bureau.entries(quarter)]
    for year in sorted({q.year for q in bureau.quarters}):
        quarters = sorted(q for q in bureau.quarters if q.year == year)
        _ledgers(out, quarters)
    return out


def _result(entry: Entry, bureau: Bureau, policy: Policy) -> Result:
    person = bureau.people.get(entry.person_id)
    if entry.status is Status.EXTERNAL:
        return Result(entry, person, None, entry.external.grade if entry.external else None)
    if entry.status is Status.UNGRADED:
        return Result(entry, person, None, None)
    result = Result(entry, person, score_entry(entry, policy), None)
    records = bureau.quarters[entry.quarter]
    decision = records.decision
    if decision is None:
        return result
    if entry.person_id in decision.additions:
        result.final, result.addition = Grade.GOOD, True
        result.change = decision.additions[entry.person_id]
    elif entry.person_id in decision.changes:
        result.change = decision.changes[entry.person_id]
        result.final = result.change.grade
    else:
        result.final = entry.suggested
    result.changed = result.final is not entry.suggested
    result.decided = result.final
    appeal = records.appeals.get(entry.person_id)
    if appeal is not None:
        result.appeal = appeal
        if appeal.outcome == AppealOutcome.CHANGED and appeal.grade is not None:
            result.final = appeal.grade
    return result


def _ledgers(out: Assessment, quarters: list[Quarter]) -> None:
    policy = out.policy
    rates = {q: (out.policy_of(q).quota_ratio, out.policy_of(q).quota_minimum) for q in out.pinned}
    for unit_id in out.bureau.units:
        steps, lists = [], []
        for quarter in quarters:
            results = out.quarter_results(quarter, unit_id)
            recommended = [r for r in results if r.recommended]
            steps.append((quarter, sum(counts_in_base(r, out.policy_of(quarter)) for r in results), len(recommended)))
            lists.append((recommended, [r for r in results if r.addition]))
        for row, (recommended, additions) in zip(ledger(unit_id, policy.quota_ratio, policy.quota_minimum, steps, rates),
                                                 lists):
            row.recommended = [r.entry.person_id for r in recommended]
            row.approved = [r.entry.person_id for r in recommended if r.final is Grade.GOOD]
            row.rejected = [r.entry.person_id for r in recommended if r.rejected]
            row.additions = [r.entry.person_id for r in additions]
            out.unit_ledgers[(unit_id, row.quarter)] = row
    steps = []
    for quarter in quarters:
        results = out.results[quarter]
        if out.decided(quarter):
            used = sum(r.final is Grade.GOOD for r in results if r.entry.status is Status.ASSESSED)
        else:
            used = sum(r.recommended for r in results)
        steps.append((quarter, sum(counts_in_base(r, out.policy_of(quarter)) for r in results), used))
    for row in ledger("", policy.quota_ratio, policy.quota_minimum, steps, rates):
        out.bureau_ledgers[row.quarter] = row
