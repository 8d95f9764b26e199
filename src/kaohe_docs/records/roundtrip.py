"""Round-trip YAML edits (ruamel.yaml): comments, order and formatting of a record file survive.

Reading for checks uses libyaml (fast, ``yamlio``); writing back into a file a person reviews
in a pull request uses ruamel's round-trip mode, then an atomic replace. What ruamel does not
keep by itself is kept here: a BOM, Windows line endings, the list indentation of the file
(``  - id:`` or ``- id:``) and the file's permissions. Scores are written from their Decimal
text, never through float.
"""
from __future__ import annotations

import functools
import io
import os
import stat
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kaohe_docs.records.lock import temp_prefix

if TYPE_CHECKING:  # ruamel is imported when a file is written, not for every command
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.representer import RoundTripRepresenter
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

# a round-trip document or node (CommentedMap, CommentedSeq, a scalar): ruamel builds it from whatever the file holds
Node = Any


@dataclass(frozen=True)
class Style:
    """How a record file is written, so that a round trip changes only the edited values."""
    bom: bool = False
    newline: str = "\n"
    mapping: int = 2
    sequence: int = 4
    offset: int = 2


@functools.cache
def _representer() -> type[RoundTripRepresenter]:
    """ruamel's round-trip representer, plus Decimal written as its own text (92.35, never via float)."""
    from ruamel.yaml.representer import RoundTripRepresenter

    class DecimalRepresenter(RoundTripRepresenter):
        pass

    DecimalRepresenter.add_representer(Decimal, lambda r, d: r.represent_scalar("tag:yaml.org,2002:float", format(d, "f")))
    return DecimalRepresenter


def _yaml(style: Style) -> YAML:
    from ruamel.yaml import YAML
    yaml = YAML()
    yaml.Representer = _representer()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=style.mapping, sequence=style.sequence, offset=style.offset)
    return yaml


def _style(raw: str) -> Style:
    from ruamel.yaml.util import load_yaml_guess_indent
    text = raw.removeprefix("\ufeff").replace("\r\n", "\n")
    _, indent, offset = load_yaml_guess_indent(text)  # a second parse; record files are small
    indents: dict[str, int]
    if indent is None:
        indents = {}
    elif offset is None:  # no block list in the file: only its mapping indentation is known
        indents = {"mapping": indent}
    else:
        indents = {"sequence": indent, "offset": offset, "mapping": max(indent - offset, 2)}
    return Style(bom=raw.startswith("\ufeff"), newline="\r\n" if "\r\n" in raw else "\n", **indents)


def load(path: Path) -> tuple[Node, Style]:
    """(document, style) of a record file."""
    raw = path.read_bytes().decode("utf-8")
    style = _style(raw)
    return _yaml(style).load(raw.removeprefix("\ufeff").replace("\r\n", "\n")), style


def dump(data: Node, style: Style = Style()) -> str:
    out = io.StringIO()
    _yaml(style).dump(data, out)
    return ("\ufeff" if style.bom else "") + out.getvalue().replace("\n", style.newline)


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by a complete new file (same permissions), never a half-written one."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path.name))  # see records.lock.TEMP_FILE
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def scalar(value: Decimal) -> int | Decimal:
    """A Decimal as YAML writes it: 95, 92.5 (the loader reads the text back exactly)."""
    return int(value) if value == value.to_integral_value() else value


def flow_map(pairs: dict[Any, Any]) -> CommentedMap:
    from ruamel.yaml.comments import CommentedMap
    mapping = CommentedMap(pairs)
    mapping.fa.set_flow_style()
    return mapping


def quoted(text: str) -> DoubleQuotedScalarString:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString
    result: DoubleQuotedScalarString = DoubleQuotedScalarString(text)  # ruamel types its __new__ as Any
    return result


def person_item(doc: Node, person_id: str) -> Node:
    """The person's item (a CommentedMap) in a unit file's ``people:``, None when absent."""
    for item in doc.get("people") or ():
        if str(item.get("id")) == person_id:
            return item
    return None


def set_in(item: Node, key: str, sub: object, value: object, after: str | None = None) -> None:
    """``item[key][sub] = value`` keeping ``item[key]`` a flow mapping, created after ``after``."""
    if key not in item or item[key] is None:
        position = list(item).index(after) + 1 if after in item else len(item)
        item.insert(position, key, flow_map({}))
    mapping = item[key]
    if sub in mapping:
        mapping[sub] = value
        return
    keys = list(mapping) + [sub]
    ordered = sorted(keys, key=lambda k: (str(type(k)), k))
    mapping.insert(ordered.index(sub), sub, value)
