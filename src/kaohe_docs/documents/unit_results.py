"""平时考核结果登记表: one per unit, what the unit submits to 考核办."""
from __future__ import annotations

from ..assess import Assessment, Result
from ..model import Quarter
from ..formatting import date_zh, grade_text, number, percent, remark
from . import Document


def unit_results(a: Assessment, quarter: Quarter) -> list[Document]:
    records = a.bureau.quarters[quarter]
    docs = []
    for unit in sorted(a.bureau.units.values(), key=lambda u: u.order):
        uq = records.units.get(unit.id)
        if uq is None:
            continue
        ledger = a.unit_ledgers[(unit.id, quarter)]
        docs.append(Document(
            id=f"{quarter}/结果登记表/{unit.id}", title=f"{a.bureau.info.name}{quarter.zh}平时考核结果登记表（{unit.name}）",
            kind="form", template="unit_results.html", path=f"结果登记表/{unit.order + 1:02d}-{unit.name}",
            period=quarter.zh,
            context={
                "unit": {"name": unit.name}, "period_zh": quarter.zh, "submitted": date_zh(uq.submitted),
                "leader": uq.leader or "", "rows": [_row(a, r) for r in a.quarter_results(quarter, unit.id)],
                "ledger": {"participants": ledger.participants, "entitlement": f"{ledger.entitlement:f}",
                           "carry_in": f"{ledger.carry_in:f}", "available": f"{ledger.available:f}",
                           "allowed": ledger.allowed, "used": ledger.used},
                "weights": _weights(a),
            }))
    return docs


def _row(a: Assessment, r: Result) -> dict:
    s, p = r.score, a.policy
    return {
        "name": r.entry.name, "post": r.person.post if r.person else "",
        "common": number(s.common, p) if s else "", "individual": number(s.individual, p) if s else "",
        "bonus": number(s.bonus, p) if s else "", "total": number(s.total, p) if s else "",
        "suggested": grade_text(r.entry.suggested), "remark": remark(r),
    }


def _weights(a: Assessment) -> dict:
    p = a.policy
    return {"common": percent(p.common_weight), "individual": percent(p.individual_weight),
            "cap": f"{p.bonus_cap:f}", "rounding": f"保留{p.places}位小数（{p.rounding_name}）"}
