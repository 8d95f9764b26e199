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
from kaohe_docs.audit.approval import AFTER_DECISION, UNIT_FEEDBACK
from kaohe_docs.audit.lock import LockState, chains_of, changed_diagnostics
from kaohe_docs.audit.tags import Approval
from kaohe_docs.errors import Diagnostic, warning
from kaohe_docs.model import Bureau, Quarter
from kaohe_docs.records.policy import Policy

SHARED = ("policy", "templates", "fonts", "records/bureau.yaml", "records/units.yaml", "records/roster.yaml")


@dataclass
class FinalSource:
    folder: Path  # the inputs to build from
    commit: object  # GitPython commit for the provenance
    approval: Approval
    diagnostics: list[Diagnostic] = field(default_factory=list)
    approved: object = None  # the approval's GitPython commit
    issued_folder: Path | None = None  # the approval commit's inputs alone, when 复核/反馈 were recorded since

    def provenance(self):
        """正式, from this commit; the documents issued at approval state the approval commit."""
        from kaohe_docs.render.provenance import of_commit
        issued = of_commit(self.approved, approved=True) if self.issued_folder is not None else None
        return of_commit(self.commit, approved=True, issued=issued)

    def prepare(self, project) -> None:
        """Give the project the quarter's results as approved: the documents issued at approval come from them."""
        if self.issued_folder is None or project.assessment is None:
            return
        from kaohe_docs.pipeline import open_project
        issued = open_project(self.issued_folder, use_cache=False)
        if issued.assessment is not None:
            project.assessment.issued[self.approval.quarter] = issued.assessment


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
        folder = gitrepo.export(approved, pre, Path(tmp) / "source")
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
        issued_folder = gitrepo.export(approved, pre, Path(tmp) / "issued") if later else None
        yield FinalSource(folder, head if later else approved, approval, notes, approved, issued_folder)


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


def pinned_policies(root: Path) -> dict[Quarter, tuple[Approval, Policy]]:
    """Approved quarters whose approval commit holds another policy than the work tree: quarter →
    (approval, the approval's Policy). Their results are computed with that policy (they never move)."""
    from kaohe_docs.audit.lock import repo_of
    from kaohe_docs.audit.standing import standings
    from kaohe_docs.records.load import load_settings
    from kaohe_docs.records.policy import POLICY_FILE
    where = repo_of(root)
    if where is None:
        return {}
    cwd, pre = where
    try:
        now = (root / POLICY_FILE).read_bytes()
    except OSError:
        return {}
    out = {}
    for quarter, found in standings(root).items():
        if found.approval is None:
            continue
        then = gitport.blob(cwd, found.approval.commit, f"{pre}{POLICY_FILE}")
        if not then or then == now:
            continue
        with tempfile.TemporaryDirectory(prefix="kaohe-policy-") as tmp:
            (Path(tmp) / POLICY_FILE).parent.mkdir(parents=True)
            (Path(tmp) / POLICY_FILE).write_bytes(then)
            policy, _ = load_settings(Path(tmp))
        if policy is not None:
            out[quarter] = (found.approval, policy)
    return out


def pin_approved(project) -> dict[Quarter, Approval]:
    """Compute the project's approved quarters with the policy of their approval (returns those pinned)."""
    pinned = pinned_policies(project.root)
    if pinned and project.assessment is not None:
        project.pin({q: policy for q, (_, policy) in pinned.items()})
    return {q: a for q, (a, _) in pinned.items()}


def _approved_drift(bureau: Bureau, policy: Policy, pinned: dict[Quarter, tuple[Approval, Policy]]) -> list[Diagnostic]:
    """Approved quarters whose results the current policy would change (people's totals and grades, units' 名额)."""
    from kaohe_docs.engine.assess import assess
    from kaohe_docs.records.policy import POLICY_FILE
    out: list[Diagnostic] = []
    current = assess(bureau, policy)
    for quarter, (approval, pinned_policy) in pinned.items():
        then = assess(bureau, policy, {quarter: pinned_policy})
        before = {r.entry.person_id: r for r in then.results.get(quarter, ())}
        moved = []
        for r in current.results.get(quarter, ()):
            old = before.get(r.entry.person_id)
            if old is None:
                continue
            o_total, n_total = (old.score.total if old.score else None), (r.score.total if r.score else None)
            if (o_total, old.final) != (n_total, r.final):
                change = [f"总分 {o_total:f} → {n_total:f}"] if o_total is not None and o_total != n_total else []
                change += [f"等次 {old.final.value} → {r.final.value}"] if old.final and r.final and old.final != r.final else []
                moved.append(f"{r.entry.name}（{'，'.join(change)}）")
        then_rows = then.unit_ledgers
        ledgers = [u for (u, q), row in current.unit_ledgers.items()
                   if q == quarter and (then_rows.get((u, q)) is None or then_rows[(u, q)].allowed != row.allowed)]
        if moved or ledgers:
            who = "、".join(moved) + ("；" if moved and ledgers else "") + (
                f"名额有变化的单位：{'、'.join(bureau.unit_name(u) for u in ledgers)}" if ledgers else "")
            out.append(warning(POLICY_FILE, 0, f"{quarter} 已经局党委审定（标签 {approval.name}），审定后政策有修改：按现行政策计算，"
                                                f"{who}的结果会与审定的不同；{quarter} 的结果、导出和正式文书仍按审定时的政策计算"))
    return out


def policy_drift(root: Path) -> list[Diagnostic]:
    """``check``: a policy or template changed after an approval — whose approved results the current policy
    would change (the approved results stay as approved), and which templates the 正式 documents do not use."""
    from kaohe_docs.audit.lock import repo_of
    from kaohe_docs.audit.standing import standings
    from kaohe_docs.pipeline import open_project
    out: list[Diagnostic] = []
    where = repo_of(root)
    if where is None:
        return out
    cwd, pre = where
    pinned = pinned_policies(root)
    project = open_project(root) if pinned else None
    loaded = project.loaded if project is not None else None
    if loaded is not None and loaded.bureau is not None and loaded.policy is not None:
        out += _approved_drift(loaded.bureau, loaded.policy, pinned)
    untracked = gitport.text(cwd, "ls-files", "--others", "--", f"{pre}templates", check=False).split()
    templates: dict[str, list[str]] = {}  # changed template → the approvals it changed after
    for quarter, found in standings(root).items():
        if found.approval is None:
            continue
        changed = gitport.text(cwd, "diff", "--name-only", found.approval.commit, "--", f"{pre}templates", check=False).split()
        for path in sorted({*changed, *untracked}):
            templates.setdefault(path[len(pre):], []).append(f"{quarter}（标签 {found.approval.name}）")
    for path, approved in templates.items():
        out.append(warning(path, 0, f"{'、'.join(approved)} 已经局党委审定，审定后本模板有修改；"
                                    "这些季度的正式文书仍按审定时的模板生成，不受影响"))
    return out
