"""Where record files come from: the work tree (or, later, a Git revision).

A ``Source`` lists and reads files by their path relative to the records root, so the
loader does not care whether it reads a checkout or the blobs of a commit.
"""
from __future__ import annotations

import os
from pathlib import Path

from kaohe_docs.errors import KaoheError

MARKERS = ("policy/policy.yaml", "records/bureau.yaml")


def find_root(start: Path) -> Path:
    """The records repository containing ``start``, found upwards as git does."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if all((candidate / marker).is_file() for marker in MARKERS):
            return candidate
    raise KaoheError(f"{start} 不在考核记录库中（找不到 policy/policy.yaml 和 records/bureau.yaml），可用 -C 指定目录")


class TreeSource:
    """Files of the work tree below ``root``."""

    def __init__(self, root: Path):
        self.root = root

    def list(self, folder: str) -> list[str]:
        """Relative paths of everything directly inside ``folder`` (files and folders)."""
        base = self.root / folder
        if not base.is_dir():
            return []
        return sorted(f"{folder}/{name}" for name in os.listdir(base) if not name.startswith("."))

    def is_dir(self, path: str) -> bool:
        return (self.root / path).is_dir()

    def exists(self, path: str) -> bool:
        return (self.root / path).exists()

    def read(self, path: str) -> bytes:
        """Raises OSError (unreadable, a directory …); the loader turns it into a diagnostic."""
        return (self.root / path).read_bytes()
