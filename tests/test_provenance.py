"""A paper tells the truth about itself (issue 25): status words, the approval it comes from, verify."""
from __future__ import annotations

import pdfplumber
import pypdf
import pytest

from conftest import commit_all, edit, git, run, write

UNIT = "records/2026/Q1/units/zhengong.yaml"
FORM = "build/2026Q1/02-对象情况表.pdf"
NOTICE = "build/2026Q1/01-公示.pdf"


def text(path) -> str:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages)


@pytest.mark.slow
def test_status_words_mean_one_thing(mini_git):
    # a clean build of a quarter nobody approved: 送审稿, never 正式, and --final refuses it
    assert run(mini_git, "-q", "build", "2026Q1").exit_code == 0
    form = text(mini_git / FORM)
    assert "送审稿：尚未经局党委审定，不得作为正式文书" in form and "正式" not in form.replace("不得作为正式文书", "")
    assert text(mini_git / NOTICE).endswith("送审稿，不得张贴")
    refused = run(mini_git, "build", "2026Q1", "--final")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == (
        "错误: 2026Q1 不能生成正式文书（--final），还缺少：局党委审定（2026Q1 还没有审定标签：审定后运行 kaohe approve 2026Q1）。"
        "去掉 --final 可生成送审稿（未审定）或草稿（有未提交的修改）")
    # an input Git does not show (an ignored template) makes a draft, and --final refuses it
    write(mini_git, {".gitignore": "build/\n.cache/\ntemplates/local/\n",
                     "templates/local/note.txt": "本机的文件\n"})
    commit_all(mini_git, "忽略规则")
    assert git(mini_git, "status", "--porcelain") == ""
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    assert run(mini_git, "-q", "build", "2026Q1").exit_code == 0
    assert "草稿：含未提交的修改，不得作为正式文书" in text(mini_git / FORM)
    refused = run(mini_git, "build", "2026Q1", "--final")
    assert refused.exit_code == 1 and "正式文书（--final）只能从已提交的记录生成" in refused.stderr
    (mini_git / "templates/local/note.txt").unlink()
    # approved, clean: 正式, and the notice carries its code
    assert run(mini_git, "-q", "build", "2026Q1", "--final").exit_code == 0
    assert text(mini_git / FORM).splitlines()[-1].endswith("· 正式")
    meta = pypdf.PdfReader(mini_git / NOTICE).metadata
    assert meta["/kaohestatus"] == "正式" and text(mini_git / NOTICE).endswith(f"核验码：{meta['/kaohecode']}")


@pytest.mark.slow
def test_final_names_a_missing_publicity_date(mini_git):
    edit(mini_git, "records/2026/Q1/decision.yaml", "publicity_start: 2026-04-15\n", "")
    commit_all(mini_git, "没有公示日期")
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    refused = run(mini_git, "build", "2026Q1", "--final")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[-1] == (
        "错误: 2026Q1 不能生成正式文书（--final），还缺少：公示开始日期（records/2026/Q1/decision.yaml 的 publicity_start）。"
        "去掉 --final 可生成送审稿（未审定）或草稿（有未提交的修改）")


@pytest.mark.slow
def test_an_approved_quarter_keeps_its_policy(mini_git, tmp_path):
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    before = run(mini_git, "export", "results", "2026Q1", "--csv", "-o", str(tmp_path / "before.csv"))
    assert before.exit_code == 0, before.output
    score_before = run(mini_git, "score", "2026Q1", "--csv").stdout
    edit(mini_git, "policy/policy.yaml", "common: 40%", "common: 30%")
    edit(mini_git, "policy/policy.yaml", "individual: 60%", "individual: 70%")
    write(mini_git, {"templates/publicity.html": "{% extends 'base.html' %}\n"})
    commit_all(mini_git, "调整权重")
    after = run(mini_git, "export", "results", "2026Q1", "--csv", "-o", str(tmp_path / "after.csv"))
    assert after.exit_code == 0, after.output
    assert (tmp_path / "after.csv").read_bytes() == (tmp_path / "before.csv").read_bytes()
    assert run(mini_git, "score", "2026Q1", "--csv").stdout == score_before
    assert "2026Q1 的结果按审定时的政策计算" in after.stderr
    check = run(mini_git, "check")
    assert check.exit_code == 0
    warnings = check.stderr.splitlines()
    assert ("policy/policy.yaml: 警告: 2026Q1 已经局党委审定（标签 approved/2026Q1），审定后政策有修改：按现行政策计算，"
            "王志强（总分 95.60 → 95.70）、刘洋（总分 95.60 → 95.70）的结果会与审定的不同；"
            "2026Q1 的结果、导出和正式文书仍按审定时的政策计算") in warnings
    assert any(w.startswith("templates/publicity.html: 警告: 2026Q1 已经局党委审定（标签 approved/2026Q1），审定后本模板有修改")
               for w in warnings), check.stderr
