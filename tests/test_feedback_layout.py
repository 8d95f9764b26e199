"""Feedback per unit (records/YYYY/Qn/feedback/<unit>.yaml): no conflicts between units; the old layout loads and migrates."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from conftest import commit_all, git, write
from kaohe_docs.cli import main
from kaohe_docs.model import Quarter
from kaohe_docs.records.load import load

Q1 = Quarter(2026, 1)
OLD = """
    quarter: 2026Q1
    feedback:
      - {id: "010001", method: 会议点评, date: 2026-04-22}   # 全局大会
      - {id: "020001", method: 书面送达, date: 2026-04-23, receipt: 2026-04-24}
"""


def run(root, *args):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def unit_feedback(unit: str, person: str) -> str:
    return f"""
        quarter: 2026Q1
        unit: {unit}
        feedback:
          - {{id: "{person}", method: 会议点评, date: 2026-04-22}}
    """


def test_the_old_layout_loads_and_migrates_with_its_comments(mini):
    write(mini, {"records/2026/Q1/feedback.yaml": OLD})
    before = load(mini, use_cache=False).bureau.quarters[Q1].feedback
    assert sorted(before) == ["010001", "020001"]
    dry = run(mini, "migrate", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout == ("records/2026/Q1/feedback.yaml → records/2026/Q1/feedback/solo.yaml（1 条）\n"
                          "records/2026/Q1/feedback.yaml → records/2026/Q1/feedback/zhengong.yaml（1 条）\n")
    assert (mini / "records/2026/Q1/feedback.yaml").exists()
    assert run(mini, "migrate").exit_code == 0
    assert not (mini / "records/2026/Q1/feedback.yaml").exists()
    assert (mini / "records/2026/Q1/feedback/zhengong.yaml").read_text(encoding="utf-8") == (
        "# 政工室 2026年第一季度结果反馈记录（所室队填写）\nquarter: 2026Q1\nunit: zhengong\nfeedback:\n"
        "  - {id: \"010001\", method: 会议点评, date: 2026-04-22}   # 全局大会\n")
    after = load(mini, use_cache=False)
    assert after.diagnostics == [] and after.bureau.quarters[Q1].feedback.keys() == before.keys()
    assert run(mini, "migrate").stderr == "记录已是现在的布局，没有需要迁移的内容。\n"


def test_a_person_recorded_in_both_layouts_is_an_error(mini):
    write(mini, {"records/2026/Q1/feedback.yaml": OLD,
                 "records/2026/Q1/feedback/zhengong.yaml": unit_feedback("zhengong", "010001"),
                 "records/2026/Q1/feedback/solo.yaml": unit_feedback("zhengong", "010002")})
    result = run(mini, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "records/2026/Q1/feedback/solo.yaml:2: 错误: 文件名对应单位“solo”，但文件中写的是“zhengong”",
        "records/2026/Q1/feedback/zhengong.yaml:4: 错误: 警号“010001”的反馈记录重复（records/2026/Q1/feedback.yaml:3 已有），请删去其中一条",
    ]


@pytest.mark.slow
def test_two_units_feedback_branches_merge_without_conflict(mini):
    (mini / ".gitignore").write_text("build/\n.cache/\n", encoding="utf-8")
    commit_all(mini)
    git(mini, "checkout", "-q", "-b", "zhengong-feedback")
    write(mini, {"records/2026/Q1/feedback/zhengong.yaml": unit_feedback("zhengong", "010001")})
    commit_all(mini, "政工室反馈")
    git(mini, "checkout", "-q", "main")
    git(mini, "checkout", "-q", "-b", "solo-feedback")
    write(mini, {"records/2026/Q1/feedback/solo.yaml": unit_feedback("solo", "020001")})
    commit_all(mini, "法制室反馈")
    git(mini, "checkout", "-q", "main")
    git(mini, "merge", "-q", "--no-edit", "zhengong-feedback")
    git(mini, "merge", "-q", "--no-edit", "solo-feedback")  # raises on a conflict
    loaded = load(mini, use_cache=False)
    assert sorted(loaded.bureau.quarters[Q1].feedback) == ["010001", "020001"]
    assert run(mini, "check", "2026Q1").exit_code == 0


def test_unit_feedback_files_stay_open_after_the_approval():
    from kaohe_docs.audit.lock import is_locked
    assert not is_locked("records/2026/Q1/feedback/xingzhen.yaml", Q1)
    assert not is_locked("records/2026/Q1/feedback.yaml", Q1)
    assert is_locked("records/2026/Q1/feedback/sub/xingzhen.yaml", Q1)
    assert is_locked("records/2026/Q1/units/xingzhen.yaml", Q1)
