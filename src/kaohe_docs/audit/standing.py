"""Which approval is in force for a quarter, and is it valid: the one question the status words,
``build --final``, the pinned policy of an approved quarter, ``verify`` and ``kaohe log`` ask.

Everything that needs "is this quarter validly approved, and by which approval" asks ``standing``;
it is the single place that calls the approval-chain validation (``audit.approval``), so a stricter
validation (signed approvals, one chain check) changes every answer at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs.audit.approval import Approval, current, git_text, main_branch, read_approvals, tag_diagnostics
from kaohe_docs.errors import ERROR, Diagnostic
from kaohe_docs.model import Quarter


@dataclass
class Standing:
    """A quarter's approvals: the chain (oldest first), the approval in force when it is valid, the problems."""

    quarter: Quarter
    chain: list[Approval] = field(default_factory=list)
    approval: Approval | None = None  # in force and valid on the main history
    problems: list[Diagnostic] = field(default_factory=list)  # why the chain is not valid (errors)

    @property
    def approved(self) -> bool:
        return self.approval is not None


def _where(root: Path) -> Path | None:
    top = git_text(root, "rev-parse", "--show-toplevel", check=False).strip() if root.exists() else ""
    return Path(top) if top else None


def standings(root: Path) -> dict[Quarter, Standing]:
    """Every quarter that has approval tags → its standing (validated against the main branch's history)."""
    cwd = _where(root)
    if cwd is None:
        return {}
    pre = git_text(root, "rev-parse", "--show-prefix", check=False).strip()
    main = main_branch(cwd)
    tip = main[1] or git_text(cwd, "rev-parse", "-q", "--verify", "HEAD", check=False).strip()
    out = {}
    for quarter, chain in read_approvals(cwd).items():
        problems = [d for d in tag_diagnostics(cwd, pre, chain, tip, "主分支", main) if d.level == ERROR]
        in_force = current(chain)
        out[quarter] = Standing(quarter, chain, None if problems else in_force, problems)
    return out


def standing(root: Path, quarter: Quarter) -> Standing:
    return standings(root).get(quarter) or Standing(quarter)
