"""Reading spreadsheets (xlsx, CSV) as tables, with every problem located precisely.

A problem names workbook, sheet, row and column (``绩效.xlsx [3月] 第12行 D列: …``). Values are
normalised only where that is unambiguous (``９５`` and ``95分`` read as 95, with a warning);
anything else is an error. Formulas use the value Excel cached when the file was saved.
"""
from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from kaohe_docs.errors import Diagnostic, Place, error, warning

_NUMBER = re.compile(r"-?\d{1,9}(\.\d{1,9})?\Z")  # a score: no 30-digit numbers
LIMIT = 10 ** 9
_WITH_UNIT = re.compile(r"(-?\d{1,9}(?:\.\d{1,9})?)\s*分\Z")


@dataclass
class Cell:
    value: object
    column: str  # Excel letter, "A"
    formula: bool = False


@dataclass
class Row:
    number: int  # 1-based, as Excel shows it
    cells: dict[str, Cell]  # header → cell


@dataclass
class Table:
    book: str
    sheet: str  # "" for CSV
    headers: dict[str, str]  # header → column letter
    rows: list[Row] = field(default_factory=list)
    header_row: int = 1  # the row the headers stand in (a title may stand above it)

    def where(self, row: int | None = None, column: str | None = None) -> Place:
        return Place(self.book, self.sheet, row or 0, column or "")


def column_letter(index: int) -> str:  # 1 → A
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_tables(path: Path, header_hint: tuple[str, ...]) -> tuple[list[Table], list[Diagnostic]]:
    """Every visible sheet with a header row containing one of ``header_hint``."""
    if path.suffix.lower() == ".csv":
        return _read_csv(path, header_hint)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, header_hint)
    return [], [error(path.name, 0, "只能导入 .xlsx 或 .csv 文件（.xls 请先在 Excel 中另存为 .xlsx）")]


def _decode_csv(data: bytes, name: str) -> tuple[str | None, list[Diagnostic]]:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    return None, [error(name, 0, "CSV 文件既不是 UTF-8 也不是 GBK 编码，请在 Excel 中另存为“CSV UTF-8”")]


def _read_csv(path: Path, hint) -> tuple[list[Table], list[Diagnostic]]:
    text, diags = _decode_csv(path.read_bytes(), path.name)
    if text is None:
        return [], diags
    try:
        grid = [[c if c != "" else None for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        return [], diags + [error(path.name, 0, f"CSV 格式有误（{exc}），请在 Excel 中重新另存为 CSV")]
    table, more = _table(path.name, "", [(n, row, [False] * len(row)) for n, row in enumerate(grid, 1)], hint)
    return ([table] if table else []), diags + more


def _read_xlsx(path: Path, hint) -> tuple[list[Table], list[Diagnostic]]:
    import openpyxl
    try:
        formulas = openpyxl.load_workbook(path, data_only=False)
        values = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        return [], [error(path.name, 0, f"无法读取工作簿（{type(exc).__name__}）：文件损坏，或不是 Excel 2007 以后的 .xlsx 格式")]
    tables, diags = [], []
    for ws in formulas.worksheets:
        if ws.sheet_state != "visible":
            diags.append(warning(Place(path.name, ws.title), 0, "隐藏的工作表，已跳过"))
            continue
        cached = values[ws.title]
        diags += _hidden_columns(path.name, ws)
        rows = []
        for n, row in enumerate(ws.iter_rows(), 1):
            hidden = ws.row_dimensions[n].hidden if n in ws.row_dimensions else False
            raw = [c.value for c in row]
            is_formula = [isinstance(v, str) and v.startswith("=") for v in raw]
            shown = [cached.cell(row=n, column=i + 1).value if f else v for i, (v, f) in enumerate(zip(raw, is_formula))]
            if hidden and any(v is not None for v in raw):
                diags.append(error(Place(path.name, ws.title, n), 0, "该行被隐藏，请取消隐藏核对后再导入，或删除该行"))
                continue
            rows.append((n, shown, is_formula))
        table, more = _table(path.name, ws.title, rows, hint)
        if table:  # a merged title above the header row is the usual layout; merges in the table are not
            diags += [error(Place(path.name, ws.title, column=merged.coord), 0, "含有合并单元格，请取消合并并在每个单元格中填写")
                      for merged in ws.merged_cells.ranges if merged.max_row >= table.header_row]
            tables.append(table)
        diags += more
    return tables, diags


def _hidden_columns(book: str, ws) -> list[Diagnostic]:
    """Hidden columns holding data: reported like hidden rows (a clerk must see what is imported)."""
    found = []
    for dim in ws.column_dimensions.values():
        if not dim.hidden or dim.min is None:
            continue
        for index in range(dim.min, (dim.max or dim.min) + 1):
            if index > ws.max_column:
                break
            if any(ws.cell(row=n, column=index).value is not None for n in range(1, ws.max_row + 1)):
                found.append(error(f"{book} [{ws.title}] {column_letter(index)}列", 0,
                                   "该列被隐藏，请取消隐藏核对后再导入，或删除该列"))
    return found


def _table(book: str, sheet: str, rows, hint) -> tuple[Table | None, list[Diagnostic]]:
    """The first row containing a hinted header is the header; empty rows are skipped."""
    for index, (number, values, _) in enumerate(rows):
        names = [str(v).strip() if v is not None else "" for v in values]
        if any(h in names for h in hint):
            table = Table(book, sheet, {}, header_row=number)
            columns, diags = _columns(table, names)
            for n, vals, formulas in rows[index + 1:]:
                if all(v is None or str(v).strip() == "" for v in vals):
                    continue
                cells = {name: Cell(vals[i] if i < len(vals) else None, column_letter(i + 1), formulas[i] if i < len(formulas) else False)
                         for name, i in columns.items()}
                table.rows.append(Row(n, cells))
            return table, diags
    return None, [warning(Place(book, sheet), 0, f"找不到表头（应有“{'”或“'.join(hint)}”列），已跳过")]


def _columns(table: Table, names: list[str]) -> tuple[dict[str, int], list[Diagnostic]]:
    """Header → column index (0-based); a header written twice is an error (which column is meant?)."""
    columns: dict[str, int] = {}
    diags = []
    for i, name in enumerate(names):
        if not name:
            continue
        letter = column_letter(i + 1)
        if name in columns:
            diags.append(error(table.where(table.header_row, letter), 0,
                               f"列名“{name}”与 {table.headers[name]}列重复，请删除或改名其中一列"))
            continue
        columns[name] = i
        table.headers[name] = letter
    return columns, diags


def _plain(value: Decimal) -> Decimal:
    """90.0 → 90, 90.50 → 90.5: the number as a clerk would write it."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value.as_tuple().exponent > 0 else value


def filled(cell: Cell | None) -> bool:
    """A cell with something in it (a formula counts even when Excel saved no result)."""
    return cell is not None and (cell.formula or (cell.value is not None and str(cell.value).strip() != ""))


def text(cell: Cell | None) -> str:
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _fit(value: Decimal, shown: str, places: int, rounding: str, where: str, notes: list) -> tuple[Decimal, list]:
    """At most ``places`` decimals, rounded by the policy's rule, with a warning when that changed it."""
    if value.as_tuple().exponent >= -places:
        return value, notes
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=rounding)
    notes.append(warning(where, 0, f"{shown} 的小数位过多，按 {rounded} 导入"))
    return rounded, notes


def number(cell: Cell, table: Table, row: Row, places: int,
           rounding: str = ROUND_HALF_UP) -> tuple[Decimal | None, list[Diagnostic]]:
    """A score: exact where written, normalised where unambiguous, an error otherwise.

    A float from a numeric cell is read through its shortest ``repr`` (92.35, not
    92.349999…); more decimals than the policy keeps are rounded by the policy's rule.
    """
    where = table.where(row.number, cell.column)
    value = cell.value
    notes = []
    if cell.formula:
        if value is None:
            return None, [error(where, 0, "是公式，但文件中没有保存计算结果；请在 Excel 中打开、重新计算并保存后再导入")]
        notes.append(warning(where, 0, f"是公式，按 Excel 保存的计算结果 {value} 导入"))
    if isinstance(value, bool) or value is None:
        return None, [error(where, 0, "应为数字，现在是空的或“是/否”")]
    if isinstance(value, (int, float)) and not (math.isfinite(value) and abs(value) < LIMIT):
        return None, [error(where, 0, f"“{value}”不是有效的分数")]
    if isinstance(value, (int, float)):
        shown = repr(value)
        return _fit(_plain(Decimal(shown)), shown, places, rounding, where, notes)
    raw = str(value).strip()
    normal = unicodedata.normalize("NFKC", raw).replace(" ", "")
    match = _WITH_UNIT.match(normal)
    if _NUMBER.match(normal) or match:
        digits = match.group(1) if match else normal
        try:
            result = Decimal(digits)
        except InvalidOperation:  # pragma: no cover - the patterns admit only numbers
            return None, [error(where, 0, f"“{raw}”不是数字")]
        if digits == raw:
            return _fit(_plain(result), raw, places, rounding, where, notes)
        result, _ = _fit(_plain(result), raw, places, rounding, where, [])
        notes.append(warning(where, 0, f"“{raw}”按 {result} 导入（请直接填写数字）"))
        return result, notes
    return None, [error(where, 0, f"“{raw}”不是数字，请填写阿拉伯数字，如 95 或 92.5")]
