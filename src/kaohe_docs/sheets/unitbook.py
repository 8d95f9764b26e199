"""The unit's workbook: a unit's whole quarterly submission, filled in Excel, WPS or LibreOffice.

One workbook per unit and quarter carries everything the unit submits: per person the 共性
elements, the months the unit fills, 建议等次, lower_reason, 不确定等次 / 外单位考核, 备注 and
个人小结 (sheet 1, named after the unit); the 共性指标 items applied to people, one row each (sheet
共性指标项目, with the policy's items listed in sheet 共性指标目录 to pick from); the bonus claims,
one row each (sheet 加分申报); the leader and the submission date (sheet 单位信息, which also names
the unit and the quarter).

The sheets and their columns are declared once (``layout``): export writes them, import reads
them by header, so a column added to a sheet is exported, validated and imported without other
changes (its ``key`` says where the value lives: ``entry_value`` and ``imports._apply_one``). A
further sheet is one ``Sheet`` in ``layout``, its rows in ``EXPORT_ROWS``, its reader in
``IMPORT_TABLES`` and, when a retyped copy must be told apart, its header in ``MARKERS``.
A column missing from a workbook leaves its records alone; an empty cell keeps the recorded
value (with a warning), as in the other imports.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from kaohe_docs.errors import Diagnostic, Place, error, warning
from kaohe_docs.model import GRADE_NAMES, Bureau, ClaimStatus, Entry, Quarter, Status, UnitQuarter
from kaohe_docs.records.policy import Policy
from kaohe_docs.records.yamlio import forbidden_characters
from kaohe_docs.sheets.workbook import Cell, Row, Table, filled, number, read_tables, text

SUBJECT = "kaohe-docs 所室队季度考核填报表"
OLD_SUBJECT = "kaohe-docs 共性指标评分表"  # workbooks exported by earlier versions (共性 only) still import

# kinds of column
ID, NAME, SHOWN, NUMBER, TEXT, GRADE, CHOICE, DATE = "id", "name", "shown", "number", "text", "grade", "choice", "date"
INDICATOR = "indicator"  # a 共性指标 item id, picked from the 共性指标目录 sheet (checked as the records are)
LOCKED = (ID, NAME, SHOWN)

PEOPLE, BONUS, UNIT = "people", "bonus", "unit"  # the sheets, by what one row is
ITEMS, CATALOGUE = "items", "catalogue"  # 共性指标 items applied to people; the policy's items (reference only)
INFO_HEADER, VALUE_HEADER = "填报项", "内容"
ITEM_HEADER = "加分项目"
INDICATOR_HEADER, CATALOGUE_HEADER = "指标项目", "项目编号"
CATALOGUE_TITLE = "共性指标目录"
ROOM = 50  # blank rows, validated and unlocked, below the claims and items a growing sheet lists


@dataclass(frozen=True)
class Column:
    header: str
    key: str  # where the value lives: "summary", "common:德", "monthly:1", "external:body", a claim's "item"
    kind: str
    width: int = 10
    maximum: Decimal | None = None  # NUMBER: 0 … maximum
    choices: tuple[str, ...] = ()  # GRADE, CHOICE
    prompt: str = ""  # shown by Excel when the cell is selected
    lookup: int = 0  # SHOWN: the 共性指标目录 column this cell shows for the row's item (a formula), 0: a value


@dataclass(frozen=True)
class Sheet:
    key: str  # PEOPLE, BONUS, UNIT, ITEMS, CATALOGUE
    title: str
    columns: tuple[Column, ...]
    growing: bool = False  # one row per claim: rows to add, 警号 and 姓名 written by the unit

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


def layout(policy: Policy, quarter: Quarter, unit_name: str) -> tuple[Sheet, ...]:
    """Every sheet and column of the unit's workbook, in order (the one declaration)."""
    grades = tuple(GRADE_NAMES)
    people = (
        Column("警号", "id", ID, 10), Column("姓名", "name", NAME, 10), Column("职务（职级）", "post", SHOWN, 20),
        *(Column(e, f"common:{e}", NUMBER, 7, m, prompt=f"共性“{e}”得分，0 到 {m}" + (
            "；按指标项目计分的留空，在“共性指标项目”表中逐项填写" if any(i.element == e for i in policy.indicators.values()) else ""))
          for e, m in policy.elements.items()),
        *(Column(f"{m}月绩效", f"monthly:{m}", NUMBER, 9, policy.monthly_max, prompt=f"{m}月绩效考评得分（已由考核办导入的可不填）")
          for m in quarter.months),
        Column("建议等次", "suggested", GRADE, 9, choices=grades, prompt="所室队主要领导的建议等次"),
        Column("低于分数段理由", "lower_reason", TEXT, 16, prompt="建议等次低于分数段可评等次时写明理由"),
        Column("不确定等次原因", "ungraded", TEXT, 16, prompt="不确定等次的写明原因（不填分数和建议等次）"),
        Column("外单位考核机关", "external:body", TEXT, 18, prompt="由外单位考核的：考核机关"),
        Column("外单位考核等次", "external:grade", GRADE, 9, choices=grades),
        Column("外单位考核文号", "external:document", TEXT, 16),
        Column("备注", "note", TEXT, 16, prompt="借用、调入等，印在结果登记表上"),
        Column("个人小结", "summary", TEXT, 60, prompt="本人填写的个人小结"),
    )
    bonus = (
        Column("警号", "id", ID, 10), Column("姓名", "name", NAME, 10),
        Column(ITEM_HEADER, "item", CHOICE, 14, choices=tuple(policy.catalogue), prompt="政策加分目录中的项目"),
        Column("事项", "deed", TEXT, 30, prompt="同一事项多项加分只记一次"),
        Column("分值", "points", NUMBER, 7, max(policy.catalogue.values(), default=Decimal(0)),
               prompt="多人共同完成的事项：单位确定的本人分值"),
        Column("依据", "evidence", TEXT, 20, prompt="文号、材料"),
        Column("状态", "status", CHOICE, 9, choices=tuple(s.value for s in ClaimStatus), prompt="新申报的填“已申报”或“待审核”"),
        Column("不通过理由", "reason", TEXT, 20),
    )
    unit = (Column(INFO_HEADER, "label", SHOWN, 12), Column(VALUE_HEADER, "value", TEXT, 30))
    items = (
        Column("警号", "id", ID, 10), Column("姓名", "name", NAME, 10),
        Column(INDICATOR_HEADER, "item", INDICATOR, 10, prompt=f"项目编号，见“{CATALOGUE_TITLE}”表"),
        Column("要素", "element", SHOWN, 6, lookup=2), Column("项目内容", "text", SHOWN, 36, lookup=3),
        Column("标准分值", "value", SHOWN, 11, lookup=4),
        Column("事项", "matter", TEXT, 30, prompt="具体事项；同一事项涉及几个项目只记一次，分值就高不就低"),
        Column("日期", "date", DATE, 11, prompt="事项发生的日期，如 2026-03-06"),
        Column("分值", "points", NUMBER, 7, max((i.high for i in policy.indicators.values()), default=Decimal(0)),
               prompt="本人分值：标准分值是范围的必填；同一事项涉及多人的，由单位确定每人分值"),
        Column("依据", "evidence", TEXT, 20, prompt="督察通报、文号、记录"),
    )
    catalogue = (Column(CATALOGUE_HEADER, "id", SHOWN, 10), Column("要素", "element", SHOWN, 6),
                 Column("项目内容", "text", SHOWN, 50), Column("标准分值", "value", SHOWN, 12))
    return (Sheet(PEOPLE, unit_name, people), Sheet(ITEMS, "共性指标项目", items, growing=True),
            Sheet(BONUS, "加分申报", bonus, growing=True), Sheet(UNIT, "单位信息", unit),
            Sheet(CATALOGUE, CATALOGUE_TITLE, catalogue))


# the header that tells a sheet from the others (a retyped workbook may name its sheets anything); PEOPLE otherwise
MARKERS = {UNIT: INFO_HEADER, BONUS: ITEM_HEADER, ITEMS: INDICATOR_HEADER, CATALOGUE: CATALOGUE_HEADER}


# the rows of the 单位信息 sheet: label → (key, kind); the first three name the workbook and stay locked
UNIT_ROWS = {"单位": ("unit", SHOWN), "单位代码": ("unit_id", SHOWN), "季度": ("quarter", SHOWN),
             "主要领导": ("leader", TEXT), "报送日期": ("submitted", DATE)}


# -- reading a record's values ---------------------------------------------------------------------

def entry_value(entry: Entry, key: str, post: str = ""):
    """The recorded value of a column, as the workbook shows it (Decimal, text or None)."""
    kind, _, part = key.partition(":")
    if kind == "common":
        return entry.common.get(part)
    if kind == "monthly":
        return entry.monthly.get(int(part))
    if kind == "external":
        if entry.external is None:
            return None
        value = getattr(entry.external, part)
        return value.value if part == "grade" and value is not None else value
    if key == "id":
        return entry.person_id
    if key == "post":
        return post
    if key == "suggested":
        return entry.suggested.value if entry.suggested else None
    if key == "ungraded":
        return entry.ungraded_reason
    return getattr(entry, key)


def claim_values(claim) -> dict:
    return {"item": claim.item, "deed": claim.deed, "points": claim.points, "evidence": claim.evidence,
            "status": claim.status, "reason": claim.reason}


def item_values(claim) -> dict:
    """A 共性指标 item applied to a person, in the order the records write it."""
    return {"item": claim.item, "matter": claim.matter, "date": claim.date, "evidence": claim.evidence,
            "points": claim.points}


# -- export ----------------------------------------------------------------------------------------

def export(a, quarter: Quarter, unit_id: str, out: Path) -> Path:
    """The unit's workbook: names and 警号 locked, scores, grades and dates validated."""
    from kaohe_docs.sheets.cells import append_row
    from kaohe_docs.sheets.exports import new_workbook, save, sheet_title, style_header
    book = new_workbook()
    book.properties.subject = SUBJECT
    book.properties.keywords = f"{quarter}|{unit_id}"
    for sheet in layout(a.policy, quarter, a.bureau.units[unit_id].name):
        if sheet.key in (ITEMS, CATALOGUE) and not a.policy.indicators:
            continue  # element totals only: nothing to pick from
        ws = book.create_sheet(title=sheet_title(sheet.title))
        append_row(ws, [c.header for c in sheet.columns])
        for values in EXPORT_ROWS[sheet.key](a, quarter, unit_id, sheet):
            append_row(ws, [_shown(values.get(c.key)) for c in sheet.columns])
        _protect(ws, sheet, len(a.policy.indicators))
        style_header(ws, [c.width for c in sheet.columns])
        _printable(ws)
    return save(book, out)


def _people_rows(a, quarter: Quarter, unit_id: str, sheet: Sheet):
    for r in a.quarter_results(quarter, unit_id):
        post = r.person.post if r.person else ""
        yield {c.key: entry_value(r.entry, c.key, post) for c in sheet.columns}


def _claim_rows(a, quarter: Quarter, unit_id: str, sheet: Sheet):
    for r in a.quarter_results(quarter, unit_id):
        for claim in r.entry.bonuses:
            yield claim_values(claim) | {"id": r.entry.person_id, "name": r.entry.name}


def _item_rows(a, quarter: Quarter, unit_id: str, sheet: Sheet):
    for r in a.quarter_results(quarter, unit_id):
        for claim in r.entry.indicators or ():
            yield item_values(claim) | {"id": r.entry.person_id, "name": r.entry.name}


def _catalogue_rows(a, quarter: Quarter, unit_id: str, sheet: Sheet):
    for i in a.policy.indicators.values():
        yield {"id": i.id, "element": i.element, "text": i.text, "value": i.value_text}


def _unit_rows(a, quarter: Quarter, unit_id: str, sheet: Sheet):
    unit, uq = a.bureau.units[unit_id], a.bureau.quarters[quarter].units.get(unit_id)
    values = {"unit": unit.name, "unit_id": unit.id, "quarter": str(quarter),
              "leader": uq.leader if uq else None, "submitted": uq.submitted if uq else None}
    for label, (key, _) in UNIT_ROWS.items():
        yield {"label": label, "value": values[key]}


EXPORT_ROWS = {PEOPLE: _people_rows, ITEMS: _item_rows, BONUS: _claim_rows, UNIT: _unit_rows,
               CATALOGUE: _catalogue_rows}  # sheet → its rows' values


def _printable(ws) -> None:
    """Printed as a clerk would: landscape A4, all columns on one page wide, the header row on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"


def _shown(value):
    """A record value as a cell: numbers stay numbers (Excel sums them), text stays text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _protect(ws, sheet: Sheet, catalogue: int = 0) -> None:
    """Locked identity cells, the rest open; validation on numbers, grades, choices and dates; on the 共性指标项目
    sheet, the element, text and value of the row's item looked up in the 共性指标目录 sheet (``catalogue`` rows)."""
    from openpyxl.styles import Alignment, Protection
    from openpyxl.worksheet.datavalidation import DataValidation
    last = max(ws.max_row, 2)
    rows = max(last + ROOM, 100) if sheet.growing else last  # room for new claims, however many are listed
    listed = f"'{CATALOGUE_TITLE}'!$A$2:$D${catalogue + 1}"
    item = next((ws.cell(row=1, column=i).column_letter for i, c in enumerate(sheet.columns, 1) if c.kind == INDICATOR), "")
    for index, column in enumerate(sheet.columns, 1):
        letter = ws.cell(row=1, column=index).column_letter
        for row in range(2, rows + 1):
            cell = ws.cell(row=row, column=index)
            if column.kind in (ID, NAME):
                cell.number_format = "@"
            elif column.kind == DATE:
                cell.number_format = "yyyy-mm-dd"
            if column.lookup and item:  # our own formula, never text from the records
                missing = '"（目录中没有）"' if column.lookup == 2 else '""'
                cell.value = (f'=IF(${item}{row}="","",IFERROR(VLOOKUP(${item}{row},{listed},{column.lookup},FALSE),'
                              f'{missing}))')
            editable = column.kind not in LOCKED or (sheet.growing and column.kind in (ID, NAME))
            if sheet.key == UNIT:
                editable = column.kind not in LOCKED and row > 4  # 单位、单位代码、季度 stay as exported
            cell.protection = Protection(locked=not editable)
            if column.key == "summary":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        rule = None
        if column.kind == NUMBER and column.maximum is not None:
            rule = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(column.maximum),
                                  allow_blank=True, showErrorMessage=True, errorTitle="分数超出范围",
                                  error=f"“{column.header}”应在 0 到 {column.maximum} 之间")
        elif column.kind in (GRADE, CHOICE) and column.choices and len(",".join(column.choices)) < 250:
            rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                                  showErrorMessage=True, errorTitle="不在可选范围内",
                                  error=f"“{column.header}”可填：{'、'.join(column.choices)}")
        elif column.kind == INDICATOR and catalogue:
            rule = DataValidation(type="list", formula1=f"'{CATALOGUE_TITLE}'!$A$2:$A${catalogue + 1}",
                                  allow_blank=True, showErrorMessage=True, errorTitle="不在量化考核指标中",
                                  error=f"“{column.header}”请从“{CATALOGUE_TITLE}”表的项目编号中选择")
        if rule is not None:
            if column.prompt:
                rule.showInputMessage, rule.prompt = True, column.prompt
            ws.add_data_validation(rule)
            rule.add(f"{letter}2:{letter}{rows}")
    if sheet.key == UNIT:
        ws.cell(row=6, column=2).number_format = "yyyy-mm-dd"
    ws.protection.sheet = True


# -- import ----------------------------------------------------------------------------------------

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
    found, diags = Found(), []
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
    cells = _unit_cells(info) or _title_cells(found.of(PEOPLE))
    unit_at, quarter_at = cells.get("单位代码") or cells.get("单位"), cells.get("季度")
    written_unit = text(unit_at[2]) if unit_at else ""
    written_quarter = text(quarter_at[2]) if quarter_at else ""
    if not found.of(PEOPLE) or not written_unit or not written_quarter:
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


def _unit_cells(table: Table | None) -> dict[str, tuple[Table, Row, Cell]]:
    """单位信息: label → (the table, its row, its value cell)."""
    cells: dict[str, tuple[Table, Row, Cell]] = {}
    for row in table.rows if table is not None else ():
        label = text(row.cells.get(INFO_HEADER))
        value = row.cells.get(VALUE_HEADER)
        if label and value is not None:
            cells.setdefault(label, (table, row, value))
    return cells


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


def cell_value(cell: Cell, column: Column, table: Table, row: Row, policy: Policy):
    """(value, diagnostics) of a filled cell, checked against its column's kind."""
    where = table.where(row.number, cell.column)
    if cell.formula and cell.value is None and column.kind != NUMBER:
        return None, [error(where, 0, "是公式，但文件中没有保存计算结果；请在 Excel 中打开、重新计算并保存后再导入")]
    if column.kind == NUMBER:
        value, diags = number(cell, table, row, policy.places, policy.rounding)
        if value is not None and column.maximum is not None and not 0 <= value <= column.maximum:
            what = f"“{column.header}”得分" if column.key.startswith(("common:", "monthly:")) else f"“{column.header}”"
            return None, diags + [error(where, 0, f"{what} {value} 超出 0–{column.maximum}")]
        return value, diags
    if column.kind == DATE:
        value = cell_date(cell)
        return (None, [error(where, 0, value)]) if isinstance(value, str) else (value, [])
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
    people: object  # imports._People
    sheets: dict[str, Sheet]
    result: object  # imports.Plan
    Change: type
    summary_row: object
    people_rows: dict[str, tuple[Table, Row]] = field(default_factory=dict)  # person → his row in the people sheet

    def entry(self, table: Table, row: Row, seen: dict | None) -> Entry | None:
        h = self.policy.sheet_headers
        return _entry_of(self.people, table, row, _first(table, h["id"]), _first(table, h["name"]), self.unit_id,
                         self.unit_name, self.result, seen)


def _read_people(c: _Context, tables: list[Table]) -> None:
    seen: dict[str, tuple[Table, Row]] = {}
    sheet = c.sheets[PEOPLE]
    scores = [column.header for column in sheet.columns if column.kind == NUMBER]
    h = c.policy.sheet_headers
    for table in tables:
        for row in table.rows:
            note = c.summary_row(table, row, _first(table, h["id"]), _first(table, h["name"]),
                                 [row.cells.get(s) for s in scores])
            if note:
                c.result.notes.append(note)
                continue
            entry = c.entry(table, row, seen)
            if entry is not None:
                c.people_rows[entry.person_id] = (table, row)
                _person_changes(c.bureau, entry, table, row, sheet, c.policy, c.result, c.Change)


def _read_claims(c: _Context, tables: list[Table]) -> None:
    claims: dict[str, list[dict]] = {}
    for table in tables:
        for row in table.rows:
            entry = c.entry(table, row, None)
            if entry is not None:
                claim = _claim(table, row, c.sheets[BONUS], c.policy, c.result)
                if claim is not None and _unit_may_set(entry, claim, table, row, c.result):
                    claims.setdefault(entry.person_id, []).append(claim)
    for person_id, wanted in claims.items():
        _claim_changes(c.bureau, c.people.entries[person_id], wanted, c.result, c.Change)


def _read_unit(c: _Context, tables: list[Table]) -> None:
    for table in tables[:1]:
        if c.uq is not None:
            _unit_changes(table, c.uq, c.unit_name, c.policy, c.result, c.Change)


@dataclass
class _Item:
    """A 共性指标 item of a person after the import: a row of the sheet, or (a person the sheet leaves alone) a record."""

    values: dict  # item_values
    table: Table | None = None
    row: Row | None = None
    src: object = None  # model.Src of a recorded item

    def at(self, header: str):
        """(where, line) of a problem with this item: the row's cell, else the record's line."""
        if self.table is None:
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
            values = _row_values(table, row, sheet, c.policy, c.result, ("item", "matter", "date"), "共性指标项目")
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
            problem = points_problem(who, v["item"], v["matter"], v.get("points"), indicator, len(sharers[v["matter"]]),
                                     f"“{points_h}”列")
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


def _first(table: Table, names) -> str | None:
    return next((n for n in names if n in table.headers), None)


def _entry_of(people, table, row, id_h, name_h, unit_id, unit_name, result, seen) -> Entry | None:
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


def _person_changes(bureau: Bureau, entry: Entry, table: Table, row: Row, sheet: Sheet, policy: Policy, result,
                    Change) -> None:
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


def _claim(table: Table, row: Row, sheet: Sheet, policy: Policy, result) -> dict | None:
    claim = _row_values(table, row, sheet, policy, result, ("item", "deed"), "加分申报")
    if claim is not None and "points" in claim and claim.get("item") in policy.catalogue \
            and claim["points"] > policy.catalogue[claim["item"]]:
        result.diagnostics.append(error(table.where(row.number, table.headers.get("分值")), 0,
                                        f"分值 {claim['points']} 超过“{claim['item']}”的分值 {policy.catalogue[claim['item']]}"))
        return None
    return claim


def _row_values(table: Table, row: Row, sheet: Sheet, policy: Policy, result, required: tuple[str, ...],
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


def _unit_may_set(entry: Entry, claim: dict, table: Table, row: Row, result) -> bool:
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


def _claim_changes(bureau: Bureau, entry: Entry, wanted: list[dict], result, Change) -> None:
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


def _unit_changes(table: Table, uq: UnitQuarter, unit_name: str, policy: Policy, result, Change) -> None:
    cells = _unit_cells(table)
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


def file_names(bureau: Bureau, quarter: Quarter) -> dict[str, str]:
    """Unit id → the workbook's file name (by unit name), for every unit with a file in the quarter."""
    from kaohe_docs.filenames import safe_name
    records = bureau.quarters[quarter]
    return {unit.id: f"{safe_name(unit.name)}-{quarter}-考核填报表.xlsx" for unit in bureau.units_in_order()
            if unit.id in records.units}

