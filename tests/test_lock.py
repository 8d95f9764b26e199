"""The approval lock with real Git: every command that writes or publishes, the server hook, forged tags."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import commit_all, edit, git, run, write
from kaohe_docs.cli import main

pytestmark = pytest.mark.slow  # whole Git scenarios: approvals, remotes, hooks

UNIT = "records/2026/Q1/units/zhengong.yaml"
DECISION = "records/2026/Q1/decision.yaml"
TAGGED = "2026-04-16T09:00:00+08:00"
BIN = str(Path(sys.executable).parent)
HOOK = Path(__file__).parent.parent / "src/kaohe_docs/scaffold"
RULE = ("审定后只能通过复核记录（records/2026/Q1/appeals.yaml）变更结果：误改请撤销（git revert），"
        "局党委重新审定的请运行 kaohe approve 2026Q1 --supersede \"原因\"")


def env(**extra) -> dict:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **extra}


def sh(root: Path, *args, **extra) -> subprocess.CompletedProcess:
    """git with the virtual environment's kaohe on PATH (hooks call it), dates fixed."""
    dates = {"GIT_AUTHOR_DATE": "2026-04-20T10:00:00+08:00", "GIT_COMMITTER_DATE": "2026-04-20T10:00:00+08:00"}
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env(**{**dates, **extra}))


def approve(root: Path, *args, date: str = TAGGED):
    old = os.environ.get("GIT_COMMITTER_DATE")
    os.environ["GIT_COMMITTER_DATE"] = date
    try:
        return run(root, "approve", "2026Q1", *args)
    finally:
        if old is None:
            del os.environ["GIT_COMMITTER_DATE"]
        else:
            os.environ["GIT_COMMITTER_DATE"] = old


NO_KEYS = ("policy/allowed_signers: 警告: 本库没有登记审定签名密钥（policy/allowed_signers），审定标签没有经过身份验证："
           "任何能推送标签的人都能打出审定标签；请按 README“审定锁”为局党委的审定人生成签名密钥并登记")


def lines(stderr: str) -> list[str]:
    """The lines of a command's stderr without the one warning of a repository whose approvals are not signed."""
    found = stderr.splitlines()
    assert found.count(NO_KEYS) <= 1
    return [line for line in found if line != NO_KEYS]


def short(root: Path, rev: str = "HEAD") -> str:
    return git(root, "rev-parse", "--short=10", rev).strip()


def changed_message(root: Path, by: str, line: int = 6) -> str:
    return (f"{UNIT}:{line}: 错误: 2026Q1 已经局党委审定（标签 approved/2026Q1，2026-04-16），审定后 王志强（警号 010001）"
            f"3月绩效 94 → 91（{by}）；{RULE}")


@pytest.mark.slow
def test_every_command_refuses_a_changed_approved_quarter_and_a_revert_clears_it(mini_git, tmp_path):
    assert approve(mini_git).stdout == "approved/2026Q1\n"
    assert run(mini_git, "hook").exit_code == 0  # the pre-commit hook, in .git/hooks

    # the pre-commit hook (check --staged) refuses the edit …
    edit(mini_git, UNIT, "3: 94", "3: 91")
    git(mini_git, "add", UNIT)
    hook = sh(mini_git, "commit", "-q", "-m", "审定后改分")
    assert hook.returncode == 1
    assert changed_message(mini_git, "已暂存未提交的修改") in lines(hook.stderr)
    # … which --no-verify skips; from then on every command refuses, naming the commit and its author
    assert sh(mini_git, "commit", "-q", "--no-verify", "-m", "审定后改分").returncode == 0
    expected = changed_message(mini_git, f"提交 {short(mini_git)}，考核办，2026-04-20 10:00，“审定后改分”")
    check = run(mini_git, "check")
    assert check.exit_code == 1 and lines(check.stderr)[0] == expected
    staged = run(mini_git, "check", "--staged")
    assert staged.exit_code == 1 and lines(staged.stderr)[0] == expected
    final = run(mini_git, "-q", "build", "2026Q1", "--final", "--html-only")
    assert final.exit_code == 1 and lines(final.stderr)[0] == expected
    assert not (mini_git / "build/2026Q1").exists()
    again = run(mini_git, "approve", "2026Q1")
    assert again.exit_code == 1
    assert lines(again.stderr)[:3] == [
        "错误: 2026Q1 已经审定过（标签 approved/2026Q1，2026-04-16），此后该季度的记录有改动：",
        f"  {UNIT}: 王志强（警号 010001）3月绩效 94 → 91（提交 {short(mini_git)}，考核办，2026-04-20 10:00，“审定后改分”）",
        "如局党委已重新审定，请更新审定记录（records/2026/Q1/decision.yaml 的会议日期和纪要）并运行 kaohe approve 2026Q1 "
        "--supersede \"重新审定的原因\"；否则请撤销这些改动（git revert）"]
    sheet = tmp_path / "绩效.csv"
    sheet.write_text("警号,姓名,单位,1月,2月,3月\n010002,李娜,政工室,90,90,89\n", encoding="utf-8")
    before = (mini_git / UNIT).read_bytes()
    imported = run(mini_git, "import", "monthly", str(sheet), "--quarter", "2026Q1")
    assert imported.exit_code == 1
    assert (f"{UNIT}: 错误: 2026Q1 已经局党委审定（标签 approved/2026Q1，2026-04-16），不能导入：李娜（政工室）："
            f"1月绩效 88 → 90；审定后只能通过复核记录（records/2026/Q1/appeals.yaml）变更结果") in lines(imported.stderr)
    assert (mini_git / UNIT).read_bytes() == before

    # a revert restores the approved content: everything passes again, nothing to re-approve
    assert sh(mini_git, "revert", "--no-edit", "HEAD").returncode == 0
    assert run(mini_git, "check").exit_code == 0
    assert run(mini_git, "check", "--staged").exit_code == 0
    assert "此后该季度的记录没有改动，无需重新审定" in run(mini_git, "approve", "2026Q1").stderr
    approved = git(mini_git, "rev-parse", "approved/2026Q1^{commit}").strip()
    built = run(mini_git, "build", "2026Q1", "--final", "--html-only")
    assert built.exit_code == 0, built.output
    assert "2026Q1 已经局党委审定（标签 approved/2026Q1）：正式文书按审定时的记录、政策和模板生成\n" in built.stderr
    assert json.loads((mini_git / "build/2026Q1/manifest.json").read_text(encoding="utf-8"))["commit"] == approved


def test_a_review_after_approval_builds_with_its_own_provenance_and_the_approved_policy(mini_git):
    assert approve(mini_git).exit_code == 0
    approved = git(mini_git, "rev-parse", "approved/2026Q1^{commit}").strip()
    edit(mini_git, "policy/policy.yaml", "电话 0531-87654321", "电话 0531-11112222")
    write(mini_git, {"records/2026/Q1/appeals.yaml": (
        'quarter: 2026Q1\nappeals:\n  - id: "010002"\n    received: 2026-04-20\n    grounds: 申请复核\n'
        "    outcome: 维持\n    reason: 等次确定符合规定\n    replied: 2026-04-22\n")})
    commit_all(mini_git, "复核记录；改联系电话")
    head = git(mini_git, "rev-parse", "HEAD").strip()
    assert head != approved
    assert run(mini_git, "check").exit_code == 0  # 复核 and policy edits are not locked
    built = run(mini_git, "build", "2026Q1", "--final", "--html-only")
    assert built.exit_code == 0, built.output
    assert ("policy/policy.yaml: 警告: 2026Q1 审定（标签 approved/2026Q1）后本文件有修改；"
            "2026Q1 的正式文书仍按审定时的版本生成") in lines(built.stderr)
    assert "，含审定后的复核、反馈记录" in built.stderr
    manifest = json.loads((mini_git / "build/2026Q1/manifest.json").read_text(encoding="utf-8"))
    assert manifest["commit"] == head  # the 复核 has its own provenance
    html = "".join(p.read_text(encoding="utf-8") for p in (mini_git / "build/2026Q1").rglob("*.html"))
    assert "0531-87654321" in html and "0531-11112222" not in html  # the approved policy
    assert "等次确定符合规定" in html  # the 复核 outcome is printed


def test_reapproval_appends_a_tag_that_names_the_one_it_supersedes(mini_git):
    assert approve(mini_git).exit_code == 0
    first = git(mini_git, "rev-parse", "approved/2026Q1").strip()
    edit(mini_git, UNIT, "3: 94", "3: 91")
    commit_all(mini_git, "更正三月绩效")
    same_meeting = approve(mini_git, "--supersede", "更正三月绩效")
    assert same_meeting.exit_code == 1
    assert same_meeting.stderr == ("错误: 重新审定需要新的局党委审定记录：records/2026/Q1/decision.yaml 的会议日期（2026-04-14）"
                                   "和会议纪要（清公党纪〔2026〕4号）与 approved/2026Q1 相同；请写入新一次会议的日期和纪要后提交，再运行本命令\n")
    edit(mini_git, DECISION, "meeting_date: 2026-04-14\nminutes: 清公党纪〔2026〕4号",
         "meeting_date: 2026-04-28\nminutes: 清公党纪〔2026〕6号")
    commit_all(mini_git, "局党委重新审定")
    assert run(mini_git, "check").exit_code == 1  # changed since approved/2026Q1
    second = approve(mini_git, "--supersede", "三月绩效录入有误，局党委4月28日重新审定", date="2026-04-28T17:00:00+08:00")
    assert second.exit_code == 0, second.output
    assert second.stdout == "approved/2026Q1-2\n"
    assert git(mini_git, "rev-parse", "approved/2026Q1").strip() == first  # never moved
    message = git(mini_git, "cat-file", "tag", "approved/2026Q1-2")
    for line in ("会议日期：2026-04-28", "会议纪要：清公党纪〔2026〕6号", "审定机关：中共清河县公安局委员会",
                 "取代：approved/2026Q1", "原因：三月绩效录入有误，局党委4月28日重新审定"):
        assert line in message.splitlines()
    assert run(mini_git, "check").exit_code == 0
    listing = run(mini_git, "approvals").stdout
    assert listing.splitlines() == [
        "2026年第一季度（2026Q1）：",
        f"  approved/2026Q1  提交 {short(mini_git, 'HEAD~2')}  2026-04-16  会议 2026-04-14  纪要 清公党纪〔2026〕4号  审定 中共清河县公安局委员会",
        f"  approved/2026Q1-2  提交 {short(mini_git)}  2026-04-28  会议 2026-04-28  纪要 清公党纪〔2026〕6号  审定 中共清河县公安局委员会",
        "    取代 approved/2026Q1：三月绩效录入有误，局党委4月28日重新审定",
        "  现行：approved/2026Q1-2"]
    forced = run(mini_git, "approve", "2026Q1", "--force")
    assert forced.exit_code == 1 and "--force 已取消" in forced.stderr


def test_a_tag_made_by_the_previous_version_keeps_working(mini_git):
    message = ("局党委审定 2026年第一季度平时考核结果\n\n会议日期：2026-04-14\n会议纪要：清公党纪〔2026〕4号\n"
               "审定记录：records/2026/Q1/decision.yaml\n")
    assert sh(mini_git, "tag", "-a", "approved/2026Q1", "-m", message, GIT_COMMITTER_DATE=TAGGED).returncode == 0
    assert run(mini_git, "check").exit_code == 0
    edit(mini_git, UNIT, "3: 94", "3: 91")
    commit_all(mini_git, "审定后改分")
    result = run(mini_git, "check")
    assert result.exit_code == 1
    assert lines(result.stderr)[0] == changed_message(
        mini_git, f"提交 {short(mini_git)}，考核办，2026-04-15 10:00，“审定后改分”")
    assert "审定 考核办" in run(mini_git, "approvals").stdout  # no 审定机关 line: the tagger


# --- forged and stale tags ------------------------------------------------------------------------------

def hand_tag(root, name: str = "approved/2026Q1", rev: str = "HEAD", date: str = TAGGED, **fields) -> None:
    """An annotated tag made by hand with git, its message in kaohe approve's words."""
    message = {"会议日期": "2026-04-14", "会议纪要": "清公党纪〔2026〕4号", "审定记录": DECISION, **fields}
    text = "局党委审定 2026年第一季度平时考核结果\n\n" + "".join(f"{k}：{v}\n" for k, v in message.items() if v)
    done = sh(root, "tag", "-a", name, "-m", text, rev, GIT_COMMITTER_DATE=date)
    assert done.returncode == 0, done.stderr


def _lightweight(root):
    git(root, "tag", "approved/2026Q1")


def _before_decision(root):
    decision = (root / DECISION).read_text(encoding="utf-8")
    (root / DECISION).unlink()
    commit_all(root, "撤下审定记录")
    sh(root, "tag", "-a", "approved/2026Q1", "-m", "手工审定", GIT_COMMITTER_DATE=TAGGED)
    write(root, {DECISION: decision})
    commit_all(root, "审定记录")


def _placeholder_decision(root):
    from kaohe_docs.audit.opening import decision_text
    from kaohe_docs.model import Quarter
    write(root, {DECISION: decision_text(Quarter(2026, 1))})
    commit_all(root, "审定记录待填")
    hand_tag(root)


def _before_meeting(root):
    hand_tag(root, date="2026-04-01T09:00:00+08:00")


def _side_branch(root):
    git(root, "checkout", "-q", "-b", "side")
    edit(root, UNIT, "3: 94", "3: 91")
    commit_all(root, "支线")
    hand_tag(root)
    git(root, "checkout", "-q", "main")


def _only_on_a_branch(root):
    git(root, "checkout", "-q", "-b", "work")
    edit(root, UNIT, "3: 94", "3: 91")
    commit_all(root, "分支上改分")
    hand_tag(root)


def _rewritten(root):
    approve(root)
    sh(root, "commit", "-q", "--amend", "--no-edit", "--reset-author",
       GIT_AUTHOR_DATE="2026-04-15T10:00:00+08:00", GIT_COMMITTER_DATE="2026-04-30T10:00:00+08:00")


def _missing(root):
    fake = "1234567890" * 4
    data = (f"object {fake}\ntype commit\ntag approved/2026Q1\ntagger 考核办 <kaohe@example.invalid> 1776301200 +0800\n\n"
            "会议日期：2026-04-14\n")
    oid = subprocess.run(["git", "-C", str(root), "hash-object", "-t", "tag", "-w", "--literally", "--stdin"],
                         input=data, capture_output=True, text=True, check=True).stdout.strip()
    git(root, "update-ref", "refs/tags/approved/2026Q1", oid)


def _second_without_first(root):
    approve(root)
    hand_tag(root, "approved/2026Q1-2")


TAG_CASES = {
    "lightweight": (_lightweight, "records/2026/Q1: 错误: 标签 approved/2026Q1 是轻量标签，没有会议日期、会议纪要和审定人，"
                                  "不是 kaohe approve 的审定记录，不能作为审定依据；请删除它（git tag -d approved/2026Q1），"
                                  "按局党委审定记录运行 kaohe approve 2026Q1"),
    "before the decision record": (_before_decision, "records/2026/Q1: 错误: 标签 approved/2026Q1 打在提交 {HEAD~1} 上，"
                                   "该提交中还没有局党委审定记录（records/2026/Q1/decision.yaml），标签早于审定；请删除它"
                                   "（git tag -d approved/2026Q1），提交审定记录后再运行 kaohe approve 2026Q1"),
    "decision still the placeholder of kaohe open": (
        _placeholder_decision, "records/2026/Q1: 错误: 标签 approved/2026Q1 打在提交 {HEAD} 上，该提交中 2026Q1 的记录还没有完成"
                               "（records/2026/Q1/decision.yaml 还没有写入局党委的审定会议（meeting_date、minutes）），不能审定；"
                               "请删除它（git tag -d approved/2026Q1），记录填齐、局党委开会后再运行 kaohe approve 2026Q1"),
    "message disagreeing with the commit": (
        lambda root: hand_tag(root, 会议纪要="清公党纪〔2026〕9号"),
        "records/2026/Q1: 错误: 标签 approved/2026Q1 写的“会议纪要：清公党纪〔2026〕9号”与它指向的提交 {HEAD} 不符"
        "（应为“清公党纪〔2026〕4号”），不能作为审定依据；请删除它（git tag -d approved/2026Q1），按局党委审定记录运行 kaohe approve 2026Q1"),
    "before the meeting": (_before_meeting, "records/2026/Q1: 错误: 标签 approved/2026Q1 的日期 2026-04-01 早于审定记录中的"
                                            "会议日期 2026-04-14；请删除它（git tag -d approved/2026Q1），会后再运行 kaohe approve 2026Q1"),
    "not on the main history": (_side_branch, "records/2026/Q1: 错误: 标签 approved/2026Q1 指向的提交 {side} 不在当前分支的历史上；"
                                              "审定的必须是主分支上的提交：请先合并主分支（git merge main），或确认该标签是否打错了提交"),
    "approved on a branch, not on main": (_only_on_a_branch, "records/2026/Q1: 错误: 标签 approved/2026Q1 指向的提交 {HEAD} 只在当前分支上，"
                                                             "不在主分支 main 的历史上；审定必须在主分支上进行：请先把本分支合并到 main"),
    "rewritten history": (_rewritten, "records/2026/Q1: 错误: 历史被改写：审定的提交 {tag} （标签 approved/2026Q1）"),
    "commit missing": (_missing, "records/2026/Q1: 错误: 标签 approved/2026Q1 指向的提交 1234567890在本仓库中不存在"
                                 "（历史已被改写，或是浅克隆）；请从原仓库找回该提交（git fetch --unshallow 或恢复被覆盖的分支），不要删除审定标签"),
    "a second approval that supersedes nothing": (
        _second_without_first, "records/2026/Q1: 错误: 标签 approved/2026Q1-2 没有写明取代哪一次审定，而当时现行的审定是 "
                               "approved/2026Q1（应为“取代：approved/2026Q1”），不是 kaohe approve --supersede 的审定记录；它不能作为审定依据"),
}


@pytest.mark.parametrize("case", TAG_CASES, ids=list(TAG_CASES))
def test_forged_and_stale_tags_are_errors_with_what_to_do(mini_git, case):
    setup, expected = TAG_CASES[case]
    setup(mini_git)
    revs = {"HEAD": "HEAD", "HEAD~1": "HEAD~1", "side": "side", "tag": "approved/2026Q1^{commit}"}
    expected = expected.format(**{k: short(mini_git, rev) for k, rev in revs.items() if "{" + k + "}" in expected})
    result = run(mini_git, "check")
    assert result.exit_code == 1
    if case == "rewritten history":
        line = next(x for x in lines(result.stderr) if "历史被改写" in x)
        assert line.startswith(expected.replace(" （", "（")) and f"被改写成了 {short(mini_git)}" in line
    else:
        assert expected in lines(result.stderr), result.stderr
    # approve never answers "already approved" over a bad tag: it names the problem
    refused = run(mini_git, "approve", "2026Q1")
    assert refused.exit_code == 1 and "已经审定过" not in refused.stderr


def test_a_shallow_clone_does_not_crash(mini_git, tmp_path):
    assert approve(mini_git).exit_code == 0
    write(mini_git, {"records/2026/Q1/feedback.yaml": "quarter: 2026Q1\nfeedback: []\n"})
    commit_all(mini_git, "反馈")
    clone = tmp_path / "clone"
    assert subprocess.run(["git", "clone", "-q", "--depth", "1", "--no-local", f"file://{mini_git}", str(clone)],
                          capture_output=True).returncode == 0
    git(clone, "fetch", "-q", "--depth", "1", "origin", "tag", "approved/2026Q1")
    result = run(clone, "check")
    assert result.exit_code == 0, result.output  # the content still equals the approval: no error
    assert lines(result.stderr)[0] == ("records/2026/Q1: 警告: 无法确认标签 approved/2026Q1 的提交是否在当前分支的历史上"
                                             "（浅克隆缺少历史）；请 git fetch --unshallow 后再检查")
    edit(clone, UNIT, "3: 94", "3: 91")
    changed = run(clone, "check")
    assert changed.exit_code == 1
    assert changed_message(clone, "未提交的修改") in lines(changed.stderr)


# --- the server hook ----------------------------------------------------------------------------------------

def serve(root: Path, folder: Path) -> Path:
    """A bare server repository in ``folder`` running the shipped pre-receive hook, ``root``'s origin, main pushed."""
    server = folder / "server.git"
    git(folder, "init", "-q", "--bare", "-b", "main", str(server))
    shutil.copy(HOOK / "pre-receive", server / "hooks/pre-receive")
    os.chmod(server / "hooks/pre-receive", 0o755)
    git(root, "remote", "add", "origin", str(server))
    assert sh(root, "push", "-q", "origin", "main").returncode == 0
    return server


@pytest.fixture
def remote(mini_git, tmp_path) -> Path:
    server = serve(mini_git, tmp_path)
    assert approve(mini_git).exit_code == 0
    pushed = sh(mini_git, "push", "-q", "origin", "approved/2026Q1")
    assert pushed.returncode == 0, pushed.stderr
    return server


def remote_lines(result) -> list[str]:
    return [line[len("remote: "):].rstrip() for line in lines(result.stderr) if line.startswith("remote: ")]


@pytest.mark.slow
def test_the_server_hook_refuses_what_the_client_skipped(mini_git, remote):
    edit(mini_git, UNIT, "3: 94", "3: 91")
    assert sh(mini_git, "commit", "-q", "-a", "--no-verify", "-m", "审定后改分").returncode == 0
    pushed = sh(mini_git, "push", "--no-verify", "origin", "main")
    assert pushed.returncode != 0
    by = f"提交 {short(mini_git)}，考核办，2026-04-20 10:00，“审定后改分”"
    assert remote_lines(pushed) == [
        f"refs/heads/main: {changed_message(mini_git, by)}",
        "kaohe-docs：推送被拒绝（1 个问题）。已审定的季度只能通过复核记录变更；误改请撤销（git revert）后再推送。"]
    assert git(remote, "rev-parse", "main").strip() == git(mini_git, "rev-parse", "approved/2026Q1^{commit}").strip()
    # a revert on top is accepted (content equals the approval again), and so is a 复核 record
    assert sh(mini_git, "revert", "--no-edit", "HEAD").returncode == 0
    write(mini_git, {"records/2026/Q1/feedback.yaml": "quarter: 2026Q1\nfeedback: []\n"})
    assert sh(mini_git, "add", "-A").returncode == 0
    assert sh(mini_git, "commit", "-q", "-m", "反馈记录").returncode == 0
    accepted = sh(mini_git, "push", "origin", "main")
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.slow
def test_the_server_hook_refuses_rewritten_history_and_moved_or_deleted_tags(mini_git, remote):
    write(mini_git, {"records/2026/Q1/feedback.yaml": "quarter: 2026Q1\nfeedback: []\n"})
    commit_all(mini_git, "反馈记录")
    assert sh(mini_git, "push", "-q", "origin", "main").returncode == 0
    approved = short(mini_git, "approved/2026Q1^{commit}")
    # rewrite the approved commit (same author, date and subject) and force-push
    git(mini_git, "reset", "-q", "--hard", "approved/2026Q1")
    assert sh(mini_git, "commit", "-q", "--amend", "--no-edit", GIT_AUTHOR_DATE="2026-04-15T10:00:00+08:00",
              GIT_COMMITTER_DATE="2026-05-01T10:00:00+08:00").returncode == 0
    forced = sh(mini_git, "push", "--force", "origin", "main")
    assert forced.returncode != 0
    assert remote_lines(forced)[0] == (
        f"refs/heads/main: records/2026/Q1: 错误: 历史被改写：审定的提交 {approved}（标签 approved/2026Q1）已不在推送的主分支的历史上，"
        f"被改写成了 {short(mini_git)}（rebase、amend 或强制推送）；已审定的历史不能改写，请恢复原来的历史"
        f"（如 git reset --hard {approved} 后重新提交其后的修改）")
    deleted = sh(mini_git, "push", "origin", ":refs/tags/approved/2026Q1")
    assert deleted.returncode != 0
    assert remote_lines(deleted)[0] == ("refs/tags/approved/2026Q1: 审定标签不能删除（审定记录只增不改）；局党委重新审定时请运行 "
                                        "kaohe approve <季度> --supersede \"原因\"，新增一个审定标签")
    git(mini_git, "tag", "-f", "-a", "approved/2026Q1", "-m", "会议日期：2026-04-14\n", "HEAD")
    moved = sh(mini_git, "push", "--force", "origin", "approved/2026Q1")
    assert moved.returncode != 0 and "审定标签不能移动" in remote_lines(moved)[0]
    git(mini_git, "tag", "approved/2026Q2", "HEAD")
    light = sh(mini_git, "push", "origin", "approved/2026Q2")
    assert light.returncode != 0 and "是轻量标签" in remote_lines(light)[0]


# --- the archive -----------------------------------------------------------------------------------------

@pytest.mark.slow
def test_archive_of_an_approved_quarter_stands_alone_and_verify_names_the_altered_file(mini_git, tmp_path):
    import pypdf

    from test_build import embedded_fonts
    refused = run(mini_git, "archive", "2026Q1")
    assert refused.exit_code == 1
    assert refused.stderr == "错误: 2026Q1 还没有审定，只能归档已审定的季度（先运行 kaohe approve 2026Q1）\n"
    assert approve(mini_git).exit_code == 0
    first, second = tmp_path / "a", tmp_path / "b"
    result = run(mini_git, "-q", "archive", "2026Q1", "--out", str(first))
    assert result.exit_code == 0, result.output
    names = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert names[:3] == ["01-公示.pdf", "02-对象情况表.pdf", "03-比例使用申报表.pdf"]
    assert names[-3:] == ["MANIFEST.sha256", "审定标签.txt", "来源.txt"]
    manifest = (first / "MANIFEST.sha256").read_text(encoding="utf-8").splitlines()
    assert len(manifest) == len(names) - 1 and manifest[0].endswith("  01-公示.pdf")
    # the tag exactly as Git stores it: hashing it gives the tag's id back
    tag_id = git(mini_git, "rev-parse", "approved/2026Q1").strip()
    assert git(mini_git, "hash-object", "-t", "tag", str(first / "审定标签.txt")).strip() == tag_id
    source = (first / "来源.txt").read_text(encoding="utf-8").splitlines()
    assert f"标签对象：{tag_id}" in source
    assert f"审定的提交：{git(mini_git, 'rev-parse', 'HEAD').strip()}" in source
    # PDF/A-2b, fonts embedded, real CJK text
    pdf = first / "01-公示.pdf"
    xmp = pypdf.PdfReader(pdf).xmp_metadata.stream.get_data()
    assert b'pdfaid:part="2"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert "/OutputIntents" in pypdf.PdfReader(pdf).trailer["/Root"]
    assert embedded_fonts(pdf)
    assert "2026年第一季度平时考核" in pypdf.PdfReader(pdf).pages[0].extract_text().replace("\n", "")
    # deterministic to the byte
    assert run(mini_git, "-q", "archive", "2026Q1", "--out", str(second)).exit_code == 0
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)
    # verify: the folder alone, then one altered byte
    ok = run(tmp_path, "verify", str(first))
    assert ok.exit_code == 0 and ok.stdout == f"{first}: 归档的 {len(names) - 1} 个文件与清单全部一致。\n"
    data = bytearray((first / "02-对象情况表.pdf").read_bytes())
    data[len(data) // 2] ^= 1
    (first / "02-对象情况表.pdf").write_bytes(bytes(data))
    (first / "说明.txt").write_text("后加的\n", encoding="utf-8")
    bad = run(tmp_path, "verify", str(first))
    assert bad.exit_code == 1
    assert bad.stdout.splitlines() == [f"{first}: 02-对象情况表.pdf：与清单不符，文件已被改动",
                                       f"{first}: 说明.txt：清单中没有这个文件（归档后加入）"]
    # a changed approved quarter is not archived
    edit(mini_git, UNIT, "3: 94", "3: 91")
    commit_all(mini_git, "审定后改分")
    changed = run(mini_git, "archive", "2026Q1", "--out", str(tmp_path / "c"))
    assert changed.exit_code == 1 and "3月绩效 94 → 91" in changed.stderr
    assert not (tmp_path / "c").exists()


@pytest.mark.slow
def test_verify_a_final_document_built_from_the_approved_policy_after_a_review(mini_git):
    assert approve(mini_git).exit_code == 0
    edit(mini_git, "policy/policy.yaml", "电话 0531-87654321", "电话 0531-11112222")
    write(mini_git, {"records/2026/Q1/feedback.yaml": "quarter: 2026Q1\nfeedback: []\n"})
    commit_all(mini_git, "反馈；改联系电话")
    assert run(mini_git, "-q", "build", "2026Q1", "--final").exit_code == 0
    # the 公示 was issued at approval: it states the approval commit; the 反馈通知 the commit recording the 反馈
    approved = git(mini_git, "rev-parse", "--short=10", "approved/2026Q1^{commit}").strip()
    for pdf, commit in ((mini_git / "build/2026Q1/01-公示.pdf", approved),
                        (next((mini_git / "build/2026Q1/07-反馈通知").glob("*.pdf")), short(mini_git))):
        result = run(mini_git, "verify", str(pdf))
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[0] == f"{pdf}: 与提交 {commit} 重新生成的文书逐字节一致。"


def test_check_without_git_installed_still_checks(mini_git, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = run(mini_git, "check")
    assert result.exit_code == 0, result.output
    assert result.stderr == "检查完成：0 个错误，0 个警告。\n"


def test_the_guard_as_an_update_hook_with_three_arguments(mini_git, remote, monkeypatch):
    edit(mini_git, UNIT, "3: 94", "3: 91")
    commit_all(mini_git, "审定后改分")
    pushed = sh(mini_git, "push", "-q", "--no-verify", "origin", "HEAD:refs/heads/incoming")  # an unguarded branch
    assert pushed.returncode == 0, pushed.stderr
    old = git(remote, "rev-parse", "main").strip()
    new = git(remote, "rev-parse", "incoming").strip()
    monkeypatch.chdir(remote)
    refused = CliRunner().invoke(main, ["guard", "refs/heads/main", old, new], catch_exceptions=False)
    assert refused.exit_code == 1
    assert lines(refused.stderr)[0].startswith(
        f"refs/heads/main: {UNIT}:6: 错误: 2026Q1 已经局党委审定（标签 approved/2026Q1，2026-04-16），审定后 王志强（警号 010001）"
        f"3月绩效 94 → 91（提交 {new[:10]}，考核办，")
    deleted = CliRunner().invoke(main, ["guard", "refs/heads/main", old, "0" * 40], catch_exceptions=False)
    assert deleted.exit_code == 1
    assert lines(deleted.stderr)[0] == "refs/heads/main: 不能删除主分支（考核记录的审计历史）"
    fine = CliRunner().invoke(main, ["guard", "refs/heads/incoming", old, new], catch_exceptions=False)
    assert fine.exit_code == 0 and fine.stderr == ""


def test_init_ships_the_server_hook(tmp_path):
    target = tmp_path / "新局"
    assert CliRunner().invoke(main, ["init", str(target)], catch_exceptions=False).exit_code == 0
    hook = target / "server-hooks/pre-receive"
    assert hook.stat().st_mode & 0o777 == 0o755
    assert hook.read_bytes() == (HOOK / "pre-receive").read_bytes()
    assert 'exec "$KAOHE" guard' in hook.read_text(encoding="utf-8")
    assert (target / "CODEOWNERS").read_text(encoding="utf-8").splitlines()[-1] == (
        "# 政策中没有 owners：任何有推送权限的人都可以修改任何文件。")


def test_approve_refuses_a_meeting_that_has_not_happened(mini_git):
    edit(mini_git, DECISION, "meeting_date: 2026-04-14", "meeting_date: 2999-01-14")
    commit_all(mini_git, "会议改期")
    result = run(mini_git, "approve", "2026Q1")
    assert result.exit_code == 1
    assert result.stderr == ("错误: 审定记录（records/2026/Q1/decision.yaml）的会议日期 2999-01-14 还没到，不能审定；"
                             "局党委开会后再运行 kaohe approve 2026Q1\n")
    assert git(mini_git, "tag") == ""
