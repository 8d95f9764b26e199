"""Exporting results for reporting: the workbook and CSV, and outputs that cannot be written."""
from __future__ import annotations

import openpyxl
import pytest

from sheetbooks import run


def test_export_results_workbook_and_csv(mini, tmp_path):
    out = tmp_path / "结果.xlsx"
    assert run(mini, "export", "results", "2026Q1", "-o", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "政工室", "法制室"]
    summary = wb["汇总"]
    assert [c.value for c in summary[1]][:4] == ["季度", "单位", "警号", "姓名"]
    assert summary.freeze_panes == "A2" and summary.column_dimensions["B"].width >= 8
    assert [c.value for c in summary[2]][3:8] == ["王志强", 37.6, 57, 1, 95.6]  # numbers Excel can sum
    assert [c.number_format for c in summary[2]][4:8] == ["0.00"] * 4
    assert summary["C2"].value == "010001"  # the 警号 stays text
    csv_out = tmp_path / "年度.csv"
    assert run(mini, "export", "results", "2026", "--csv", "-o", str(csv_out)).exit_code == 0
    data = csv_out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "王志强" in data.decode("utf-8-sig")


def test_export_results_for_a_year_has_a_summary_and_one_sheet_per_unit(mini, tmp_path):
    out = tmp_path / "年度.xlsx"
    result = run(mini, "export", "results", "2026", "--xlsx", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == f"{out}\n"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["汇总", "政工室", "法制室"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert [c.value for c in ws[1]][:7] == ["单位", "警号", "姓名", "第一季度", "第二季度", "第三季度", "第四季度"]
        assert all(ws.column_dimensions[c.column_letter].width >= 4 for c in ws[1])  # wide enough for the header
    assert [c.value for c in wb["法制室"][2]][:4] == ["法制室", "020001", "刘洋", "较好"]


@pytest.mark.parametrize("command", [["export", "results", "2026Q1"], ["export", "sheet", "2026Q1", "--unit", "zhengong"]])
def test_an_output_that_cannot_be_written_is_a_message_not_a_traceback(mini, tmp_path, command):
    (tmp_path / "文件").write_text("", encoding="utf-8")
    out = tmp_path / "文件" / "结果.xlsx"
    result = run(mini, *command, "-o", str(out))
    assert result.exit_code == 1
    assert result.stderr == f"错误: 无法写入“{out}”（路径中有同名的文件，不是文件夹）\n"
