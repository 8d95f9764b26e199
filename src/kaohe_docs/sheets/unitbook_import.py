"""Importing a filled unit workbook (``unitbook``): which unit and quarter it is, then each sheet's rows read
by header into planned changes (``imports.Plan``), every problem at its workbook/sheet/row/column."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from kaohe_docs.errors import Diagnostic, Place, error, warning
from kaohe_docs.model import Bureau, Entry, Quarter, Src, Status, UnitQuarter
from kaohe_docs.records.policy import Policy
from kaohe_docs.sheets.unitbook import (
    BONUS,
    CATALOGUE,
    CATALOGUE_HEADER,
    INFO_HEADER,
    ITEMS,
    MARKERS,
    NUMBER,
    OLD_SUBJECT,
    PEOPLE,
    SHOWN,
    SUBJECT,
    UNIT,
    UNIT_ROWS,
    Sheet,
    item_values,
    layout,
)
from kaohe_docs.sheets.unitbook_cells import (
    claim_changes,
    claim_row,
    entry_of,
    first_header,
    person_changes,
    row_values,
    unit_cells,
    unit_changes,
    unit_may_set,
)
from kaohe_docs.sheets.workbook import Cell, Row, Table, filled, number, read_tables, text

if TYPE_CHECKING:  # imported where used, as the other sheet modules do
    from kaohe_docs.sheets.imports import Change, Plan, _People


@dataclass
class Found:
    """What a workbook says: its unit and quarter, and the tables of its sheets."""

    quarter: Quarter | None = None
    unit_id: str | None = None
    tables: dict[str, list[Table]] = field(default_factory=dict)  # sheet key → its tables

    def of(self, key: str) -> list[Table]:
        return self.tables.get(key, [])


def identify(path: Path, tables: list[Table], bureau: Bureau, properties) -> tuple[Found, list[Diagnostic]]:
    """Unit and quarter from the document properties our export writes, else (a workbook retyped with the
    same headers) from the 单位信息 sheet's 单位 and 季度 cells, with a warning."""
    from kaohe_docs.sheets.imports import unit_names
    found = Found()
    diags: list[Diagnostic] = []
    for table in tables:
        key = next((k for k, header in MARKERS.items() if header in table.headers), PEOPLE)
        found.tables.setdefault(key, []).append(table)
    subject, keywords = properties
    if subject in (SUBJECT, OLD_SUBJECT):
        quarter_text, _, unit_id = (keywords or "").partition("|")
        found.quarter, found.unit_id = Quarter.parse(quarter_text), unit_id
        if found.quarter is not None and unit_id:
            return found, diags
    info = next(iter(found.of(UNIT)), None)
    cells = unit_cells(info) or _title_cells(found.of(PEOPLE))
    unit_at, quarter_at = cells.get("单位代码") or cells.get("单位"), cells.get("季度")
    written_unit = text(unit_at[2]) if unit_at else ""
    written_quarter = text(quarter_at[2]) if quarter_at else ""
    if not found.of(PEOPLE) or unit_at is None or quarter_at is None or not written_unit or not written_quarter:
        diags.append(error(path.name, 0, "认不出是哪个单位、哪个季度的填报表：请用 kaohe export sheet 导出的工作簿填写；"
                                         f"自己录入的工作簿须有与导出表相同的表头，并在“{INFO_HEADER}”工作表或表头上方写明“单位”“季度”"))
        return found, diags
    names = unit_names(bureau)
    found.unit_id, found.quarter = names.get(written_unit), Quarter.parse(written_quarter)
    if found.unit_id is None:
        from kaohe_docs.sheets.imports import unknown_unit
        table, row, cell = unit_at
        diags.append(error(table.where(row.number, cell.column), 0, unknown_unit(bureau, written_unit)))
    if found.quarter is None:
        table, row, cell = quarter_at
        diags.append(error(table.where(row.number, cell.column), 0, f"季度“{written_quarter}”应写作 2026Q1"))
    if found.unit_id and found.quarter:
        diags.append(warning(path.name, 0, f"工作簿中没有导出时的标记（自己录入的，或另存为其他格式的）：按表头和“单位”“季度”"
                                           f"单元格识别为 {bureau.units[found.unit_id].name} {found.quarter}，请核对"))
    return found, diags


_LABELLED = re.compile(r"(单位代码|单位|季度)\s*[:：]\s*(\S+)")


def _title_cells(tables: list[Table]) -> dict[str, tuple[Table, Row, Cell]]:
    """单位 and 季度 written above a retyped sheet's headers: “单位：刑侦大队　季度：2026Q1” in one cell, or a
    label cell with its value in the next one."""
    cells: dict[str, tuple[Table, Row, Cell]] = {}
    for table in tables:
        for row in table.above:
            ordered = sorted(row.cells.values(), key=lambda c: (len(c.column), c.column))
            for cell, following in zip(ordered, [*ordered[1:], None]):
                written = text(cell)
                for label, value in _LABELLED.findall(written):
                    cells.setdefault(label, (table, row, Cell(value, cell.column)))
                label = written.rstrip(":：")
                if label in UNIT_ROWS and following is not None:
                    cells.setdefault(label, (table, row, following))
    return cells


def plan(path: Path, bureau: Bureau, policy: Policy):
    """The planned changes of a filled unit workbook (``imports.Plan``), its quarter and unit."""
    from kaohe_docs.sheets.imports import Change, Plan, _People, summary_row
    result = Plan()
    h = policy.sheet_headers
    tables, result.diagnostics = read_tables(path, (*h["id"], INFO_HEADER, CATALOGUE_HEADER), policy.limits)
    if not result.ok:
        return result, None, None
    found, diags = identify(path, tables, bureau, workbook_properties(path))
    result.diagnostics += diags
    if not result.ok:
        return result, None, None
    quarter, unit_id = found.quarter, found.unit_id
    assert quarter is not None and unit_id is not None, "identify reports an error when it cannot tell quarter or unit"
    records = bureau.quarters.get(quarter)
    if records is None or unit_id not in bureau.units:
        result.diagnostics.append(error(path.name, 0, f"没有 {quarter} 的考核记录，或没有单位“{unit_id}”"
                                                      f"（请先 kaohe open {quarter}）"))
        return result, None, None
    context = _Context(bureau, policy, unit_id, records.units.get(unit_id), bureau.units[unit_id].name, _People(bureau, quarter),
                       {s.key: s for s in layout(policy, quarter, bureau.units[unit_id].name)}, result, Change, summary_row)
    for key, read in IMPORT_TABLES.items():
        read(context, found.of(key))
    return result, quarter, unit_id


@dataclass
class _Context:
    """What reading a workbook's sheets shares: the records, the layout and the plan being made."""

    bureau: Bureau
    policy: Policy
    unit_id: str
    uq: UnitQuarter | None
    unit_name: str
    people: _People
    sheets: dict[str, Sheet]
    result: Plan
    Change: type[Change]
    summary_row: Callable[[Table, Row, str | None, str | None, list[Cell | None]], str | None]  # imports.summary_row
    people_rows: dict[str, tuple[Table, Row]] = field(default_factory=dict)  # person → his row in the people sheet

    def entry(self, table: Table, row: Row, seen: dict | None) -> Entry | None:
        h = self.policy.sheet_headers
        return entry_of(self.people, table, row, first_header(table, h["id"]), first_header(table, h["name"]),
                         unit_id=self.unit_id, unit_name=self.unit_name, result=self.result, seen=seen)


def _read_people(c: _Context, tables: list[Table]) -> None:
    seen: dict[str, tuple[Table, Row]] = {}
    sheet = c.sheets[PEOPLE]
    scores = [column.header for column in sheet.columns if column.kind == NUMBER]
    h = c.policy.sheet_headers
    for table in tables:
        for row in table.rows:
            note = c.summary_row(table, row, first_header(table, h["id"]), first_header(table, h["name"]),
                                 [row.cells.get(s) for s in scores])
            if note:
                c.result.notes.append(note)
                continue
            entry = c.entry(table, row, seen)
            if entry is not None:
                c.people_rows[entry.person_id] = (table, row)
                person_changes(c.bureau, entry, table, row, sheet, policy=c.policy, result=c.result, Change=c.Change)


def _read_claims(c: _Context, tables: list[Table]) -> None:
    claims: dict[str, list[dict]] = {}
    for table in tables:
        for row in table.rows:
            entry = c.entry(table, row, None)
            if entry is not None:
                claim = claim_row(table, row, c.sheets[BONUS], c.policy, c.result)
                if claim is not None and unit_may_set(entry, claim, table, row, c.result):
                    claims.setdefault(entry.person_id, []).append(claim)
    for person_id, wanted in claims.items():
        claim_changes(c.bureau, c.people.entries[person_id], wanted, c.result, c.Change)


def _read_unit(c: _Context, tables: list[Table]) -> None:
    for table in tables[:1]:
        if c.uq is not None:
            unit_changes(table, c.uq, c.unit_name, c.policy, c.result, Change=c.Change)


@dataclass
class _Item:
    """A 共性指标 item of a person after the import: a row of the sheet, or (a person the sheet leaves alone) a record."""

    values: dict  # item_values
    table: Table | None = None
    row: Row | None = None
    src: Src | None = None  # of a recorded item

    def at(self, header: str) -> tuple[str | Place, int]:
        """(where, line) of a problem with this item: the row's cell, else the record's line."""
        if self.table is None or self.row is None:
            assert self.src is not None, "an item not read from a row is a recorded one, with its src"
            return self.src.file, self.src.line
        return self.table.where(self.row.number, self.table.headers.get(header)), 0


def _read_items(c: _Context, tables: list[Table]) -> None:
    """The 共性指标项目 sheet lists the unit's items: a person's rows become his ``indicators`` (a person whose rows
    were all deleted keeps an empty list: full marks); checked with the rules and messages of ``checks.indicators``.
    Without the sheet (an earlier export, a retyped workbook) the recorded items stay, still checked against the
    element totals the people sheet writes."""
    sheet = c.sheets[ITEMS]
    listed: dict[str, list[_Item]] = {}
    for table in tables:
        for row in table.rows:
            if not any(filled(row.cells.get(column.header)) for column in sheet.columns if column.kind != SHOWN):
                continue  # only our lookup formulas
            entry = c.entry(table, row, None)
            if entry is None:
                continue
            status = _status_after(c, entry)
            if status is not Status.ASSESSED:
                c.result.diagnostics.append(error(table.where(row.number), 0,
                                                  f"{entry.name}是{status.value}人员，不应填写共性指标项目"))
                continue
            values = row_values(table, row, sheet, c.policy, c.result, required=("item", "matter", "date"),
                                 what="共性指标项目")
            if values is not None:
                listed.setdefault(entry.person_id, []).append(_Item(_written(values), table, row))
    unit = [e for e in c.people.entries.values() if e.unit_id == c.unit_id]
    final = {e.person_id: listed.get(e.person_id, []) if tables and (e.person_id in listed or e.indicators)
             else [_Item(_written(item_values(claim)), src=claim.src) for claim in e.indicators or ()] for e in unit}
    sharers: dict[str, set[str]] = {}
    for person_id, items in final.items():
        for item in items:
            sharers.setdefault(item.values["matter"], set()).add(person_id)
    first, cleared = len(c.result.diagnostics), set()
    for entry in unit:
        cleared |= _check_items(c, entry, final[entry.person_id], sharers, sheet)
    c.result.diagnostics[first:] = sorted(c.result.diagnostics[first:], key=lambda d: d.row)  # in the sheet's order
    # an emptied total now scoring from items is a change (shown), not a blank kept: its warning goes
    c.result.diagnostics = [d for d in c.result.diagnostics
                            if not (d.level == "warning" and Place(d.file, d.sheet, d.row, d.column) in cleared)]
    for entry in unit:
        if entry.person_id in listed:
            _counted_once(c, entry, listed[entry.person_id], sheet)
        if entry.person_id in listed or (tables and entry.indicators):
            _item_changes(c, entry, [i.values for i in final[entry.person_id]])


def _counted_once(c: _Context, entry: Entry, items: list[_Item], sheet: Sheet) -> None:
    """A matter under several items counts once, at the highest value: warned at the row not counted, as check does."""
    from kaohe_docs.checks.base import person
    from kaohe_docs.checks.indicators import counted_once
    from kaohe_docs.engine.indicators import score_items
    from kaohe_docs.model import IndicatorClaim, Src
    rows = {}
    for item in items:
        v = item.values
        claim = IndicatorClaim(v["item"], v["matter"], v.get("date"), v.get("evidence"), v.get("points"), Src("", 0))
        rows[id(claim)] = (claim, item)
    scored = score_items([claim for claim, _ in rows.values()], c.policy.indicators, c.policy.elements,
                         set(c.policy.elements), c.policy.round)
    who = person(entry)
    for kept, dropped in scored.duplicates:
        item = rows[id(dropped.claim)][1]
        c.result.diagnostics.append(warning(*item.at(sheet.column("item").header), counted_once(who, kept, dropped)))


def _status_after(c: _Context, entry: Entry) -> Status:
    """The person's status once the people sheet is imported (it may make him 不确定等次 or 外单位考核)."""
    keys = {change.key[0] for change in c.result.changes if change.person_id == entry.person_id}
    return Status.EXTERNAL if "external" in keys else Status.UNGRADED if "ungraded" in keys else entry.status


def _written(values: dict) -> dict:
    """An item's values as the records write them: in their order, without the empty ones."""
    return {k: values[k] for k in ("item", "matter", "date", "evidence", "points") if values.get(k) is not None}


def _check_items(c: _Context, entry: Entry, items: list[_Item], sharers: dict, sheet: Sheet) -> set[Place]:
    """Each item's value and element checked (reported where it stands); the places of totals emptied for items."""
    from kaohe_docs.checks.base import person
    from kaohe_docs.checks.indicators import mixed_ways, points_problem, unknown_item
    who = person(entry)
    item_h, points_h = sheet.column("item").header, sheet.column("points").header
    dropped: set[Place] = set()
    for item in items:
        v = item.values
        indicator = c.policy.indicators.get(v["item"])
        if item.table is not None:  # a recorded item is the records' business (kaohe check), unless a total meets it
            if indicator is None:
                c.result.diagnostics.append(error(*item.at(item_h), unknown_item(who, v["item"], c.policy.indicators)))
                continue
            problem = points_problem(who, v["item"], v["matter"], v.get("points"), indicator,
                                     shared=len(sharers[v["matter"]]), field=f"“{points_h}”列")
            if problem:
                c.result.diagnostics.append(error(*item.at(points_h if points_h in item.table.headers else item_h), problem))
        if indicator is None:
            continue
        element = indicator.element
        cell, place = _total_cell(c, entry, element)
        if filled(cell):
            value = number(cell, *c.people_rows[entry.person_id], c.policy.places, c.policy.rounding)[0]
            c.result.diagnostics.append(error(*item.at(item_h), mixed_ways(who, element, text(cell) if value is None else value,
                                                                           str(place), v["item"])))
        elif element in entry.common and item.table is not None and cell is not None:
            if place not in dropped:  # the unit cleared the total to score the element from items: shown, not silent
                dropped.add(place)
                c.result.changes.append(c.Change(entry.src.file, entry.person_id, c.bureau.shown_name(entry.person_id, entry.name),
                                                 f"共性“{element}”", entry.common[element], "（按指标项目计分）",
                                                 ("itemised", element)))
        elif element in entry.common and item.table is not None:
            c.result.diagnostics.append(error(*item.at(item_h), mixed_ways(
                who, element, entry.common[element], f"{entry.src.file} 第 {entry.at('common').line} 行", v["item"])))
    return dropped


def _total_cell(c: _Context, entry: Entry, element: str):
    """The people sheet's cell of the person's element total (None when the sheet has no such cell), and its place."""
    found = c.people_rows.get(entry.person_id)
    if found is None or element not in found[0].headers:
        return None, None
    table, row = found
    cell = row.cells.get(element)
    return cell, table.where(row.number, table.headers[element])


def _item_changes(c: _Context, entry: Entry, wanted: list[dict]) -> None:
    """The person's items as the sheet lists them; the preview names the items removed and added."""
    before = [_written(item_values(claim)) for claim in entry.indicators or ()]
    if wanted == before and (entry.indicators is not None or not wanted):
        return
    removed, added = list(before), []
    for item in wanted:
        if item in removed:
            removed.remove(item)
        else:
            added.append(item)
    show = lambda items: "；".join(  # noqa: E731
        f"{i['item']}（{i['matter']}{'，' + format(i['points'], 'f') + ' 分' if i.get('points') is not None else ''}）"
        for i in items) or "（无）"
    old, new = (show(removed), show(added)) if removed or added else ("原顺序", "表中的顺序")
    c.result.changes.append(c.Change(entry.src.file, entry.person_id, c.bureau.shown_name(entry.person_id, entry.name),
                                     "共性指标项目", old, new, ("indicators",), value=wanted))


IMPORT_TABLES = {PEOPLE: _read_people, ITEMS: _read_items, BONUS: _read_claims, UNIT: _read_unit,
                 CATALOGUE: lambda c, tables: None}  # sheet → how its rows become changes (the catalogue: none)


def workbook_properties(path: Path) -> tuple[str | None, str | None]:
    """(subject, keywords) of an xlsx; (None, None) for other files."""
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None, None
    import openpyxl
    try:
        props = openpyxl.load_workbook(path, read_only=True).properties
    except Exception:  # noqa: BLE001 - a damaged file was already reported by read_tables
        return None, None
    return props.subject, props.keywords
