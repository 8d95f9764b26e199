"""The 好 quota: a unit's recommendations and the bureau's 好 within their allowance."""
from __future__ import annotations

from kaohe_docs.checks.base import Findings, err, warn
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.engine.quota import LedgerRow
from kaohe_docs.model import AppealOutcome, Grade, Src


def _figures(row: LedgerRow) -> str:
    return (f"参加人数 {row.participants}，本季度名额 {row.entitlement:f}，上季度结转 {row.carry_in:f}，"
            f"累计 {row.available:f}，可报 {row.allowed} 名")


def recommendations_within_allowed(a: Assessment) -> Findings:
    """A unit recommends no more 好 than its cumulative allowance (quota ledger)."""
    for (unit_id, quarter), row in a.unit_ledgers.items():
        if row.over:
            first_extra = [r for r in a.quarter_results(quarter, unit_id) if r.recommended][row.allowed]
            yield err(first_extra.entry.at("suggested"), f"{a.bureau.units[unit_id].name} {quarter} 推荐“好”等次 {row.used} 名，超过可报名额"
                              f"（{_figures(row)}）")


def bureau_within_bound(a: Assessment) -> Findings:
    """The bureau's 好 (including committee additions and appeals) stay within the bureau's allowance."""
    for quarter, row in a.bureau_ledgers.items():
        records = a.bureau.quarters[quarter]
        if not row.over or records.incomplete:
            continue
        if records.decision is None:  # before the meeting: the committee will have to cut
            yield warn(Src(f"records/{quarter.path}", 0), f"各所室队共推荐“好”等次 {row.used} 名，超过全局可用名额"
                                                           f"（{_figures(row)}），局党委审定时须压减")
        else:
            raised = [p for p in records.appeals.values() if p.outcome == AppealOutcome.CHANGED and p.grade is Grade.GOOD]
            src, cause = (raised[-1].src, "（含复核改为“好”的人员）") if raised else (records.decision.src, "")
            yield err(src, f"全局 {quarter} “好”等次 {row.used} 名{cause}，超过全局可用名额（{_figures(row)}）")
