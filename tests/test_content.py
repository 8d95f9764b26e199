"""What the papers say: reasons for lower grades and committee changes in 备注, inserted text
punctuated by one helper, the bureau named in every title."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import write
from kaohe_docs.cli import main
from kaohe_docs.documents.formatting import sentence

ZHENGONG = "records/2026/Q1/units/zhengong.yaml"


def score_rows(root) -> dict:
    result = CliRunner().invoke(main, ["-C", str(root), "score", "2026Q1", "--json"], catch_exceptions=False)
    return {row["姓名"]: row for row in json.loads(result.stdout)}


def test_remark_gives_the_reason_for_a_grade_below_the_band(mini):
    text = (mini / ZHENGONG).read_text(encoding="utf-8")
    text = text.replace("    suggested: 较好\n", "    suggested: 一般\n    lower_reason: 本季度旷工1天。\n", 1)
    write(mini, {ZHENGONG: text})
    rows = score_rows(mini)
    assert rows["李娜"]["备注"] == "可评“较好”，建议“一般”，理由：本季度旷工1天"


def test_remark_says_when_the_reason_is_missing(mini):
    text = (mini / ZHENGONG).read_text(encoding="utf-8").replace("    suggested: 较好\n", "    suggested: 一般\n", 1)
    write(mini, {ZHENGONG: text})
    assert score_rows(mini)["李娜"]["备注"] == "可评“较好”，建议“一般”，未写明理由"


def test_remark_gives_the_committees_change_and_reason(mini):
    write(mini, {"records/2026/Q1/decision.yaml": """
        quarter: 2026Q1
        meeting_date: 2026-04-14
        minutes: 清公党纪〔2026〕4号
        changes:
          - id: "020001"
            grade: 较好
            reason: 全局“好”等次名额所限
          - id: "010002"
            grade: 一般
            reason: 经局党委研究，群众有效投诉1次。
        """})
    rows = score_rows(mini)
    assert rows["刘洋"]["备注"] == "推荐未通过（占用名额），局党委审定为“较好”，理由：全局“好”等次名额所限"
    assert rows["李娜"]["备注"] == "局党委审定为“一般”，理由：经局党委研究，群众有效投诉1次"


@pytest.mark.parametrize("text, expected", [
    ("本人认为等次确定偏低，申请复核", "本人认为等次确定偏低，申请复核。"),
    ("已核实。", "已核实。"),
    ("理由如下：", "理由如下。"),
    ("他说“不服”", "他说“不服”。"),
    ("他说“不服。”", "他说“不服。”"),
    ("确有此事！", "确有此事！"),
    ("  ", ""),
    (None, ""),
])
def test_inserted_free_text_ends_with_punctuation(text, expected):
    assert sentence(text) == expected


def test_appeal_notice_closes_the_appeal_text(mini):
    """复核结果告知: the grounds and reason as written lack "。"; the notice adds it (the sentences do not run together)."""
    from kaohe_docs.documents.personal import appeal_notices
    from kaohe_docs.model import Quarter
    from kaohe_docs.pipeline import open_project
    from kaohe_docs.render.build import Builder
    from kaohe_docs.render.provenance import provenance
    write(mini, {"records/2026/Q1/appeals.yaml": """
        quarter: 2026Q1
        appeals:
          - id: "010002"
            received: 2026-04-16
            grounds: 认为加分项目漏计
            outcome: 维持
            reason: 经核实，该项目未经审核通过
            replied: 2026-04-20
        """})
    project = open_project(mini, use_cache=False)
    [doc] = appeal_notices(project.assessment, Quarter(2026, 1))
    assert doc.title == "清河县公安局2026年第一季度平时考核复核结果告知"
    html = Builder(project, provenance(mini)).html(doc)
    assert "你反映的主要理由是：认为加分项目漏计。</p>" in html
    assert "理由：经核实，该项目未经审核通过。</p>" in html
    assert '<span class="title-line">清河县公安局平时考核复核结果告知</span>' in html
