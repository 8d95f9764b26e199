"""Records out to spreadsheets: unit score sheets to fill in, results for upward reports."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from kaohe_docs.engine.assess import Assessment
from kaohe_docs.model import Quarter, Status

SHEET_SUBJECT = "kaohe-docs 共性指标评分表"
HEADER_FILL = "DDE4EE"
_NOT_IN_TITLE = re.compile(r"[\\/*?:\[\]]")  # Excel refuses these in a sheet title


def sheet_title(name: str) -> str:
    """A unit name as a sheet title Excel accepts: at most 31 characters, no \\ / * ? : [ ]."""
    return _NOT_IN_TITLE.sub("_", name).strip("'")[:31] or "_"


def _workbook():
    import openpyxl
    book = openpyxl.Workbook()
    book.remove(book.active)
    # fixed metadata: the same records give the same file
    import datetime as dt
    book.properties.created = book.properties.modified = dt.datetime(2000, 1, 1)
    book.properties.creator = "kaohe-docs"
    return book


def _style_header(ws, widths: list[int]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.freeze_panes = "A2"


def _width(value) -> int:
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(value))


NUMERIC_COLUMNS = ("共性", "个性", "加分", "总分")  # scores: numeric cells shown with the policy's places
_DECIMAL_TEXT = re.compile(r"-?\d+(\.\d+)?\Z")


def _cell(header: str, value):
    """A score written by ``number()`` as text goes into the workbook as a number (Excel can sum it)."""
    if header in NUMERIC_COLUMNS and isinstance(value, str) and _DECIMAL_TEXT.match(value):
        return float(value), "0." + "0" * len(value.partition(".")[2]) if "." in value else "0"
    return value, None


def _sheet(book, title: str, rows: list[dict]) -> None:
    ws = book.create_sheet(title=sheet_title(title))
    headers = list(rows[0]) if rows else []
    ws.append(headers)
    for n, row in enumerate(rows, 2):
        for i, h in enumerate(headers, 1):
            value, fmt = _cell(h, row[h])
            cell = ws.cell(row=n, column=i, value=value)
            if fmt:
                cell.number_format = fmt
    widths = [min(40, max([_width(h)] + [_width(r[h]) for r in rows]) + 2) for h in headers]
    _style_header(ws, widths)


def unit_sheet(a: Assessment, quarter: Quarter, unit_id: str, out: Path) -> Path:
    """An xlsx for a unit to fill in the 共性 element scores: ID and name locked, ranges validated."""
    from openpyxl.styles import Protection
    from openpyxl.worksheet.datavalidation import DataValidation
    book = _workbook()
    book.properties.subject = SHEET_SUBJECT
    book.properties.keywords = f"{quarter}|{unit_id}"
    unit = a.bureau.units[unit_id]
    ws = book.create_sheet(title=sheet_title(unit.name))
    elements = list(a.policy.elements)
    ws.append(["警号", "姓名", "职务（职级）", *elements])
    for r in a.quarter_results(quarter, unit_id):
        if r.entry.status is not Status.ASSESSED:
            continue
        ws.append([r.entry.person_id, r.entry.name, r.person.post if r.person else "",
                   *(float(r.entry.common[e]) if e in r.entry.common else None for e in elements)])
    last = ws.max_row
    for i, (element, maximum) in enumerate(a.policy.elements.items(), 4):
        letter = ws.cell(row=1, column=i).column_letter
        rule = DataValidation(type="decimal", operator="between", formula1="0", formula2=str(maximum), allow_blank=True,
                              showErrorMessage=True, errorTitle="分数超出范围", error=f"“{element}”应在 0 到 {maximum} 之间")
        ws.add_data_validation(rule)
        rule.add(f"{letter}2:{letter}{max(last, 2)}")
        for row in range(2, last + 1):
            ws.cell(row=row, column=i).protection = Protection(locked=False)
    _style_header(ws, [10, 10, 24, *([8] * len(elements))])
    for row in range(2, last + 1):
        ws.cell(row=row, column=1).number_format = "@"
    ws.protection.sheet = True
    book.save(out)
    return out


def sheet_identity(path: Path) -> tuple[Quarter | None, str | None, str | None]:
    """(quarter, unit id, problem) from a sheet made by ``unit_sheet``."""
    import openpyxl
    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception:
        return None, None, "无法读取工作簿：文件损坏，或不是 .xlsx 格式"
    props = book.properties
    quarter_text, _, unit_id = (props.keywords or "").partition("|")
    quarter = Quarter.parse(quarter_text)
    if props.subject != SHEET_SUBJECT or quarter is None or not unit_id:
        return None, None, "不是由 kaohe export sheet 导出的评分表（请用导出的表填写，不要另建工作簿）"
    return quarter, unit_id, None


def results(rows_by_sheet: dict[str, list[dict]], out: Path, fmt: str) -> Path:
    """Formatted workbook (summary sheet first, one per unit) or one CSV (UTF-8 with BOM)."""
    if fmt == "csv":
        rows = next(iter(rows_by_sheet.values()), [])
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [], lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
        out.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))
        return out
    book = _workbook()
    for title, rows in rows_by_sheet.items():
        _sheet(book, title, rows)
    book.save(out)
    return out
