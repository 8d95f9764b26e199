"""The finished-PDF cache: stamped PDFs by key, hard-linked into the next build while unchanged."""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
from pathlib import Path

from kaohe_docs.records.cache import read_json, write_atomic, write_json
from kaohe_docs.render import layout_cache


class PdfCache:
    """Finished (stamped) PDFs by key beside the laid-out pages.

    Plain files: ``<key>.pdf``, and ``index.json`` with each one's SHA-256, size and modification
    time. An entry is hard-linked into the new build (copied where links are impossible) while its
    size and modification time are the recorded ones, so an unchanged document costs no reading or
    writing; the folder is inside the Git directory or the user cache, never the work tree or
    ``build/``, where a branch could plant a file. The keys used by the last build of each period
    are listed in ``periods/``; everything else is removed after a build. (Two builds finishing
    together may each miss the other's new entries: those are made again when next needed.)
    """

    INDEX = "index.json"

    def __init__(self, folder: Path | None, period: str):
        self.dir = folder
        self.period = period
        self.used: list[str] = []
        self.entries = self._index()
        self.added: dict = {}

    def _index(self) -> dict:
        index = read_json(self.dir / self.INDEX) if self.dir is not None else None
        return index if isinstance(index, dict) else {}

    def _path(self, key: str) -> Path:
        assert self.dir is not None  # callers return first when there is no folder
        return self.dir / f"{key}.pdf"

    def get(self, key: str, dest: Path) -> str | None:
        """Link (or copy) the cached PDF of ``key`` to ``dest`` if there is an unchanged one; its SHA-256, else None."""
        self.used.append(key)
        if self.dir is None:
            return None
        info = self.entries.get(key)
        if not isinstance(info, dict) or not layout_cache.unchanged(self._path(key), info) \
                or not isinstance(info.get("sha256"), str):
            return None  # missing, damaged or edited since: stamp again
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            _link_or_copy(self._path(key), dest)
        except OSError:
            return None
        return info["sha256"]

    def _add(self, key: str, digest: str) -> None:
        self.added[key] = self.entries[key] = {"sha256": digest, "stat": layout_cache.file_signature(self._path(key))}

    def put(self, key: str, data: bytes) -> str:
        """Keep ``data`` under ``key`` (best effort); its SHA-256."""
        digest = _sha(data)
        if self.dir is not None and write_atomic(self._path(key), data):
            self._add(key, digest)
        return digest

    def put_file(self, key: str, path: Path, digest: str) -> None:
        """Keep the finished file ``path`` (whose SHA-256 is ``digest``) under ``key``: a hard link where
        possible; best effort."""
        if self.dir is None:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = self.dir / f".tmp-{os.getpid()}-{key}.pdf"  # unique per process; leftovers are removed by finish()
            _link_or_copy(path, tmp)
            os.replace(tmp, self._path(key))
        except OSError:
            return
        self._add(key, digest)

    def finish(self) -> None:
        """Remember this period's keys and the new entries; remove PDFs no period's last build used."""
        if self.dir is None or not self.dir.is_dir():
            return
        periods = self.dir / "periods"
        write_json(periods / f"{_sha(self.period.encode())[:16]}.json", sorted(set(self.used)))
        keep: set[str] = set()
        for index in periods.glob("*.json"):
            keys = read_json(index)
            if isinstance(keys, list):
                keep.update(k for k in keys if isinstance(k, str))
        entries = {**self._index(), **self.added}  # as other builds left it, with this one's
        write_json(self.dir / self.INDEX, {k: v for k, v in sorted(entries.items()) if k in keep})
        for entry in self.dir.iterdir():
            if entry.is_file() and entry.name != self.INDEX and entry.suffix in (".pdf", ".json") and entry.stem not in keep:
                with contextlib.suppress(OSError):
                    entry.unlink()


def _link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, dest)



def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
