"""Safe, fast YAML reading with line positions.

libyaml (PyYAML's C parser) composes the node tree; a small walker turns it into plain
Python values whose mappings and sequences remember the line of every entry. Nothing is
executed, anchors/aliases are refused (no expansion bombs), duplicate keys are errors, and
numbers keep their exact decimal text (``Decimal``, never float).
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

import yaml

from kaohe_docs.errors import Diagnostic, error

MAX_FILE_BYTES = 2 * 1024 * 1024  # a quarter file of a large unit is ~100 KB

try:  # pragma: no branch
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_TAG_STR = "tag:yaml.org,2002:str"
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_NULL = "tag:yaml.org,2002:null"
_TAG_DATE = "tag:yaml.org,2002:timestamp"
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]*)\Z")


class YMap(dict):
    """A mapping that remembers where it and each of its keys stand (1-based lines)."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.lines: dict = {}

    def line_of(self, key) -> int:
        return self.lines.get(key, self.line)

    def __reduce__(self):
        return (_rebuild_map, (self.line, self.lines, dict(self)))


class YSeq(list):
    """A sequence that remembers where it and each of its items stand."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.lines: list[int] = []

    def __reduce__(self):
        return (_rebuild_seq, (self.line, self.lines, list(self)))


def _rebuild_map(line, lines, items):
    m = YMap(line)
    m.lines = lines
    m.update(items)
    return m


def _rebuild_seq(line, lines, items):
    s = YSeq(line)
    s.lines = lines
    s.extend(items)
    return s


class RawNumber(str):
    """A plain scalar that YAML would read as a number but whose text matters (``010``)."""


class BadDate(str):
    """A scalar shaped like a date that does not exist (``2026-02-30``)."""


def decode(data: bytes, path: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes → text. UTF-8 (with or without BOM) only; GBK is recognised and explained."""
    if len(data) > MAX_FILE_BYTES:
        return None, [error(path, 0, f"文件过大（{len(data)} 字节，上限 {MAX_FILE_BYTES} 字节），请检查是否放错了文件")]
    if b"\x00" in data:
        return None, [error(path, 0, "文件含有二进制内容，不是 YAML 文本文件")]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("gbk")
        except UnicodeDecodeError:
            return None, [error(path, line, "文件不是 UTF-8 编码，请用“另存为 → 编码：UTF-8”重新保存")]
        return None, [error(path, line, "文件是 GBK（ANSI）编码，请用记事本或 WPS “另存为 → 编码：UTF-8”重新保存")]


def parse(text: str, path: str):
    """Text → (value, diagnostics). The value is None when the file cannot be read at all."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc, path, text)]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [error(path, 0, f"YAML 语法错误：{exc}")]
    if node is None:
        return None, [error(path, 0, "文件为空")]
    walker = _Walker(path)
    value = walker.value(node)
    if walker.aliased:  # refuse the whole file: its meaning depends on what we will not expand
        return None, walker.diagnostics
    return value, walker.diagnostics


def _syntax_error(exc: yaml.MarkedYAMLError, path: str, text: str) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    problem = exc.problem or ""
    lines = text.splitlines()
    if mark and mark.line < len(lines) and "\t" in lines[mark.line]:
        return error(path, line, "不能用制表符（Tab）缩进，请改用空格")
    if "found duplicate anchor" in problem or "found undefined alias" in problem:
        return error(path, line, "不支持 YAML 锚点和别名（& 和 *），请直接写出内容")
    detail = f"{exc.context}，{problem}" if exc.context else problem
    return error(path, line, f"YAML 语法错误（{detail}），请检查缩进、冒号和引号")


class _Walker:
    def __init__(self, path: str):
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[int] = set()
        self.aliased = False

    def value(self, node):
        if id(node) in self._seen:
            if not self.aliased:  # one report per file is enough
                self.diagnostics.append(
                    error(self.path, node.start_mark.line + 1, "不支持 YAML 锚点和别名（& 和 *），请直接写出内容"))
            self.aliased = True
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        self._seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        return self.sequence(node)

    def mapping(self, node):
        result = YMap(node.start_mark.line + 1)
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self.value(key_node)
            if isinstance(key, (YMap, YSeq)) or key is None:
                self.diagnostics.append(error(self.path, line, "键名必须是简单文字"))
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.diagnostics.append(error(self.path, line, "不支持 YAML 合并键（<<），请直接写出内容"))
                continue
            if key in result:
                self.diagnostics.append(
                    error(self.path, line, f"重复的键“{key}”（第 {result.lines[key]} 行已有），后写的会覆盖前面的，请合并"))
                continue
            result[key] = self.value(value_node)
            result.lines[key] = line
        return result

    def sequence(self, node):
        result = YSeq(node.start_mark.line + 1)
        for item in node.value:
            result.append(self.value(item))
            result.lines.append(item.start_mark.line + 1)
        return result

    def scalar(self, node):
        raw, tag = node.value, node.tag
        if tag == _TAG_STR or node.style:  # quoted scalars are always text
            return raw
        if tag == _TAG_INT:
            if _PLAIN_INT.match(raw):
                return int(raw)
            return RawNumber(raw)  # 010, 0x1F, 1_000: YAML would change its meaning
        if tag == _TAG_FLOAT:
            try:
                value = Decimal(raw.replace("_", ""))
            except InvalidOperation:
                return RawNumber(raw)
            return value if value.is_finite() else RawNumber(raw)
        if tag == _TAG_BOOL:
            return raw.lower() in ("true", "yes", "on", "y")
        if tag == _TAG_NULL:
            return None
        if tag == _TAG_DATE:
            try:
                return dt.date.fromisoformat(raw)
            except ValueError:
                return BadDate(raw)
        return raw
