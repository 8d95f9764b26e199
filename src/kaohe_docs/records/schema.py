"""Typed reading of one YAML mapping, collecting every problem with its line.

``Fields(mapping, path, diagnostics, "人员记录")`` offers one getter per value type; each
getter reports a missing or wrongly typed value and returns None, and ``done()`` reports
the keys nobody asked for (a typo such as ``monthy:`` is an error, not silently ignored).
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterator
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Final, Literal, TypeVar, overload

from kaohe_docs.errors import Diagnostic, error
from kaohe_docs.limits import number_problem
from kaohe_docs.records.yamlio import BadDate, RawNumber, Scalar, YMap, YSeq, YValue


class _Missing(Enum):
    """The sentinel of a key not in the mapping (or empty where required)."""
    MISSING = "missing"


_MISSING: Final = _Missing.MISSING
E = TypeVar("E", bound=Enum)
Bound = Decimal | int | None  # a range end of a number (None: open)
_FULLWIDTH = re.compile(r"[０-９．－＋　]")
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]*\Z")
_MONTH = re.compile(r"(\d{4})-(\d{2})\Z")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\Z")
_SPACE = re.compile(r"\s")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%\Z")


def _describe(value: YValue) -> str:
    if isinstance(value, YMap):
        return "一组键值"
    if isinstance(value, YSeq):
        return "一个列表"
    if value is None:
        return "空值"
    if isinstance(value, bool):
        return "“是/否”（YAML 把 yes、no、on、off、true、false 当作是/否）"
    return f"“{value}”"


class Fields:
    def __init__(self, mapping: YValue, path: str, diagnostics: list[Diagnostic], what: str, line: int = 0):
        self.path = path
        self.diagnostics = diagnostics
        self.what = what
        self.used: set[Scalar] = set()  # keys asked for (text, but a number as a key of a free mapping)
        if isinstance(mapping, YMap):
            self.map = mapping
        else:
            self.map = YMap(line)
            if mapping is not None or line:
                self.report(line, f"{what}应是一组“键: 值”，现在是{_describe(mapping)}")
        self.line = self.map.line

    # -- plumbing -------------------------------------------------------------
    def report(self, line: int, message: str) -> None:
        self.diagnostics.append(error(self.path, line, message))

    def line_of(self, key: Scalar) -> int:
        return self.map.line_of(key)

    def _get(self, key: Scalar, required: bool) -> YValue | Literal[_Missing.MISSING]:
        self.used.add(key)
        value = self.map.get(key, _MISSING)
        if value is _MISSING or (value is None and required):
            if required:
                self.report(self.line, f"{self.what}缺少“{key}”")
            return _MISSING
        return value

    def done(self, known_extra: tuple[str, ...] = ()) -> None:
        for key in self.map:
            if key not in self.used and key not in known_extra:
                hint = f"（可用的键：{'、'.join(sorted(map(str, self.used)))}）" if self.used else ""
                self.report(self.map.line_of(key), f"{self.what}中有未知的键“{key}”，是否拼写错误？{hint}")

    def _type_error(self, key: str, expected: str, value: YValue) -> None:
        self.report(self.line_of(key), f"“{key}”应为{expected}，现在是{_describe(value)}")

    # -- getters ----------------------------------------------------------------
    @overload
    def text(self, key: str, required: bool = True, *, default: str) -> str: ...
    @overload
    def text(self, key: str, required: bool = True, *, default: None = None) -> str | None: ...

    def text(self, key: str, required: bool = True, *, default: str | None = None) -> str | None:
        value = self._get(key, required)
        if value is _MISSING or value is None:
            return default
        if isinstance(value, (YMap, YSeq, bool)):
            self._type_error(key, "文字", value)
            return default
        text = str(value)
        if text != text.strip():
            self.report(self.line_of(key), f"“{key}”的值“{text}”前后有多余空格")
            text = text.strip()
        return text

    def name(self, key: str, required: bool = True) -> str | None:
        """A person's or unit's name: NFKC-normalised look-alikes and inner spaces are errors."""
        value = self.text(key, required)
        if value is None:
            return None
        normalised = unicodedata.normalize("NFKC", value)
        fixed = "".join(c for c in _SPACE.sub("", normalised) if unicodedata.category(c) != "Cf")  # zero-width …
        if fixed != value:
            self.report(self.line_of(key), f"姓名/名称“{value}”含有空格、不可见字符或全角/兼容字符，请改为“{fixed}”")
        return fixed

    def ident(self, key: str, required: bool = True, what: str = "编号") -> str | None:
        """A stable identifier (警号, unit code): always text; ``010`` unquoted is an error."""
        value = self._get(key, required)
        if value is _MISSING or value is None:
            return None
        line = self.line_of(key)
        if isinstance(value, RawNumber):
            self.report(line, f"{what} {value} 必须加引号，写作 {key}: \"{value}\"；否则 YAML 会把它当作数字（如 010 变成 8 或 10）")
            return str(value)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self._type_error(key, what, value)
            return None
        text = str(value)
        if not _ID.match(text):
            self.report(line, f"{what}“{text}”只能由字母、数字、-、_ 组成（不能含路径符号、空格或中文）")
            return None
        return text

    def number(self, key: Scalar, required: bool = True, low: Bound = None, high: Bound = None) -> Decimal | None:
        value = self._get(key, required)
        if value is _MISSING or value is None:
            return None
        return self.coerce_number(value, self.line_of(key), str(key), low, high)

    def coerce_number(self, value: YValue, line: int, label: str, low: Bound = None,
                      high: Bound = None) -> Decimal | None:
        if value is None:
            self.report(line, f"“{label}”没有填写数值")
            return None
        if isinstance(value, (bool, YMap, YSeq)) or not isinstance(value, (str, int, Decimal)):
            self.report(line, f"“{label}”应为数字，现在是{_describe(value)}")
            return None
        if isinstance(value, str):
            if len(value) > 100:  # never handed to Decimal: a 5,000-digit text is not a score
                self.report(line, f"“{label}”的值过长（{len(value)} 个字符），不是有效的数字")
                return None
            if _FULLWIDTH.search(value):
                fixed = unicodedata.normalize("NFKC", value).strip()
                self.report(line, f"“{label}”的值“{value}”含全角字符，请改为半角“{fixed}”")
                return None
            try:
                number = Decimal(value.strip().replace("_", ""))
            except InvalidOperation:
                self.report(line, f"“{label}”应为数字，现在是“{value}”（不要写单位或文字）")
                return None
            if not number.is_finite():
                self.report(line, f"“{label}”应为数字，现在是“{value}”")
                return None
        else:
            number = Decimal(value)
        problem = number_problem(number)
        if problem:
            shown = value if len(str(value)) <= 30 else f"{str(value)[:20]}…"
            self.report(line, f"“{label}”的值“{shown}”{problem}，不是有效的分数或数值")
            return None
        if low is not None and number < low:
            self.report(line, f"“{label}”为 {number}，不能小于 {low}" if high is None else f"“{label}”为 {number}，超出范围 {low}–{high}")
            return None
        if high is not None and number > high:
            self.report(line, f"“{label}”为 {number}，不能大于 {high}" if low is None else f"“{label}”为 {number}，超出范围 {low}–{high}")
            return None
        return number

    def integer(self, key: Scalar, required: bool = True, low: Bound = None, high: Bound = None) -> int | None:
        number = self.number(key, required, low, high)
        if number is None:
            return None
        if number != number.to_integral_value():
            self.report(self.line_of(key), f"“{key}”应为整数，现在是 {number}")
            return None
        return int(number)

    def percent(self, key: str, required: bool = True, low: Decimal | None = None,
                high: Decimal | None = None) -> Decimal | None:
        """``40%`` → Decimal('0.40'); ``low``/``high``: the range as fractions (0 and 1 for 0%–100%)."""
        value = self.text(key, required)
        if value is None:
            return None
        match = _PERCENT.match(value)
        if not match:
            self.report(self.line_of(key), f"“{key}”应写成百分数，如 40%，现在是“{value}”")
            return None
        share = Decimal(match.group(1)) / 100
        if (low is not None and share < low) or (high is not None and share > high):
            bounds = "–".join(f"{(b * 100).normalize():f}%" if b is not None else "" for b in (low, high))
            self.report(self.line_of(key), f"“{key}”为 {value}，超出范围 {bounds}")
            return None
        return share

    def date(self, key: str, required: bool = True) -> dt.date | None:
        value = self._get(key, required)
        if value is _MISSING or value is None:
            return None
        line = self.line_of(key)
        if isinstance(value, BadDate):
            self.report(line, f"日期“{value}”不存在，请核对年月日")
            return None
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and _DATE.match(value.strip()):  # unquoted, YAML would have read a date
            self.report(line, f"“{key}”应为日期，现在是带引号的文字“{value}”：日期不要加引号，写作 {key}: {value.strip()}"
                              "（只有警号、单位代码要加引号）")
            return None
        self.report(line, f"“{key}”应为日期，写作 2026-04-10，现在是{_describe(value)}")
        return None

    def month(self, key: str, required: bool = True) -> str | None:
        """``1985-07`` (出生年月, 入职年月) → 'YYYY-MM' text."""
        value = self.text(key, required)
        if value is None:
            return None
        match = _MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            self.report(self.line_of(key), f"“{key}”应写成 年-月，如 1985-07，现在是“{value}”")
            return None
        return value

    @overload
    def boolean(self, key: str, required: bool = False, default: bool = False) -> bool: ...
    @overload
    def boolean(self, key: str, required: bool, default: bool | None) -> bool | None: ...
    @overload
    def boolean(self, key: str, required: bool = False, *, default: bool | None) -> bool | None: ...

    def boolean(self, key: str, required: bool = False, default: bool | None = False) -> bool | None:
        value = self._get(key, required)
        if value is _MISSING or value is None:
            return default
        if not isinstance(value, bool):
            self._type_error(key, "true 或 false", value)
            return default
        return value

    def choice(self, key: str, choices: Collection[str], required: bool = True) -> str | None:
        value = self.text(key, required)
        if value is None:
            return None
        if value not in choices:
            self.report(self.line_of(key), f"“{key}”只能是 {'、'.join(choices)} 之一，现在是“{value}”")
            return None
        return value

    def enum(self, key: str, kind: type[E], required: bool = True) -> E | None:
        """One of the enum ``kind``'s values, as its member (reported like ``choice``)."""
        value = self.choice(key, tuple(member.value for member in kind), required)
        return None if value is None else kind(value)

    def mapping(self, key: str, required: bool = True) -> YMap | None:
        value = self._get(key, required)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, YMap):
            self._type_error(key, "一组“键: 值”", value)
            return None
        return value

    def sequence(self, key: str, required: bool = True) -> YSeq | None:
        value = self._get(key, required)
        if value is _MISSING or value is None:
            return None
        if not isinstance(value, YSeq):
            self._type_error(key, "列表（每项以“- ”开头）", value)
            return None
        return value

    def sub(self, key: str, what: str, required: bool = True) -> "Fields | None":
        value = self.mapping(key, required)
        if value is None:
            return None
        return Fields(value, self.path, self.diagnostics, what)

    def items(self, key: str, what: str, required: bool = True) -> Iterator[Fields]:
        """Each item of a list of mappings as a ``Fields``."""
        seq = self.sequence(key, required)
        for item, line in zip(seq or (), (seq.lines if seq else ())):
            yield Fields(item, self.path, self.diagnostics, what, line)
