"""``kaohe diff`` for the committee: real diffs (score change, decision, 复核, files outside the records),
the Markdown parsed by a CommonMark/GFM parser with tables enabled."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from conftest import commit_all, edit, git, run, write

UNIT = "records/2026/Q1/units/zhengong.yaml"
DECISION = "records/2026/Q1/decision.yaml"


def gfm(markdown: str) -> str:
    """HTML as GitHub/GitLab would render it; the Markdown must not leave table syntax as text."""
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    outside = re.sub(r"<table>.*?</table>", "", html, flags=re.S)
    assert "|" not in outside, outside  # a table that did not parse shows its pipes as text
    assert not re.search(r"<li>(?:(?!</li>).)*<table>", html, flags=re.S)  # no table inside a bullet
    return html


def rows(html: str) -> list[list[str]]:
    return [re.findall(r"<t[dh]>(.*?)</t[dh]>", row) for row in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)]


@pytest.fixture
def undecided(mini_git) -> Path:
    """The mini bureau on main without the committee's decision; work continues on a branch."""
    decision = (mini_git / DECISION).read_text(encoding="utf-8")
    (mini_git / DECISION).unlink()
    commit_all(mini_git, "审定前")  # on main
    git(mini_git, "checkout", "-q", "-b", "work")
    (mini_git.parent / "decision.yaml").write_text(decision, encoding="utf-8")
    return mini_git


@pytest.mark.slow
def test_a_score_change(mini_git):
    git(mini_git, "checkout", "-q", "-b", "edit")
    edit(mini_git, UNIT, "{1: 88, 2: 90, 3: 89}", "{1: 98, 2: 96, 3: 97}")
    commit_all(mini_git, "更正李娜月度绩效")
    markdown = run(mini_git, "diff", "--markdown", "main", "HEAD").stdout
    html = gfm(markdown)
    assert html.count("<table>") == 1
    assert rows(html)[1] == ["政工室", "李娜", "010002", "1月绩效 88 → 98；2月绩效 90 → 96；3月绩效 89 → 97；"
                                                     "总分 89.00 → 93.80（分数段 较好 → 好）"]
    text = run(mini_git, "diff", "main", "HEAD").stdout
    assert "  政工室 李娜（警号 010002）：1月绩效 88 → 98；2月绩效 90 → 96；3月绩效 89 → 97；总分 89.00 → 93.80" \
           "（分数段 较好 → 好）" in text.splitlines()


@pytest.mark.slow
def test_a_decision_per_unit_with_the_ledger_and_only_the_overridden_people(undecided):
    write(undecided, {DECISION: (undecided.parent / "decision.yaml").read_text(encoding="utf-8")})
    commit_all(undecided, "局党委审定")
    text = run(undecided, "diff", "main", "HEAD").stdout
    assert text.splitlines()[2:12] == [
        "2026年第一季度（2026Q1）：",
        "  新增局党委审定记录（会议 2026-04-14，纪要 清公党纪〔2026〕4号）",
        "  政工室：推荐 王志强；通过 王志强；未通过（仍占名额） —；党委增加（不占名额） —",
        "    名额：上季结转 0，本季可用 0.8，可报 1，使用 1，结转下季 -0.2",
        "  法制室：推荐 刘洋；通过 —；未通过（仍占名额） 刘洋；党委增加（不占名额） —",
        "    名额：上季结转 0，本季可用 0.4，可报 1，使用 1，结转下季 -0.6",
        "  全局：推荐 2 人；通过 1 人；未通过（仍占名额） 1 人；党委增加（不占名额） —",
        "    名额：上季结转 0，本季可用 1.2，可报 1，使用 2 → 1，结转下季 -0.8 → 0.2",
        "  审定等次与建议不同：",
        "    法制室 刘洋（警号 020001）：建议 好 → 审定 较好（全局“好”等次名额所限，经局党委研究未通过）"]
    assert "审定等次 （空）" not in text  # the people whose grade follows the suggestion are not listed
    html = gfm(run(undecided, "diff", "--markdown", "main", "HEAD").stdout)
    assert html.count("<table>") == 2
    table = rows(html)
    assert table[0] == ["单位", "推荐", "审定通过", "未通过（仍占名额）", "党委增加（不占名额）", "上季结转", "本季可用", "可报",
                        "使用", "结转下季"]
    assert table[2] == ["法制室", "刘洋", "—", "刘洋", "—", "0", "0.4", "1", "1", "-0.6"]
    assert table[-1] == ["法制室", "刘洋", "020001", "好", "较好", "全局“好”等次名额所限，经局党委研究未通过"]
    assert "<p><strong>新增局党委审定记录（会议 2026-04-14，纪要 清公党纪〔2026〕4号）</strong></p>" in html


@pytest.mark.slow
def test_a_review_after_the_decision(mini_git):
    git(mini_git, "checkout", "-q", "-b", "appeal")
    write(mini_git, {"records/2026/Q1/appeals.yaml": (
        'quarter: 2026Q1\nappeals:\n  - id: "010002"\n    received: 2026-04-20\n    grounds: 申请复核\n'
        "    outcome: 维持\n    reason: 等次确定符合规定\n    replied: 2026-04-22\n")})
    commit_all(mini_git, "复核")
    text = run(mini_git, "diff", "main", "HEAD").stdout
    line = "新增复核：2026-04-20 收到，维持（等次确定符合规定），2026-04-22 答复"  # added, not a change from （空）
    assert f"  政工室 李娜（警号 010002）：{line}" in text.splitlines()
    html = gfm(run(mini_git, "diff", "--markdown", "main", "HEAD").stdout)
    assert html.count("<table>") == 1
    assert rows(html)[1] == ["政工室", "李娜", "010002", line]


@pytest.mark.slow
def test_every_printed_field_has_a_line(mini_git):
    """An external body's grade, an ungraded reason and a printed note reach paper: each change is a diff line."""
    edit(mini_git, UNIT, "    ungraded: 长期病假",
         "    external: {body: 县行政服务中心管理委员会, grade: 较好, document: 清行服〔2026〕3号}")
    commit_all(mini_git, "张伟由外单位考核")
    git(mini_git, "checkout", "-q", "-b", "fields")
    edit(mini_git, UNIT, "grade: 较好, document", "grade: 好, document")
    edit(mini_git, UNIT, "    suggested: 较好\n", "    suggested: 较好\n    note: 由北山派出所调入\n")
    commit_all(mini_git, "改外单位等次，加备注")
    text = run(mini_git, "diff", "main", "HEAD").stdout
    assert "考核结果没有变化" not in text
    assert "  政工室 张伟（警号 010003）：外单位考核等次 较好 → 好；等次 较好 → 好" in text.splitlines()
    assert "  政工室 李娜（警号 010002）：新增备注：由北山派出所调入" in text.splitlines()
    edit(mini_git, UNIT, "    external: {body: 县行政服务中心管理委员会, grade: 好, document: 清行服〔2026〕3号}",
         "    ungraded: 长期病假（2026年1月至4月）")
    commit_all(mini_git, "改为不确定等次")
    text = run(mini_git, "diff", "HEAD~1", "HEAD").stdout
    assert ("  政工室 张伟（警号 010003）：考核方式 外单位考核 → 不确定等次；删除外单位考核机关（原为 县行政服务中心管理委员会）；"
            "删除外单位考核等次（原为 好）；删除外单位考核文号（原为 清行服〔2026〕3号）；新增不确定等次：长期病假（2026年1月至4月）；"
            "删除等次（原为 好）") in text.splitlines()


@pytest.mark.slow
def test_files_outside_the_records_are_listed_with_warnings(mini_git):
    git(mini_git, "checkout", "-q", "-b", "sneaky")
    write(mini_git, {"templates/publicity.html": "{% extends 'base.html' %}\n", "README.md": "说明\n",
                     ".gitlab-ci.yml": "x: 1\n", "records/2026/Q1/units/notes.txt": "备忘\n"})
    (mini_git / "cache").mkdir()
    (mini_git / "cache/__pycache__").mkdir()
    (mini_git / "cache/__pycache__/x.pyc").write_bytes(b"\0\1\2")
    (mini_git / "photo.bin").write_bytes(b"\x89PNG\0\0")
    commit_all(mini_git, "看似无害")
    text = run(mini_git, "diff", "main", "HEAD").stdout
    lines = text.splitlines()
    assert lines[0].endswith("：考核结果没有变化，但有记录以外的改动。")
    assert lines[2:] == [
        "⚠ 记录以外的改动（模板、政策、钩子、CI 和意外的文件会改变文书或在服务器上执行，请逐一核对）：",
        "  新增 .gitlab-ci.yml —— ⚠ CI 配置：在服务器上执行的程序",
        "  新增 README.md —— 说明文档",
        "  新增 cache/__pycache__/x.pyc —— ⚠ 缓存或生成的文件，不应提交（请从提交中删除并加入 .gitignore）",
        "  新增 photo.bin —— ⚠ 二进制文件：内容无法审阅，不应出现在记录库中",
        "  新增 records/2026/Q1/units/notes.txt —— ⚠ 意外的文件：记录目录中只应有 YAML 记录",
        "  新增 templates/publicity.html —— ⚠ 模板：改变正式文书的版式和措辞"]
    html = gfm(run(mini_git, "diff", "--markdown", "main", "HEAD").stdout)
    assert "<blockquote>" in html and "<strong>警告</strong>" in html
    assert rows(html)[1:3] == [["新增", ".gitlab-ci.yml", "⚠ CI 配置：在服务器上执行的程序"], ["新增", "README.md", "说明文档"]]
    assert len(rows(html)) == 7
