"""Laid-out pages cached by content: a document is laid out once per content, not once per commit.

A document's laid-out pages (its PDF before the provenance stamp: no commit, date, 草稿 or
正式 mark) depend only on:

- its content HTML (which carries the document's data and the inlined stylesheet),
- the templates (the packaged ones and the bureau's ``templates/``),
- the policy (``policy/``),
- the fonts (each font file's path, size and modification time),
- the engine (WeasyPrint and pydyf versions) and this program's code fingerprint.

The key is the SHA-256 of all of those; the commit and the draft state are never part of it.
Entries are plain files (``<key>.pdf`` and ``<key>.json`` with the PDF's hash and WeasyPrint's
warnings), written atomically; an entry whose hash does not match is ignored and replaced.
Nothing is unpickled or executed. A cache that cannot be written only makes builds slower.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
from decimal import Decimal
from enum import Enum
from pathlib import Path

from kaohe_docs.records.cache import read_json, write_atomic, write_json

log = logging.getLogger(__name__)

PACKAGE_TEMPLATES = Path(__file__).parent.parent / "templates"


def cache_dir(root: Path) -> Path:
    """Where laid-out pages are kept: the ``layout`` folder of the repository's cache folder (inside
    the Git directory, or the user cache; ``KAOHE_CACHE_DIR`` for CI runners), never the work tree."""
    from kaohe_docs.records.cache import cache_dir as repository_cache
    return repository_cache(root) / "layout"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the parts of the key (separate functions so that each one can be tested alone) ---------------

def engine_version() -> str:
    from importlib.metadata import version
    return f"weasyprint {version('weasyprint')}; pydyf {version('pydyf')}"


def font_fingerprint(families: tuple[str, ...]) -> str:
    from kaohe_docs.render.fonts import font_files
    parts = []
    for path in font_files(tuple(families)):
        st = os.stat(path)
        parts.append(f"{path}:{st.st_size}:{st.st_mtime_ns}")
    return sha("\0".join(parts).encode())


def _tree_fingerprint(*folders: Path, only=lambda relative: True) -> str:
    h = hashlib.sha256()
    for n, folder in enumerate(folders):
        if folder.is_symlink() or not folder.is_dir():
            continue  # a symlinked templates/ is refused by the loader: nothing of it is read
        files = []
        for dirpath, _dirnames, filenames in os.walk(folder):  # symlinked folders are not followed
            files += [Path(dirpath, name) for name in filenames if not Path(dirpath, name).is_symlink()]
        for path in sorted(files):
            if not only(path.relative_to(folder).as_posix()):
                continue
            h.update(f"{n}:{path.relative_to(folder).as_posix()}\0".encode())
            h.update(sha(path.read_bytes()).encode())
    return h.hexdigest()


def is_stamp_template(relative: str) -> bool:
    """The stamp's templates (``stamp*.html``): they never reach a layout, only the stamp."""
    return "/" not in relative and relative.startswith("stamp")


def template_fingerprint(root: Path) -> str:
    """Every template and file a document's layout can read (not the stamp's templates)."""
    return _tree_fingerprint(PACKAGE_TEMPLATES, Path(root) / "templates", only=lambda r: not is_stamp_template(r))


def stamp_template_fingerprint(root: Path) -> str:
    """The stamp's templates: part of every finished PDF's key, never of a layout's."""
    return _tree_fingerprint(PACKAGE_TEMPLATES, Path(root) / "templates", only=is_stamp_template)


def policy_fingerprint(root: Path) -> str:
    return _tree_fingerprint(Path(root) / "policy")


def environment_key(root: Path, families: tuple[str, ...]) -> str:
    """Everything but the content HTML that decides a layout; computed once per build."""
    from kaohe_docs import code_fingerprint
    parts = {"code": code_fingerprint(), "engine": engine_version(), "fonts": font_fingerprint(families),
             "templates": template_fingerprint(root), "policy": policy_fingerprint(root)}
    return sha(json.dumps(parts, sort_keys=True).encode())


def layout_key(environment: str, markup: str) -> str:
    return sha(f"layout\0{environment}\0{markup}".encode())


class Opaque(TypeError):
    """A value with no canonical encoding in a document's data: that document is rendered every time."""


def content_key(environment: str, base: dict, doc) -> str:
    """The key of a document's content HTML, computed from its data without rendering it: the
    document's fields and context, the base context (bureau, fonts) and the environment key (code,
    templates, policy, fonts, engine). Documents get ready-made data (strings, numbers, lists,
    dicts, dataclasses), each encoded with its type; anything else raises ``Opaque``."""
    out: list[str] = [f"content\0{environment}\0"]
    fields = {"id": doc.id, "title": doc.title, "kind": doc.kind, "template": doc.template, "path": doc.path,
              "period": doc.period, "draft": doc.draft, "context": doc.context}
    _encode({"base": base, "doc": fields}, out)
    return sha("".join(out).encode("utf-8", "surrogatepass"))


def _encode(value, out: list[str]) -> None:
    """``value`` as unambiguous text: each item tagged with its type, texts prefixed by their length."""
    kind = type(value)
    if kind is str:
        out.append(f"s{len(value)}:")
        out.append(value)
    elif kind is dict:
        out.append(f"d{len(value)}:")
        for key, item in value.items():
            _encode(key, out)
            _encode(item, out)
    elif isinstance(value, (list, tuple)):
        out.append(f"l{kind.__module__}.{kind.__qualname__}:{len(value)}:")
        for item in value:
            _encode(item, out)
    elif value is None or kind in (bool, int, float, Decimal) or isinstance(value, (dt.date, dt.time, Enum)):
        text = repr(value)
        out.append(f"v{kind.__qualname__}:{len(text)}:{text}")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        out.append(f"o{kind.__module__}.{kind.__qualname__}:")
        _encode({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, out)
    elif isinstance(value, (set, frozenset)):
        items = []
        for item in value:
            part: list[str] = []
            _encode(item, part)
            items.append("".join(part))
        out.append(f"e{kind.__qualname__}:{len(items)}:")
        out.extend(sorted(items))
    else:
        raise Opaque(f"{kind.__module__}.{kind.__qualname__}")


def file_signature(path: Path) -> list[int] | None:
    """Size and modification time of a cache file: an entry is used only while they are unchanged
    (a damaged or edited file, or one truncated by a full disk, is laid out again)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def unchanged(path: Path, info) -> bool:
    """Whether ``path`` still has the size and modification time its entry ``info`` recorded."""
    return isinstance(info, dict) and info.get("stat") is not None and file_signature(path) == info["stat"]


class LayoutCache:
    """Laid-out PDFs by key, as plain files in ``folder``: ``<key>.pdf``, and ``<key>.json`` with its
    hash, WeasyPrint's warnings, its size and modification time, and its page map (what stamping
    needs from it: ``stamp.map_pages``, learnt once)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.found: dict[str, dict] = {}  # key → the entry's information, once found valid

    def _paths(self, key: str) -> tuple[Path, Path]:
        sub = self.folder / key[:2]
        return sub / f"{key}.pdf", sub / f"{key}.json"

    def _info(self, key: str) -> dict | None:
        try:
            info = json.loads(self._paths(key)[1].read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return info if isinstance(info, dict) else None

    @staticmethod
    def _warnings(info: dict) -> list[str]:
        warnings = info.get("warnings", [])
        return [str(w) for w in warnings] if isinstance(warnings, list) else []

    def path(self, key: str) -> tuple[Path, list[str]] | None:
        """The entry's file, without reading it: used while its size and modification time are the
        ones recorded when it was written."""
        info = self.found.get(key) or self._info(key)
        pdf = self._paths(key)[0]
        if info is None or not unchanged(pdf, info):
            return None
        self.found[key] = info
        return pdf, self._warnings(info)

    def page_map(self, key: str) -> dict | None:
        """The page map of a valid entry, or None (none, or one written before plans were kept)."""
        from kaohe_docs.render.stamp import PAGE_MAP_VERSION
        if self.path(key) is None:
            return None
        page_map = self.found[key].get("plan")
        return page_map if isinstance(page_map, dict) and page_map.get("version") == PAGE_MAP_VERSION else None

    def put(self, key: str, data: bytes, warnings: list[str], page_map: dict | None = None) -> Path | None:
        """Store an entry (with the layout's page map, made here unless given); its file, or None
        when the cache cannot be written (that only costs time)."""
        from kaohe_docs.render.stamp import map_pages
        pdf, meta = self._paths(key)
        info = {"sha256": sha(data), "warnings": list(warnings), "plan": page_map or map_pages(data)}
        written = write_atomic(pdf, data) and write_json(meta, {**info, "stat": file_signature(pdf)})
        if not written:
            log.warning("无法写入排版缓存 %s", self.folder)
            return None
        return pdf

    def keep_page_map(self, key: str, page_map: dict) -> None:
        """Add a page map to an entry written without one (best effort)."""
        info = self._info(key)
        if info is not None and unchanged(self._paths(key)[0], info):
            write_json(self._paths(key)[1], {**info, "plan": page_map})


class ContentCache:
    """Documents' content HTML by content key (``content_key``), and each period's plan — its
    documents and their content keys — by the key of every input, as plain JSON files.

    A build whose inputs are unchanged takes its documents from the plan and their HTML from
    here: it neither loads the records nor renders a template. A damaged entry reads as missing.
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / kind / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        entry = read_json(self._path("content", key))
        markup = entry.get("markup") if isinstance(entry, dict) else None
        return markup if isinstance(markup, str) and entry.get("key") == key else None

    def put(self, key: str, markup: str) -> None:
        write_json(self._path("content", key), {"key": key, "markup": markup})

    def plan(self, key: str):
        """(documents, notes, content keys) kept under ``key``, or None."""
        from kaohe_docs.documents import Document
        from kaohe_docs.errors import Diagnostic
        entry = read_json(self._path("plan", key))
        try:
            if entry["key"] != key:
                return None
            docs = [Document(id=d["id"], title=d["title"], kind=d["kind"], template=d["template"], path=d["path"],
                             period=d["period"], context={}, draft=d["draft"], issued=d.get("issued") is True)
                    for d in entry["documents"]]
            notes = [Diagnostic.from_plain(n) for n in entry["notes"]]
            keys = [d["content"] for d in entry["documents"]]
        except (TypeError, KeyError, ValueError):
            return None
        fields = [(d.id, d.title, d.kind, d.template, d.path, d.period) for d in docs]
        if not all(isinstance(v, str) for row in fields for v in row) or not all(isinstance(k, str) for k in keys):
            return None
        return docs, notes, keys

    def put_plan(self, key: str, docs: list, notes: list, keys: list[str]) -> None:
        write_json(self._path("plan", key), {"key": key, "notes": [n.plain() for n in notes], "documents": [
            {"id": d.id, "title": d.title, "kind": d.kind, "template": d.template, "path": d.path, "period": d.period,
             "draft": bool(d.draft), "issued": bool(d.issued), "content": k} for d, k in zip(docs, keys)]})


# --- verification codes issued: code → (document, commit), so that `kaohe verify CODE` finds a
# notice printed from an earlier build whose output folder has since been replaced ----------------

# One file of JSON lines per first character of the code (32 files however many builds there are),
# each build adding its codes once (``codes/batches/<hash of them>``); the file-per-code layout of
# earlier versions is still read.

def _code_shard(root: Path, code: str) -> Path:
    return cache_dir(root) / "codes" / f"{code[:1]}.jsonl"


def record_codes(root: Path, entries: list[dict]) -> None:
    """Remember each {"code", "document", "commit", "title"}; best effort, like the layouts."""
    if not entries:
        return
    folder = cache_dir(root) / "codes"
    lines = [json.dumps(entry, ensure_ascii=False, sort_keys=True) for entry in entries]
    batch = folder / "batches" / sha("\n".join(lines).encode("utf-8"))
    try:
        if batch.exists():
            return  # the same build again
        shards: dict[str, list[str]] = {}
        for entry, line in zip(entries, lines):
            shards.setdefault(entry["code"][:1], []).append(line + "\n")
        folder.mkdir(parents=True, exist_ok=True)
        for first, chunk in sorted(shards.items()):
            with open(folder / f"{first}.jsonl", "a", encoding="utf-8") as fh:  # appended whole: a torn line is skipped
                fh.write("".join(chunk))
        write_atomic(batch, b"")
    except OSError as exc:
        log.warning("无法记录核验码 %s：%s", folder, exc)


def code_index(root: Path, code: str) -> dict | None:
    """What the code was issued for: {"document", "commit", "title"}, or None."""
    found = None
    try:
        with open(_code_shard(root, code), encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if f'"{code}"' in line:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(entry, dict) and entry.get("code") == code:
                        found = entry
                        break
    except OSError:
        pass
    if found is None:
        try:  # recorded by an earlier version: one file per code
            found = json.loads((cache_dir(root) / "codes" / f"{code}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
    if not isinstance(found, dict) or not all(isinstance(found.get(k), str) for k in ("document", "commit")):
        return None
    return {"document": found["document"], "commit": found["commit"], "title": str(found.get("title", ""))}
