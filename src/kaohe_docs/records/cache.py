"""Where caches live and what they may hold: plain JSON data, outside the work tree.

A records repository takes merge requests from every unit, so nothing in its work tree may
decide what the tool executes. Caches therefore

- live where a branch cannot put them: inside the Git directory (``<git-common-dir>/kaohe-cache``)
  or, outside Git, in the user's cache directory (``$XDG_CACHE_HOME/kaohe-docs/<hash of the path>``);
  a ``.cache/`` folder in the work tree is never read;
- hold plain data: JSON, decoded into a fixed list of the model's own classes (never pickle);
- are keyed by content hashes (never by size or modification time).

A missing, unreadable or corrupt entry is a cache miss, never an error.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

from kaohe_docs import model
from kaohe_docs.errors import Diagnostic
from kaohe_docs.records.gitdir import git_common_dir

log = logging.getLogger(__name__)

GIT_CACHE = "kaohe-cache"  # folder inside the Git directory
USER_CACHE = "kaohe-docs"  # folder inside the user cache directory
LEGACY_CACHE = ".cache"  # where earlier versions kept caches in the work tree: never read


def user_cache_home() -> Path:
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache"


def cache_dir(root: Path) -> Path:
    """The cache folder of the records repository at ``root`` (outside its work tree).

    ``KAOHE_CACHE_DIR`` overrides it (a CI runner that saves and restores the cache between jobs);
    it is set by whoever runs the tool, never by the repository.
    """
    override = os.environ.get("KAOHE_CACHE_DIR")
    if override and os.path.isabs(override):
        return Path(override)
    root = root.resolve()
    git_dir = git_common_dir(root)
    if git_dir is not None:
        return git_dir / GIT_CACHE / hashlib.sha256(str(root).encode()).hexdigest()[:16]
    return user_cache_home() / USER_CACHE / hashlib.sha256(str(root).encode()).hexdigest()[:16]


def stray_cache(root: Path) -> Path | None:
    """A ``.cache/`` folder in the work tree (written by earlier versions, or planted by a branch)."""
    path = root / LEGACY_CACHE
    return path if os.path.lexists(path) else None


def read_json(path: Path, hook: Callable[[dict[str, Any]], Any] | None = None) -> Any:
    """The JSON value in ``path``, or None when it is missing, unreadable or not JSON (``hook``: the
    object hook, e.g. ``revive``; its ValueError, KeyError or TypeError also reads as None)."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8"), object_hook=hook)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` by rename, so a reader never sees half a file; False when it could not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:  # a read-only place still works, only slower
        log.debug("cache not written: %s", exc)
        return False
    return True


def write_json(path: Path, value: object) -> bool:
    return write_atomic(path, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


# --- plain-data codec for the loader's typed results ------------------------------------------

class Unencodable(TypeError):
    """A value of a type the codec does not know: the entry is simply not cached."""


def _ours(module: ModuleType) -> dict[str, type]:
    """The dataclasses and enums defined in ``module``."""
    return {name: obj for name, obj in vars(module).items() if isinstance(obj, type) and obj.__module__ == module.__name__
            and (dataclasses.is_dataclass(obj) or issubclass(obj, Enum))}


def _registered() -> tuple[dict[str, type], dict[str, type[Enum]]]:
    """Every dataclass and every enum of the model, the policy and the limits, and ``Diagnostic``:
    (classes, enums) by name. A type added there is cached with no change here."""
    from kaohe_docs import limits
    from kaohe_docs.records import policy
    found = {**_ours(model), **_ours(policy), **_ours(limits), "Diagnostic": Diagnostic}
    classes = {name: cls for name, cls in found.items() if dataclasses.is_dataclass(cls)}
    return classes, {name: cls for name, cls in found.items() if issubclass(cls, Enum)}


_CLASS_CACHE: dict[str, type] = {}
_ENUMS: dict[str, type[Enum]] = {}


def _register() -> None:
    if not _CLASS_CACHE:
        classes, enums = _registered()
        _ENUMS.update(enums)
        _CLASS_CACHE.update(classes)


def _class(name: str) -> type:
    _register()
    return _CLASS_CACHE[name]  # KeyError: not one of ours → corrupt entry


def encode(value: object) -> Any:
    """A JSON-able form of a typed result: only the model's classes, enums and plain values."""
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, Enum):
        _register()
        if _ENUMS.get(type(value).__name__) is not type(value):
            raise Unencodable(type(value).__name__)
        return {"$e": [type(value).__name__, value.value]}
    if isinstance(value, str):  # str subclasses of the YAML reader carry no meaning past it
        return str(value)
    if isinstance(value, Decimal):
        return {"$d": str(value)}
    if isinstance(value, dt.datetime):
        raise Unencodable("datetime")
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if _class(name) is not type(value):
            raise Unencodable(name)
        return {"$c": name, "f": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"$s": [encode(v) for v in value], "frozen": isinstance(value, frozenset)}
    if isinstance(value, dict):
        return {"$m": [[encode(k), encode(v)] for k, v in value.items()]}
    raise Unencodable(type(value).__name__)


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


def revive(data: dict[str, Any]) -> Any:
    """``json`` object hook: decodes while parsing (innermost objects first), several times faster
    than ``decode`` on a parsed value. ``encode`` writes the tag as an object's first key; an
    object without one is a class's fields."""
    reviver = _REVIVERS.get(next(iter(data), ""))
    return data if reviver is None else reviver(data)


def _revive_class(data: dict[str, Any]) -> object:
    cls = _class(data["$c"])
    values = data["f"]
    if type(values) is not dict or values.keys() != _field_names(cls):
        raise ValueError("fields do not match")
    return cls(**values)


def _enum(name: str, value: object) -> Enum:
    _register()
    return _ENUMS[name](value)  # KeyError, ValueError: not one of ours → corrupt entry


def _revive_decimal(data: dict[str, Any]) -> Decimal:
    try:
        return Decimal(data["$d"])
    except InvalidOperation as exc:
        raise ValueError("bad decimal") from exc


def _revive_set(data: dict[str, Any]) -> set[Any] | frozenset[Any]:
    items = _list(data["$s"])
    return frozenset(items) if data.get("frozen") else set(items)


_REVIVERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "$c": _revive_class,
    "$e": lambda data: _enum(*data["$e"]),
    "$d": _revive_decimal,
    "$date": lambda data: dt.date.fromisoformat(data["$date"]),
    "$t": lambda data: tuple(_list(data["$t"])),
    "$s": _revive_set,
    "$m": lambda data: {k: v for k, v in _list(data["$m"])},
}


def _list(value: object) -> list[Any]:
    if type(value) is not list:
        raise ValueError("expected a list")
    return value


def decode(data: Any) -> Any:
    """The inverse of ``encode``; raises ValueError/KeyError/TypeError on anything else."""
    if data is None or type(data) in (bool, int, str):
        return data
    if type(data) is list:
        return [decode(v) for v in data]
    if type(data) is not dict:
        raise ValueError("unexpected JSON value")
    if "$c" in data:
        cls = _class(data["$c"])
        fields = _field_names(cls)
        values = data["f"]
        if type(values) is not dict or set(values) != fields:
            raise ValueError("fields do not match")
        return cls(**{k: decode(v) for k, v in values.items()})
    if "$e" in data:
        name, raw = data["$e"]
        return _enum(name, raw)
    if "$d" in data:
        try:
            return Decimal(data["$d"])
        except InvalidOperation as exc:
            raise ValueError("bad decimal") from exc
    if "$date" in data:
        return dt.date.fromisoformat(data["$date"])
    if "$t" in data:
        return tuple(decode(v) for v in data["$t"])
    if "$s" in data:
        items = [decode(v) for v in data["$s"]]
        return frozenset(items) if data.get("frozen") else set(items)
    if "$m" in data:
        return {decode(k): decode(v) for k, v in data["$m"]}
    raise ValueError("unknown tag")
