"""Helpers for the spreadsheet tests: workbooks made with openpyxl, the mini bureau, the CLI."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from click.testing import CliRunner

from conftest import FIXTURES
from kaohe_docs.cli import main
from kaohe_docs.records.load import load

UNIT = "records/2026/Q1/units/zhengong.yaml"


MINI = load(FIXTURES / "mini", use_cache=False)


ROSTER = "records/roster.yaml"


def run(root, *args):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def book(path: Path, sheets: dict, hidden_rows=(), hidden_sheets=(), merged=()) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden_sheets:
            ws.sheet_state = "hidden"
        for n in hidden_rows:
            ws.row_dimensions[n].hidden = True
        for cells in merged:
            ws.merge_cells(cells)
    wb.save(path)
    return path


def with_cached_value(path: Path, cell: str, value: str) -> Path:
    """Give a formula cell the cached result Excel would have saved (openpyxl cannot)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                start = text.index(f'<c r="{cell}"')
                end = text.index("</c>", start)
                text = text[:end].replace("<v></v>", "").replace("<v />", "") + f"<v>{value}</v>" + text[end:]
                data = text.encode("utf-8")
            dst.writestr(item, data)
    tmp.replace(path)
    return path


HEAD = ["警号", "姓名", "单位", "1月", "2月", "3月"]


def monthly(root: Path, tmp_path: Path, rows, name="绩效.xlsx", *args, **options):
    return run(root, "import", "monthly", str(book(tmp_path / name, {"一季度": [HEAD, *rows]}, **options)),
               "--quarter", "2026Q1", *args)


def stderr_lines(result) -> list[str]:
    return result.stderr.splitlines()
