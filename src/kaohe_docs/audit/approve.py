"""``kaohe approve``: record the committee's approval of a quarter as a new signed tag.

A first approval tags HEAD ``approved/<quarter>``; a re-approval after a new committee decision
adds ``approved/<quarter>-N`` naming the one it supersedes and why. Nothing is moved or deleted.
When the repository lists its approvers' keys (``policy/allowed_signers``), the tag is signed with
the user's SSH key (``user.signingkey``, else ``~/.ssh/id_ed25519`` …) and only a listed key may sign;
the new tag is then checked by the same validation as every other command before it is kept.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from kaohe_docs import gitport
from kaohe_docs.audit.approval import validate
from kaohe_docs.audit.lock import LockState, compare_quarter, describe
from kaohe_docs.audit.signers import SIGNERS, SignerList, fingerprint, keys_of, signing_key
from kaohe_docs.audit.tags import tag_name
from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter


def key_help(quarter: Quarter) -> str:
    """How to make and register a signing key, for the committee's approver (Chinese, step by step)."""
    return (f"本库登记了审定签名密钥（{SIGNERS}），审定标签必须用登记的密钥签名，而本机没有设置签名密钥。请按以下步骤操作：\n"
            "  1. 生成密钥（每位审定人一次，按提示设置口令）：ssh-keygen -t ed25519 -C \"姓名\"\n"
            "  2. 让 Git 用它签名：git config --global gpg.format ssh\n"
            "                      git config --global user.signingkey ~/.ssh/id_ed25519.pub\n"
            f"  3. 登记：把 ~/.ssh/id_ed25519.pub 的内容写成一行“姓名 namespaces=\"git\" ssh-ed25519 AAAA…”加到 {SIGNERS}，\n"
            "     由已登记的审定人签名提交（git commit -S）并推送；公钥可以公开，私钥（没有 .pub 的文件）不要交给任何人\n"
            f"  然后重新运行 kaohe approve {quarter}")


def _sign_options(cwd: Path, quarter: Quarter, listed: SignerList) -> tuple[list[str], list[str]]:
    """(git options, tag flag) for signing with a listed key; notes for the user when nothing is listed."""
    fmt, key = signing_key(cwd)
    if not listed.active:
        return ([], ["-s"]) if fmt in ("ssh", "gpg") else ([], ["-a"])
    if not fmt:
        raise KaoheError(key_help(quarter))
    if fmt == "gpg":
        raise KaoheError(f"本机的签名密钥是 GPG 密钥（{key}），而 {SIGNERS} 登记的是 SSH 密钥；请改用登记的 SSH 密钥：\n"
                         + key_help(quarter).split("\n", 1)[1])
    parts = key.split()
    listed_keys = {(t, b) for _, t, b in keys_of(listed.content or b"")}
    if len(parts) < 2 or (parts[0], parts[1]) not in listed_keys:
        raise KaoheError(f"签名密钥 {fingerprint(key) or key} 没有登记在 {SIGNERS} 中，用它签名的标签不是审定，本次没有打标签；"
                         f"请用登记的密钥（git config user.signingkey 指向它），或先把该密钥登记到 {SIGNERS}"
                         "（该提交须由已登记的审定人签名：git commit -S）")
    options = ["-c", "gpg.format=ssh"]
    if fmt == "ssh-default":  # the user's default key: its private half beside the .pub
        private = next((str(p)[:-4] for p in (Path(os.path.expanduser("~/.ssh")) / n
                                              for n in ("id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"))
                        if p.is_file() and p.read_text(encoding="utf-8").split()[:2] == parts[:2]), "")
        options += ["-c", f"user.signingkey={private}"]
    return options, ["-s"]


def approve(root: Path, quarter: Quarter, meeting_date, minutes: str, decision_file: str, *, approver: str,
            supersede: str | None = None) -> tuple[str, list[str]]:
    """Create the approval tag on HEAD; returns the tag name and notes for the user (warnings).

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
    main = gitport.main_branch(cwd)
    chains = validate(cwd, pre, head.hexsha, main=main, quarters={quarter})
    chain = chains.approvals.get(quarter, [])
    problems = [d for d in chains.diagnostics if d.level == "error"]
    if problems:
        raise KaoheError(f"{quarter} 的审定标签有问题，先处理后再审定：\n" + "\n".join(d.format() for d in problems))
    in_force = chains.in_force.get(quarter)
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
        if str(meeting_date) <= in_force.meeting or minutes == in_force.minutes:
            raise KaoheError(f"重新审定需要新的局党委审定记录：{decision_file} 的会议日期（{meeting_date}）和会议纪要（{minutes}）"
                             f"与 {in_force.name} 相同；请写入新一次会议的日期和纪要后提交，再运行本命令")
        name = tag_name(quarter, max(a.number for a in chain) + 1)
        lines += [f"取代：{in_force.name}", f"原因：{' '.join(supersede.split())}"]
    options, flag = _sign_options(cwd, quarter, chains.signers or SignerList(None))
    made = gitport.run(cwd, *options, "tag", *flag, name, "-m", "\n".join(lines) + "\n", head.hexsha)
    if made is None or made.returncode != 0:
        said = made.stderr.decode("utf-8", "replace").strip() if made is not None else ""
        raise KaoheError(f"打审定标签失败（git tag）：{said}")
    after = validate(cwd, pre, head.hexsha, main=main, quarters={quarter})
    mine = next(a for a in after.approvals[quarter] if a.name == name)
    if not mine.valid:  # never keep a tag that is not an approval (e.g. a key outside its validity)
        gitport.out(cwd, "tag", "-d", name, check=False)
        said = "\n".join(d.format().replace(f"请删除它（git tag -d {name}），", "") for d in mine.problems)
        raise KaoheError(f"新打的标签 {name} 没有通过审定核对，已删除，没有留下任何标签：\n{said}")
    return name, [d.format() for d in after.diagnostics if d.level == "warning"]
