"""Which commit a document comes from, and what it is: 正式, 送审稿 or 草稿.

- 草稿: the build read inputs that differ from the commit — modified, untracked or ignored files
  under records/, policy/ or templates/ (or a repository outside Git);
- 送审稿: a clean build whose quarter the committee has not (validly) approved, or not built from
  its approval;
- 正式: built from the approval in force of an approved quarter (``build --final``; the later
  复核 and 反馈 documents from their own commits).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from kaohe_docs import __version__

WATCHED = ("records", "policy", "templates")
FINAL, REVIEW, DRAFT = "正式", "送审稿", "草稿"
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Provenance:
    commit: str  # full hash, "" outside Git or before the first commit
    date: dt.datetime  # commit date: the documents' fixed creation date
    draft: bool
    approved: bool = False  # built from the approval in force of an approved quarter
    # the documents issued at approval, when this build is from a later commit (复核/反馈 recorded since)
    issued: "Provenance | None" = None

    @property
    def short(self) -> str:
        return self.commit[:10] if self.commit else "无提交"

    @property
    def status(self) -> str:
        """The status word printed on the documents."""
        return DRAFT if self.draft else (FINAL if self.approved else REVIEW)

    @property
    def status_line(self) -> str:
        """The status as the footer of an internal form states it."""
        return {DRAFT: "草稿：含未提交的修改，不得作为正式文书", REVIEW: "送审稿：尚未经局党委审定，不得作为正式文书",
                FINAL: "正式"}[self.status]

    @property
    def line(self) -> str:
        return f"记录库提交 {self.short}（{self.date:%Y-%m-%d %H:%M}）· {self.status_line} · kaohe-docs {__version__}"

    @property
    def iso(self) -> str:
        return self.date.isoformat()


def of_commit(commit, approved: bool = False, issued: Provenance | None = None) -> Provenance:
    """A committed revision: never a draft; 正式 only when ``approved`` (built from an approval in force);
    ``issued``: the approval's provenance, for the documents issued at approval in a later build."""
    return Provenance(commit.hexsha, commit.committed_datetime, False, approved, issued)


def of_document(prov: Provenance, doc) -> Provenance:
    """The provenance a document states: a document issued at approval keeps the approval's."""
    return prov.issued if getattr(doc, "issued", False) and prov.issued is not None else prov


def provenance(root: Path) -> Provenance:
    from kaohe_docs import gitport
    from kaohe_docs.errors import KaoheError
    try:
        repo = gitport.open_repo(root)
        head = repo.head.commit
    except (KaoheError, ValueError):
        return Provenance("", EPOCH, True)  # outside Git, or a repository with no commits yet
    paths = [str(root / name) for name in WATCHED if (root / name).exists()]
    # ignored and untracked files count: the build reads every file there, whatever Git shows
    dirty = bool(repo.git.status("--porcelain", "--ignored", "--untracked-files=all", "--", *paths)) if paths else False
    return Provenance(head.hexsha, head.committed_datetime, dirty)
