"""One writer at a time: the lock every command that writes records takes, and the temp files it cleans.

Two ``kaohe import`` runs on the same repository would both read the records, both plan, and
the second write would silently drop the first one's scores. ``writing(root)`` takes an
exclusive, non-blocking lock (a file in the Git directory, or beside records/ without Git):
the second run is refused with a clear message instead. The lock is released by the
operating system when the process ends, even after ``kill -9``.

Atomic writes go through a hidden copy (``.unit.yaml-XXXXXXXX``) that is renamed over the
file; a process killed between the two leaves that copy behind, with personal data in it.
Under the lock no other writer can be mid-write, so every such copy is stale and removed.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from kaohe_docs.errors import KaoheError
from kaohe_docs.records.gitdir import git_dir

LOCK_NAME = "kaohe-records.lock"
WRITTEN_DIRS = ("records", "policy")
# the hidden copy ``write_atomic`` makes of ``name``: ".<name>-" + tempfile's 8 random characters
TEMP_FILE = re.compile(r"\..+\.(yaml|yml)-[a-z0-9_]{8}\Z")


def temp_prefix(name: str) -> str:
    return f".{name}-"


def lock_path(root: Path) -> Path:
    found = git_dir(root)
    return found / LOCK_NAME if found is not None else root / f".{LOCK_NAME}"


def stray_temp_files(root: Path) -> list[str]:
    """Hidden copies left by interrupted writes under records/ and policy/ (relative paths)."""
    found: list[str] = []
    for top in WRITTEN_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / top):  # symlinks are not followed
            dirnames.sort()
            for name in sorted(filenames):
                if TEMP_FILE.match(name):
                    found.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return found


def _try_lock(fh: IO[str]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextmanager
def writing(root: Path) -> Iterator[list[str]]:
    """Hold the records write lock; stale temp copies are removed once it is held. Yields the removed paths."""
    path = lock_path(root)
    try:
        fh = open(path, "a+", encoding="utf-8")
    except OSError as exc:
        raise KaoheError(f"无法创建写入锁“{path}”（{exc.strerror or exc}），未写入任何记录") from exc
    with fh:
        if not _try_lock(fh):
            fh.seek(0)
            holder = fh.read().strip()[:200]
            who = f"（{holder}）" if holder else ""
            raise KaoheError(f"另一个导入正在进行{who}，它会修改同一批记录；请等它完成后再运行，本次未写入任何文件")
        fh.seek(0)
        fh.truncate()
        fh.write(f"进程 {os.getpid()}\n")
        fh.flush()
        removed: list[str] = []
        for rel in stray_temp_files(root):
            try:
                os.unlink(root / rel)
                removed.append(rel)
            except OSError:
                pass
        yield removed
