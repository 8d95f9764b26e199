"""Reports upward: each decided quarter's 核准报告 and the year's 工作情况总结. Their figures are the ones
``kaohe quota``, ``kaohe annual`` and ``kaohe status`` print for the same records."""
from __future__ import annotations

import json
from pathlib import Path

import pypdf
import pytest

from conftest import run
from kaohe_docs.documents.reports import quarter_figures, quarter_report, year_report
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render.build import build_period

ROOT = Path(__file__).parent.parent
YEAR = [Quarter(2026, q) for q in (1, 2, 3, 4)]


@pytest.fixture(scope="module")
def example():
    return open_project(ROOT, use_cache=False)


def cli_json(*args) -> list:
    return json.loads(run(ROOT, *args, "--json").stdout)


@pytest.mark.slow
def test_year_summary_figures_equal_quota_annual_and_status(example):
    a = example.assessment
    doc = year_report(a, 2026)
    quota = {row["季度"]: row for row in cli_json("quota", "2026") if row["单位"] == "全局"}
    for fig, q in zip(doc.context["quarters"], YEAR):
        assert fig["quarter"] == q.zh
        row = quota[str(q)]
        assert (fig["participants"], fig["allowed"], fig["好"]) == (row["参加人数"], row["可报名额"], row["使用"])
        status = [item for s in cli_json("status", str(q), "--today", "2027-06-30") for item in s["items"]]
        untold = sum(item.startswith("结果未反馈：") for item in status)
        assert fig["to_tell"] - fig["told"] == untold
        if untold == 0:  # a talk record is asked for once the person is told (status lists the untold first)
            assert fig["reminders_due"] - fig["reminders"] == sum(item.startswith("缺谈话提醒记录：") for item in status)
            assert fig["criticism_due"] - fig["criticism"] == sum(item.startswith("缺批评教育记录：") for item in status)
        else:
            assert fig["told"] == fig["reminders"] == fig["criticism"] == 0
        assert fig["appeals_open"] == sum(item.startswith("复核未办结：") for item in status)
    totals = doc.context["totals"]
    assert totals["eligible"] == len(cli_json("annual", "2026", "--candidates"))
    assert totals["flagged"] == len(cli_json("annual", "2026", "--flagged"))
    assert totals["chosen"] == sum(row["局党委确定"] == "是" for row in cli_json("annual", "2026"))
    # the example's own facts: Q1–Q3 told and talked to in full, Q4 not yet; one appeal upheld in Q2 and in Q3
    assert [(f["told"] == f["to_tell"], f["appeals"], f["upheld"]) for f in doc.context["quarters"]] == [
        (True, 0, 0), (True, 1, 1), (True, 1, 1), (False, 0, 0)]
    assert totals["criticism"] >= 1 and totals["reminders"] >= 1


def test_quarter_report_only_for_a_decided_quarter(mini):
    a = open_project(mini, use_cache=False).assessment
    fig = quarter_figures(a, Quarter(2026, 1))
    # mini: 王志强 好, 李娜 较好, 刘洋 recommended but 较好; 张伟 不确定等次 (not in the base); 3 × 40% = 1.2 → 1
    assert (fig.participants, fig.graded, fig.ungraded, fig.allowed, fig.good_share) == (3, 3, 1, 1, "33.3%")
    (mini / "records/2026/Q1/decision.yaml").unlink()
    assert quarter_report(open_project(mini, use_cache=False).assessment, Quarter(2026, 1)) is None


def test_results_as_issued_without_a_decision_give_no_report_and_no_correction(mini):
    """The 核准报告 and the 更正公示 rest on the committee's decision as issued: results as issued without one
    (approval validation never lets this through) give neither document, and no crash."""
    import shutil

    from kaohe_docs.documents import quarter_documents
    q = Quarter(2026, 1)
    a = open_project(mini, use_cache=False).assessment
    undecided = mini.parent / "undecided"
    shutil.copytree(mini, undecided)
    (undecided / "records/2026/Q1/decision.yaml").unlink()
    a.issued[q] = open_project(undecided, use_cache=False).assessment
    ids = [d.id for d in quarter_documents(a, q)]
    assert any("/反馈通知/" in i for i in ids)  # decided now: the papers that follow the decision
    assert not any(i.endswith(("/核准报告", "/更正公示", "/公示")) for i in ids)


@pytest.mark.slow
def test_reports_read_back_from_the_pdfs(mini):
    bureau = mini / "records/bureau.yaml"
    bureau.write_text(bureau.read_text(encoding="utf-8") + "report_to: [中共清河县委组织部, 县委第二一线实绩考察组]\n",
                      encoding="utf-8")
    project = open_project(mini, use_cache=False)
    build_period(project, Quarter(2026, 1), mini / "build")
    build_period(project, 2026, mini / "build")

    def text(rel):
        return "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(mini / "build" / rel).pages)
    report = text("2026Q1/10-核准报告.pdf")
    for fragment in ("关于清河县公安局2026年第一季度公务员平时考核结果的报告", "中共清河县委组织部、县委第二一线实绩考察组：",
                     "本季度全局参加平时考核3人，确定等次3人，其中“好”等次1人、“较好”等次2人、“一般”等次0人、“较差”等次0人；"
                     "“好”等次人数占参加人数的33.3%，未超过全局累计可报名额1名。不确定等次1人。",
                     "2026年4月15日至2026年4月21日（5个工作日）", "请予核准", "附件：清河县公安局2026年第一季度公务员平时考核结果汇总表",
                     "中共清河县公安局委员会", "1政工室王志强主任（一级警长）95.60好", "3政工室张伟", "不确定等次长期病假",
                     "4法制室刘洋主任（一级警长）95.60较好"):
        assert fragment in report, fragment
    summary = text("2026/08-工作情况总结.pdf")
    for fragment in ("清河县公安局2026年度公务员平时考核工作情况总结", "局党委已审定1个季度", "全年参加平时考核3人",
                     "第一季度3120010", "33.3%", "全年收到复核申请0件", "应反馈3人次", "符合年度考核“优秀”等次人选条件的1人"):
        assert fragment in summary, fragment
