"""Spreadsheet defects found in review of issue 7, each with the behaviour the issue asks for.

Months of another year, duplicate headers, empty roster cells, incomplete new people, the
file style of record files (CRLF, BOM, list indentation, permissions), unwritable outputs,
rounding of extra decimals, sheet titles Excel refuses, merged titles above the header.
"""
from __future__ import annotations

import os
import stat

import openpyxl
import pytest

from test_sheets import HEAD, ROSTER, UNIT, book, monthly, run

OLD_LINE = "    monthly: {1: 88, 2: 90, 3: 89}\n"
NEW_LINE = "    monthly: {1: 91, 2: 90, 3: 89}\n"
ONE_CHANGE = [["010002", "李娜", "政工室", 91, 90, 89]]


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


def test_an_empty_roster_cell_keeps_the_recorded_value(mini, tmp_path):
    path = book(tmp_path / "花名册.xlsx", {"花名册": [["警号", "姓名", "性别", "出生年月", "职务", "职级"],
                                                  ["010001", "王志强", "男", "1978-03", "主任", None]]})
    result = run(mini, "import", "roster", str(path), "--dry-run")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_a_new_person_needs_the_fields_the_roster_requires(mini, tmp_path):
    before = (mini / ROSTER).read_text(encoding="utf-8")
    (tmp_path / "花名册.csv").write_text("警号,姓名\n010001,王志强\n010002,李娜\n010003,张伟\n020001,刘洋\n030009,孙丽\n",
                                        encoding="utf-8")
    result = run(mini, "import", "roster", str(tmp_path / "花名册.csv"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["花名册.csv 第6行: 错误: 新增人员孙丽（警号 030009）缺少性别、出生年月、职务，请补全后再导入",
                                          "错误: 共有 1 处错误，请修改后重试。"]
    assert (mini / ROSTER).read_text(encoding="utf-8") == before


def test_a_duplicate_of_an_invalid_roster_row_is_reported_too(mini, tmp_path):
    path = book(tmp_path / "花名册.xlsx", {"花名册": [["警号", "姓名", "性别"], ["010001", "王志强", "M"], ["010001", "王志强", "男"]]})
    result = run(mini, "import", "roster", str(path))
    assert result.stderr.splitlines()[:2] == ["花名册.xlsx [花名册] 第2行 C列: 错误: 性别“M”应为 男 或 女",
                                              "花名册.xlsx [花名册] 第3行 A列: 错误: 警号“010001”重复"]


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def _bom(text: str) -> str:
    return "\ufeff" + text


def _zero_offset(text: str) -> str:
    """The other common list style, ``- `` at its key's indentation (mapping the mini fixture's indents)."""
    def indent(line: str) -> str:
        body = line.lstrip(" ")
        new = ({2: 0, 6: 2} if body.startswith("- ") else {4: 2}).get(len(line) - len(body), len(line) - len(body))
        return " " * new + body
    return "".join(indent(line) for line in text.splitlines(keepends=True))


@pytest.mark.parametrize("style", [_crlf, _bom, _zero_offset], ids=["crlf", "bom", "zero-offset-lists"])
def test_an_import_changes_only_the_changed_line_whatever_the_file_style(mini, tmp_path, style):
    path = mini / UNIT
    text = style(path.read_text(encoding="utf-8"))
    path.write_bytes(text.encode("utf-8"))
    assert run(mini, "check").exit_code == 0
    assert monthly(mini, tmp_path, ONE_CHANGE).exit_code == 0
    old, new = (OLD_LINE[2:], NEW_LINE[2:]) if style is _zero_offset else (OLD_LINE, NEW_LINE)
    assert path.read_bytes().decode("utf-8") == text.replace(style(old).lstrip("\ufeff"), style(new).lstrip("\ufeff"))


def test_an_import_keeps_the_file_mode(mini, tmp_path):
    path = mini / UNIT
    os.chmod(path, 0o644)
    assert monthly(mini, tmp_path, ONE_CHANGE).exit_code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize("command", [["export", "results", "2026Q1"], ["export", "sheet", "2026Q1", "--unit", "zhengong"]])
def test_an_output_that_cannot_be_written_is_a_message_not_a_traceback(mini, tmp_path, command):
    (tmp_path / "文件").write_text("", encoding="utf-8")
    out = tmp_path / "文件" / "结果.xlsx"
    result = run(mini, *command, "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"错误: 无法写入“{out}”（路径中有同名的文件，不是文件夹）\n"


def test_extra_decimals_are_rounded_by_the_policy_rule_for_numbers_and_text_alike(mini, tmp_path):
    result = monthly(mini, tmp_path, [["010002", "李娜", "政工室", 92.125, "92.125", 89]])
    assert result.exit_code == 0
    assert result.stderr.splitlines()[:2] == ["绩效.xlsx [一季度] 第2行 D列: 警告: 92.125 的小数位过多，按 92.13 导入",
                                              "绩效.xlsx [一季度] 第2行 E列: 警告: 92.125 的小数位过多，按 92.13 导入"]
    assert "    monthly: {1: 92.13, 2: 92.13, 3: 89}\n" in (mini / UNIT).read_text(encoding="utf-8")


def test_a_unit_name_excel_does_not_allow_as_a_sheet_title_is_adjusted(mini, tmp_path):
    units = mini / "records/units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace("name: 法制室", "name: 法制/审核室"), encoding="utf-8")
    out = tmp_path / "结果.xlsx"
    result = run(mini, "export", "results", "2026Q1", "-o", str(out))
    assert result.exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == ["汇总", "政工室", "法制_审核室"]


def test_a_merged_title_above_the_header_is_fine(mini, tmp_path):
    path = book(tmp_path / "绩效.xlsx", {"一季度": [["2026年第一季度绩效考评汇总表"], HEAD, *ONE_CHANGE]}, merged=["A1:F1"])
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "李娜（政工室）：1月绩效 88 → 91\n"
    data_merge = book(tmp_path / "合并.xlsx", {"一季度": [["2026年第一季度绩效考评汇总表"], HEAD, *ONE_CHANGE]}, merged=["D3:E3"])
    refused = run(mini, "import", "monthly", str(data_merge), "--quarter", "2026Q1")
    assert refused.exit_code == 1
    assert "合并.xlsx [一季度] D3:E3: 错误: 含有合并单元格，请取消合并并在每个单元格中填写" in refused.stderr
