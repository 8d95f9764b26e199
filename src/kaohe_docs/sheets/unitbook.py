"""The unit's workbook: a unit's whole quarterly submission, filled in Excel, WPS or LibreOffice.

One workbook per unit and quarter carries everything the unit submits: per person the 共性
elements, the months the unit fills, 建议等次, lower_reason, 不确定等次 / 外单位考核, 备注 and
个人小结 (sheet 1, named after the unit); the 共性指标 items applied to people, one row each (sheet
共性指标项目, with the policy's items listed in sheet 共性指标目录 to pick from); the bonus claims,
one row each (sheet 加分申报); the leader and the submission date (sheet 单位信息, which also names
the unit and the quarter).

The sheets and their columns are declared once (``layout``): export writes them, import reads
them by header, so a column added to a sheet is exported, validated and imported without other
changes (its ``key`` says where the value lives: ``entry_value`` and ``apply._apply_one``). A
further sheet is one ``Sheet`` in ``layout``, its rows in ``EXPORT_ROWS``, its reader in
``unitbook_import.IMPORT_TABLES`` and, when a retyped copy must be told apart, its header in ``MARKERS``.
A column missing from a workbook leaves its records alone; an empty cell keeps the recorded
value (with a warning), as in the other imports.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from kaohe_docs.model import GRADE_NAMES, Bureau, ClaimStatus, Entry, Quarter
from kaohe_docs.records.policy import Policy

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

    def column(self, key: str) -> Column:
        """The column of ``key``; KeyError when the sheet has none (a key is a name in ``layout``, not user input)."""
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"sheet {self.key!r} has no column {key!r}")


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


def file_names(bureau: Bureau, quarter: Quarter) -> dict[str, str]:
    """Unit id → the workbook's file name (by unit name), for every unit with a file in the quarter."""
    from kaohe_docs.filenames import safe_name
    records = bureau.quarters[quarter]
    return {unit.id: f"{safe_name(unit.name)}-{quarter}-考核填报表.xlsx" for unit in bureau.units_in_order()
            if unit.id in records.units}
