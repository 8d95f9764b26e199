"""Who may change what: the policy's optional ``owners`` section, enforced by the guard.

A unit's quarterly file (``records/<年>/Q<n>/units/<单位>.yaml``) and its feedback file
(``records/<年>/Q<n>/feedback/<单位>.yaml``) may be pushed by that unit's owners and by the 考核办
(``office``); everything else — decision, 复核 records, the earlier layout's ``feedback.yaml``, policy, the signing keys,
roster, templates — only by the 考核办. The pusher is who the Git server says: GitLab ``GL_USERNAME``,
Gitea/Forgejo ``GITEA_PUSHER_NAME``, and for plain ssh ``KAOHE_PUSHER`` (set per key in
``authorized_keys``: ``environment="KAOHE_PUSHER=zhangsan"`` with ``PermitUserEnvironment yes``, or by the
``command=`` wrapper). The owners in force are those of the main branch before the push, so a push
cannot grant itself rights. ``kaohe owners`` writes the matching CODEOWNERS for the hosting server.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from kaohe_docs import gitport
from kaohe_docs.records.policy import Owners

PUSHER_VARIABLES = ("GL_USERNAME", "GITEA_PUSHER_NAME", "KAOHE_PUSHER")
POLICY = "policy/policy.yaml"
_UNIT_FILE = re.compile(r"records/[0-9]{4}/Q[1-4]/(?:units|feedback)/([^/]+)\.yaml")  # a unit's record and its feedback


def pusher_identity(env=None) -> str:
    env = os.environ if env is None else env
    return next((env[v].strip() for v in PUSHER_VARIABLES if env.get(v, "").strip()), "")


def owners_at(cwd: Path, pre: str, commit: str) -> Owners | None:
    """The policy's ``owners`` at ``commit`` (None: no section, or no readable policy)."""
    from kaohe_docs.records.policy import owners_section
    from kaohe_docs.records.yamlio import decode, parse
    data = gitport.blob(cwd, commit, f"{pre}{POLICY}") if commit else None
    if data is None:
        return None
    text, _ = decode(data, POLICY)
    tree, _ = parse(text, POLICY) if text is not None else (None, [])
    if tree is None or not hasattr(tree, "get") or tree.get("owners") is None:
        return None
    return owners_section(tree, POLICY)  # read on its own: another mistake in the policy never lifts the rights


def may_push(owners: Owners, who: str, path: str) -> bool:
    if who in owners.members(owners.office):
        return True
    unit = _UNIT_FILE.fullmatch(path)
    return unit is not None and who in owners.members(owners.units.get(unit.group(1), ()))


def refusals(cwd: Path, pre: str, updates, pusher: str | None = None) -> list[str]:
    """Files of a push to the main branch that the pusher may not change (none without ``owners``)."""
    out = []
    for u in updates:
        base = u.old if u.old != gitport.ZERO else ""
        owners = owners_at(cwd, pre, base or u.new)
        if owners is None:
            continue
        who = pusher_identity() if pusher is None else pusher
        if not who:
            out.append(f"{u.ref}: 本库在政策中规定了推送权限（owners），但服务器没有告诉钩子推送者是谁"
                       f"（{'、'.join(PUSHER_VARIABLES)} 都没有设置）；自建 git 服务器请为每个 ssh 密钥设置 KAOHE_PUSHER（见钩子说明）")
            continue
        changed = gitport.text(cwd, "diff", "--name-only", "--no-renames", "-z", base or gitport.EMPTY_TREE, u.new,
                               check=False).split("\0")
        for path in filter(None, changed):
            rel = path[len(pre):] if pre and path.startswith(pre) else path
            if not may_push(owners, who, rel):
                unit = _UNIT_FILE.fullmatch(rel)
                allowed = ("该单位的经办人和考核办" if unit else "考核办") + "（政策 owners）"
                out.append(f"{u.ref}: {rel}: {who} 无权修改该文件，只有{allowed}可以推送它；请通过合并请求交考核办审核合并")
    return out


CODEOWNERS_FILE = "CODEOWNERS"


def codeowners_diagnostics(root: Path) -> list:
    """``kaohe check``: the CODEOWNERS beside the records says what the policy's ``owners`` say."""
    from kaohe_docs.errors import warning
    from kaohe_docs.records.policy import owners_section
    from kaohe_docs.records.yamlio import decode, parse
    try:
        data = (root / POLICY).read_bytes()
    except OSError:
        return []
    text, _ = decode(data, POLICY)
    tree, _ = parse(text, POLICY) if text is not None else (None, [])
    if tree is None or not hasattr(tree, "get") or tree.get("owners") is None:
        return []
    expected = codeowners(owners_section(tree, POLICY))
    path = root / CODEOWNERS_FILE
    try:
        found = path.read_text(encoding="utf-8") if not path.is_symlink() else None
    except (OSError, UnicodeDecodeError):
        found = None
    if found is not None and found.replace("\r\n", "\n") == expected:
        return []
    return [warning(CODEOWNERS_FILE, 0, "与政策中的推送权限（owners）不一致，托管服务器的代码所有者审核规则会与服务器钩子不同；"
                                        "请运行 kaohe owners > CODEOWNERS 后提交")]


def codeowners(owners: Owners | None, pre: str = "") -> str:
    """CODEOWNERS (GitLab, GitHub, Gitea) matching ``owners``: the hosting server's review rules agree
    with the guard."""
    head = ("# 由 kaohe-docs 根据 policy/policy.yaml 的 owners 生成（kaohe owners > CODEOWNERS）；请勿手工修改。\n"
            "# Generated by kaohe-docs from the owners section of policy/policy.yaml.\n")
    if owners is None:
        return head + "# 政策中没有 owners：任何有推送权限的人都可以修改任何文件。\n"
    at = lambda names: " ".join(f"@{n}" for n in names)  # noqa: E731
    lines = [head.rstrip("\n"), f"* {at(owners.office)}"]
    for unit, names in sorted(owners.units.items()):
        for folder in ("units", "feedback"):
            lines.append(f"/{pre}records/*/Q*/{folder}/{unit}.yaml {at(names + owners.office)}")
    return "\n".join(lines) + "\n"
