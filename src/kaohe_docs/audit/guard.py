"""The server-side guard: what the ``pre-receive`` / ``update`` hook refuses.

A client's pre-commit hook is skipped with ``--no-verify``; the server that receives the
push is not. For each updated ref of a push:

- an approval tag (``refs/tags/approved/…``) may be created (annotated only), never moved
  or deleted — approvals are append-only;
- the main branch (``main``/``master`` and the repository's default branch) must keep every
  approved commit in its history (a force-push that rewrites approved history is refused)
  and must hold each approved quarter's locked files exactly as approved (复核 and 反馈
  records excepted) — the same content lock as ``kaohe check``.

It runs in a bare repository, inside Git's quarantine during ``pre-receive``: only plumbing
commands are used, and the records are expected at the repository's top level (or under
``git config kaohe.prefix``).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kaohe_docs.audit.approval import TAG_PREFIX, ZERO, git_text, parse_tag_name, read_approvals, tag_diagnostics
from kaohe_docs.audit.lock import LockState, guard_diagnostics
from kaohe_docs.errors import Diagnostic

MAIN = ("main", "master")


@dataclass(frozen=True)
class Update:
    old: str
    new: str
    ref: str


def parse_updates(text: str) -> list[Update]:
    """pre-receive's standard input: "<old> <new> <ref>" per line."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3:
            out.append(Update(*parts))
    return out


def guarded_branches(cwd: Path) -> set[str]:
    default = git_text(cwd, "symbolic-ref", "-q", "HEAD", check=False).strip()
    return {f"refs/heads/{name}" for name in MAIN} | ({default} if default else set())


def check_push(cwd: Path, updates: list[Update]) -> list[str]:
    """Every reason to refuse the push (empty: accept), in Chinese, one line each."""
    pre = git_text(cwd, "config", "--get", "kaohe.prefix", check=False).strip().strip("/")
    pre = f"{pre}/" if pre else ""
    new_tags = {u.ref[len("refs/tags/"):]: u.new for u in updates
                if u.ref.startswith(f"refs/tags/{TAG_PREFIX}") and u.new != ZERO}
    approvals = read_approvals(cwd, new_tags)
    branches = guarded_branches(cwd)
    refusals: list[str] = []
    main_tip = ""
    for u in updates:
        if u.ref in branches:
            main_tip = u.new if u.new != ZERO else ""
    if not main_tip:
        for ref in sorted(branches):
            main_tip = main_tip or git_text(cwd, "rev-parse", "-q", "--verify", ref, check=False).strip()
    for u in updates:
        if u.ref.startswith(f"refs/tags/{TAG_PREFIX}"):
            name = u.ref[len("refs/tags/"):]
            if u.old != ZERO:
                action = "删除" if u.new == ZERO else "移动"
                refusals.append(f"{u.ref}: 审定标签不能{action}（审定记录只增不改）；局党委重新审定时请运行 "
                                f"kaohe approve <季度> --supersede \"原因\"，新增一个审定标签")
                continue
            parsed = parse_tag_name(name)
            chain = approvals.get(parsed[0], []) if parsed else []
            mine = [a for a in chain if a.name == name]
            if parsed is None:
                refusals.append(f"{u.ref}: 不是有效的审定标签名（应为 approved/2026Q1 或 approved/2026Q1-2）")
                continue
            refusals += [_line(u.ref, d) for d in tag_diagnostics(cwd, pre, mine, main_tip, "主分支")
                         if d.level == "error"]
        elif u.ref in branches:
            if u.new == ZERO:
                refusals.append(f"{u.ref}: 不能删除主分支（考核记录的审计历史）")
                continue
            refusals += [_line(u.ref, d) for d in guard_diagnostics(cwd, pre, LockState.commit(u.new), approvals,
                                                                   tip=u.new, tip_label="推送的主分支")
                         if d.level == "error"]
    return list(dict.fromkeys(refusals))


def _line(ref: str, d: Diagnostic) -> str:
    return f"{ref}: {d.format()}"
