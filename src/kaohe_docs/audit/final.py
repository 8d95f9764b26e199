"""What ``build --final`` of an approved quarter builds from.

The final documents of an approved quarter show exactly the approved content: the inputs
(policy, templates, fonts, records) of the approval commit. The records that follow the
decision — the quarter's 复核 (``appeals.yaml``) and 反馈 (``feedback.yaml``) — are taken from
the commit being built, and when they differ from the approved ones the documents carry that
commit as their provenance. Later changes to policy, templates or the shared records are
reported, not used.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs import gitport
from kaohe_docs.audit.approval import AFTER_DECISION, UNIT_FEEDBACK, Approval
from kaohe_docs.audit.lock import LockState, chains_of, changed_diagnostics
from kaohe_docs.errors import Diagnostic, warning
from kaohe_docs.model import Quarter

SHARED = ("policy", "templates", "fonts", "records/bureau.yaml", "records/units.yaml", "records/roster.yaml")


@dataclass
class FinalSource:
    folder: Path  # the inputs to build from
    commit: object  # GitPython commit for the provenance
    approval: Approval
    diagnostics: list[Diagnostic] = field(default_factory=list)


def approval_in_force(root: Path, quarter: Quarter, rev: str = "HEAD") -> tuple[Approval | None, dict]:
    """Which approval is valid and in force for ``quarter`` at commit ``rev`` (judged with ``rev`` as the tip
    of the main history, by the one chain validation ``approval.validate``), and the quarter's chain.
    The entry point for anything that asks "is this 正式?"."""
    found = chains_of(root, gitport.rev(root, rev), {quarter})
    if found is None:
        return None, {}
    chains = found[2]
    chain = chains.approvals.get(quarter, [])
    return chains.in_force.get(quarter), ({quarter: chain} if chain else {})


def lock_problems(root: Path, quarter: Quarter, rev: str) -> list[Diagnostic]:
    """Tag problems and differences from the approved content of ``quarter`` at ``rev``."""
    sha = gitport.rev(root, rev)
    found = chains_of(root, sha, {quarter}) if sha else None
    if found is None:
        return []
    cwd, pre, chains = found
    if not chains.approvals.get(quarter) and not chains.diagnostics:
        return []
    return chains.diagnostics + changed_diagnostics(cwd, pre, LockState.commit(sha), chains, {quarter})


@contextmanager
def approved_source(root: Path, quarter: Quarter, rev: str):
    """Yield a FinalSource for an approved quarter (None when the quarter is not approved).

    The caller has checked ``lock_problems`` first.
    """
    from kaohe_docs.audit import gitrepo
    approval, _ = approval_in_force(root, quarter, rev)
    if approval is None:
        yield None
        return
    repo = gitrepo.open_repo(root)
    pre = gitrepo.prefix(repo, root)
    head = gitrepo.resolve(repo, rev)
    approved = repo.commit(approval.commit)
    cwd = Path(repo.working_tree_dir)
    notes = []
    changed = gitport.text(cwd, "diff", "--name-only", approval.commit, head.hexsha, "--",
                       *(f"{pre}{p}" for p in SHARED)).splitlines()
    for path in changed:
        rel = path[len(pre):]
        notes.append(warning(rel, 0, f"{quarter} 审定（标签 {approval.name}）后本文件有修改；"
                                     f"{quarter} 的正式文书仍按审定时的版本生成"))
    with tempfile.TemporaryDirectory(prefix="kaohe-final-") as tmp:
        folder = gitrepo.export(approved, pre, Path(tmp))
        later = False
        for name in (*AFTER_DECISION, *_unit_feedback(approved, head, f"{pre}records/{quarter.path}/{UNIT_FEEDBACK}")):
            rel = f"records/{quarter.path}/{name}"
            old, new = _blob(approved, f"{pre}{rel}"), _blob(head, f"{pre}{rel}")
            if old == new:
                continue
            later = True
            target = folder / rel
            if new is None:
                target.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(new)
        yield FinalSource(folder, head if later else approved, approval, notes)


def _unit_feedback(approved, head, folder: str) -> list[str]:
    """``feedback/<unit>.yaml`` names in either commit (a unit's file added or removed after the approval)."""
    names = set()
    for commit in (approved, head):
        try:
            tree = commit.tree / folder.rstrip("/")
        except KeyError:
            continue
        names |= {f"{UNIT_FEEDBACK}{blob.name}" for blob in tree.blobs}
    return sorted(names)


def _blob(commit, path: str) -> bytes | None:
    try:
        return (commit.tree / path).data_stream.read()
    except KeyError:
        return None
