"""The build's output folder: one build at a time, and the new folder swapped in by renames."""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from kaohe_docs.errors import KaoheError


@contextlib.contextmanager
def one_build_at_a_time(out: Path, progress):
    """One build at a time per output folder; leftovers of an interrupted build are removed."""
    out.mkdir(parents=True, exist_ok=True)
    try:  # never through a symlink a branch may have committed as build/.lock
        fd = os.open(out / ".lock", os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise KaoheError(f"无法使用 {out / '.lock'}（{exc.strerror or exc}）；如果它是符号链接，请删除后重试") from exc
    with os.fdopen(fd, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("另一个生成任务正在进行，等待其完成……")
            fcntl.flock(handle, fcntl.LOCK_EX)
        for stale in out.glob(".*-*"):
            if stale.is_dir():  # staging or old folders of a build that was killed
                shutil.rmtree(stale, ignore_errors=True)
        yield


def swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging`` by renames; the old folder is removed last (an empty
    ``staging`` is left for the caller's cleanup)."""
    final = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    os.rmdir(final)
    os.rename(staging, final)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.rename(target, old)
    os.rename(final, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    staging.mkdir()  # so the caller's cleanup has something to remove
