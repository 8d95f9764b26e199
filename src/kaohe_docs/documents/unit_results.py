"""平时考核结果登记表: per unit, what the unit submits to 考核办; and its annual variant."""
from __future__ import annotations

from kaohe_docs.documents import Document, col, form_title, post_cell, table
from kaohe_docs.documents.annual import on_basis, tally_lines
from kaohe_docs.documents.formatting import date_zh, grade_text, percent, remark, score_cells
from kaohe_docs.engine.annual import annual_rows
from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.filenames import safe_name
from kaohe_docs.model import Quarter, Status, quarter_name

COLUMNS = [col("序号", "6%"), col("姓名", "10%", "name"), col("职务（职级）", "18%", "left"), col("共性", "", "num"),
           col("个性", "", "num"), col("加分", "", "num"), col("总分", "", "num"), col(("建议", "等次"), "7%"),
           col("备注", "27%", "left")]
LEADERS = ("所室队主要领导审核意见", "分管局领导意见")


def unit_results(a: Assessment, quarter: Quarter) -> list[Document]:
    records, policy = a.bureau.quarters[quarter], a.policy
    docs = []
    for unit in a.bureau.units_in_order():
        uq = records.units.get(unit.id)
        if uq is None:
            continue
        results = a.quarter_results(quarter, unit.id)
        ledger = a.unit_ledgers[(unit.id, quarter)]
        docs.append(table(
            id=f"{quarter}/结果登记表/{unit.id}", title=f"{a.bureau.info.name}{quarter.zh}平时考核结果登记表（{unit.name}）",
            template="unit_results.html", path=f"04-结果登记表/{safe_name(f'{unit.order + 1:02d}-{unit.name}')}", period=quarter.zh,
            heading=form_title(a, "结果登记表"),
            meta=[f"单位（盖章）：{unit.name}", f"考核周期：{quarter.zh}", f"报送日期：{date_zh(uq.submitted)}"],
            columns=COLUMNS, rows=[_row(a, n, r) for n, r in enumerate(results, 1)],
            signatures=LEADERS, leader=uq.leader or "",
            ledger={"participants": ledger.participants, "entitlement": f"{ledger.entitlement:f}",
                    "carry_in": f"{ledger.carry_in:f}", "available": f"{ledger.available:f}",
                    "allowed": ledger.allowed, "used": ledger.used},
            formula={"common": percent(policy.common_weight), "individual": percent(policy.individual_weight),
                     "cap": f"{policy.bonus_cap:f}", "places": policy.places, "rounding": policy.rounding_name}))
    return docs


def _row(a: Assessment, n: int, r: Result) -> list:
    s, p = r.score, a.policy
    scores = score_cells(s, p)
    return [n, r.entry.name, post_cell(r.person), *scores, grade_text(r.entry.suggested), remark(r)]


def unit_results_annual(a: Assessment, year: int) -> list[Document]:
    """The annual variant: each person's Q1–Q4 grades side by side."""
    rows_by_unit: dict[str, list] = {}
    for row in annual_rows(a, year):
        rows_by_unit.setdefault(row.unit_id, []).append(row)
    columns = [col("序号", "5%"), col("姓名", "8%", "name"), col("职务（职级）", "17%", "left"),
               *(col(quarter_name(q), "7%") for q in (1, 2, 3, 4)), col("年度平时考核情况", "20%", "left"),
               col("备注", "", "left")]
    docs = []
    for unit in a.bureau.units_in_order():
        rows = rows_by_unit.get(unit.id)
        if not rows:
            continue
        docs.append(on_basis(table(
            id=f"{year}/结果登记表/{unit.id}", title=f"{a.bureau.info.name}{year}年度平时考核结果登记表（{unit.name}）",
            template="unit_results_annual.html", path=f"06-年度结果登记表/{safe_name(f'{unit.order + 1:02d}-{unit.name}')}",
            period=f"{year}年度", landscape=True, heading=f"{a.bureau.info.name}{year}年度平时考核结果登记表",
            meta=[f"单位（盖章）：{unit.name}", f"考核年度：{year}年"], columns=columns,
            rows=[[n, r.person.name, post_cell(r.person), *(_quarter_cell(r, q) for q in (1, 2, 3, 4)),
                   tally_lines(r), _moves(a, r)] for n, r in enumerate(rows, 1)],
            signatures=LEADERS[:1]), a, year))
    return docs


def _quarter_cell(row, q: int) -> str:
    result = row.quarters.get(q)
    if result is None:
        return "—"
    if result.entry.ungraded_reason:
        return Status.UNGRADED.value
    return grade_text(result.final) or "—"


def _moves(a: Assessment, row) -> str:
    units = []
    for q in (1, 2, 3, 4):
        result = row.quarters.get(q)
        if result is not None and result.entry.unit_id not in units:
            units.append(result.entry.unit_id)
    if len(units) < 2:
        return ""
    return "调动：" + "→".join(a.bureau.unit_name(u) for u in units)
