"""The approval lock, enforced by content.

The approved state of a quarter is the tree of its approval commit (the latest approval of
its chain). Every command that writes or publishes a quarter compares the quarter's locked
files — everything under ``records/<year>/<Qn>/`` except the records that follow the decision
(复核 ``appeals.yaml``, 反馈 ``feedback.yaml``) — in some state (a commit, the index, the work
tree) with that tree. The commits in between do not matter: a revert clears the lock.
Each difference is named by person and field, with the commit and author that made it.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from kaohe_docs import gitport
from kaohe_docs.audit.approval import Chains, after_decision, validate
from kaohe_docs.audit.tags import Approval
from kaohe_docs.documents.record import entry_fields
from kaohe_docs.errors import Diagnostic, error
from kaohe_docs.model import Quarter


@dataclass(frozen=True)
class LockState:
    """Which version of the records to compare: a commit, the index (pre-commit) or the work tree."""

    kind: str  # "commit" | "index" | "worktree"
    rev: str = ""

    @classmethod
    def commit(cls, rev: str) -> "LockState":
        return cls("commit", rev)

    @property
    def uncommitted_label(self) -> str:
        return "已暂存未提交的修改" if self.kind == "index" else "未提交的修改"


INDEX, WORKTREE = LockState("index"), LockState("worktree")


@dataclass
class FieldChange:
    path: str  # relative to the records root
    line: int
    who: str  # 姓名（警号 …）, or "" for the file itself
    field: str
    old: str | None
    new: str | None
    by: str = ""  # 提交 …（作者，日期，“说明”） or 未提交的修改


def describe(c: FieldChange) -> str:
    old = "（无）" if c.old is None else c.old
    new = "（删除）" if c.new is None else c.new
    change = f"{c.field} {old} → {new}" if c.field != "文件内容（格式或注释）" else f"{c.field}有改动"
    return f"{c.who}{change}" + (f"（{c.by}）" if c.by else "")


def quarter_dir(pre: str, quarter: Quarter) -> str:
    return f"{pre}records/{quarter.path}/"


def is_locked(rel: str, quarter: Quarter) -> bool:
    """Is a file (relative to the records root) one of the quarter's locked files?"""
    base = f"records/{quarter.path}/"
    return rel.startswith(base) and not after_decision(rel[len(base):])


# --- reading the quarter's files in a state -------------------------------------------------------------

def files_at(cwd: Path, pre: str, quarter: Quarter, state: LockState) -> dict[str, bytes]:
    """The quarter's locked files in ``state``: path relative to the records root → bytes."""
    base = quarter_dir(pre, quarter)
    if state.kind == "worktree":
        listed = gitport.out(cwd, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", base,
                             check=False)
        raw = {}
        for path in filter(None, listed.decode("utf-8", "replace").split("\0")):
            try:  # a symbolic link compares as its target, as Git stores it (never followed out of the repo)
                full = cwd / path
                raw[path] = os.readlink(full).encode() if full.is_symlink() else full.read_bytes()
            except OSError:
                continue  # deleted in the work tree
        raw = {p: d for p, d in raw.items() if is_locked(p[len(pre):], quarter)}
        return {p[len(pre):]: d for p, d in _as_stored(cwd, raw).items()}
    if state.kind == "index":
        staged = gitport.out(cwd, "ls-files", "-s", "-z", "--", base, check=False).decode("utf-8", "replace")
        entries = [(line.split("\t", 1)[1], line.split()[1]) for line in staged.split("\0") if "\t" in line]
    else:
        tree = gitport.out(cwd, "ls-tree", "-r", "-z", "--full-tree", state.rev, "--", base, check=False)
        entries = [(line.split("\t", 1)[1], line.split()[2]) for line in tree.decode("utf-8", "replace").split("\0")
                   if "\t" in line and line.split()[1] == "blob"]
    data = gitport.blobs(cwd, [oid for _, oid in entries])
    return {path[len(pre):]: data[oid] for path, oid in entries if oid in data and is_locked(path[len(pre):], quarter)}


def _as_stored(cwd: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    """Work-tree files as Git would store them: a file whose converted content (``core.autocrlf``,
    ``eol=crlf`` in ``.gitattributes`` …) is the blob already in HEAD or the index is that blob, so line
    endings never count as a change; any other file with CRLF line endings is read with LF ones."""
    ids = gitport.stored_ids(cwd, [p for p in files if not (cwd / p).is_symlink()])
    known = gitport.out(cwd, "ls-files", "-s", "-z", "--", *files, check=False).decode("utf-8", "replace") if files else ""
    staged = {line.split("\t", 1)[1]: line.split()[1] for line in known.split("\0") if "\t" in line}
    head = gitport.out(cwd, "ls-tree", "-r", "-z", "--full-tree", "HEAD", "--", *files, check=False).decode(
        "utf-8", "replace") if files else ""
    committed = {line.split("\t", 1)[1]: line.split()[2] for line in head.split("\0") if "\t" in line}
    same = {p: oid for p, oid in ids.items() if oid in (staged.get(p), committed.get(p))}
    stored = gitport.blobs(cwd, sorted(set(same.values())))
    return {p: stored.get(same.get(p, ""), data.replace(b"\r\n", b"\n") if p in ids else data)
            for p, data in files.items()}


def _file_at(cwd: Path, rev: str, path: str) -> bytes | None:
    return gitport.blob(cwd, rev, path)


# --- what a file says, field by field ---------------------------------------------------------------------

Fields = dict[tuple[str, str], tuple[str, int]]  # (who, field) → (value, line)


def _tree(path: str, data: bytes):
    """A record file's YAML tree, or None when it does not decode or parse (its problems are check's to report)."""
    from kaohe_docs.records.yamlio import decode, parse
    text, _ = decode(data, path)
    return parse(text, path)[0] if text is not None else None


def fields_of(path: str, data: bytes | None, quarter: Quarter, names: dict[str, str] | None = None) -> Fields:
    """A locked file as comparable (person, field) values; unreadable files compare as a whole."""
    if data is None:
        return {}
    from kaohe_docs.records.readers import read_decision, read_unit_quarter
    tree = _tree(path, data)
    whole = {("", "文件内容"): (hashlib.sha256(data).hexdigest()[:12], 0)}
    name = path.rsplit("/", 1)[-1]
    if tree is None or not name.endswith(".yaml"):
        return whole
    if path == f"records/{quarter.path}/decision.yaml":
        d, _ = read_decision(tree, path, quarter)
        if d is None:
            return whole
        out: Fields = {("", "会议日期"): (str(d.meeting_date), 1), ("", "会议纪要"): (d.minutes, 1)}
        if d.publicity_start:
            out[("", "公示开始")] = (str(d.publicity_start), 1)
        for kind, changes in (("审定等次", d.changes), ("党委增加“好”", d.additions)):
            for pid, c in changes.items():
                who = f"{(names or {}).get(pid, '')}（警号 {pid}）"
                out[(who, kind)] = (f"{c.grade.value}（{c.reason}）", c.src.line)
        return out
    if f"records/{quarter.path}/units/" in path:
        uq, _ = read_unit_quarter(tree, path, name[:-5], quarter)
        if uq is None:
            return whole
        out = {("", "报送日期"): (str(uq.submitted or ""), 1), ("", "所室队主要领导"): (uq.leader or "", 1)}
        for e in uq.entries:
            who = f"{e.name}（警号 {e.person_id}）"
            for key, value in entry_fields(e).items():
                out[(who, key)] = (value, e.src.line)
        return out
    return whole


def _names(files: dict[str, bytes], quarter: Quarter) -> dict[str, str]:
    """警号 → name, from the units' files (the decision names people by 警号 only)."""
    from kaohe_docs.records.readers import read_unit_quarter
    names = {}
    for path, data in files.items():
        if f"records/{quarter.path}/units/" not in path or not path.endswith(".yaml"):
            continue
        tree = _tree(path, data)
        uq = read_unit_quarter(tree, path, path.rsplit("/", 1)[-1][:-5], quarter)[0] if tree is not None else None
        names.update({e.person_id: e.name for e in (uq.entries if uq is not None else ())})
    return names


def _differences(path: str, old: bytes | None, new: bytes | None, quarter: Quarter, names: dict) -> list[FieldChange]:
    fo, fn = fields_of(path, old, quarter, names), fields_of(path, new, quarter, names)
    out = []
    for key in dict.fromkeys([*fo, *fn]):
        vo, vn = fo.get(key), fn.get(key)
        if (vo and vo[0]) != (vn and vn[0]):
            out.append(FieldChange(path, (vn or fo[key])[1], key[0], key[1], vo and vo[0], vn and vn[0]))
    if not out and old != new:
        out.append(FieldChange(path, 0, "", "文件内容（格式或注释）", "", ""))
    return out


# --- who changed it ------------------------------------------------------------------------------------

def _commit_line(cwd: Path, sha: str) -> str:
    raw = gitport.text(cwd, "log", "-1", "--format=%h%x00%an%x00%ci%x00%s", "--abbrev=10", sha, check=False).strip()
    parts = raw.split("\0")
    if len(parts) < 4:
        return f"提交 {sha[:10]}"
    return f"提交 {parts[0]}，{parts[1]}，{parts[2][:16]}，“{parts[3]}”"


def _attribute(cwd: Path, pre: str, quarter: Quarter, approval: Approval, tip: str, *, changes: list[FieldChange],
               names: dict) -> None:
    """Fill ``by`` of each change with the last commit after the approval that changed that field."""
    by_path: dict[str, list[FieldChange]] = {}
    for c in changes:
        by_path.setdefault(c.path, []).append(c)
    for path, items in by_path.items():
        commits = gitport.text(cwd, "rev-list", "--reverse", f"{approval.commit}..{tip}", "--", f"{pre}{path}",
                           check=False).split() if tip else []
        previous = fields_of(path, _file_at(cwd, approval.commit, f"{pre}{path}"), quarter, names)
        raw_prev = _file_at(cwd, approval.commit, f"{pre}{path}")
        last: dict[tuple[str, str], str] = {}
        for sha in commits:
            raw = _file_at(cwd, sha, f"{pre}{path}")
            now = fields_of(path, raw, quarter, names)
            for c in items:
                key = (c.who, c.field)
                if c.field == "文件内容（格式或注释）":
                    if raw != raw_prev:
                        last[key] = sha
                elif (previous.get(key) or ("",))[0] != (now.get(key) or ("",))[0]:
                    last[key] = sha
            previous, raw_prev = now, raw
        for c in items:
            c.by = _commit_line(cwd, last[(c.who, c.field)]) if (c.who, c.field) in last else ""


def compare_quarter(cwd: Path, pre: str, quarter: Quarter, approval: Approval, state: LockState) -> list[FieldChange]:
    """Differences between the quarter's locked files in ``state`` and in the approval's tree."""
    approved = files_at(cwd, pre, quarter, LockState.commit(approval.commit))
    now = files_at(cwd, pre, quarter, state)
    names = {**_names(approved, quarter), **_names(now, quarter)}
    changes = []
    for path in sorted(set(approved) | set(now)):
        if approved.get(path) != now.get(path):
            changes += _differences(path, approved.get(path), now.get(path), quarter, names)
    if not changes:
        return []
    tip = state.rev if state.kind == "commit" else gitport.rev(cwd, "HEAD")
    _attribute(cwd, pre, quarter, approval, tip, changes=changes, names=names)
    if state.kind != "commit":  # changes not (yet) in HEAD are the user's own uncommitted edits
        committed = files_at(cwd, pre, quarter, LockState.commit(tip)) if tip else {}
        for c in changes:
            head_fields = fields_of(c.path, committed.get(c.path), quarter, names)
            head_value = (head_fields.get((c.who, c.field)) or (None,))[0]
            if head_value != c.new or (c.field == "文件内容（格式或注释）" and committed.get(c.path) != now.get(c.path)):
                c.by = state.uncommitted_label
    for c in changes:
        c.by = c.by or "提交不明：审定后的历史不完整"
    return changes


# --- the lock, as diagnostics --------------------------------------------------------------------------

def repo_of(root: Path) -> tuple[Path, str] | None:
    """(work-tree top, the records root's prefix inside it), or None outside Git (or without Git)."""
    top, pre = gitport.toplevel_and_prefix(root)
    return (Path(top), pre) if top else None


def lock_message(quarter: Quarter, a: Approval, change: FieldChange) -> str:
    return (f"{quarter} 已经局党委审定（标签 {a.name}，{a.day}），审定后 {describe(change)}；"
            f"审定后只能通过复核记录（records/{quarter.path}/appeals.yaml）变更结果：误改请撤销（git revert），"
            f"局党委重新审定的请运行 kaohe approve {quarter} --supersede \"原因\"")


def chains_of(root: Path, tip: str | None = None, quarters=None) -> tuple[Path, str, Chains] | None:
    """The validated approval chains of the repository containing ``root``, judged against ``tip``
    (default HEAD) and the main branch: (work-tree top, prefix, chains), or None outside Git."""
    where = repo_of(root)
    if where is None:
        return None
    cwd, pre = where
    tip = gitport.rev(cwd, "HEAD") if tip is None else tip
    return cwd, pre, validate(cwd, pre, tip, main=gitport.main_branch(cwd), quarters=quarters)


def lock_diagnostics(root: Path, state: LockState = WORKTREE, quarters: set[Quarter] | None = None,
                     tip: str | None = None) -> list[Diagnostic]:
    """Tag problems and changes to approved quarters, for every approved quarter (or ``quarters``)."""
    if tip is None and state.kind == "commit":
        tip = state.rev
    found = chains_of(root, tip, quarters)
    if found is None:
        return []
    cwd, pre, chains = found
    return chains.diagnostics + changed_diagnostics(cwd, pre, state, chains, quarters) + _signers_staged(cwd, pre, state)


def _signers_staged(cwd: Path, pre: str, state: LockState) -> list[Diagnostic]:
    """The pre-commit hook's reminder: a change to the key list counts only in a signed commit."""
    from kaohe_docs.audit.signers import SIGNERS
    from kaohe_docs.errors import warning
    if state.kind != "index":
        return []
    staged = gitport.text(cwd, "rev-parse", "-q", "--verify", f":{pre}{SIGNERS}", check=False).strip()
    committed = gitport.blob_id(cwd, "HEAD", f"{pre}{SIGNERS}")
    if not committed or staged == committed:  # unchanged, or the first list (trusted as it is added)
        return []
    return [warning(SIGNERS, 0, "审定签名密钥名单的修改只在用修改前名单中的密钥签名的提交中有效：请用 git commit -S 提交"
                                "（本机的签名密钥须已登记），否则修改不生效，服务器钩子也会拒绝")]


def changed_diagnostics(cwd: Path, pre: str, state: LockState, chains: Chains, quarters=None) -> list[Diagnostic]:
    """Each difference between ``state`` and the approval in force of each approved quarter."""
    out: list[Diagnostic] = []
    for quarter, a in chains.in_force.items():
        if quarters is None or quarter in quarters:
            out += [error(c.path, c.line, lock_message(quarter, a, c)) for c in compare_quarter(cwd, pre, quarter, a, state)]
    return out


def approved_quarters(root: Path) -> dict[Quarter, Approval]:
    """The approval in force for each approved quarter."""
    found = chains_of(root)
    return found[2].in_force if found else {}


def locked_writes(root: Path, paths: list[str]) -> dict[str, tuple[Quarter, Approval]]:
    """Of the files an import would write (relative to the records root), those locked by an approval."""
    approved = approved_quarters(root)
    out = {}
    for path in paths:
        for quarter, a in approved.items():
            if is_locked(path.replace(os.sep, "/"), quarter):
                out[path] = (quarter, a)
    return out
