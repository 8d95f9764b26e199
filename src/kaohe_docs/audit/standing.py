"""Which approval is in force for a quarter, and is it valid: the one question the status words,
``build --final``, the pinned policy of an approved quarter, ``verify`` and ``kaohe log`` ask.

Everything here asks the one validation of the approval chains (``audit.approval.validate``, through
``audit.lock.chains_of``) judged at HEAD and on the main branch, so every answer follows it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs.audit.tags import Approval
from kaohe_docs.errors import ERROR, Diagnostic, KaoheError
from kaohe_docs.model import Quarter


@dataclass
class Standing:
    """A quarter's approvals: the chain (oldest first), the approval in force when it is valid, the problems."""

    quarter: Quarter
    chain: list[Approval] = field(default_factory=list)
    approval: Approval | None = None  # in force and valid on the main history
    problems: list[Diagnostic] = field(default_factory=list)  # why tags of the chain do not count (errors)

    @property
    def approved(self) -> bool:
        return self.approval is not None


def standings(root: Path) -> dict[Quarter, Standing]:
    """Every quarter that has approval tags → its standing."""
    from kaohe_docs.audit.lock import chains_of
    try:
        found = chains_of(root) if root.exists() else None
    except KaoheError:  # Git is not installed, or no commit yet: nothing can have been approved
        return {}
    if found is None:
        return {}
    chains = found[2]
    in_force = chains.in_force
    return {q: Standing(q, chain, in_force.get(q),
                        [d for a in chain for d in getattr(a, "problems", ()) if d.level == ERROR])
            for q, chain in chains.approvals.items()}


def standing(root: Path, quarter: Quarter) -> Standing:
    return standings(root).get(quarter) or Standing(quarter)
