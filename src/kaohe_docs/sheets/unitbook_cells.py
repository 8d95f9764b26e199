"""The unit's workbook, cell by cell: a filled cell checked against its column (``unitbook.layout``), a row's
person, and the changes a row asks for (``unitbook_import`` reads the sheets with these)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING

from kaohe_docs.errors import Diagnostic, error, warning
from kaohe_docs.model import Bureau, ClaimStatus, Entry, UnitQuarter
from kaohe_docs.records.policy import Policy
from kaohe_docs.records.yamlio import forbidden_characters
from kaohe_docs.sheets.unitbook import (
    CHOICE,
    DATE,
    GRADE,
    INFO_HEADER,
    LOCKED,
    NUMBER,
    SHOWN,
    TEXT,
    UNIT_ROWS,
    VALUE_HEADER,
    Column,
    Sheet,
    claim_values,
    entry_value,
)
from kaohe_docs.sheets.workbook import Cell, Row, Table, filled, number, text

if TYPE_CHECKING:  # the callers pass these in (unitbook_import's context)
    from kaohe_docs.sheets.imports import Change, Plan, _People


def unit_cells(table: Table | None) -> dict[str, tuple[Table, Row, Cell]]:
    """单位信息: label → (the table, its row, its value cell)."""
    cells: dict[str, tuple[Table, Row, Cell]] = {}
    if table is None:
        return cells
    for row in table.rows:
        label = text(row.cells.get(INFO_HEADER))
        value = row.cells.get(VALUE_HEADER)
        if label and value is not None:
            cells.setdefault(label, (table, row, value))
    return cells


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\Z")


def cell_date(cell: Cell) -> dt.date | str:
    """A date cell, or a text written as 2027-04-08, 2027/4/8 or 2027年4月8日; else the problem."""
    if isinstance(cell.value, dt.datetime):
        return cell.value.date()
    if isinstance(cell.value, dt.date):
        return cell.value
    raw = text(cell)
    match = _DATE.match(raw)
    if match:
        try:
            return dt.date(*map(int, match.groups()))
        except ValueError:
            return f"日期“{raw}”不存在，请核对年月日"
    return f"“{raw}”不是日期，请写作 2027-04-08"


def cell_value(cell: Cell, column: Column, table: Table, row: Row,
               policy: Policy) -> tuple[Decimal | dt.date | str | None, list[Diagnostic]]:
    """(value, diagnostics) of a filled cell, checked against its column's kind."""
    where = table.where(row.number, cell.column)
    if cell.formula and cell.value is None and column.kind != NUMBER:
        return None, [error(where, 0, "是公式，但文件中没有保存计算结果；请在 Excel 中打开、重新计算并保存后再导入")]
    if column.kind == NUMBER:
        score, diags = number(cell, table, row, policy.places, policy.rounding)
        if score is not None and column.maximum is not None and not 0 <= score <= column.maximum:
            what = f"“{column.header}”得分" if column.key.startswith(("common:", "monthly:")) else f"“{column.header}”"
            return None, diags + [error(where, 0, f"{what} {score} 超出 0–{column.maximum}")]
        return score, diags
    if column.kind == DATE:
        day = cell_date(cell)
        return (None, [error(where, 0, day)]) if isinstance(day, str) else (day, [])
    value = text(cell, normalise=column.kind != TEXT)
    if column.kind in (GRADE, CHOICE) and value not in column.choices:
        return None, [error(where, 0, f"“{column.header}”应为 {' | '.join(column.choices)}，现在是“{value}”")]
    bad = forbidden_characters(value)
    if bad:
        return None, [error(where, 0, f"含有不允许的控制字符或不可见的方向控制字符（{bad}），请删除后重新输入")]
    limit = policy.limits.text_length(column.key.partition(":")[2] or column.key)
    if len(value) > limit:
        return None, [error(where, 0, f"“{column.header}”有 {len(value)} 个字，超过上限 {limit} 个字"
                                      f"（政策 limits.text.{column.key.partition(':')[2] or column.key}）")]
    return value, []


def first_header(table: Table, names) -> str | None:
    return next((n for n in names if n in table.headers), None)


def entry_of(people: _People, table: Table, row: Row, id_h: str | None, name_h: str | None, *, unit_id: str,
             unit_name: str, result: Plan, seen: dict[str, tuple[Table, Row]] | None) -> Entry | None:
    person_id, diags = people.find(table, row, id_h, name_h, None)
    result.diagnostics += diags
    if person_id is None:
        return None
    entry = people.entries[person_id]
    if entry.unit_id != unit_id:
        result.diagnostics.append(error(table.where(row.number), 0, f"{entry.name}不属于本表的单位（{unit_name}）"))
        return None
    if seen is not None:
        if person_id in seen:
            first = seen[person_id]
            result.diagnostics.append(error(table.where(row.number), 0,
                                            f"{entry.name}（警号 {person_id}）重复，{first[0].where(first[1].number)} 已有"))
            return None
        seen[person_id] = (table, row)
    return entry


def person_changes(bureau: Bureau, entry: Entry, table: Table, row: Row, sheet: Sheet, *, policy: Policy, result: Plan,
                    Change: type[Change]) -> None:
    for column in sheet.columns:
        if column.kind in LOCKED or column.header not in table.headers:
            continue
        cell = row.cells.get(column.header)
        old = entry_value(entry, column.key)
        if not filled(cell):
            # monthly scores usually arrive from the performance system after the export: a blank is no news
            if old is not None and cell is not None and not column.key.startswith("monthly:"):
                shown = ("个人小结" if column.key == "summary" else f"共性“{column.header}”得分 {old}"
                         if column.key.startswith("common:") else f"“{column.header}” {old}")
                result.diagnostics.append(warning(table.where(row.number, cell.column), 0,
                                                  f"空白，保留记录中{entry.name}的{shown}"))
            continue
        value, diags = cell_value(cell, column, table, row, policy)
        result.diagnostics += diags
        if value is None or value == old:
            continue
        kind, _, part = column.key.partition(":")
        key = (kind, int(part) if kind == "monthly" else part) if part else (kind,)
        label = {"common": f"共性“{part}”", "monthly": f"{part}月绩效"}.get(kind, column.header)
        result.changes.append(Change(entry.src.file, entry.person_id, bureau.shown_name(entry.person_id, entry.name), label,
                                     brief(old), brief(value), key, value=value))


def brief(value):
    """A long text shown in the preview as its start."""
    if isinstance(value, str):
        value = " ".join(value.split("\n"))
        return value[:18] + "……" if len(value) > 20 else value
    return value


def claim_row(table: Table, row: Row, sheet: Sheet, policy: Policy, result: Plan) -> dict | None:
    claim = row_values(table, row, sheet, policy, result, required=("item", "deed"), what="加分申报")
    if claim is not None and "points" in claim and claim.get("item") in policy.catalogue \
            and claim["points"] > policy.catalogue[claim["item"]]:
        result.diagnostics.append(error(table.where(row.number, table.headers.get("分值")), 0,
                                        f"分值 {claim['points']} 超过“{claim['item']}”的分值 {policy.catalogue[claim['item']]}"))
        return None
    return claim


def row_values(table: Table, row: Row, sheet: Sheet, policy: Policy, result: Plan, *, required: tuple[str, ...],
                what: str) -> dict | None:
    """A claim row's filled cells by key, each checked against its column; None when one is wrong or missing."""
    claim: dict = {}
    ok = True
    for column in sheet.columns:
        if column.kind in LOCKED or column.header not in table.headers:
            continue
        cell = row.cells.get(column.header)
        if not filled(cell):
            continue
        value, diags = cell_value(cell, column, table, row, policy)
        result.diagnostics += diags
        if value is None:
            ok = False
            continue
        claim[column.key] = value
    for key in required:
        if key not in claim and ok:
            column = sheet.column(key)
            result.diagnostics.append(error(table.where(row.number, table.headers.get(column.header)), 0,
                                            f"{what}缺少“{column.header}”"))
            ok = False
    return claim if ok else None


UNIT_STATUSES = (ClaimStatus.DECLARED.value, ClaimStatus.CHECKED.value)  # 通过/不通过 are the office's answer


def unit_may_set(entry: Entry, claim: dict, table: Table, row: Row, result: Plan) -> bool:
    """A unit's workbook declares and checks claims; it never approves or rejects one the record does not."""
    status = claim.get("status")
    if status is None or status in UNIT_STATUSES:
        return True
    recorded = next((c.status for c in entry.bonuses if (c.item, c.deed) == (claim["item"], claim["deed"])), None)
    if status == recorded:
        return True
    result.diagnostics.append(error(table.where(row.number, table.headers.get("状态")), 0,
                                    f"“{status}”由考核办审核后填写，所室队的填报表中只能填 {' 或 '.join(UNIT_STATUSES)}"))
    return False


def claim_changes(bureau: Bureau, entry: Entry, wanted: list[dict], result: Plan, Change: type[Change]) -> None:
    """The person's claims as the sheet lists them; a claim left without 状态 keeps its recorded one (else 已申报)."""
    recorded = {(c.item, c.deed): c for c in entry.bonuses}
    claims = []
    for claim in wanted:
        old = recorded.get((claim["item"], claim["deed"]))
        status = claim.get("status") or (old.status if old else ClaimStatus.DECLARED.value)
        claims.append({k: v for k, v in (claim | {"status": status}).items() if v is not None})
    before = [{k: v for k, v in claim_values(c).items() if v is not None} for c in entry.bonuses]
    if claims == before:
        return
    show = lambda items: "；".join(f"{c['item']}（{c['deed']}，{c['status']}）" for c in items) or "（无）"  # noqa: E731
    result.changes.append(Change(entry.src.file, entry.person_id, bureau.shown_name(entry.person_id, entry.name), "加分申报",
                                 show(before), show(claims), ("bonus",), value=claims))


def unit_changes(table: Table, uq: UnitQuarter, unit_name: str, policy: Policy, result: Plan, *,
                 Change: type[Change]) -> None:
    cells = unit_cells(table)
    for label, (key, kind) in UNIT_ROWS.items():
        if kind == SHOWN or label not in cells:
            continue
        _, row, cell = cells[label]
        old = getattr(uq, key)
        if not filled(cell):
            if old is not None:
                result.diagnostics.append(warning(table.where(row.number, cell.column), 0, f"空白，保留记录中的{label} {old}"))
            continue
        column = Column(label, key, kind)
        value, diags = cell_value(cell, column, table, row, policy)
        result.diagnostics += diags
        if value is not None and value != old:
            result.changes.append(Change(uq.src.file, "", unit_name, label, old, value, (key,), value=value))
