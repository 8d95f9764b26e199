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

from kaohe_docs import gitport
from kaohe_docs.audit.approval import ZERO, validate
from kaohe_docs.audit.lock import LockState, changed_diagnostics
from kaohe_docs.audit.signers import SIGNERS, list_at
from kaohe_docs.audit.tags import TAG_PREFIX, parse_tag_name
from kaohe_docs.errors import Diagnostic

MAIN = gitport.MAIN_BRANCHES
REPLACE = "refs/replace/"


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
    default = gitport.text(cwd, "symbolic-ref", "-q", "HEAD", check=False).strip()
    return {f"refs/heads/{name}" for name in MAIN} | ({default} if default else set())


def check_push(cwd: Path, updates: list[Update], pusher: str | None = None) -> list[str]:
    """Every reason to refuse the push (empty: accept), in Chinese, one line each.

    The push is judged as the server will hold it: the approval chains of every tag already here plus
    every tag of this push, against the main branch as this push leaves it. Objects are read with
    replacement and grafts disabled (``kaohe_docs.gitport``)."""
    pre = gitport.config(cwd, "kaohe.prefix").strip("/")
    pre = f"{pre}/" if pre else ""
    branches = guarded_branches(cwd)
    refusals: list[str] = []
    git_dir = gitport.git_dir(cwd)
    if git_dir is not None and (git_dir / "info" / "grafts").exists():
        refusals.append(f"{git_dir / 'info/grafts'}: 服务器仓库中有 grafts 文件，它能改变 Git 看到的历史；"
                        "kaohe-docs 不读取它，但为安全起见拒绝一切推送：请管理员删除该文件")
    for u in updates:
        if u.ref.startswith(REPLACE):
            refusals.append(f"{u.ref}: 不接受替换对象（refs/replace/…）：它能让 Git 把一个提交显示成另一个提交，"
                            "审定核对从不读取它；请删除本地的替换引用（git replace -d）后再推送")
    new_tags = {u.ref[len("refs/tags/"):]: u.new for u in updates
                if u.ref.startswith(f"refs/tags/{TAG_PREFIX}") and u.new != ZERO and u.old == ZERO}
    main_tip, main_old = "", ""
    for u in updates:
        if u.ref in branches:
            main_tip, main_old = (u.new if u.new != ZERO else ""), (u.old if u.old != ZERO else "")
    if not main_tip:
        for ref in sorted(branches):
            main_tip = main_tip or gitport.rev(cwd, ref)
        main_old = main_tip
    label = "推送的主分支" if any(u.ref in branches for u in updates) else "主分支"
    chains = validate(cwd, pre, main_tip, label, extra=new_tags, new=frozenset(new_tags))
    pushed = {a.name: a for chain in chains.approvals.values() for a in chain if a.name in new_tags}
    held = None  # the approvals as the server holds them before the push: only those may not be deleted
    for u in updates:
        if u.ref.startswith(f"refs/tags/{TAG_PREFIX}"):
            name = u.ref[len("refs/tags/"):]
            if u.old != ZERO:
                if u.new == ZERO:
                    held = held or validate(cwd, pre, main_old, "主分支")
                    if _removable(held, name):
                        continue  # not an approval (a forged or broken tag): removing it is allowed
                action = "删除" if u.new == ZERO else "移动"
                refusals.append(f"{u.ref}: 审定标签不能{action}（审定记录只增不改）；局党委重新审定时请运行 "
                                f"kaohe approve <季度> --supersede \"原因\"，新增一个审定标签")
                continue
            if parse_tag_name(name) is None:
                refusals.append(f"{u.ref}: 不是有效的审定标签名（只能是 approved/2026Q1 或 approved/2026Q1-2 这样的 ASCII 名称，"
                                "大小写和数字都须一致）")
                continue
            if name in pushed:
                refusals += [_line(u.ref, d) for d in pushed[name].problems if d.level == "error"]
        elif u.ref in branches:
            if u.new == ZERO:
                refusals.append(f"{u.ref}: 不能删除主分支（考核记录的审计历史）")
                continue
            tip_chains = validate(cwd, pre, u.new, "推送的主分支", extra=new_tags) if u.new != main_tip else chains
            mine = {id(d) for a in pushed.values() for d in a.problems}  # already said on the tag's own line
            mine |= {id(d) for name, d in tip_chains.misnamed.items() if name in new_tags}
            refusals += [_line(u.ref, d) for d in tip_chains.diagnostics if d.level == "error" and id(d) not in mine]
            refusals += [_line(u.ref, d) for d in changed_diagnostics(cwd, pre, LockState.commit(u.new), tip_chains)]
            refusals += _signer_refusals(cwd, pre, u)
    refusals += owner_refusals(cwd, pre, [u for u in updates if u.ref in branches and u.new != ZERO], pusher)
    return list(dict.fromkeys(refusals))


def _removable(held, name: str) -> bool:
    """A tag under approved/ that the server does not count as an approval, and that no later tag of its
    quarter needs (a re-approval numbers on from it)."""
    parsed = parse_tag_name(name)
    if parsed is None:
        return True
    chain = held.approvals.get(parsed[0], [])
    return not any(a.name == name and a.valid for a in chain) and not any(a.number > parsed[1] for a in chain)


def _signer_refusals(cwd: Path, pre: str, u: Update) -> list[str]:
    """A change to policy/allowed_signers counts only in a commit signed by a key already listed:
    the guard refuses a push that brings an unsigned (or wrongly signed) one to the main branch."""
    before = {sha for sha, _ in list_at(cwd, pre, u.old).problems} if u.old != ZERO else set()
    out = []
    for sha, why in list_at(cwd, pre, u.new).problems:
        if sha not in before:
            out.append(f"{u.ref}: {SIGNERS}: 提交 {sha[:10]} 修改了审定签名密钥名单，但{why}；名单的修改只在用已登记的密钥签名的"
                       f"提交中有效（git commit -S，密钥须在修改前的名单中）：请撤销该提交，由已登记的审定人签名提交")
    return out


def owner_refusals(cwd: Path, pre: str, updates: list[Update], pusher: str | None) -> list[str]:
    from kaohe_docs.audit.owners import refusals
    return refusals(cwd, pre, updates, pusher)


def _line(ref: str, d: Diagnostic) -> str:
    return f"{ref}: {d.format()}"
