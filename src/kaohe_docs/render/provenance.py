"""Which commit a document comes from, and whether it is a draft.

A document built from a clean, committed tree names its commit; one built from uncommitted
changes under records/, policy/ or templates/ (or outside Git) is a draft (草稿).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kaohe_docs import __version__

WATCHED = ("records", "policy", "templates")
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Provenance:
    commit: str  # full hash, "" outside Git or before the first commit
    date: dt.datetime  # commit date: the documents' fixed creation date
    draft: bool

    @property
    def short(self) -> str:
        return self.commit[:10] if self.commit else "无提交"

    @property
    def line(self) -> str:
        state = "草稿：含未提交的修改，不得作为正式文书" if self.draft else "正式"
        return f"记录库提交 {self.short}（{self.date:%Y-%m-%d %H:%M}）· {state} · kaohe-docs {__version__}"

    @property
    def iso(self) -> str:
        return self.date.isoformat()


def of_commit(commit) -> Provenance:
    """A committed revision: never a draft."""
    return Provenance(commit.hexsha, commit.committed_datetime, False)


def provenance(root: Path) -> Provenance:
    from kaohe_docs import gitport
    from kaohe_docs.errors import KaoheError
    try:
        repo = gitport.open_repo(root)
        head = repo.head.commit
    except (KaoheError, ValueError):
        return Provenance("", EPOCH, True)  # outside Git, or a repository with no commits yet
    paths = [str(root / name) for name in WATCHED if (root / name).exists()]
    dirty = bool(repo.git.status("--porcelain", "--", *paths)) if paths else False
    return Provenance(head.hexsha, head.committed_datetime, dirty)
