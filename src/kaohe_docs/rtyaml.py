"""Round-trip YAML edits (ruamel.yaml): comments, order and formatting of a record file survive.

Reading for checks uses libyaml (fast, ``yamlio``); writing back into a file a person reviews
in a pull request uses ruamel's round-trip mode, then an atomic replace.
"""
from __future__ import annotations

import io
import os
import tempfile
from decimal import Decimal
from pathlib import Path


def _yaml():
    from ruamel.yaml import YAML
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(path: Path):
    return _yaml().load(path.read_text(encoding="utf-8"))


def dump(data) -> str:
    out = io.StringIO()
    _yaml().dump(data, out)
    return out.getvalue()


def write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def scalar(value: Decimal):
    """A Decimal as YAML writes it: 95, 92.5 (the loader reads the text back exactly)."""
    return int(value) if value == value.to_integral_value() else float(value)


def flow_map(pairs: dict):
    from ruamel.yaml.comments import CommentedMap
    mapping = CommentedMap(pairs)
    mapping.fa.set_flow_style()
    return mapping


def quoted(text: str):
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString
    return DoubleQuotedScalarString(text)


def person_item(doc, person_id: str):
    for item in doc.get("people") or ():
        if str(item.get("id")) == person_id:
            return item
    return None


def set_in(item, key: str, sub, value, after: str | None = None) -> None:
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
