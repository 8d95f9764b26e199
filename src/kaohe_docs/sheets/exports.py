"""Records out to spreadsheets: results for upward reports (the unit's workbook is ``unitbook``)."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from kaohe_docs.sheets.cells import append_row, inert

HEADER_FILL = "DDE4EE"
_NOT_IN_TITLE = re.compile(r"[\\/*?:\[\]]")  # Excel refuses these in a sheet title


def sheet_title(name: str) -> str:
    """A unit name as a sheet title Excel accepts: at most 31 characters, no \\ / * ? : [ ]."""
    return _NOT_IN_TITLE.sub("_", name).strip("'")[:31] or "_"


def new_workbook():
    import openpyxl
    book = openpyxl.Workbook()
    book.remove(book.active)
    # fixed metadata: the same records give the same file
    import datetime as dt
    book.properties.created = book.properties.modified = dt.datetime(2000, 1, 1)
    book.properties.creator = "kaohe-docs"
    return book


FIXED_TIME = (2000, 1, 1, 0, 0, 0)  # every part's zip time and the document's dates: the same records, the same bytes


def save(book, out: Path) -> Path:
    """Write ``book`` byte for byte the same each time: openpyxl stamps the save time into the zip entries and
    docProps/core.xml (``modified``); both are fixed here. The file is written whole, then moved into place."""
    import os
    import zipfile
    buffer = io.BytesIO()
    book.save(buffer)
    fixed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            entry.compress_type, entry.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(entry, data)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(fixed.getvalue())
    os.replace(partial, out)
    return out


def style_header(ws, widths: list[int]) -> None:
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
    append_row(ws, headers)
    for row in rows:
        cells = [_cell(h, row[h]) for h in headers]
        append_row(ws, [value for value, _ in cells])  # text made inert, scores stay numbers
        for cell, (_, fmt) in zip(ws[ws.max_row], cells):
            if fmt:
                cell.number_format = fmt
    widths = [min(40, max([_width(h)] + [_width(r[h]) for r in rows]) + 2) for h in headers]
    style_header(ws, widths)


def results(rows_by_sheet: dict[str, list[dict]], out: Path, fmt: str) -> Path:
    """Formatted workbook (summary sheet first, one per unit) or one CSV (UTF-8 with BOM)."""
    if fmt == "csv":
        rows = next(iter(rows_by_sheet.values()), [])
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [], lineterminator="\r\n")
        writer.writerow({h: inert(h) for h in writer.fieldnames})
        writer.writerows({k: inert(v) for k, v in row.items()} for row in rows)
        out.write_bytes(("\ufeff" + buffer.getvalue()).encode("utf-8"))
        return out
    book = new_workbook()
    for title, rows in rows_by_sheet.items():
        _sheet(book, title, rows)
    save(book, out)
    return out
