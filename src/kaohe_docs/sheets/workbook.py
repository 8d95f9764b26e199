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
from typing import TypeGuard

from kaohe_docs.errors import Diagnostic, Place, error, warning
from kaohe_docs.limits import DEFAULT, Limits
from kaohe_docs.sheets.cells import restored

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
    above: list[Row] = field(default_factory=list)  # the rows above the headers (a title, 单位：… 季度：…), by column letter

    def where(self, row: int | None = None, column: str | None = None) -> Place:
        return Place(self.book, self.sheet, row or 0, column or "")


def column_letter(index: int) -> str:  # 1 → A
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


EXCEL_MAX_ROW = 1048576
EXCEL_MAX_COLUMN = 16384
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"([A-Z]{1,4})(\d{1,9})\Z")


def read_tables(path: Path, header_hint: tuple[str, ...], limits: Limits = DEFAULT) -> tuple[list[Table], list[Diagnostic]]:
    """Every visible sheet with a header row containing one of ``header_hint``."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return [], [error(path.name, 0, f"无法读取文件（{exc.strerror or exc}）")]
    if size > limits.workbook_bytes:
        return [], [error(path.name, 0, f"文件过大（{size} 字节，上限 {limits.workbook_bytes} 字节，见政策 limits.workbook_bytes）")]
    if path.suffix.lower() == ".csv":
        return _read_csv(path, header_hint, limits)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        problems = check_workbook(path, limits)
        if problems:
            return [], problems
        return _read_xlsx(path, header_hint)
    if path.suffix.lower() in BIFF:
        return _read_biff(path, header_hint, limits)
    return [], [error(path.name, 0, "只能导入 .xlsx、.xls（Excel 97-2003、WPS 兼容格式）或 .csv 文件，"
                                    "其他格式请在 Excel 或 WPS 中另存为 .xlsx")]


BIFF = (".xls", ".et", ".xlt", ".ett")  # Excel 97-2003 and WPS's own names for the same BIFF format


def _read_biff(path: Path, hint, limits: Limits = DEFAULT) -> tuple[list[Table], list[Diagnostic]]:
    """An .xls (or a WPS .et saved in the BIFF format) through python-calamine, with the xlsx limits.

    Calamine gives each cell's value as Excel saved it (a formula's cached result); hidden rows and
    columns are not reported by the format reader, so the import preview is the clerk's check.
    """
    import python_calamine
    name = path.name
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheets = book.sheets_metadata
    except Exception as exc:  # noqa: BLE001 - calamine raises its own kinds for a damaged or foreign file
        return [], [error(name, 0, f"无法读取工作簿（{type(exc).__name__}）：文件损坏、有密码，"
                                   "或不是 Excel 97-2003（.xls）格式；请在 Excel 或 WPS 中另存为 .xlsx 后再导入")]
    tables, diags, cells = [], [], 0
    for meta in sheets:
        place = Place(name, meta.name)
        if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
            continue
        if meta.visible != python_calamine.SheetVisibleEnum.Visible:
            diags.append(warning(place, 0, "隐藏的工作表，已跳过"))
            continue
        try:
            sheet = book.get_sheet_by_name(meta.name)
            height, width = sheet.total_height, sheet.total_width
            if height > limits.sheet_rows:
                return [], [error(place, 0, f"行数超过上限：每张表最多 {limits.sheet_rows} 行（政策 limits.sheet_rows），"
                                            "请拆分或删除多余的行后再导入")]
            if width > limits.sheet_columns:
                return [], [error(place, 0, f"第 {column_letter(width)} 列超出上限：每张表最多 {limits.sheet_columns} 列"
                                            "（政策 limits.sheet_columns），请删除多余的列后再导入")]
            cells += height * width
            if cells > limits.workbook_cells:
                return [], [error(place, 0, f"单元格总数超过上限：整个工作簿最多 {limits.workbook_cells} 个单元格"
                                            "（政策 limits.workbook_cells），请删除多余的内容或拆分后再导入")]
            grid = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
        except Exception as exc:  # noqa: BLE001
            return [], [error(place, 0, f"无法读取工作表（{type(exc).__name__}）：文件损坏，请在 Excel 或 WPS 中另存为 .xlsx")]
        rows = [(n, [None if v == "" else v for v in values], [False] * len(values)) for n, values in enumerate(grid, 1)]
        table, more = _table(name, meta.name, rows, hint)
        if table:
            for (top, left), (bottom, right) in merged:
                if bottom + 1 >= table.header_row:
                    span = f"{column_letter(left + 1)}{top + 1}:{column_letter(right + 1)}{bottom + 1}"
                    diags.append(error(Place(name, meta.name, column=span), 0, "含有合并单元格，请取消合并并在每个单元格中填写"))
            tables.append(table)
        diags += more
    return tables, diags


def _column_number(letters: str) -> int:
    number = 0
    for c in letters:
        number = number * 26 + ord(c) - 64
    return number


def check_workbook(path: Path, limits: Limits = DEFAULT) -> list[Diagnostic]:
    """Size, rows and columns of an xlsx, streamed before openpyxl reads it (zip bombs, absurd cells).

    The zip directory gives every member's uncompressed size; each worksheet's XML is then
    streamed (bounded memory) and stops at the first row or column beyond the limits.
    """
    import zipfile
    from xml.etree.ElementTree import ParseError, iterparse
    name = path.name
    try:
        with zipfile.ZipFile(path) as z:
            unpacked = sum(info.file_size for info in z.infolist())
            if unpacked > limits.workbook_unpacked_bytes:
                return [error(name, 0, f"工作簿解压后有 {unpacked} 字节，超过上限 {limits.workbook_unpacked_bytes} 字节"
                                       "（政策 limits.workbook_unpacked_bytes），可能是损坏或恶意构造的文件，已拒绝")]
            sheets = _sheet_members(z)
            cells = 0
            for title, member in sheets:
                place = Place(name, title)
                rows = 0
                with z.open(member) as stream:
                    for _, element in iterparse(stream):
                        if element.tag == f"{_MAIN_NS}c":
                            cells += 1
                            if cells > limits.workbook_cells:
                                return [error(place, 0, f"单元格总数超过上限：整个工作簿最多 {limits.workbook_cells} 个单元格"
                                                        "（政策 limits.workbook_cells），请删除多余的内容或拆分后再导入")]
                            match = _CELL_REF.match(element.get("r") or "")
                            if match:
                                column, row = _column_number(match.group(1)), int(match.group(2))
                                if row > EXCEL_MAX_ROW or column > EXCEL_MAX_COLUMN:
                                    return [error(place, 0, f"单元格 {match.group()} 超出 Excel 的范围（最多 {EXCEL_MAX_ROW} 行、"
                                                            f"{EXCEL_MAX_COLUMN} 列），文件已损坏或是恶意构造的，请在 Excel 中重新另存")]
                                if column > limits.sheet_columns:
                                    return [error(place, 0, f"第 {match.group(1)} 列超出上限：每张表最多 {limits.sheet_columns} 列"
                                                            "（政策 limits.sheet_columns），请删除多余的列后再导入")]
                        elif element.tag == f"{_MAIN_NS}row":
                            rows += 1
                            number = element.get("r")
                            if number is not None and (not number.isdigit() or int(number) > EXCEL_MAX_ROW):
                                return [error(place, 0, f"行号 {number[:20]} 超出 Excel 的最大行数 {EXCEL_MAX_ROW}，"
                                                        "文件已损坏或是恶意构造的，请在 Excel 中重新另存")]
                            if rows > limits.sheet_rows:
                                return [error(place, 0, f"行数超过上限：每张表最多 {limits.sheet_rows} 行（政策 limits.sheet_rows），"
                                                        "请拆分或删除多余的行后再导入")]
                            element.clear()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ParseError, KeyError, OSError, EOFError, RuntimeError,
            NotImplementedError, ValueError) as exc:
        return [error(name, 0, f"无法读取工作簿（{type(exc).__name__}）：文件损坏，或不是 Excel 2007 以后的 .xlsx 格式")]
    return []


def _sheet_members(z) -> list[tuple[str, str]]:
    """(sheet title, zip member) of each worksheet, from xl/workbook.xml and its relationships."""
    from xml.etree.ElementTree import fromstring
    names = set(z.namelist())
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):  # small parts, but bounded all the same
        if part in names and z.getinfo(part).file_size > 10 * 1024 * 1024:
            raise ValueError(part)
    targets: dict[str | None, str] = {}
    if "xl/_rels/workbook.xml.rels" in names:
        for rel in fromstring(z.read("xl/_rels/workbook.xml.rels")).iter(f"{_PKG_REL_NS}Relationship"):
            target = (rel.get("Target") or "").lstrip("/")
            targets[rel.get("Id")] = target if target.startswith("xl/") else f"xl/{target}"
    sheets = []
    if "xl/workbook.xml" in names:
        for sheet in fromstring(z.read("xl/workbook.xml")).iter(f"{_MAIN_NS}sheet"):
            member = targets.get(sheet.get(f"{_REL_NS}id"))
            if member is not None and member in names:
                sheets.append((sheet.get("name") or "", member))
    listed = {m for _, m in sheets}
    sheets += [(m.rsplit("/", 1)[-1], m) for m in sorted(names) if m.startswith("xl/worksheets/") and m.endswith(".xml")
               and m not in listed]  # a sheet the workbook does not list is still checked
    return sheets


def _decode_csv(data: bytes, name: str) -> tuple[str | None, list[Diagnostic]]:
    from kaohe_docs.records.yamlio import wide_encoding
    wide = wide_encoding(data)
    if wide:
        return None, [error(name, 0, f"CSV 文件是 {wide} 编码（记事本的“Unicode”），请在 Excel 中另存为“CSV UTF-8”")]
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    return None, [error(name, 0, "CSV 文件既不是 UTF-8 也不是 GBK 编码，请在 Excel 中另存为“CSV UTF-8”")]


def _read_csv(path: Path, hint, limits: Limits = DEFAULT) -> tuple[list[Table], list[Diagnostic]]:
    text, diags = _decode_csv(path.read_bytes(), path.name)
    if text is None:
        return [], diags
    grid: list[list[str | None]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if len(grid) >= limits.sheet_rows:
                return [], diags + [error(path.name, 0, f"行数超过上限：最多 {limits.sheet_rows} 行（政策 limits.sheet_rows），"
                                                        "请拆分或删除多余的行后再导入")]
            if len(row) > limits.sheet_columns:
                return [], diags + [error(path.name, 0, f"第 {len(grid) + 1} 行有 {len(row)} 列，超过上限 {limits.sheet_columns} 列"
                                                        "（政策 limits.sheet_columns）")]
            grid.append([c if c != "" else None for c in row])
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
            table.above = [Row(n, {column_letter(i + 1): Cell(v, column_letter(i + 1)) for i, v in enumerate(vals) if v is not None})
                           for n, vals, _ in rows[:index]]
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
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), "only finite numbers reach here: a finite float's repr, or digits matching _NUMBER"
    return value.quantize(Decimal(1)) if exponent > 0 else value


def filled(cell: Cell | None) -> TypeGuard[Cell]:
    """A cell with something in it (a formula counts even when Excel saved no result)."""
    return cell is not None and (cell.formula or (cell.value is not None and str(cell.value).strip() != ""))


def text(cell: Cell | None, normalise: bool = True) -> str:
    """A cell's text, our export's quote removed; ``normalise`` (names, codes, choices): NFKC, so ９５ reads 95.
    A free text (a 个人小结) keeps its full-width punctuation, with Windows line ends made plain."""
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    value = unicodedata.normalize("NFKC", str(value)) if normalise else str(value).replace("\r\n", "\n")
    return restored(value.strip())


def _fit(value: Decimal, shown: str, places: int, rounding: str, *, where: Place,
         notes: list[Diagnostic]) -> tuple[Decimal, list[Diagnostic]]:
    """At most ``places`` decimals, rounded by the policy's rule, with a warning when that changed it."""
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int), "value comes from _plain: a finite number"
    if exponent >= -places:
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
        return _fit(_plain(Decimal(shown)), shown, places, rounding, where=where, notes=notes)
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
            return _fit(_plain(result), raw, places, rounding, where=where, notes=notes)
        result, _ = _fit(_plain(result), raw, places, rounding, where=where, notes=[])
        notes.append(warning(where, 0, f"“{raw}”按 {result} 导入（请直接填写数字）"))
        return result, notes
    return None, [error(where, 0, f"“{raw}”不是数字，请填写阿拉伯数字，如 95 或 92.5")]
