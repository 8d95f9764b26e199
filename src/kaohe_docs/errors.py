"""Diagnostics: error values that carry their source position, and the one formatter.

Loading and checking never raise on bad user input; they return ``Diagnostic`` values.
``KaoheError`` is for failures that stop a command (no records root, a build that cannot
be written); the CLI prints it as one line and exits 1.
"""
from __future__ import annotations

import errno
import json
import re
from dataclasses import dataclass
from typing import Iterable

import click

ERROR = "error"
WARNING = "warning"
PENDING = "pending"  # a value not filled in yet (待填写): the normal state of a quarter being collected
_LEVEL_ZH = {ERROR: "错误", WARNING: "警告", PENDING: "待填写"}
# what must never reach a terminal or a log raw: controls (ESC sequences), non-characters, bidi overrides
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                          "\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


def printable(text: str) -> str:
    """``text`` safe for a terminal: every control or invisible character shown as ``<U+001B>``."""
    return _UNPRINTABLE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


@dataclass(frozen=True, order=True)
class Place:
    """A place in a spreadsheet: workbook, sheet (none for CSV), row and column as Excel shows them."""

    book: str
    sheet: str = ""
    row: int = 0  # 1-based; 0 = the whole sheet
    column: str = ""  # a column letter ("D"), or a cell range ("A1:C1"); "" = the whole row

    def __str__(self) -> str:  # 绩效.xlsx [3月] 第12行 D列
        text = f"{self.book} [{self.sheet}]" if self.sheet else self.book
        if self.row:
            text += f" 第{self.row}行"
        if self.column:
            text += f" {self.column}" if ":" in self.column else f" {self.column}列"
        return text


@dataclass(frozen=True, order=True)
class Diagnostic:
    file: str  # path relative to the records root, with forward slashes ("" when not a file); or the workbook
    line: int  # 1-based; 0 when the whole file (or no file) is meant
    level: str
    message: str  # Simplified Chinese, for the office staff
    sheet: str = ""  # spreadsheet problems: the sheet, row and column (see Place)
    row: int = 0
    column: str = ""
    # the subject, for whoever counts or groups diagnostics (never parsed out of ``message``):
    person: str = ""  # the 警号 of the person it is about, or ""
    name: str = ""  # that person's name as written
    fields: tuple[str, ...] = ()  # the fields it is about, as labelled in the message (e.g. 个人小结, 共性“德”)

    @property
    def place(self) -> str:
        if self.sheet or self.row or self.column:
            return str(Place(self.file, self.sheet, self.row, self.column))
        return self.file

    def format(self) -> str:
        where = f"{self.file}:{self.line}: " if self.line else (f"{self.place}: " if self.file else "")
        return printable(f"{where}{_LEVEL_ZH[self.level]}: {self.message}")

    def plain(self) -> list:
        """Every field, exactly (for a cache; ``as_dict`` is the escaped form for users)."""
        return [self.file, self.line, self.level, self.message, self.sheet, self.row, self.column,
                self.person, self.name, list(self.fields)]

    @classmethod
    def from_plain(cls, data) -> "Diagnostic":
        """The diagnostic ``plain()`` gave (or an earlier version's, without the subject); ValueError
        for anything else (a damaged cache)."""
        if not isinstance(data, list) or [type(v) for v in data[:10]] not in (_PLAIN, _PLAIN[:7]):
            raise ValueError("not a diagnostic")
        if len(data) == 7:
            return cls(*data)
        if not all(type(f) is str for f in data[9]):
            raise ValueError("not a diagnostic")
        file, line, level, message, sheet, row, column, person, name, fields = data
        return cls(file, line, level, message, sheet, row, column, person, name, tuple(fields))

    def as_dict(self) -> dict:
        data = {"file": printable(self.file), "line": self.line, "level": self.level, "message": printable(self.message)}
        if self.sheet or self.row or self.column:
            data.update(sheet=printable(self.sheet), row=self.row, column=self.column)
        return data


_PLAIN = [str, int, str, str, str, int, str, str, str, list]


def _diagnostic(where: "str | Place", line: int, level: str, message: str) -> Diagnostic:
    if isinstance(where, Place):
        return Diagnostic(where.book, 0, level, message, where.sheet, where.row, where.column)
    return Diagnostic(where, line, level, message)


def error(file: "str | Place", line: int, message: str) -> Diagnostic:
    """An error at a record file's line, or at a spreadsheet Place (line 0)."""
    return _diagnostic(file, line, ERROR, message)


def warning(file: "str | Place", line: int, message: str) -> Diagnostic:
    return _diagnostic(file, line, WARNING, message)


def pending(file: str, line: int, message: str, *, person: str = "", name: str = "",
            fields: tuple[str, ...] = ()) -> Diagnostic:
    """A value not filled in yet: ``person`` (警号), ``name`` and ``fields`` say whose and which."""
    return Diagnostic(file, line, PENDING, message, person=person, name=name, fields=fields)


def fails(d: Diagnostic, strict: bool = False, complete: bool = False) -> bool:
    """Whether ``d`` fails a run: errors always, warnings with ``strict``, pending values with ``complete``."""
    return d.level == ERROR or (strict and d.level == WARNING) or (complete and d.level == PENDING)


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False, complete: bool = False) -> bool:
    return any(fails(d, strict, complete) for d in diagnostics)


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Stable, file-then-line order, duplicates removed (a rule may be reached twice)."""
    return sorted(set(diagnostics), key=lambda d: (d.file, d.sheet, d.row, d.column, d.line, d.level, d.message))


def to_json(diagnostics: Iterable[Diagnostic]) -> str:
    return json.dumps([d.as_dict() for d in diagnostics], ensure_ascii=False, indent=2)


class KaoheError(click.ClickException):
    """An expected failure that stops a command: printed as one line, exit code 1."""

    exit_code = 1

    def format_message(self) -> str:
        return printable(self.message)

    def show(self, file=None) -> None:  # Chinese prefix instead of Click's "Error:"
        click.echo(f"错误: {self.format_message()}", err=True)


class DiagnosticsFailed(KaoheError):
    """Records have errors: all of them were already printed."""

    def __init__(self, count: int):
        super().__init__(f"共有 {count} 处错误，请修改后重试。")


_WRITE_PROBLEMS = {
    errno.ENOENT: "文件夹不存在", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.EROFS: "只读的磁盘",
    errno.ENOSPC: "磁盘空间不足", errno.EEXIST: "路径中有同名的文件，不是文件夹", errno.ENOTDIR: "路径中有同名的文件，不是文件夹",
    errno.EISDIR: "这是一个文件夹",
}


def cannot_write(path, exc: OSError) -> KaoheError:
    """An output that could not be written, said in a sentence (no traceback)."""
    return KaoheError(f"无法写入“{path}”（{_WRITE_PROBLEMS.get(exc.errno or 0, exc.strerror or type(exc).__name__)}）")
