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
from typing import TypeAlias

import yaml

from kaohe_docs.errors import Diagnostic, error
from kaohe_docs.limits import DEFAULT, Limits

MAX_FILE_BYTES = DEFAULT.file_bytes

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
_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
         (b"\xfe\xff", "UTF-16"))
# characters no record text may hold: C0 controls but tab and line feed, DEL, C1 controls, lone surrogates,
# Unicode non-characters and the bidirectional controls that reorder what a reviewer sees
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                        "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                        + "".join(chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(1, 17))
                        + "]")


def forbidden_characters(text: str) -> str:
    """The characters of ``text`` that no record may hold, as U+XXXX codes ('' when none)."""
    found: list[str] = []
    for match in _FORBIDDEN.finditer(text):
        code = f"U+{ord(match.group()):04X}"
        if code not in found:
            found.append(code)
            if len(found) == 5:
                break
    return "、".join(found)


def wide_encoding(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes are that (with or without BOM, as Notepad's “Unicode” saves)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:400]
    if len(head) >= 8:
        if len(head) % 4 == 0 and all(head[i:i + 2] == b"\x00\x00" for i in range(2, len(head), 4)):
            return "UTF-32"
        zeros_even, zeros_odd = head[0::2].count(0), head[1::2].count(0)
        if max(zeros_even, zeros_odd) > len(head) // 4 and min(zeros_even, zeros_odd) < len(head) // 40 + 1:
            return "UTF-16"
    return None


# what the walker makes of a YAML node: a scalar (text, RawNumber and BadDate included), a mapping or a list
Scalar: TypeAlias = "str | int | Decimal | bool | dt.date"
YValue: TypeAlias = "Scalar | YMap | YSeq | None"


class YMap(dict[Scalar, YValue]):
    """A mapping that remembers where it and each of its keys stand (1-based lines)."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.lines: dict[Scalar, int] = {}

    def line_of(self, key: Scalar) -> int:
        return self.lines.get(key, self.line)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_map, (self.line, self.lines, dict(self)))


class YSeq(list[YValue]):
    """A sequence that remembers where it and each of its items stand."""

    __slots__ = ("line", "lines")

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.lines: list[int] = []

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_seq, (self.line, self.lines, list(self)))


def _rebuild_map(line: int, lines: dict[Scalar, int], items: dict[Scalar, YValue]) -> YMap:
    m = YMap(line)
    m.lines = lines
    m.update(items)
    return m


def _rebuild_seq(line: int, lines: list[int], items: list[YValue]) -> YSeq:
    s = YSeq(line)
    s.lines = lines
    s.extend(items)
    return s


class RawNumber(str):
    """A plain scalar that YAML would read as a number but whose text matters (``010``)."""


class BadDate(str):
    """A scalar shaped like a date that does not exist (``2026-02-30``)."""


def decode(data: bytes, path: str, limits: Limits = DEFAULT) -> tuple[str | None, list[Diagnostic]]:
    """Bytes → text. UTF-8 (with or without BOM) only; GBK, UTF-16 and UTF-32 are recognised and explained."""
    if len(data) > limits.file_bytes:
        return None, [error(path, 0, f"文件过大（{len(data)} 字节，上限 {limits.file_bytes} 字节），请检查是否放错了文件")]
    wide = wide_encoding(data)
    if wide:
        return None, [error(path, 0, f"文件是 {wide} 编码（记事本的“Unicode”），请用记事本或 WPS “另存为 → 编码：UTF-8”重新保存")]
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


def parse(text: str, path: str, limits: Limits = DEFAULT) -> tuple[YValue, list[Diagnostic]]:
    """Text → (value, diagnostics). The value is None when the file cannot be read at all."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(exc, path, text)]
    except yaml.reader.ReaderError as exc:  # a raw control character: libyaml refuses the file
        if _Loader is yaml.SafeLoader:  # pragma: no cover - the pure-Python reader counts characters
            line = text.count("\n", 0, exc.position) + 1
        else:  # libyaml counts bytes of the UTF-8 text
            line = text.encode("utf-8", "surrogatepass")[: exc.position].count(b"\n") + 1
        return None, [error(path, line, f"含有不允许的控制字符 U+{exc.character:04X}，请删除（可能是从其他软件复制来的）")]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [error(path, 0, f"YAML 语法错误：{exc}")]
    if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"):
        return None, [error(path, 0, "文件为空")]  # nothing, or nothing but a null (“~”, “null”)
    walker = _Walker(path, limits)
    value = walker.value(node)
    if walker.too_deep:
        return None, walker.diagnostics
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
    if "maximum nesting depth" in problem:
        return error(path, line, "嵌套层数过多（超过 YAML 读取程序的上限），记录文件不会有这么多层，请检查文件内容")
    if "invalid Unicode character escape" in problem:
        return error(path, line, "引号中的 \\u 转义写的不是有效字符，请直接写出文字")
    if "found duplicate anchor" in problem or "found undefined alias" in problem:
        return error(path, line, "不支持 YAML 锚点和别名（& 和 *），请直接写出内容")
    detail = f"{exc.context}，{problem}" if exc.context else problem
    return error(path, line, f"YAML 语法错误（{detail}），请检查缩进、冒号和引号")


class _Walker:
    def __init__(self, path: str, limits: Limits = DEFAULT):
        self.path = path
        self.limits = limits
        self.diagnostics: list[Diagnostic] = []
        self._seen: set[int] = set()
        self.aliased = False
        self.too_deep = False
        self.depth = 0

    def value(self, node: yaml.Node) -> YValue:
        if self.too_deep:
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if self.depth >= self.limits.yaml_depth:  # bounded before Python's recursion limit is reached
            self.too_deep = True
            self.diagnostics.append(error(self.path, node.start_mark.line + 1,
                                          f"嵌套层数超过上限 {self.limits.yaml_depth} 层，记录文件不会有这么多层，请检查文件内容"))
            return None
        self.depth += 1
        try:
            return self._collection(node)
        finally:
            self.depth -= 1

    def _collection(self, node: yaml.Node) -> YMap | YSeq | None:
        if id(node) in self._seen:
            if not self.aliased:  # one report per file is enough
                self.diagnostics.append(
                    error(self.path, node.start_mark.line + 1, "不支持 YAML 锚点和别名（& 和 *），请直接写出内容"))
            self.aliased = True
            return None
        self._seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        return self.sequence(node)

    def mapping(self, node: yaml.MappingNode) -> YMap:
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

    def sequence(self, node: yaml.SequenceNode) -> YSeq:
        result = YSeq(node.start_mark.line + 1)
        for item in node.value:
            result.append(self.value(item))
            result.lines.append(item.start_mark.line + 1)
        return result

    def scalar(self, node: yaml.ScalarNode) -> Scalar | None:
        raw: str = node.value
        tag = node.tag
        bad = forbidden_characters(raw)
        if bad:
            self.diagnostics.append(error(self.path, node.start_mark.line + 1,
                                          f"含有不允许的控制字符或不可见的方向控制字符（{bad}），请删除后重新输入"))
            raw = _FORBIDDEN.sub("", raw)
        if tag == _TAG_STR or node.style:  # quoted scalars are always text
            return raw
        if tag in (_TAG_INT, _TAG_FLOAT) and len(raw) > 4 * self.limits.number_digits:
            return RawNumber(raw)  # never handed to int()/Decimal(): Python's own digit limit is not reached
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


def length_diagnostics(value: YValue, path: str, limits: Limits = DEFAULT) -> list[Diagnostic]:
    """Every text (and key) longer than its limit in policy (``limits.text``), with file:line."""
    from kaohe_docs.limits import TEXT_LABELS
    out: list[Diagnostic] = []
    stack: list[tuple[YValue, Scalar | None, int]] = [(value, None, getattr(value, "line", 0))]
    while stack:
        item, key, line = stack.pop()
        if isinstance(item, YMap):
            for k, v in item.items():
                k_line = item.line_of(k)
                if isinstance(k, str) and len(k) > limits.key_chars:
                    out.append(error(path, k_line, f"键名过长（{len(k)} 个字符，上限 {limits.key_chars} 个字符）"))
                stack.append((v, k, k_line))
        elif isinstance(item, YSeq):
            stack.extend((v, key, n) for v, n in zip(item, item.lines))
        elif isinstance(item, str) and not isinstance(item, RawNumber):
            limit = limits.text_length(key)
            if len(item) > limit:
                label = TEXT_LABELS.get(str(key), "文字")
                out.append(error(path, line, f"“{key}”（{label}）有 {len(item)} 个字，超过上限 {limit} 个字"
                                             f"（政策 limits.text.{key if str(key) in limits.text else 'default'}）"))
    return sorted(out)
