"""``kaohe approve``: record the committee's approval of a quarter as a new annotated tag.

A first approval tags HEAD ``approved/<quarter>``; a re-approval after a new committee decision
adds ``approved/<quarter>-N`` naming the one it supersedes and why. Nothing is moved or deleted.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from kaohe_docs.audit.approval import (current, git_out, git_text, main_branch, read_approvals, tag_diagnostics,
                                       tag_name)
from kaohe_docs.audit.lock import LockState, compare_quarter, describe
from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter


def approve(root: Path, quarter: Quarter, meeting_date, minutes: str, decision_file: str, approver: str,
            supersede: str | None = None) -> str:
    """Create the annotated (or signed) approval tag on HEAD; returns the tag name.

    The caller has checked the records; here the tags are: a first approval, or (with ``supersede``,
    the reason) a new approval after a new committee decision. Raises KaoheError otherwise.
    """
    from kaohe_docs.audit import gitrepo
    repo = gitrepo.open_repo(root)
    head = gitrepo.resolve(repo, "HEAD")
    pre = gitrepo.prefix(repo, root)
    dirty = gitrepo.uncommitted(repo, pre, ["records", "policy", "templates"])
    if dirty:
        raise KaoheError(f"有未提交的修改（{'、'.join(dirty[:5])}），只能审定已提交的记录")
    if str(meeting_date) > dt.date.today().isoformat():
        raise KaoheError(f"审定记录（{decision_file}）的会议日期 {meeting_date} 还没到，不能审定；局党委开会后再运行 kaohe approve {quarter}")
    cwd = Path(repo.working_tree_dir)
    chain = read_approvals(cwd).get(quarter, [])
    problems = [d for d in tag_diagnostics(cwd, pre, chain, head.hexsha, main=main_branch(cwd)) if d.level == "error"]
    if problems:
        raise KaoheError(f"{quarter} 的审定标签有问题，先处理后再审定：\n" + "\n".join(d.format() for d in problems))
    in_force = current(chain)
    lines = [f"局党委审定 {quarter.zh}平时考核结果", "", f"会议日期：{meeting_date}", f"会议纪要：{minutes}",
             f"审定机关：{approver}", f"审定记录：{decision_file}", f"提交：{head.hexsha}"]
    if in_force is None:
        if supersede:
            raise KaoheError(f"{quarter} 还没有审定过，无需 --supersede；请直接运行 kaohe approve {quarter}")
        name = tag_name(quarter)
    else:
        changes = compare_quarter(cwd, pre, quarter, in_force, LockState.commit(head.hexsha))
        if not changes:
            raise KaoheError(f"{quarter} 已经审定过（标签 {in_force.name}，{in_force.day}），此后该季度的记录没有改动，无需重新审定")
        if not supersede:
            listed = "\n".join(f"  {c.path}: {describe(c)}" for c in changes)
            raise KaoheError(f"{quarter} 已经审定过（标签 {in_force.name}，{in_force.day}），此后该季度的记录有改动：\n{listed}\n"
                             f"如局党委已重新审定，请更新审定记录（{decision_file} 的会议日期和纪要）并运行 "
                             f"kaohe approve {quarter} --supersede \"重新审定的原因\"；否则请撤销这些改动（git revert）")
        if str(meeting_date) == in_force.meeting and minutes == in_force.minutes:
            raise KaoheError(f"重新审定需要新的局党委审定记录：{decision_file} 的会议日期（{meeting_date}）和会议纪要（{minutes}）"
                             f"与 {in_force.name} 相同；请写入新一次会议的日期和纪要后提交，再运行本命令")
        name = tag_name(quarter, max(a.number for a in chain) + 1)
        lines += [f"取代：{in_force.name}", f"原因：{' '.join(supersede.split())}"]
    git_out(cwd, "tag", "-s" if _can_sign(cwd) else "-a", name, "-m", "\n".join(lines) + "\n", head.hexsha)
    return name


def _can_sign(cwd: Path) -> bool:
    return bool(git_text(cwd, "config", "--get", "user.signingkey", check=False).strip())
