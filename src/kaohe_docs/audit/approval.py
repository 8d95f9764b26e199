"""Approvals: the committee's decision on a quarter, recorded as annotated Git tags.

``kaohe approve 2026Q1`` tags the current commit ``approved/2026Q1``, signed with a key listed in
``policy/allowed_signers`` (``kaohe_docs.audit.signers``); the tag message carries the meeting date,
the minutes reference, who approved and the commit.
Approvals are append-only: a re-approval after a new committee decision adds
``approved/2026Q1-2`` naming the approval it supersedes and why. No tag is ever moved or deleted.
(Not ``approved/2026Q1/2``: Git cannot hold a tag ``approved/2026Q1`` and ``approved/2026Q1/…`` at once.)

``validate`` is the one check of the approval chains that every command, the hooks, CI and the
guard share: which tags count, which approval is in force, and why any other tag does not count
(``final.approval_in_force`` asks it for one quarter at one commit). The approved state of a quarter is
the tree of the approval in force; the lock itself (comparing content with that tree) lives in
``kaohe_docs.audit.lock``. Tags are read (``kaohe_docs.audit.tags``) with plain ``git`` plumbing through
``kaohe_docs.gitport`` (replacement objects and grafts disabled), so this works in a work tree, a bare server
repository (the pre-receive hook, inside its quarantine) and a shallow clone alike.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs import gitport
from kaohe_docs.audit.signers import SIGNERS, SignerList, forget_verified, list_at, verify
from kaohe_docs.audit.tags import Approval, approval_refs, approvals_of, bad_names, current, tag_name
from kaohe_docs.errors import Diagnostic, KaoheError, error, warning
from kaohe_docs.model import Quarter

APPEALS = "appeals.yaml"
AFTER_DECISION = (APPEALS, "feedback.yaml")  # process records that may follow the approval
UNIT_FEEDBACK = "feedback/"  # and each unit's feedback file, feedback/<unit>.yaml


def after_decision(name: str) -> bool:
    """Is ``name`` (relative to the quarter's folder) a process record that may change after the approval?"""
    return name in AFTER_DECISION or (name.startswith(UNIT_FEEDBACK) and "/" not in name[len(UNIT_FEEDBACK):])
DECISION = "decision.yaml"
ZERO = gitport.ZERO
# Git access, kept under their old names for the callers (the one port is kaohe_docs.gitport)
git_out, git_text, exists, is_ancestor, has_path, is_shallow, main_branch = (
    gitport.out, gitport.text, gitport.exists, gitport.is_ancestor, gitport.has_path, gitport.is_shallow,
    gitport.main_branch)


def _where(quarter: Quarter) -> str:
    return f"records/{quarter.path}"


# --- the one validation of the approval chain ----------------------------------------------------------

@dataclass
class Chains:
    """Every quarter's approval chain, validated: what counts, what is in force, what is wrong."""

    approvals: dict[Quarter, list[Approval]]
    diagnostics: list[Diagnostic]
    signers: SignerList | None = None  # the list in force at the tip (None: not looked up)
    misnamed: dict[str, Diagnostic] = field(default_factory=dict)  # refs under approved/ that are no approval name

    @property
    def in_force(self) -> dict[Quarter, Approval]:
        return {q: a for q, chain in self.approvals.items() if (a := current(chain)) is not None}


@dataclass
class _State:
    """What one validation run learns once and reuses (lists per commit, quarter facts per commit)."""

    cwd: Path
    pre: str
    lists: dict[str, SignerList] = field(default_factory=dict)
    facts: dict[tuple[str, Quarter], dict] = field(default_factory=dict)

    def signers(self, commit: str) -> SignerList:
        if commit not in self.lists:
            self.lists[commit] = list_at(self.cwd, self.pre, commit)
        return self.lists[commit]

    def quarter_at(self, commit: str, quarter: Quarter) -> dict:
        key = (commit, quarter)
        if key not in self.facts:
            self.facts[key] = quarter_facts(self.cwd, self.pre, commit, quarter)
        return self.facts[key]


def validate(cwd: Path, pre: str, tip: str, tip_label: str = "当前分支", *, main: tuple[str, str] = ("", ""),
             extra: dict[str, str] | None = None, quarters=None, new: frozenset[str] = frozenset()) -> Chains:
    """The one validation of every approval chain, shared by check, approvals, approve, build --final,
    archive, the hooks, CI and the guard.

    An approval counts only when its name is exact (``approved/<YYYY>Q<n>`` or ``…-<k>``); it is an
    annotated tag naming a commit; the commit is on the main history (``tip``, and ``main`` when that is
    another branch); it is signed by a key of the trusted ``policy/allowed_signers`` valid at the tag's
    date (from the commit that adds the list; tags in ``new`` — a push — whenever the tip has one); at
    that commit the quarter's records are complete with a ``decision.yaml`` whose meeting is no later
    than the tag; the tag message's fields agree with that commit and decision; and a re-approval
    names exactly the approval in force, comes with a later meeting on a later commit, with no number
    missing before it. ``extra``: tags being pushed (name → object id).
    """
    forget_verified()  # within one validation an object and a list always give the same answer
    state = _State(cwd, pre)
    refs = approval_refs(cwd, extra)
    approvals = approvals_of(cwd, refs)
    misnamed = {name: error("", 0, f"标签 {name} 不是有效的审定标签名（只能是 approved/2026Q1 或 approved/2026Q1-2 这样的 ASCII 名称，"
                                   f"大小写和数字都须一致），不能作为审定依据；请删除它（git tag -d {name}）")
                for name in bad_names(refs)}
    out: list[Diagnostic] = list(misnamed.values())
    tip_list = state.signers(tip) if tip else SignerList(None)
    for quarter, chain in approvals.items():
        if quarters is not None and quarter not in quarters:
            continue
        out += _validate_chain(state, chain, tip, tip_label, main=main, tip_list=tip_list, new=new)
    if tip and tip_list.added and gitport.blob(cwd, tip, f"{pre}{SIGNERS}") != tip_list.content:
        refused = "；".join(f"提交 {sha[:10]} {why}" for sha, why in tip_list.problems) or "修改没有经过签名"
        out.append(warning(SIGNERS, 0, f"本文件的修改不生效，审定仍按最后一次有效的名单核对：名单的修改只在用修改前名单中的密钥签名的"
                                       f"提交中有效（{refused}）；请撤销这些修改，由已登记的审定人签名提交（git commit -S）"))
    if tip_list.unsure:
        out.append(warning(SIGNERS, 0, f"当前是浅克隆（shallow clone），本地历史从提交 {tip_list.added[:10]} 开始，无法确认签名密钥名单的来历"
                                       f"（它此前的修改是否都经过签名）；请 git fetch --unshallow 后再检查"))
    if approvals and not tip_list.active:
        out.append(warning(SIGNERS, 0, f"本库没有登记审定签名密钥（{SIGNERS}），审定标签没有经过身份验证：任何能推送标签的人"
                                       f"都能打出审定标签；请按 README“审定锁”为局党委的审定人生成签名密钥并登记"))
    return Chains(approvals, out, tip_list, misnamed)


def _validate_chain(state: _State, chain: list[Approval], tip: str, tip_label: str, *, main: tuple[str, str],
                    tip_list: SignerList, new: frozenset[str]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    numbers = {a.number for a in chain}
    in_force: Approval | None = None
    for a in chain:
        problems = _tag_problems(state, a, tip, tip_label, main=main, tip_list=tip_list, pushed=a.name in new)
        if not any(d.level == "error" for d in problems):
            problems += _chain_problems(state, a, in_force, numbers)
        out += problems
        a.problems = problems
        if not any(d.level == "error" for d in problems):
            a.valid = True
            in_force = a
    return out


def _tag_problems(state: _State, a: Approval, tip: str, tip_label: str, *, main: tuple[str, str],
                  tip_list: SignerList, pushed: bool) -> list[Diagnostic]:
    """What is wrong with one tag on its own (the first problem that makes it not count, after any warning)."""
    cwd, where, q = state.cwd, _where(a.quarter), a.quarter
    delete = f"请删除它（git tag -d {a.name}）"
    if not a.annotated:
        return [error(where, 0, f"标签 {a.name} 是轻量标签，没有会议日期、会议纪要和审定人，不是 kaohe approve 的审定记录，"
                                f"不能作为审定依据；{delete}，按局党委审定记录运行 kaohe approve {q}")]
    if not a.direct:
        return [error(where, 0, f"标签 {a.name} 指向的是另一个标签而不是提交，不是 kaohe approve 的审定记录；{delete}")]
    if not a.commit or not gitport.exists(cwd, a.commit):
        return [error(where, 0, f"标签 {a.name} 指向的提交 {a.commit[:10] or '（无）'}在本仓库中不存在（历史已被改写，或是浅克隆）；"
                                f"请从原仓库找回该提交（git fetch --unshallow 或恢复被覆盖的分支），不要删除审定标签")]
    out = _history_problems(cwd, a, tip, tip_label, main)
    if any(d.level == "error" for d in out):
        return out
    listed = state.signers(a.commit)
    if not listed.active and pushed and tip_list.active:
        listed = tip_list  # a new tag on an old commit is judged by the list in force now
    if listed.active:
        out += _signature_problems(cwd, a, listed)
        if out and out[-1].level == "error":
            return out
    facts = state.quarter_at(a.commit, q)
    if not facts.get("decision"):
        return out + [error(where, 0, f"标签 {a.name} 打在提交 {a.commit[:10]} 上，该提交中还没有局党委审定记录（{where}/{DECISION}），"
                                      f"标签早于审定；{delete}，提交审定记录后再运行 kaohe approve {q}")]
    meeting = facts.get("meeting", "")
    if facts.get("open"):
        return out + [error(where, 0, f"标签 {a.name} 打在提交 {a.commit[:10]} 上，该提交中 {q} 的记录还没有完成（{facts['open']}），"
                                      f"不能审定；{delete}，记录填齐、局党委开会后再运行 kaohe approve {q}")]
    if a.date and meeting > f"{a.date:%Y-%m-%d}":
        return out + [error(where, 0, f"标签 {a.name} 的日期 {a.day} 早于审定记录中的会议日期 {meeting}；"
                                      f"{delete}，会后再运行 kaohe approve {q}")]
    if not a.meeting:
        return out + [error(where, 0, f"标签 {a.name} 没有写明会议日期，不是 kaohe approve 的审定记录；{delete}，"
                                      f"按局党委审定记录运行 kaohe approve {q}")]
    recorded = {"会议日期": meeting, "会议纪要": facts.get("minutes", ""), "提交": a.commit,
                "审定记录": f"{where}/{DECISION}"}
    for key, value in recorded.items():
        said = a.fields.get(key)
        if said is not None and said != value:
            return out + [error(where, 0, f"标签 {a.name} 写的“{key}：{said}”与它指向的提交 {a.commit[:10]} 不符（应为“{value}”），"
                                          f"不能作为审定依据；{delete}，按局党委审定记录运行 kaohe approve {q}")]
    return out


def _history_problems(cwd: Path, a: Approval, tip: str, tip_label: str, main: tuple[str, str]) -> list[Diagnostic]:
    where = _where(a.quarter)
    if not tip:
        return []
    on = gitport.is_ancestor(cwd, a.commit, tip)
    if on is None or (not on and gitport.is_shallow(cwd)):
        return [warning(where, 0, f"无法确认标签 {a.name} 的提交是否在{tip_label}的历史上（浅克隆缺少历史）；"
                                  f"请 git fetch --unshallow 后再检查")]
    if not on:
        twin = _rewritten_as(cwd, a.commit, tip)
        if twin:
            return [error(where, 0, f"历史被改写：审定的提交 {a.commit[:10]}（标签 {a.name}）已不在{tip_label}的历史上，"
                                    f"被改写成了 {twin[:10]}（rebase、amend 或强制推送）；已审定的历史不能改写，"
                                    f"请恢复原来的历史（如 git reset --hard {a.commit[:10]} 后重新提交其后的修改）")]
        return [error(where, 0, f"标签 {a.name} 指向的提交 {a.commit[:10]} 不在{tip_label}的历史上；审定的必须是主分支上的提交："
                                f"请先合并主分支（git merge main），或确认该标签是否打错了提交")]
    if main[1] and main[1] != tip and gitport.is_ancestor(cwd, a.commit, main[1]) is False and not gitport.is_shallow(cwd):
        return [error(where, 0, f"标签 {a.name} 指向的提交 {a.commit[:10]} 只在当前分支上，不在主分支 {main[0]} 的历史上；"
                                f"审定必须在主分支上进行：请先把本分支合并到 {main[0]}")]
    return []


def _signature_problems(cwd: Path, a: Approval, listed: SignerList) -> list[Diagnostic]:
    where, q = _where(a.quarter), a.quarter
    todo = f"它不是审定：请删除它（git tag -d {a.name}），由登记的审定人用自己的密钥运行 kaohe approve {q}"
    sig = verify(cwd, a.tag_object, listed.content or b"")
    if sig.ok:
        a.signer = f"{sig.principal}（{sig.fingerprint}）"
        return []
    since = f"本库自提交 {listed.added[:10]} 起只承认用 {SIGNERS} 中登记的密钥签名的审定"
    if sig.failure == "tool":
        return [error(where, 0, f"无法核对标签 {a.name} 的签名：找不到 ssh-keygen（Git 用它核对 SSH 签名）；请安装 OpenSSH 客户端"
                                f"（Debian/国产 Linux：apt install openssh-client；Windows：Git for Windows 自带）后再检查")]
    if not sig.signed:
        why = f"标签 {a.name} 没有签名；{since}，"
    elif sig.failure == "bad":
        why = f"标签 {a.name} 的签名与标签内容不符（标签在签名后被改动过）；"
    elif sig.kind == "gpg":
        why = f"标签 {a.name} 用 GPG 签名，而 {SIGNERS} 登记的是 SSH 密钥；"
    elif sig.expired:
        why = f"标签 {a.name} 的签名{sig.key} 在标签日期 {a.day} 不在 {SIGNERS} 写明的有效期内（valid-after/valid-before）；"
    else:
        why = (f"标签 {a.name} 的签名{sig.key} 不在 {SIGNERS} 中；{since}，"
               f"如该密钥确属审定人，先把它登记到 {SIGNERS}（该提交须用已登记的密钥签名），")
    return [error(where, 0, why + todo)]


def _chain_problems(state: _State, a: Approval, in_force: Approval | None, numbers: set[int]) -> list[Diagnostic]:
    """A re-approval against the approval in force before it: one line, no forks, cycles or gaps."""
    if a.number == 1:
        return []
    where = _where(a.quarter)
    previous = tag_name(a.quarter, a.number - 1)
    if a.number - 1 not in numbers:
        return [error(where, 0, f"审定记录不连续：有 {a.name}，但没有 {previous}；审定标签不能删除，请从原仓库找回（git fetch --tags）")]
    if in_force is None:
        return [error(where, 0, f"标签 {a.name} 要取代的审定都不成立（见上），它不能作为审定依据；请按局党委审定记录运行 "
                                f"kaohe approve {a.quarter}")]
    if a.supersedes != in_force.name:
        named = f"写的是“取代：{a.supersedes}”" if a.supersedes else "没有写明取代哪一次审定"
        return [error(where, 0, f"标签 {a.name} {named}，而当时现行的审定是 {in_force.name}（应为“取代：{in_force.name}”），"
                                f"不是 kaohe approve --supersede 的审定记录；它不能作为审定依据")]
    old = state.quarter_at(in_force.commit, a.quarter).get("meeting", "")
    new = state.quarter_at(a.commit, a.quarter).get("meeting", "")
    if not new > old:
        return [error(where, 0, f"标签 {a.name} 取代 {in_force.name}，但审定记录中的会议日期 {new} 不晚于原审定的会议 {old}："
                                f"重新审定须有局党委新一次会议（{where}/{DECISION} 写入新会议的日期和纪要）；它不能作为审定依据")]
    if a.commit == in_force.commit or gitport.is_ancestor(state.cwd, in_force.commit, a.commit) is False:
        return [error(where, 0, f"标签 {a.name} 指向的提交 {a.commit[:10]} 不在它取代的 {in_force.name}（提交 "
                                f"{in_force.commit[:10]}）之后；重新审定必须审定之后的提交；它不能作为审定依据")]
    return []


def quarter_facts(cwd: Path, pre: str, commit: str, quarter: Quarter) -> dict:
    """What the approval rules need to know about a quarter at a commit: its decision (meeting, minutes)
    and whether its records are complete. Commits never change, so the answer is kept in the
    repository's cache (``<git dir>/kaohe-cache/approvals.json``)."""
    from kaohe_docs import __version__
    from kaohe_docs.records.cache import GIT_CACHE, read_json, write_json
    folder = gitport.git_dir(cwd)
    path = folder / GIT_CACHE / "approvals.json" if folder else None
    key = f"{__version__}:{commit}:{pre}:{quarter}"
    cached = (read_json(path) or {}) if path else {}
    if isinstance(cached, dict) and isinstance(cached.get(key), dict):
        return cached[key]
    facts = _facts(cwd, pre, commit, quarter)
    if path is not None:
        cached = cached if isinstance(cached, dict) else {}
        cached[key] = facts
        write_json(path, cached)
    return facts


def _facts(cwd: Path, pre: str, commit: str, quarter: Quarter) -> dict:
    import tempfile

    from kaohe_docs.audit import gitrepo
    from kaohe_docs.pipeline import open_project
    if not gitport.has_path(cwd, commit, f"{pre}{_where(quarter)}/{DECISION}"):
        return {"decision": False}
    repo = gitport.open_repo(cwd)
    mine = f"{_where(quarter)}/"
    with tempfile.TemporaryDirectory(prefix="kaohe-approval-") as tmp:
        try:
            project = open_project(gitrepo.export(repo.commit(commit), pre, Path(tmp)), use_cache=False)
        except KaoheError as exc:  # a tree that cannot even be exported (a crafted path …) approves nothing
            return {"decision": True, "meeting": "", "minutes": "", "open": exc.message}
        records = project.loaded.bureau.quarters.get(quarter) if project.loaded and project.loaded.bureau else None
        decision = records.decision if records is not None else None
        # the quarter's own values not filled in, and errors in its files or in the shared ones (policy, roster …)
        open_items = [d for d in project.diagnostics if d.level in ("error", "pending") and d.file.startswith(mine)
                      or d.level == "error" and not d.file.startswith("records/20")]
    facts: dict = {"decision": True, "meeting": str(decision.meeting_date) if decision else "",
                   "minutes": decision.minutes if decision else ""}
    if decision is None:
        facts["open"] = f"{mine}{DECISION} 还没有写入局党委的审定会议（meeting_date、minutes）"
    elif open_items:
        first = open_items[0]
        facts["open"] = f"{len(open_items)} 项待填写或有错误，如 {first.file}" + (f":{first.line}" if first.line else "")
    return facts


def tag_diagnostics(cwd: Path, pre: str, chain: list[Approval], tip: str, tip_label: str = "当前分支", *,
                    main: tuple[str, str] = ("", "")) -> list[Diagnostic]:
    """Everything wrong with one quarter's (already read) approval tags; marks the valid ones."""
    state = _State(cwd, pre)
    return _validate_chain(state, chain, tip, tip_label, main=main,
                           tip_list=state.signers(tip) if tip else SignerList(None), new=frozenset())


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
                         f"  审定 {a.approver or '—'}" + (f"  签名 {a.signer}" if a.signer else "  已签名（未核对）" if a.signature
                                                          else "") + ("" if a.valid else "  （无效，见下）"))
            if a.supersedes:
                lines.append(f"    取代 {a.supersedes}：{a.reason or '（未写明原因）'}")
        valid = current(chain)
        lines.append(f"  现行：{valid.name}" if valid else "  现行：无有效的审定")
    if not lines:
        return "还没有任何季度经过审定（kaohe approve）。\n" if quarter is None else f"{quarter} 还没有审定（kaohe approve {quarter}）。\n"
    return "\n".join(lines) + "\n"
