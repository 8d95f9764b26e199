"""Approvals: the committee's decision on a quarter, recorded as annotated Git tags.

``kaohe approve 2026Q1`` tags the current commit ``approved/2026Q1`` (signed when the user has a
signing key); the tag message carries the meeting date, the minutes reference and who approved.
Approvals are append-only: a re-approval after a new committee decision adds
``approved/2026Q1-2`` naming the approval it supersedes and why. No tag is ever moved or deleted.
(Not ``approved/2026Q1/2``: Git cannot hold a tag ``approved/2026Q1`` and ``approved/2026Q1/…`` at once.)

The approved state of a quarter is the tree of the latest approval's commit; the lock itself
(comparing content with that tree) lives in ``kaohe_docs.audit.lock``. This module reads the
tags with plain ``git`` plumbing, so it works in a work tree, a bare server repository (the
pre-receive hook) and a shallow clone alike, and reports every suspicious tag as a diagnostic.
"""
from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs.errors import Diagnostic, KaoheError, error, warning
from kaohe_docs.model import Quarter

TAG_PREFIX = "approved/"
APPEALS = "appeals.yaml"
AFTER_DECISION = (APPEALS, "feedback.yaml")  # process records that may follow the approval
DECISION = "decision.yaml"
ZERO = "0" * 40
_FIELD = re.compile(r"^(会议日期|会议纪要|审定机关|审定记录|取代|原因|提交)：(.*)$", re.M)


def tag_name(quarter: Quarter, number: int = 1) -> str:
    return f"{TAG_PREFIX}{quarter}" + (f"-{number}" if number > 1 else "")


def parse_tag_name(name: str) -> tuple[Quarter, int] | None:
    """'approved/2026Q1' → (2026Q1, 1); 'approved/2026Q1-2' → (2026Q1, 2); anything else → None."""
    if not name.startswith(TAG_PREFIX):
        return None
    parts = name[len(TAG_PREFIX):].split("-")
    quarter = Quarter.parse(parts[0])
    if quarter is None or len(parts) > 2:
        return None
    if len(parts) == 2:
        if not parts[1].isdigit() or int(parts[1]) < 2 or parts[1] != str(int(parts[1])):
            return None
        return quarter, int(parts[1])
    return quarter, 1


def git_out(cwd: Path, *args: str, input: bytes | None = None, check: bool = True) -> bytes:
    """Run a git plumbing command; a failure becomes a KaoheError (or b"" with check=False)."""
    try:
        done = subprocess.run(["git", *args], cwd=str(cwd), input=input, capture_output=True, check=False)
    except OSError as exc:
        raise KaoheError("找不到 git 命令，请先安装 Git") from exc
    if done.returncode != 0:
        if check:
            raise KaoheError(f"git {args[0]} 失败：{done.stderr.decode('utf-8', 'replace').strip()}")
        return b""
    return done.stdout


def git_text(cwd: Path, *args: str, check: bool = True) -> str:
    return git_out(cwd, *args, check=check).decode("utf-8", "replace")


def exists(cwd: Path, rev: str) -> bool:
    return bool(git_out(cwd, "rev-parse", "-q", "--verify", f"{rev}^{{commit}}", check=False).strip())


def is_ancestor(cwd: Path, ancestor: str, descendant: str) -> bool | None:
    """True/False, or None when Git cannot tell (a shallow clone without the history)."""
    try:
        done = subprocess.run(["git", "merge-base", "--is-ancestor", ancestor, descendant], cwd=str(cwd),
                              capture_output=True, check=False)
    except OSError:
        return None
    return {0: True, 1: False}.get(done.returncode)


def has_path(cwd: Path, commit: str, path: str) -> bool:
    done = subprocess.run(["git", "cat-file", "-e", f"{commit}:{path}"], cwd=str(cwd), capture_output=True, check=False)
    return done.returncode == 0


def is_shallow(cwd: Path) -> bool:
    return git_text(cwd, "rev-parse", "--is-shallow-repository", check=False).strip() == "true"


@dataclass
class Approval:
    """One approval tag, as read from the repository."""

    name: str
    quarter: Quarter
    number: int
    tag_object: str  # the tag object's id (the commit id for a lightweight tag)
    commit: str  # the tagged commit
    annotated: bool
    tagger: str = ""
    date: dt.datetime | None = None
    message: str = ""
    signature: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def meeting(self) -> str:
        return self.fields.get("会议日期", "")

    @property
    def minutes(self) -> str:
        return self.fields.get("会议纪要", "")

    @property
    def approver(self) -> str:
        return self.fields.get("审定机关", "") or self.tagger

    @property
    def supersedes(self) -> str:
        return self.fields.get("取代", "")

    @property
    def reason(self) -> str:
        return self.fields.get("原因", "")

    @property
    def day(self) -> str:
        return f"{self.date:%Y-%m-%d}" if self.date else "日期不明"


def read_approvals(cwd: Path, extra: dict[str, str] | None = None) -> dict[Quarter, list[Approval]]:
    """Every approval tag, per quarter, in chain order. ``extra``: tag name → object id of tags that are
    not refs yet (a push being received)."""
    listing = git_text(cwd, "for-each-ref", "--format=%(refname:short)%00%(objectname)", f"refs/tags/{TAG_PREFIX}",
                       check=False)
    objects = dict(line.split("\0", 1) for line in listing.splitlines() if "\0" in line)
    objects.update(extra or {})
    found: dict[Quarter, list[Approval]] = {}
    for name, oid in objects.items():
        parsed = parse_tag_name(name)
        if parsed is None:
            continue
        found.setdefault(parsed[0], []).append(_read_tag(cwd, name, oid, *parsed))
    for chain in found.values():
        chain.sort(key=lambda a: a.number)
    return dict(sorted(found.items()))


def _read_tag(cwd: Path, name: str, oid: str, quarter: Quarter, number: int) -> Approval:
    kind = git_text(cwd, "cat-file", "-t", oid, check=False).strip()
    if kind != "tag":
        return Approval(name, quarter, number, oid, oid if kind == "commit" else "", False)
    raw = git_text(cwd, "cat-file", "tag", oid)
    head, _, body = raw.partition("\n\n")
    headers = dict(line.split(" ", 1) for line in head.splitlines() if " " in line)
    target = headers.get("object", "")
    if headers.get("type") == "tag":  # a tag of a tag: peel it
        target = git_text(cwd, "rev-parse", f"{oid}^{{commit}}", check=False).strip()
    tagger, date = headers.get("tagger", ""), None
    m = re.match(r"(.*?) <[^>]*> (\d+) ([+-]\d{4})$", tagger)
    if m:
        tagger = m.group(1)
        sign = 1 if m.group(3)[0] == "+" else -1
        offset = dt.timedelta(hours=int(m.group(3)[1:3]), minutes=int(m.group(3)[3:5])) * sign
        date = dt.datetime.fromtimestamp(int(m.group(2)), dt.timezone(offset))
    signature = ""
    marker = body.find("-----BEGIN ")
    if marker >= 0:
        body, signature = body[:marker], body[marker:]
    fields = {k: v.strip() for k, v in _FIELD.findall(body)}
    return Approval(name, quarter, number, oid, target, True, tagger, date, body.strip(), signature.strip(), fields)


def current(chain: list[Approval]) -> Approval | None:
    """The approval in force: the last annotated one of the chain."""
    valid = [a for a in chain if a.annotated and a.commit]
    return valid[-1] if valid else None


def _where(quarter: Quarter) -> str:
    return f"records/{quarter.path}"


def main_branch(cwd: Path) -> tuple[str, str]:
    """(name, commit) of the main branch — local main/master, else origin's — or ("", "")."""
    for ref in ("refs/heads/main", "refs/heads/master", "refs/remotes/origin/main", "refs/remotes/origin/master"):
        sha = git_text(cwd, "rev-parse", "-q", "--verify", f"{ref}^{{commit}}", check=False).strip()
        if sha:
            return ref.rsplit("/", 1)[-1] if ref.startswith("refs/heads/") else ref[len("refs/remotes/"):], sha
    return "", ""


def tag_diagnostics(cwd: Path, pre: str, chain: list[Approval], tip: str, tip_label: str = "当前分支",
                    main: tuple[str, str] = ("", "")) -> list[Diagnostic]:
    """Everything wrong with one quarter's approval tags: forged, stale, rewritten, broken chain.
    ``main``: the main branch (name, commit), when it is not ``tip`` itself."""
    out: list[Diagnostic] = []
    names = {a.name for a in chain}
    for a in chain:
        where = _where(a.quarter)
        if not a.annotated:
            out.append(error(where, 0, f"标签 {a.name} 是轻量标签，没有会议日期、会议纪要和审定人，不是 kaohe approve 的审定记录，"
                                       f"不能作为审定依据；请删除它（git tag -d {a.name}），按局党委审定记录运行 kaohe approve {a.quarter}"))
            continue
        if not a.commit or not exists(cwd, a.commit):
            out.append(error(where, 0, f"标签 {a.name} 指向的提交 {a.commit[:10] or '（无）'}在本仓库中不存在（历史已被改写，或是浅克隆）；"
                                       f"请从原仓库找回该提交（git fetch --unshallow 或恢复被覆盖的分支），不要删除审定标签"))
            continue
        if not has_path(cwd, a.commit, f"{pre}{where}/{DECISION}"):
            out.append(error(where, 0, f"标签 {a.name} 打在提交 {a.commit[:10]} 上，该提交中还没有局党委审定记录（{where}/{DECISION}），"
                                       f"标签早于审定；请删除它（git tag -d {a.name}），提交审定记录后再运行 kaohe approve {a.quarter}"))
        elif a.meeting and a.date and a.meeting > f"{a.date:%Y-%m-%d}":
            out.append(error(where, 0, f"标签 {a.name} 的日期 {a.day} 早于其记载的审定会议日期 {a.meeting}；"
                                       f"请删除它（git tag -d {a.name}），会后再运行 kaohe approve {a.quarter}"))
        if a.number > 1 and a.supersedes not in names:
            out.append(error(where, 0, f"标签 {a.name} 没有写明取代哪一次审定（应为“取代：{tag_name(a.quarter, a.number - 1)}”），"
                                       f"不是 kaohe approve --supersede 的审定记录"))
        if a.number > 1 and not any(b.number == a.number - 1 for b in chain):
            out.append(error(where, 0, f"审定记录不连续：有 {a.name}，但没有 {tag_name(a.quarter, a.number - 1)}；"
                                       f"审定标签不能删除，请从原仓库找回（git fetch --tags）"))
        if not tip:
            continue
        on = is_ancestor(cwd, a.commit, tip)
        if on is None or (not on and is_shallow(cwd)):
            out.append(warning(where, 0, f"无法确认标签 {a.name} 的提交是否在{tip_label}的历史上（浅克隆缺少历史）；"
                                         f"请 git fetch --unshallow 后再检查"))
        elif not on:
            twin = _rewritten_as(cwd, a.commit, tip)
            if twin:
                out.append(error(where, 0, f"历史被改写：审定的提交 {a.commit[:10]}（标签 {a.name}）已不在{tip_label}的历史上，"
                                           f"被改写成了 {twin[:10]}（rebase、amend 或强制推送）；已审定的历史不能改写，"
                                           f"请恢复原来的历史（如 git reset --hard {a.commit[:10]} 后重新提交其后的修改）"))
            else:
                out.append(error(where, 0, f"标签 {a.name} 指向的提交 {a.commit[:10]} 不在{tip_label}的历史上；审定的必须是主分支上的提交："
                                           f"请先合并主分支（git merge main），或确认该标签是否打错了提交"))
        elif main[1] and main[1] != tip and is_ancestor(cwd, a.commit, main[1]) is False and not is_shallow(cwd):
            out.append(error(where, 0, f"标签 {a.name} 指向的提交 {a.commit[:10]} 只在当前分支上，不在主分支 {main[0]} 的历史上；"
                                       f"审定必须在主分支上进行：请先把本分支合并到 {main[0]}"))
    return out


def _rewritten_as(cwd: Path, commit: str, tip: str) -> str:
    """A commit on ``tip``'s history with the same author, author date and subject (a rewritten copy)."""
    key = git_text(cwd, "log", "-1", "--format=%an%x00%at%x00%s", commit, check=False).strip()
    if not key:
        return ""
    for line in git_text(cwd, "log", "--format=%H%x00%an%x00%at%x00%s", tip, check=False).splitlines():
        sha, _, rest = line.partition("\0")
        if rest == key:
            return sha
    return ""


def chain_text(approvals: dict[Quarter, list[Approval]], quarter: Quarter | None = None) -> str:
    """``kaohe approvals``: each quarter's chain of approvals, oldest first."""
    lines = []
    for q, chain in approvals.items():
        if quarter is not None and q != quarter:
            continue
        lines.append(f"{q.zh}（{q}）：")
        for a in chain:
            if not a.annotated:
                lines.append(f"  {a.name}  轻量标签（无效，不是审定记录）")
                continue
            lines.append(f"  {a.name}  提交 {a.commit[:10]}  {a.day}  会议 {a.meeting or '—'}  纪要 {a.minutes or '—'}"
                         f"  审定 {a.approver or '—'}{'  已签名' if a.signature else ''}")
            if a.supersedes:
                lines.append(f"    取代 {a.supersedes}：{a.reason or '（未写明原因）'}")
        valid = current(chain)
        lines.append(f"  现行：{valid.name}" if valid else "  现行：无有效的审定")
    if not lines:
        return "还没有任何季度经过审定（kaohe approve）。\n" if quarter is None else f"{quarter} 还没有审定（kaohe approve {quarter}）。\n"
    return "\n".join(lines) + "\n"
