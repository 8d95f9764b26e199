"""The quarterly cycle: calendar, status, appeals, feedback, transfers between units."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from conftest import write
from kaohe_docs.cli import main
from kaohe_docs.engine.calendar import submission_deadline, working_days_end
from kaohe_docs.model import Grade, Quarter
from kaohe_docs.pipeline import open_project

D = dt.date
UNIT = "records/2026/Q1/units/zhengong.yaml"
SOLO = "records/2026/Q1/units/solo.yaml"
DECISION = "records/2026/Q1/decision.yaml"
APPEALS = "records/2026/Q1/appeals.yaml"
FEEDBACK = "records/2026/Q1/feedback.yaml"


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def diagnostics(root):
    return [d.format() for d in open_project(root, use_cache=False).diagnostics]


@pytest.mark.parametrize("start, days, end", [
    (D(2026, 9, 30), 5, D(2026, 10, 12)),  # 国庆: 9/30, holiday 10/1–10/7, 10/8, 10/9, 10/10 (make-up Saturday), 10/12
    (D(2026, 2, 12), 5, D(2026, 2, 25)),   # 春节: 2/12, 2/13, 2/14 (make-up Saturday), holiday 2/15–2/23, 2/24, 2/25
    (D(2026, 4, 15), 5, D(2026, 4, 21)),   # an ordinary week
    (D(2026, 4, 30), 3, D(2026, 5, 7)),    # 劳动节 5/1–5/5, 5/6 5/7
])
def test_publicity_period_counts_official_working_days(start, days, end):
    assert working_days_end(start, days) == end


@pytest.mark.parametrize("quarter, deadline", [
    (Quarter(2026, 1), D(2026, 4, 10)),   # Friday
    (Quarter(2026, 3), D(2026, 10, 10)),  # Saturday, but a make-up working day after 国庆
    (Quarter(2026, 2), D(2026, 7, 10)),   # Friday
])
def test_submission_deadline(quarter, deadline):
    assert submission_deadline(quarter, 10, True) == deadline


def test_submission_deadline_moves_past_a_weekend():
    assert submission_deadline(Quarter(2025, 4), 10, True) == D(2026, 1, 12)  # Sat 1/10 → Mon 1/12
    assert submission_deadline(Quarter(2025, 4), 10, False) == D(2026, 1, 10)


def test_a_year_the_calendar_does_not_know_is_a_value_not_an_exception():
    assert working_days_end(D(2031, 1, 2), 5) is None
    assert submission_deadline(Quarter(2030, 4), 10, True) is None


def status_lines(root, today="2026-05-01"):
    result = run("-C", str(root), "status", "2026Q1", "--today", today, "--json")
    return result.exit_code, [item for section in json.loads(result.stdout) for item in section["items"]]


def test_status_items_appear_and_clear(mini):
    code, items = status_lines(mini)
    assert code == 1
    assert items == ["李娜：个人小结未填写", "未报送（截止 2026-04-10）", "刘洋：个人小结未填写",
                     "结果未反馈：王志强（政工室）", "结果未反馈：李娜（政工室）", "结果未反馈：刘洋（法制室）"]
    text = (mini / UNIT).read_text(encoding="utf-8").replace("    suggested: 较好\n", "    suggested: 较好\n    summary: 完成本职工作。\n")
    text = text.replace("{item: 嘉奖, deed: 春节安保, status: 通过,", "{item: 嘉奖, deed: 春节安保, status: 待审核,")
    write(mini, {UNIT: text})
    write(mini, {SOLO: (mini / SOLO).read_text(encoding="utf-8").replace("quarter: 2026Q1\n", "quarter: 2026Q1\nsubmitted: 2026-04-13\n")
                 .replace("    suggested: 好\n", "    suggested: 好\n    summary: 依法办案。\n")})
    _, items = status_lines(mini)
    assert "李娜：个人小结未填写" not in items
    assert "王志强：加分申报“嘉奖（春节安保）”待考核办审核" in items
    assert "逾期报送：2026-04-13 报送，截止 2026-04-10" not in items  # history, not a pending item
    result = run("-C", str(mini), "status", "2026Q1", "--today", "2026-05-01", "--json")
    assert [s["notes"] for s in json.loads(result.stdout) if s["notes"]] == [["逾期报送：2026-04-13 报送，截止 2026-04-10"]]
    write(mini, {UNIT: text.replace("status: 待审核,", "status: 通过,"),
                 FEEDBACK: """
                    quarter: 2026Q1
                    feedback:
                      - {id: "010001", method: 会议点评, date: 2026-04-22}
                      - {id: "010002", method: 个别谈话, date: 2026-04-22}
                      - {id: "020001", method: 书面送达, date: 2026-04-23, receipt: 2026-04-24}
                    """})
    code, items = status_lines(mini)
    assert (code, items) == (0, [])  # late but complete: nothing pending
    result = run("-C", str(mini), "status", "2026Q1", "--today", "2026-05-01")
    assert (result.exit_code, result.stdout) == (0, "2026年第一季度平时考核各项工作已全部完成。\n\n记录在案（不影响完成）：\n"
                                                    "  - 法制室：逾期报送：2026-04-13 报送，截止 2026-04-10\n")
    _, items = status_lines(mini, today="2026-04-16")
    assert items == ["公示期中（至 2026-04-21）"]


@pytest.mark.slow
def test_an_appeal_that_changes_a_grade_flows_into_documents_and_ledger(mini):
    # the committee rejected 刘洋 (95.60, recommended); on appeal 考核办 raises 李娜? no: raise 刘洋 back to 好
    write(mini, {APPEALS: """
        quarter: 2026Q1
        appeals:
          - id: "020001"
            received: 2026-04-16
            grounds: 本人在春节安保中表现突出，等次偏低
            outcome: 改变
            grade: 好
            reason: 经复核，符合“好”等次条件
            replied: 2026-04-20
        """})
    # the bureau allows one 好 in Q1 (3 × 40 % = 1.2): raising 刘洋 breaks the bound — an error at the appeal
    assert diagnostics(mini) == [f"{APPEALS}:3: 错误: 全局 2026Q1 “好”等次 2 名（含复核改为“好”的人员），超过全局可用名额"
                                 "（参加人数 3，本季度名额 1.2，上季度结转 0，累计 1.2，可报 1 名）"]
    # lower 王志强 on the same appeal file instead: no bound problem, grade flows everywhere
    write(mini, {APPEALS: """
        quarter: 2026Q1
        appeals:
          - id: "020001"
            received: 2026-04-16
            grounds: 本人在春节安保中表现突出，等次偏低
            outcome: 维持
            reason: 全局名额所限，维持原等次
            replied: 2026-04-20
          - id: "010002"
            received: 2026-04-23
            grounds: 认为个性得分计算有误
            outcome: 改变
            grade: 一般
            reason: 经核实，3月存在违纪扣分未计入
            replied: 2026-04-25
        """})
    assert diagnostics(mini) == [f"{APPEALS}:9: 警告: 李娜（警号 010002）的复核申请于 2026-04-23 收到，已超过公示期（2026-04-21 结束）"]
    project = open_project(mini, use_cache=False)
    li = next(r for r in project.assessment.results[Quarter(2026, 1)] if r.entry.name == "李娜")
    assert (li.decided, li.final) == (Grade.FAIRLY_GOOD, Grade.AVERAGE)
    assert run("-C", str(mini), "score", "2026Q1", "--json").stdout.count('"审定等次": "一般"') == 1
    annual = json.loads(run("-C", str(mini), "annual", "2026", "--json").stdout)
    assert [r["第一季度"] for r in annual if r["姓名"] == "李娜"] == ["一般"]
    from kaohe_docs.render.build import build_period
    build_period(project, Quarter(2026, 1), mini / "build", pdf=False)
    brief = (mini / "build/2026Q1/06-简明情况登记表/01-政工室.html").read_text(encoding="utf-8")
    assert "<td class=\"\">改为一般</td>" in brief
    assert "<td class=\"\">维持</td>" in (mini / "build/2026Q1/06-简明情况登记表/02-法制室.html").read_text(encoding="utf-8")
    notice = (mini / "build/2026Q1/08-复核结果告知.html").read_text(encoding="utf-8")
    assert "决定将你的2026年第一季度平时考核等次由“较好”改为“一般”" in notice
    assert "决定维持原等次“较好”" in notice
    feedback = (mini / "build/2026Q1/07-反馈通知/01-政工室.html").read_text(encoding="utf-8")
    assert "谈话提醒记录" in feedback  # 一般 after appeal → a 谈话提醒 record page


def test_feedback_rules(mini):
    write(mini, {FEEDBACK: """
        quarter: 2026Q1
        feedback:
          - {id: "010001", method: 会议点评, date: 2026-04-10}
          - {id: "020001", method: 书面送达, date: 2026-04-23}
          - {id: "010003", method: 个别谈话, date: 2026-04-23}
        """})
    assert diagnostics(mini) == [
        f"{FEEDBACK}:3: 错误: 王志强（警号 010001）的反馈日期 2026-04-10 早于局党委审定日期 2026-04-14",
        f"{FEEDBACK}:4: 警告: 刘洋（警号 020001）以书面送达方式反馈，请记录回执签收日期（receipt）；确实无法取得回执的，写明原因（no_receipt）",
        f"{FEEDBACK}:5: 错误: 反馈记录中的警号“010003”在 2026Q1 没有已审定的考核等次",
    ]
    write(mini, {FEEDBACK: """
        quarter: 2026Q1
        feedback:
          - {id: "010001", method: 会议点评, date: 2026-04-22, no_receipt: 已退休}
          - {id: "020001", method: 书面送达, date: 2026-04-23, no_receipt: 本人已退休，邮寄送达无法取得回执}
        """})
    assert diagnostics(mini) == []  # a receipt recorded as impossible, with its reason
    write(mini, {FEEDBACK: """
        quarter: 2026Q1
        feedback:
          - {id: "020001", method: 书面送达, date: 2026-04-23, receipt: 2026-04-24, no_receipt: 已退休}
        """})
    assert diagnostics(mini) == [f"{FEEDBACK}:3: 错误: 刘洋（警号 020001）的反馈既有回执签收日期（receipt）又写明无法取得回执"
                                 "（no_receipt），请删去其一"]


def test_a_transfer_mid_year_moves_the_person_between_quota_bases(mini):
    q2 = "records/2026/Q2"
    write(mini, {
        f"{q2}/units/zhengong.yaml": """
            unit: zhengong
            quarter: 2026Q2
            people:
              - {id: "010001", name: 王志强, common: {德: 18, 能: 18, 勤: 18, 绩: 18, 廉: 18}, monthly: {4: 85, 5: 85, 6: 85}, suggested: 较好}
              - {id: "010003", name: 张伟, ungraded: 长期病假}
            """,
        f"{q2}/units/solo.yaml": """
            unit: solo
            quarter: 2026Q2
            people:
              - {id: "020001", name: 刘洋, common: {德: 18, 能: 18, 勤: 18, 绩: 18, 廉: 18}, monthly: {4: 85, 5: 85, 6: 85}, suggested: 较好}
              - {id: "010002", name: 李娜, note: 5月由政工室调入, common: {德: 18, 能: 18, 勤: 18, 绩: 18, 廉: 18}, monthly: {4: 85, 5: 85, 6: 85}, suggested: 较好}
            """,
    })
    project = open_project(mini, use_cache=False)
    assert [d.format() for d in project.diagnostics] == []
    ledgers = project.assessment.unit_ledgers
    q1, q2q = Quarter(2026, 1), Quarter(2026, 2)
    assert (ledgers[("zhengong", q1)].participants, ledgers[("zhengong", q2q)].participants) == (2, 1)
    assert (ledgers[("solo", q1)].participants, ledgers[("solo", q2q)].participants) == (1, 2)
    assert str(ledgers[("solo", q2q)].available) == "0.2"  # −0.6 carried + 2 × 0.4
    assert ledgers[("solo", q2q)].allowed == 1
    assert str(ledgers[("zhengong", q2q)].available) == "0.2"  # −0.2 + 1 × 0.4
    rows = json.loads(run("-C", str(mini), "annual", "2026", "--json").stdout)
    assert [r["单位"] for r in rows if r["姓名"] == "李娜"] == ["法制室"]


def test_ungraded_and_external_people_with_leftover_empty_keys_are_complete(mini):
    """Marked 不确定等次 or 外单位考核 where kaohe open left empty keys: complete for check, status and approve."""
    text = (mini / UNIT).read_text(encoding="utf-8")
    leftover = "    summary:\n    common:\n      德:\n      能:\n    monthly:\n      1:\n    suggested:\n"
    text = text.replace("    ungraded: 长期病假\n", "    ungraded: 长期病假\n" + leftover)
    text += ('  - id: "010004"\n    name: 赵敏\n    external: {body: 县行政服务中心管理委员会, grade: 较好, document: 清行服〔2026〕3号}\n'
             "    summary:\n    common:\n      德:\n")
    write(mini, {UNIT: text})
    roster = mini / "records/roster.yaml"
    write(mini, {"records/roster.yaml": roster.read_text(encoding="utf-8")
                 + '  - id: "010004"\n    name: 赵敏\n    gender: 女\n    birth: 1992-05\n    position: 科员\n    rank: 一级警员\n'})
    result = run("-C", str(mini), "check", "2026Q1", "--complete")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"{UNIT}:22: 警告: 张伟是不确定等次人员，留空的 summary、common、monthly、suggested 不需要填写，已忽略；可删除这些键",
        f"{UNIT}:32: 警告: 赵敏是外单位考核人员，留空的 summary、common 不需要填写，已忽略；可删除这些键",
        "检查完成：0 个错误，2 个警告。",
    ]
    _, items = status_lines(mini)
    assert not [item for item in items if "张伟" in item or "赵敏" in item]
    from kaohe_docs.cli.main import require_complete  # what approve and build --final ask
    from kaohe_docs.model import Quarter
    from kaohe_docs.pipeline import open_project
    require_complete(open_project(mini).diagnostics, Quarter(2026, 1), "不能审定")
