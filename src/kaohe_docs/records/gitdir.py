"""Where the Git directory of a records repository is, read from the files alone (no subprocess).

Caches and the records lock live in the Git directory, where no branch can put a file. A
``.git`` that is a symlink is not trusted (None), like every other symlink in the repository.
"""
from __future__ import annotations

from pathlib import Path


def git_dir(start: Path) -> Path | None:
    """The Git directory of the work tree around ``start`` (a linked worktree's own one)."""
    for candidate in (start, *start.parents):
        dot_git = candidate / ".git"
        if dot_git.is_symlink():
            return None
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                return None
            if not text.startswith("gitdir:"):
                return None
            return (candidate / text[len("gitdir:"):].strip()).resolve()
    return None


def git_common_dir(start: Path) -> Path | None:
    """The Git directory shared by all work trees of the repository around ``start``."""
    found = git_dir(start)
    if found is None:
        return None
    common = found / "commondir"
    if common.is_file():
        try:
            found = (found / common.read_text(encoding="utf-8").strip()).resolve()
        except (OSError, UnicodeDecodeError):
            return None
    return found if (found / "HEAD").is_file() else None
