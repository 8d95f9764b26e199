"""Importing monthly performance scores (个性): layouts, matching people, every bad value with its exact message."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kaohe_docs.model import Quarter
from kaohe_docs.records.load import load
from kaohe_docs.sheets.apply import apply
from kaohe_docs.sheets.imports import plan_monthly
from sheetbooks import HEAD, MINI, ROSTER, UNIT, book, monthly, run, stderr_lines, with_cached_value


@pytest.mark.slow
def test_monthly_import_writes_scores_keeps_comments_and_is_idempotent(mini, tmp_path):
    path = mini / UNIT
    path.write_text("# 政工室 2026年第一季度（所室队填报）\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    rows = [["010001", "王志强", "政工室", 95, 96, 94], ["010002", "李娜", "政工室", 90, 90.5, 89]]
    dry = run(mini, "import", "monthly", str(book(tmp_path / "绩效.xlsx", {"一季度": [HEAD, *rows]})),
              "--quarter", "2026Q1", "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout == "李娜（政工室）：1月绩效 88 → 90\n李娜（政工室）：2月绩效 90 → 90.5\n"
    assert "--dry-run：未写入任何文件" in dry.stderr
    before = path.read_text(encoding="utf-8")
    result = monthly(mini, tmp_path, rows)
    assert result.exit_code == 0, result.output
    after = path.read_text(encoding="utf-8")
    assert after.startswith("# 政工室 2026年第一季度（所室队填报）\n")
    assert "    monthly: {1: 90, 2: 90.5, 3: 89}\n" in after
    assert [a for a in after.splitlines() if a not in before.splitlines()] == ["    monthly: {1: 90, 2: 90.5, 3: 89}"]
    again = monthly(mini, tmp_path, rows)
    assert again.stdout == "" and "没有需要更新的内容" in again.stderr
    assert run(mini, "check").exit_code == 0


def test_one_sheet_per_month_and_name_matching(mini, tmp_path):
    path = book(tmp_path / "月度.xlsx", {
        "1月": [["姓名", "单位", "得分"], ["李娜", "政工室", 91]],
        "3月": [["姓名", "单位", "得分"], ["刘洋", "法制室", 97]],
        "4月": [["姓名", "单位", "得分"], ["刘洋", "法制室", 80]],
    })
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1")
    assert result.exit_code == 0, result.output
    assert result.stdout == "李娜（政工室）：1月绩效 88 → 91\n刘洋（法制室）：3月绩效 96 → 97\n"
    assert "月度.xlsx [4月] C列: 警告: 4月不属于 2026Q1，已跳过" in result.stderr


BAD = {
    "unknown person": ([["099999", "赵六", "政工室", 90, 90, 90]],
                       ["绩效.xlsx [一季度] 第2行 A列: 错误: 警号“099999”（赵六）不在本季度的所室队记录中"]),
    "name differs": ([["010002", "李丽", "政工室", 90, 90, 90]],
                     ["绩效.xlsx [一季度] 第2行 B列: 错误: 警号“010002”是李娜，表格中写的是“李丽”"]),
    "no id and unknown name": ([[None, "赵六", "政工室", 90, 90, 90]],
                               ["绩效.xlsx [一季度] 第2行 B列: 错误: “赵六”（政工室）不在本季度的所室队记录中"]),
    "duplicate rows": ([["010002", "李娜", "政工室", 90, None, None], ["010002", "李娜", "政工室", 91, None, None]],
                       ["绩效.xlsx [一季度] 第2行 E列: 警告: 空白，保留记录中李娜的2月得分 90",
                        "绩效.xlsx [一季度] 第2行 F列: 警告: 空白，保留记录中李娜的3月得分 89",
                        "绩效.xlsx [一季度] 第3行 E列: 警告: 空白，保留记录中李娜的2月得分 90",
                        "绩效.xlsx [一季度] 第3行 F列: 警告: 空白，保留记录中李娜的3月得分 89",
                        "绩效.xlsx [一季度] 第3行 D列: 错误: 李娜的1月得分重复（绩效.xlsx [一季度] 第2行 D列 已有）"]),
    "score as words": ([["010002", "李娜", "政工室", "九十", 90, 90]],
                       ["绩效.xlsx [一季度] 第2行 D列: 错误: “九十”不是数字，请填写阿拉伯数字，如 95 或 92.5"]),
    "out of range": ([["010002", "李娜", "政工室", 105, 90, 90]],
                     ["绩效.xlsx [一季度] 第2行 D列: 错误: 1月得分 105 超出 0–100"]),
    "formula without a cached value": ([["010002", "李娜", "政工室", "=80+10", 90, 90]],
                                       ["绩效.xlsx [一季度] 第2行 D列: 错误: 是公式，但文件中没有保存计算结果；请在 Excel 中打开、重新计算并保存后再导入"]),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(BAD))
def test_bad_monthly_workbooks_are_explained_and_nothing_is_written(mini, tmp_path, case):
    rows, expected = BAD[case]
    before = (mini / UNIT).read_text(encoding="utf-8")
    result = monthly(mini, tmp_path, rows, "绩效.xlsx", "--strict")  # --strict: a person outside the quarter is an error
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[:-1] == expected and lines[-1].startswith("错误: 共有")
    assert (mini / UNIT).read_text(encoding="utf-8") == before


def test_normalised_values_are_imported_with_a_warning(mini, tmp_path):
    result = monthly(mini, tmp_path, [["010002", "李娜", "政工室", "95分", "９０", 89]])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[:2] == [
        "绩效.xlsx [一季度] 第2行 D列: 警告: “95分”按 95 导入（请直接填写数字）",
        "绩效.xlsx [一季度] 第2行 E列: 警告: “９０”按 90 导入（请直接填写数字）"]
    assert "    monthly: {1: 95, 2: 90, 3: 89}\n" in (mini / UNIT).read_text(encoding="utf-8")


def test_formula_with_a_cached_value_uses_it(mini, tmp_path):
    path = book(tmp_path / "公式.xlsx", {"一季度": [HEAD, ["010002", "李娜", "政工室", "=80+12", 90, 89]]})
    with_cached_value(path, "D2", "92")
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1")
    assert result.exit_code == 0, result.output
    assert "公式.xlsx [一季度] 第2行 D列: 警告: 是公式，按 Excel 保存的计算结果 92 导入" in result.stderr
    assert result.stdout == "李娜（政工室）：1月绩效 88 → 92\n"


def test_numeric_ids_that_lost_their_zeros_are_matched_with_a_warning(mini, tmp_path):
    result = monthly(mini, tmp_path, [[10002, "李娜", "政工室", 92, 90, 89]])
    assert result.exit_code == 0, result.output
    assert "绩效.xlsx [一季度] 第2行 A列: 警告: 警号 10002 在表格中是数字，已按“010002”匹配（请把该列设为文本格式）" in result.stderr


def test_an_ambiguous_name_needs_the_id(mini, tmp_path):
    roster = mini / ROSTER
    roster.write_text(roster.read_text(encoding="utf-8") + '  - id: "020002"\n    name: 李娜\n    gender: 女\n'
                      "    birth: 1995-05\n    position: 科员\n", encoding="utf-8")
    solo = mini / "records/2026/Q1/units/solo.yaml"
    solo.write_text(solo.read_text(encoding="utf-8") + '  - id: "020002"\n    name: 李娜\n    ungraded: 新录用\n', encoding="utf-8")
    result = monthly(mini, tmp_path, [[None, "李娜", None, 90, 90, 90]])
    assert result.exit_code == 1
    assert "绩效.xlsx [一季度] 第2行 B列: 错误: “李娜”有 2 人（警号 010002、020002），请填写警号" in result.stderr


def test_month_columns_of_another_year_are_skipped(mini, tmp_path):
    path = book(tmp_path / "绩效.xlsx", {"一季度": [["警号", "姓名", "2025年1月", "2025年2月", "2025年3月"],
                                                  ["010002", "李娜", 70, 71, 72]]})
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "绩效.xlsx [一季度] C列: 警告: 2025年1月不属于 2026Q1，已跳过",
        "绩效.xlsx [一季度] D列: 警告: 2025年2月不属于 2026Q1，已跳过",
        "绩效.xlsx [一季度] E列: 警告: 2025年3月不属于 2026Q1，已跳过",
        "绩效.xlsx: 错误: 工作簿中没有 2026Q1 的月份列",
        "错误: 共有 1 处错误，请修改后重试。",
    ]


def test_two_columns_with_the_same_header_are_an_error(mini, tmp_path):
    path = book(tmp_path / "绩效.xlsx", {"一季度": [["警号", "姓名", "1月", "1月"], ["010002", "李娜", 91, 92]]})
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "绩效.xlsx [一季度] 第1行 D列: 错误: 列名“1月”与 C列重复，请删除或改名其中一列"


def test_extra_decimals_are_rounded_by_the_policy_rule_for_numbers_and_text_alike(mini, tmp_path):
    result = monthly(mini, tmp_path, [["010002", "李娜", "政工室", 92.125, "92.125", 89]])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[:2] == ["绩效.xlsx [一季度] 第2行 D列: 警告: 92.125 的小数位过多，按 92.13 导入",
                                              "绩效.xlsx [一季度] 第2行 E列: 警告: 92.125 的小数位过多，按 92.13 导入"]
    assert "    monthly: {1: 92.13, 2: 92.13, 3: 89}\n" in (mini / UNIT).read_text(encoding="utf-8")


def test_every_error_of_a_workbook_is_reported_at_once_and_nothing_is_written(mini, tmp_path):
    before = (mini / UNIT).read_text(encoding="utf-8")
    result = monthly(mini, tmp_path, [
        ["099999", "赵六", "政工室", 90, 90, 90],
        ["010002", "李娜", "政工室", "九十", 105, "=A1*2"],
        ["010001", "王志强", "政工室", 95, 95, 95],
        ["010001", "王志强", "政工室", 95, None, None],
    ], "绩效.xlsx", "--strict")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert stderr_lines(result) == [
        "绩效.xlsx [一季度] 第2行 A列: 错误: 警号“099999”（赵六）不在本季度的所室队记录中",
        "绩效.xlsx [一季度] 第3行 D列: 错误: “九十”不是数字，请填写阿拉伯数字，如 95 或 92.5",
        "绩效.xlsx [一季度] 第3行 E列: 错误: 2月得分 105 超出 0–100",
        "绩效.xlsx [一季度] 第3行 F列: 错误: 是公式，但文件中没有保存计算结果；请在 Excel 中打开、重新计算并保存后再导入",
        "绩效.xlsx [一季度] 第5行 E列: 警告: 空白，保留记录中王志强的2月得分 96",
        "绩效.xlsx [一季度] 第5行 F列: 警告: 空白，保留记录中王志强的3月得分 94",
        "绩效.xlsx [一季度] 第5行 D列: 错误: 王志强的1月得分重复（绩效.xlsx [一季度] 第4行 D列 已有）",
        "错误: 共有 5 处错误，请修改后重试。",
    ]
    assert "Traceback" not in result.output
    assert (mini / UNIT).read_text(encoding="utf-8") == before


CSV_MONTHLY = "警号,姓名,单位,1月,2月,3月\n010002,李娜,政工室,91,90,89\n"


def test_monthly_scores_from_csv_in_gbk_or_utf8_with_bom(mini, tmp_path):
    for name, data in (("gbk.csv", CSV_MONTHLY.encode("gbk")), ("bom.csv", b"\xef\xbb\xbf" + CSV_MONTHLY.encode("utf-8")),
                       ("plain.csv", CSV_MONTHLY.encode("utf-8"))):
        (tmp_path / name).write_bytes(data)
        result = run(mini, "import", "monthly", str(tmp_path / name), "--quarter", "2026Q1", "--dry-run")
        assert result.exit_code == 0, result.output
        assert result.stdout == "李娜（政工室）：1月绩效 88 → 91\n", name


def test_full_width_ids_and_names_match(mini, tmp_path):
    result = monthly(mini, tmp_path, [["０１０００２", "李娜", "政工室", 91, 90, 89]])
    assert result.exit_code == 0, result.output
    assert result.stdout == "李娜（政工室）：1月绩效 88 → 91\n"


def test_the_policy_names_the_bureaus_own_column_headers(mini, tmp_path):
    policy = mini / "policy/policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text.replace("  id: [警号, 工号, 编号]", "  id: [人员编码]").replace("  name: [姓名]", "  name: [人员姓名]"),
                      encoding="utf-8")
    path = book(tmp_path / "绩效.xlsx", {"汇总": [["人员编码", "人员姓名", "1月"], ["010002", "李娜", 91]]})
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "李娜（政工室）：1月绩效 88 → 91\n"
    default = book(tmp_path / "默认.xlsx", {"汇总": [HEAD, ["010002", "李娜", "政工室", 91, 90, 89]]})
    refused = run(mini, "import", "monthly", str(default), "--quarter", "2026Q1")
    assert refused.exit_code == 1
    assert stderr_lines(refused)[:2] == ["默认.xlsx [汇总]: 警告: 找不到表头（应有“人员编码”或“人员姓名”列），已跳过",
                                         "默认.xlsx: 错误: 工作簿中没有可导入的工作表（需要“人员编码”或“人员姓名”列）"]


def test_the_library_plans_and_applies_without_the_command_line(mini, tmp_path):
    loaded = load(mini, use_cache=False)
    path = book(tmp_path / "绩效.xlsx", {"一季度": [HEAD, ["010002", "李娜", "政工室", 91, 90, 89]]})
    plan = plan_monthly(path, loaded.bureau, loaded.policy, Quarter(2026, 1))
    assert plan.ok and [c.format() for c in plan.changes] == ["李娜（政工室）：1月绩效 88 → 91"]
    assert apply(mini, plan) == [UNIT]
    assert "    monthly: {1: 91, 2: 90, 3: 89}\n" in (mini / UNIT).read_text(encoding="utf-8")


def test_spreadsheet_problems_carry_sheet_row_and_column_as_fields(mini, tmp_path):
    """A --json consumer reads the workbook, sheet, row and column without parsing the message."""
    loaded = load(mini, use_cache=False)
    path = book(tmp_path / "绩效.xlsx", {"一季度": [HEAD, ["010002", "李娜", "政工室", 105, 90, 89]]})
    [problem] = plan_monthly(path, loaded.bureau, loaded.policy, Quarter(2026, 1)).diagnostics
    assert problem.as_dict() == {"file": "绩效.xlsx", "line": 0, "level": "error", "message": "1月得分 105 超出 0–100",
                                 "sheet": "一季度", "row": 2, "column": "D"}
    assert problem.format() == "绩效.xlsx [一季度] 第2行 D列: 错误: 1月得分 105 超出 0–100"


def test_import_json_gives_the_plan_and_each_problem_with_its_cell(mini, tmp_path):

    path = book(tmp_path / "绩效.xlsx", {"一季度": [HEAD, ["010002", "李娜", "政工室", 105, 90, 89],
                                                  ["020001", "刘洋", "法制室", 97, 96, 95]]})
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1", "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["diagnostics"] == [{"file": "绩效.xlsx", "line": 0, "level": "error", "message": "1月得分 105 超出 0–100",
                                    "sheet": "一季度", "row": 2, "column": "D"}]
    good = book(tmp_path / "好.xlsx", {"一季度": [HEAD, ["010002", "李娜", "政工室", 91, 90, 89]]})
    result = run(mini, "import", "monthly", str(good), "--quarter", "2026Q1", "--json", "--dry-run")
    assert result.exit_code == 0 and json.loads(result.stdout)["changes"] == [
        {"file": UNIT, "person_id": "010002", "who": "李娜（政工室）", "field": "1月绩效", "old": "88", "new": "91"}]
    assert "monthly: {1: 88" in (mini / UNIT).read_text(encoding="utf-8")  # --dry-run wrote nothing


CELLS = st.one_of(st.none(), st.integers(-10, 200), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8), st.sampled_from(["95分", "９５", "=1/0", "=A1", "010001", "李娜", "政工室", "1月"]))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELLS, min_size=0, max_size=7), min_size=0, max_size=6))
def test_fuzz_the_monthly_importer(tmp_path_factory, grid):
    """Any grid of cells, under any of the headers: a plan with diagnostics, never an exception."""
    from kaohe_docs.model import Quarter
    from kaohe_docs.sheets.imports import plan_monthly
    path = book(tmp_path_factory.mktemp("fuzz") / "f.xlsx", {"一季度": [HEAD, *[[c for c in row] for row in grid]]})
    plan_monthly(path, MINI.bureau, MINI.policy, Quarter(2026, 1))
