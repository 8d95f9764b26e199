"""The 好 quota: a unit's recommendations and the bureau's 好 within their allowance."""
from __future__ import annotations

from ..model import Src
from . import err, rule


def _figures(row) -> str:
    return (f"参加人数 {row.participants}，本季度名额 {row.entitlement:f}，上季度结转 {row.carry_in:f}，"
            f"累计 {row.available:f}，可报 {row.allowed} 名")


@rule
def recommendations_within_allowed(a):
    for (unit_id, quarter), row in a.unit_ledgers.items():
        if row.over:
            uq = a.bureau.quarters[quarter].units[unit_id]
            yield err(uq.src, f"{a.bureau.units[unit_id].name} {quarter} 推荐“好”等次 {row.used} 名，超过可报名额"
                              f"（{_figures(row)}）")


@rule
def bureau_within_bound(a):
    for quarter, row in a.bureau_ledgers.items():
        if row.over:
            decision = a.bureau.quarters[quarter].decision
            src = decision.src if decision else Src(f"records/{quarter.path}", 0)
            yield err(src, f"全局 {quarter} “好”等次 {row.used} 名，超过全局可用名额（{_figures(row)}）")
