"""Git as the audit trail: --rev, --final, the approval lock, semantic diff, log, verify, init."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import commit_all, git, write
from kaohe_docs.cli import main

UNIT = "records/2026/Q1/units/zhengong.yaml"


def run(*args, cwd=None):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def pdfs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.pdf"))}


@pytest.mark.slow
def test_build_from_a_revision_equals_a_clean_checkout(mini_git, tmp_path):
    assert run("-q", "-C", str(mini_git), "build", "2026Q1").exit_code == 0
    first = pdfs(mini_git / "build/2026Q1")
    first_commit = git(mini_git, "rev-parse", "HEAD").strip()
    edit(mini_git, UNIT, "2: 96", "2: 97")
    commit_all(mini_git, "改分")
    result = run("-q", "-C", str(mini_git), "build", "2026Q1", "--rev", first_commit, "--out", str(tmp_path / "rev"))
    assert result.exit_code == 0, result.output
    assert pdfs(tmp_path / "rev/2026Q1") == first
    assert (mini_git / UNIT).read_text(encoding="utf-8").count("2: 97") == 1  # work tree untouched


@pytest.mark.slow
def test_final_refuses_uncommitted_changes(mini_git):
    assert run("-C", str(mini_git), "approve", "2026Q1").exit_code == 0
    edit(mini_git, UNIT, "2: 96", "2: 97")
    result = run("-q", "-C", str(mini_git), "build", "2026Q1", "--final")
    assert result.exit_code == 1
    assert "正式文书（--final）只能从已提交的记录生成" in result.stderr
    assert not (mini_git / "build/2026Q1").exists()


@pytest.mark.slow
def test_approval_lock_catches_later_edits_but_not_a_recorded_appeal(mini_git, monkeypatch):
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-04-16T09:00:00+08:00")  # the tagger's date
    assert run("-C", str(mini_git), "approve", "2026Q1").stdout == "approved/2026Q1\n"
    assert "局党委审定 2026年第一季度平时考核结果" in git(mini_git, "tag", "-n1", "approved/2026Q1")
    assert run("-C", str(mini_git), "check").exit_code == 0
    write(mini_git, {"records/2026/Q1/appeals.yaml": "quarter: 2026Q1\nappeals: []\n"})
    commit_all(mini_git, "复核记录")
    assert run("-C", str(mini_git), "check").exit_code == 0
    edit(mini_git, UNIT, "2: 96", "2: 97")
    commit_all(mini_git, "审定后改分")
    result = run("-C", str(mini_git), "check")
    assert result.exit_code == 1
    sha = git(mini_git, "rev-parse", "--short=10", "HEAD").strip()
    assert result.stderr.splitlines()[0].startswith("policy/allowed_signers: 警告: 本库没有登记审定签名密钥")
    assert result.stderr.splitlines()[1] == (
        f"{UNIT}:6: 错误: 2026Q1 已经局党委审定（标签 approved/2026Q1，2026-04-16），审定后 王志强（警号 010001）"
        f"2月绩效 96 → 97（提交 {sha}，考核办，2026-04-15 10:00，“审定后改分”）；审定后只能通过复核记录"
        f"（records/2026/Q1/appeals.yaml）变更结果：误改请撤销（git revert），局党委重新审定的请运行 "
        f"kaohe approve 2026Q1 --supersede \"原因\"")
    assert "已经审定过" in run("-C", str(mini_git), "approve", "2026Q1").stderr


@pytest.mark.slow
def test_semantic_diff_of_typical_edits(mini_git):
    git(mini_git, "checkout", "-q", "-b", "edit")
    edit(mini_git, UNIT, "2: 96", "2: 86")  # 王志强 drops below 90
    edit(mini_git, UNIT, "    suggested: 好\n    summary", "    suggested: 较好\n    summary")
    edit(mini_git, UNIT, "      - {item: 嘉奖, deed: 春节安保, status: 通过, evidence: 清公政〔2026〕3号}",
         "      - {item: 三等功, deed: 春节安保, status: 通过, evidence: 清公政〔2026〕3号}")
    edit(mini_git, UNIT, "{1: 88, 2: 90, 3: 89}", "{1: 98, 2: 96, 3: 97}")  # 李娜 moves into the 好 band
    commit_all(mini_git, "调整")
    text = run("-C", str(mini_git), "diff").stdout
    base = git(mini_git, "rev-parse", "main").strip()[:10]
    head = git(mini_git, "rev-parse", "HEAD").strip()[:10]
    assert text.splitlines()[0] == f"{base} → HEAD（{head}） 的考核结果变化："
    assert ("  政工室 王志强（警号 010001）：2月绩效 96 → 86；删除加分“嘉奖（春节安保）”（原为 通过，依据 清公政〔2026〕3号）；"
            "建议等次 好 → 较好；新增加分“三等功（春节安保）”：通过，依据 清公政〔2026〕3号；"
            "总分 95.60 → 94.60；审定等次 好 → 较好") in text
    assert "  政工室 李娜（警号 010002）：1月绩效 88 → 98；2月绩效 90 → 96；3月绩效 89 → 97；总分 89.00 → 93.80" \
           "（分数段 较好 → 好）" in text
    assert "    政工室：推荐 1 → 0；结转 -0.2 → 0.8" in text
    markdown = run("-C", str(mini_git), "diff", "--markdown", "main", "HEAD").stdout
    assert markdown.startswith("## 考核结果变化（main（")
    assert "| 政工室 | 李娜 | 010002 |" in markdown


def test_diff_with_no_change_and_bad_revisions(mini_git):
    assert run("-C", str(mini_git), "diff", "HEAD", "HEAD").stdout.endswith("考核结果没有变化。\n")
    result = run("-C", str(mini_git), "diff", "nope", "HEAD")
    assert result.exit_code == 1 and "找不到修订版本“nope”" in result.stderr


@pytest.mark.slow
def test_log_follows_a_person_across_a_rename(mini_git):
    edit(mini_git, UNIT, "2: 96", "2: 97")
    commit_all(mini_git, "改二月分")
    git(mini_git, "mv", UNIT, "records/2026/Q1/units/zg.yaml")
    edit(mini_git, "records/units.yaml", "id: zhengong", "id: zg")
    edit(mini_git, "records/2026/Q1/units/zg.yaml", "unit: zhengong", "unit: zg")
    commit_all(mini_git, "单位代码改为 zg")
    text = run("-C", str(mini_git), "log", "王志强").stdout
    assert "“改二月分”\n    2026Q1 2月绩效 96 → 97\n" in text
    assert ("“单位代码改为 zg”\n    2026Q1 记录文件 records/2026/Q1/units/zhengong.yaml → "
            "records/2026/Q1/units/zg.yaml\n") in text


@pytest.mark.slow
def test_verify_detects_a_one_byte_change(mini_git, tmp_path):
    assert run("-q", "-C", str(mini_git), "build", "2026Q1").exit_code == 0
    pdf = mini_git / "build/2026Q1/03-比例使用申报表.pdf"
    result = run("-C", str(mini_git), "verify", str(pdf))
    assert result.exit_code == 0 and "逐字节一致" in result.stdout
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0x01
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(bytes(data))
    result = run("-C", str(mini_git), "verify", str(altered))
    assert result.exit_code == 1 and "不一致" in result.stdout


@pytest.mark.slow
def test_verify_the_print_bundle(mini_git):
    assert run("-q", "-C", str(mini_git), "build", "2026Q1", "--bundle").exit_code == 0
    result = run("-C", str(mini_git), "verify", str(mini_git / "build/2026Q1/00-打印合订本.pdf"))
    assert result.exit_code == 0 and "逐字节一致" in result.stdout


@pytest.mark.slow
def test_verify_refuses_a_draft(mini_git):
    edit(mini_git, UNIT, "2: 96", "2: 97")
    run("-q", "-C", str(mini_git), "build", "2026Q1")
    result = run("-C", str(mini_git), "verify", str(mini_git / "build/2026Q1/01-公示.pdf"))
    assert result.exit_code == 1 and "这是草稿" in result.stderr


@pytest.mark.slow
def test_init_repository_checks_clean_and_its_hook_blocks_a_bad_commit(tmp_path):
    target = tmp_path / "新局"
    result = run("init", str(target))
    assert result.exit_code == 0, result.output
    for rel in ("policy/policy.yaml", "records/roster.yaml", ".gitignore", ".gitlab-ci.yml",
                ".github/workflows/kaohe.yml", ".git/hooks/pre-commit"):
        assert (target / rel).is_file(), rel
    assert not (target / ".githooks").exists()
    assert subprocess.run(["git", "-C", str(target), "config", "--get", "core.hooksPath"]).returncode == 1
    assert run("-C", str(target), "check").exit_code == 0
    git(target, "config", "user.name", "考核办")
    git(target, "config", "user.email", "kaohe@example.invalid")
    write(target, {"records/units.yaml": "units:\n  - {id: a, name: 甲所}\n",
                   "records/roster.yaml": 'people:\n  - {id: 001, name: 张三, gender: 男, birth: 1990-01, position: 民警}\n'})
    git(target, "add", "-A")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    blocked = subprocess.run(["git", "-C", str(target), "commit", "-m", "加人"], capture_output=True, text=True, env=env)
    assert blocked.returncode == 1
    assert '警号 001 必须加引号' in blocked.stderr
    write(target, {"records/roster.yaml": 'people:\n  - {id: "001", name: 张三, gender: 男, birth: 1990-01, position: 民警}\n'})
    git(target, "add", "-A")
    done = subprocess.run(["git", "-C", str(target), "commit", "-q", "-m", "加人"], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("setup, args, message", [
    ("no commits", ("build", "2026Q1", "--rev", "HEAD"), "仓库还没有任何提交"),
    ("detached", ("build", "2026Q1", "--rev", "HEAD~0", "--html-only"), None),
    ("shallow", ("diff", "HEAD~5", "HEAD"), "当前是浅克隆（shallow clone）"),
    ("plain", ("build", "2026Q1", "--rev", "v9"), "找不到修订版本“v9”"),
])
@pytest.mark.slow
def test_git_edge_cases_give_clear_messages(mini, tmp_path, setup, args, message):
    root = mini
    if setup == "no commits":
        git(mini, "init", "-q", "-b", "main")
    else:
        commit_all(mini)
        if setup == "detached":
            git(mini, "checkout", "-q", "--detach")
        if setup == "shallow":
            root = tmp_path / "shallow"
            git(tmp_path, "clone", "-q", "--depth", "1", f"file://{mini}", str(root))
    result = run("-q", "-C", str(root), *args)
    if message is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1
        assert message in result.stderr
        assert "Traceback" not in result.output


def _merge(root: Path, branch: str, message: str, edit_during=None) -> None:
    git(root, "merge", "-q", "--no-ff", "--no-commit", branch)
    if edit_during:
        edit_during()
        git(root, "add", "-A")
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-04-15T10:00:00+08:00", "GIT_COMMITTER_DATE": "2026-04-15T10:00:00+08:00"}
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True, capture_output=True, env=env)


@pytest.mark.slow
def test_log_blames_the_commit_that_made_the_change_on_interleaved_unit_branches(mini_git):
    """Two units' branches, committed in turns and merged: each person's log lists only his own unit's commits;
    a merge lists only what the merge itself changed (here a fix made while merging)."""
    solo = "records/2026/Q1/units/solo.yaml"
    git(mini_git, "checkout", "-q", "-b", "zhengong")
    edit(mini_git, UNIT, "2: 96", "2: 97")
    commit_all(mini_git, "政工室：王志强二月")
    git(mini_git, "checkout", "-q", "-b", "solo", "main")
    edit(mini_git, solo, "{1: 96, 2: 96, 3: 96}", "{1: 95, 2: 96, 3: 96}")
    commit_all(mini_git, "独立单位：刘洋一月")
    git(mini_git, "checkout", "-q", "zhengong")
    edit(mini_git, UNIT, "3: 94", "3: 93")
    commit_all(mini_git, "政工室：王志强三月")
    git(mini_git, "checkout", "-q", "main")
    _merge(mini_git, "solo", "合并独立单位")
    _merge(mini_git, "zhengong", "合并政工室",
           lambda: edit(mini_git, solo, "suggested: 好", "suggested: 较好"))  # a change made in the merge itself
    wang = run("-C", str(mini_git), "log", "王志强").stdout
    assert wang.splitlines()[0] == "王志强（警号 010001）的记录变化（共 3 次提交）："
    assert "“政工室：王志强二月”\n    2026Q1 2月绩效 96 → 97\n" in wang
    assert "“政工室：王志强三月”\n    2026Q1 3月绩效 94 → 93\n" in wang
    assert "独立单位" not in wang and "合并" not in wang
    liu = run("-C", str(mini_git), "log", "刘洋").stdout
    assert liu.splitlines()[0] == "刘洋（警号 020001）的记录变化（共 3 次提交）："
    assert "“独立单位：刘洋一月”\n    2026Q1 1月绩效 96 → 95\n" in liu
    assert "“合并政工室”\n    2026Q1 建议等次 好 → 较好\n" in liu
    assert "王志强" not in liu and "合并独立单位" not in liu
    assert liu.index("独立单位：刘洋一月") < liu.index("合并政工室")


def test_log_lists_the_approval_and_the_later_review_in_order(mini_git):
    assert run("-C", str(mini_git), "approve", "2026Q1").exit_code == 0
    write(mini_git, {"records/2026/Q1/appeals.yaml": 'quarter: 2026Q1\nappeals:\n  - id: "010002"\n'
                                                     "    received: 2026-04-17\n    grounds: 漏计加分\n"})
    commit_all(mini_git, "李娜申请复核")
    write(mini_git, {"records/2026/Q1/appeals.yaml": 'quarter: 2026Q1\nappeals:\n  - id: "010002"\n'
                                                     "    received: 2026-04-17\n    grounds: 漏计加分\n"
                                                     "    outcome: 维持\n    reason: 加分已计入\n    replied: 2026-04-20\n"})
    commit_all(mini_git, "复核答复")
    text = run("-C", str(mini_git), "log", "李娜").stdout
    approval = "    2026Q1 局党委审定：标签 approved/2026Q1（"
    applied = "“李娜申请复核”\n    2026Q1 新增复核：2026-04-17 收到（漏计加分），待答复\n"
    answered = ("“复核答复”\n    2026Q1 复核 2026-04-17 收到（漏计加分），待答复 → "
                "2026-04-17 收到，维持（加分已计入），2026-04-20 答复\n")
    assert approval in text and applied in text and answered in text
    assert text.index(approval) < text.index(applied) < text.index(answered)
    assert "会议 2026-04-14）" in text.split(approval)[1].splitlines()[0]
