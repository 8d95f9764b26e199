"""The committee's annual 优秀 choice (records/<year>/annual.yaml): exact `check` output, and its papers."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from conftest import write
from kaohe_docs.cli import main

ANNUAL = "records/2026/annual.yaml"
DATES = {2: ("2026-07-08", "2026-07-14", "2026-07-15"), 3: ("2026-10-09", "2026-10-14", "2026-10-15"),
         4: ("2027-01-08", "2027-01-14", None)}


def check(root) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["-C", str(root), "check"], catch_exceptions=False)
    return result.exit_code, result.stderr.splitlines()


def full_year(root, solo_good_from: int = 2) -> None:
    """Copy the mini bureau's Q1 into Q2–Q4; 刘洋 (法制室) is 好 from ``solo_good_from`` on."""
    base = root / "records/2026/Q1"
    for q in (2, 3, 4):
        submitted, meeting, publicity = DATES[q]
        months = [3 * q - 2, 3 * q - 1, 3 * q]
        for unit in ("zhengong", "solo"):
            text = (base / f"units/{unit}.yaml").read_text(encoding="utf-8").replace("2026Q1", f"2026Q{q}")
            text = text.replace("2026-04-08", submitted)
            text = re.sub(r"\{1: (\d+), 2: (\d+), 3: (\d+)\}",
                          lambda m, months=months: f"{{{months[0]}: {m[1]}, {months[1]}: {m[2]}, {months[2]}: {m[3]}}}", text)
            write(root, {f"records/2026/Q{q}/units/{unit}.yaml": text})
        decision = f"quarter: 2026Q{q}\nmeeting_date: {meeting}\nminutes: 清公党纪〔2026〕{q + 3}号\n"
        if publicity:
            decision += f"publicity_start: {publicity}\n"
        if q < solo_good_from:
            decision += 'changes:\n  - id: "020001"\n    grade: 较好\n    reason: 全局“好”等次名额所限\n'
        write(root, {f"records/2026/Q{q}/decision.yaml": decision})


def annual(*ids: str, meeting: str = "2027-01-21") -> str:
    return (f"year: 2026\nmeeting_date: {meeting}\nminutes: 清公党纪〔2027〕9号\nexcellent:\n"
            + "".join(f'  - id: "{i}"\n' for i in ids))


def annual_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith(ANNUAL)]


def test_choice_before_the_fourth_quarter_is_decided(mini):
    write(mini, {ANNUAL: annual("010001")})
    code, lines = check(mini)
    assert code == 1
    assert annual_lines(lines) == [
        f"{ANNUAL}:4: 错误: 2026年第四季度平时考核尚未审定（缺少 records/2026/Q4/decision.yaml），不能确定年度考核“优秀”人选"]


def test_choice_dated_before_the_fourth_quarter_meeting(mini):
    full_year(mini)
    write(mini, {ANNUAL: annual("010001", meeting="2027-01-10"), "policy/policy.yaml": _limit(mini, "40%")})
    code, lines = check(mini)
    assert code == 1
    assert annual_lines(lines) == [
        f"{ANNUAL}:2: 错误: 年度“优秀”人选的审定日期 2027-01-10 早于第四季度的审定日期 2027-01-14，须在第四季度审定之后确定"]


def test_ineligible_choice_says_why(mini):
    full_year(mini)
    write(mini, {ANNUAL: annual("010002", "020001"), "policy/policy.yaml": _limit(mini, "70%")})
    code, lines = check(mini)
    assert code == 1
    assert annual_lines(lines) == [
        f"{ANNUAL}:5: 错误: 李娜（警号 010002）不符合年度“优秀”人选条件：“好”等次0次，少于已定等次季度数4的50%"]


def test_choice_with_an_average_quarter_is_ineligible(mini):
    full_year(mini)
    path = mini / "records/2026/Q3/units/zhengong.yaml"
    text = path.read_text(encoding="utf-8").replace("    suggested: 好\n    summary", "    suggested: 一般\n    lower_reason: 旷工1天\n    summary")
    write(mini, {"records/2026/Q3/units/zhengong.yaml": text, ANNUAL: annual("010001"),
                 "policy/policy.yaml": _limit(mini, "40%")})
    code, lines = check(mini)
    assert code == 1
    assert annual_lines(lines) == [f"{ANNUAL}:5: 错误: 王志强（警号 010001）不符合年度“优秀”人选条件：有“一般”1次"]


def test_too_many_choices(mini):
    full_year(mini)
    write(mini, {ANNUAL: annual("010001", "020001")})  # default limit 20% of 3 participants: 0
    code, lines = check(mini)
    assert code == 1
    assert annual_lines(lines) == [
        f"{ANNUAL}:4: 错误: 2026年度“优秀”人选 2 名，超过上限 0 名（参加平时考核 3 人 × 20%，取整数）"]
    write(mini, {"policy/policy.yaml": _limit(mini, "70%")})  # 3 × 70% = 2.1: two may be chosen
    code, lines = check(mini)
    assert annual_lines(lines) == []


def _limit(root, value: str) -> str:
    text = (root / "policy/policy.yaml").read_text(encoding="utf-8")
    return text.replace("  excellent_min_good_share: 50%", f"  excellent_min_good_share: 50%\n  excellent_limit: {value}", 1)


@pytest.mark.slow
def test_annual_papers_list_the_choice_with_four_quarters(mini):
    """The publicity lists the committee's choice with its four grades; the worksheet lists everyone eligible."""
    import pdfplumber

    from kaohe_docs.pipeline import open_project
    from kaohe_docs.render.build import build_period
    full_year(mini)
    policy = _limit(mini, "40%").replace("  ratio: 40%", "  ratio: 100%", 1)  # every recommendation fits the quota
    write(mini, {ANNUAL: annual("010001"), "policy/policy.yaml": policy})
    project = open_project(mini, use_cache=False)
    assert [d for d in project.diagnostics if d.level == "error"] == []
    result = build_period(project, 2026, mini / "build")
    assert [d for d in result.diagnostics if d.level == "error"] == []
    year = mini / "build/2026"

    def text(rel: str) -> str:
        with pdfplumber.open(year / rel) as pdf:
            return "".join("".join(page.extract_text().split()) for page in pdf.pages)
    publicity = text("01-年度优秀人选公示.pdf")
    assert "关于清河县公安局2026年度考核“优秀”等次人选的公示" in publicity
    assert "确定2026年度考核“优秀”等次人选1名" in publicity and "根据前" not in publicity
    assert "1政工室王志强好好好好" in publicity and "刘洋" not in publicity
    worksheet = text("02-年度优秀资格审查表.pdf")
    assert "王志强好好好好4/4已确定" in worksheet and "刘洋较好好好好3/4" in worksheet
    assert "符合条件2人；年度“优秀”上限1名（参加平时考核3人×40%，取整数）；局党委确定1名。" in worksheet
    report = CliRunner().invoke(main, ["-C", str(mini), "annual", "2026", "--json"], catch_exceptions=False)
    rows = {row["姓名"]: row for row in json.loads(report.stdout)}
    assert (rows["王志强"]["年度优秀资格"], rows["王志强"]["局党委确定"]) == ("是", "是")
    assert (rows["刘洋"]["年度优秀资格"], rows["刘洋"]["局党委确定"]) == ("是", "")
    assert rows["刘洋"]["年度平时考核情况"] == "年度平时考核情况：“好”3次，“较好”1次，“一般”0次，“较差”0次"
    extract = text("07-年度平时考核情况摘录/02-法制室.pdf")
    assert "刘洋" in extract and "年度平时考核情况：“好”3次，“较好”1次，“一般”0次，“较差”0次" in extract


def test_choice_in_a_year_without_quarters(mini):
    write(mini, {"records/2027/annual.yaml": annual("010001").replace("year: 2026", "year: 2027")})
    code, lines = check(mini)
    assert code == 1
    assert [line for line in lines if line.startswith("records/2027/")] == [
        "records/2027/annual.yaml:4: 错误: 2027年第四季度平时考核尚未审定（缺少 records/2027/Q4/decision.yaml），不能确定年度考核“优秀”人选"]


def test_unknown_key_and_wrong_year_are_reported(mini):
    full_year(mini)
    write(mini, {ANNUAL: annual("010001").replace("year: 2026", "year: 2025") + "chosen_by: 考核办\n",
                 "policy/policy.yaml": _limit(mini, "40%")})
    code, lines = check(mini)
    assert code == 1
    assert annual_lines(lines)[:1] == [f"{ANNUAL}:1: 错误: 文件位于 records/2026/ 中，但文件中写的年度是“2025”"]
    assert any(line.startswith(f"{ANNUAL}:6: ") and "chosen_by" in line for line in annual_lines(lines)), lines
