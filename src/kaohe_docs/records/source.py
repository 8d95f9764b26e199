"""Where record files come from: the work tree (or, later, a Git revision).

A ``Source`` lists and reads files by their path relative to the records root, so the
loader does not care whether it reads a checkout or the blobs of a commit.
"""
from __future__ import annotations

import builtins
import os
from pathlib import Path
from typing import Protocol

from kaohe_docs.errors import KaoheError

MARKERS = ("policy/policy.yaml", "records/bureau.yaml")


def find_root(start: Path) -> Path:
    """The records repository containing ``start``, found upwards as git does."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if all((candidate / marker).is_file() for marker in MARKERS):
            return candidate
    raise KaoheError(f"{start} 不在考核记录库中（找不到 policy/policy.yaml 和 records/bureau.yaml），可用 -C 指定目录")


SYMLINK_REFUSED = "是符号链接，出于安全原因不读取"
GUARDED = ("policy", "records", "templates")  # folders whose symlinks are reported, never followed


class SymlinkRefused(OSError):
    """A path under the records root that is (or passes through) a symbolic link."""


class Source(Protocol):
    """What the loader reads files through (``symlinks()``, when a source has it, lists the symlinks it refuses)."""

    def list(self, folder: str) -> "builtins.list[str]": ...

    def is_dir(self, path: str) -> bool: ...

    def exists(self, path: str) -> bool: ...

    def read(self, path: str) -> bytes: ...


class TreeSource:
    """Files of the work tree below ``root``; symbolic links are never followed.

    A symlink can point anywhere (``/etc/passwd``, another user's files); following one would put
    a file from outside the repository into ``check`` output and CI logs. Every path is checked
    component by component, and files are opened with O_NOFOLLOW.
    """

    def __init__(self, root: Path):
        self.root = root

    def _linked(self, path: str) -> bool:
        """True when ``path`` or any folder on the way to it is a symlink."""
        current = self.root
        for part in path.split("/"):
            current = current / part
            if current.is_symlink():
                return True
        return False

    def list(self, folder: str) -> list[str]:
        """Relative paths of everything directly inside ``folder`` (files and folders, not symlinks)."""
        if self._linked(folder):
            return []
        base = self.root / folder
        if not base.is_dir():
            return []
        return sorted(f"{folder}/{name}" for name in os.listdir(base)
                      if not name.startswith(".") and not (base / name).is_symlink())

    def is_dir(self, path: str) -> bool:
        return not self._linked(path) and (self.root / path).is_dir()

    def exists(self, path: str) -> bool:
        return os.path.lexists(self.root / path)

    def read(self, path: str) -> bytes:
        """Raises OSError (unreadable, a directory, a symlink …); the loader turns it into a diagnostic."""
        if self._linked(path):
            raise SymlinkRefused(path)
        fd = os.open(self.root / path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            return fh.read()

    def symlinks(self, folders: tuple[str, ...] = GUARDED) -> "builtins.list[str]":
        """Every symlink under ``folders`` (relative paths), found without following any."""
        found = []
        for folder in folders:
            top = self.root / folder
            if top.is_symlink():
                found.append(folder)
                continue
            for dirpath, dirnames, filenames in os.walk(top):
                for name in dirnames + filenames:
                    full = os.path.join(dirpath, name)
                    if os.path.islink(full):
                        found.append(os.path.relpath(full, self.root).replace(os.sep, "/"))
        return sorted(found)
