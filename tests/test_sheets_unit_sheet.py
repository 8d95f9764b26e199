"""The unit's 共性 score sheet: exported locked and validated, filled in, imported back."""
from __future__ import annotations

import openpyxl
import pytest

from sheetbooks import UNIT, book, run, stderr_lines


@pytest.mark.slow
def test_unit_score_sheet_round_trip(mini, tmp_path):
    out = tmp_path / "评分表.xlsx"
    assert run(mini, "export", "sheet", "2026Q1", "--unit", "zhengong", "-o", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    assert [c.value for c in ws[1]] == ["警号", "姓名", "职务（职级）", "德", "能", "勤", "绩", "廉", "1月绩效", "2月绩效",
                                        "3月绩效", "建议等次", "低于分数段理由", "不确定等次原因", "外单位考核机关",
                                        "外单位考核等次", "外单位考核文号", "备注", "个人小结"]
    assert wb.sheetnames == ["政工室", "共性指标项目", "加分申报", "单位信息", "共性指标目录"]
    assert ws.protection.sheet and ws["A2"].protection.locked and not ws["D2"].protection.locked
    assert ws.freeze_panes == "A2"
    assert ws.data_validations.dataValidation[0].formula2 == "20"
    same = run(mini, "import", "sheet", str(out))
    assert same.exit_code == 0 and same.stdout == ""  # export → import is the identity
    ws["E3"] = 19
    ws["F3"] = 25
    wb.save(out)
    bad = run(mini, "import", "sheet", str(out))
    assert bad.exit_code == 1 and "评分表.xlsx [政工室] 第3行 F列: 错误: “勤”得分 25 超出 0–20" in bad.stderr
    ws["F3"] = 18
    wb.save(out)
    good = run(mini, "import", "sheet", str(out))
    assert good.stdout == "李娜：共性“能” 17 → 19\n"
    assert "    common: {德: 18, 能: 19, 勤: 18, 绩: 17, 廉: 19}\n" in (mini / UNIT).read_text(encoding="utf-8")


def test_a_workbook_not_made_by_export_is_refused(mini, tmp_path):
    path = book(tmp_path / "自制.xlsx", {"表": [["警号", "德"], ["010001", 18]]})
    result = run(mini, "import", "sheet", str(path))
    assert result.exit_code == 1
    assert ("自制.xlsx: 错误: 认不出是哪个单位、哪个季度的填报表：请用 kaohe export sheet 导出的工作簿填写；"
            "自己录入的工作簿须有与导出表相同的表头，并在“填报项”工作表或表头上方写明“单位”“季度”") in result.stderr


@pytest.mark.slow
def test_unit_score_sheet_import_keeps_comments_and_is_idempotent(mini, tmp_path):
    path = mini / UNIT
    text = path.read_text(encoding="utf-8").replace("  - id: \"010002\"\n", "  - id: \"010002\"   # 2025年调入\n")
    path.write_text("# 政工室季度记录\n" + text, encoding="utf-8")
    out = tmp_path / "评分表.xlsx"
    assert run(mini, "export", "sheet", "2026Q1", "--unit", "zhengong", "-o", str(out)).stdout == f"{out}\n"
    wb = openpyxl.load_workbook(out)
    wb.active["D3"] = 19.5
    wb.save(out)
    dry = run(mini, "import", "sheet", str(out), "--dry-run")
    assert dry.stdout == "李娜：共性“德” 18 → 19.5\n"
    assert path.read_text(encoding="utf-8") == "# 政工室季度记录\n" + text
    assert run(mini, "import", "sheet", str(out)).exit_code == 0
    after = path.read_text(encoding="utf-8")
    assert after == "# 政工室季度记录\n" + text.replace("{德: 18, 能: 17", "{德: 19.5, 能: 17")
    again = run(mini, "import", "sheet", str(out))
    assert again.exit_code == 0 and again.stdout == "" and "没有需要更新的内容" in again.stderr


def test_a_unit_score_sheet_only_takes_people_of_its_unit(mini, tmp_path):
    out = tmp_path / "评分表.xlsx"
    run(mini, "export", "sheet", "2026Q1", "--unit", "zhengong", "-o", str(out))
    wb = openpyxl.load_workbook(out)
    wb.active["A3"], wb.active["B3"] = "020001", "刘洋"
    wb.save(out)
    result = run(mini, "import", "sheet", str(out))
    assert result.exit_code == 1
    assert stderr_lines(result)[0] == "评分表.xlsx [政工室] 第3行: 错误: 刘洋不属于本表的单位（政工室）"


def test_a_unit_name_excel_does_not_allow_as_a_sheet_title_is_adjusted(mini, tmp_path):
    units = mini / "records/units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace("name: 法制室", "name: 法制/审核室"), encoding="utf-8")
    out = tmp_path / "结果.xlsx"
    result = run(mini, "export", "results", "2026Q1", "-o", str(out))
    assert result.exit_code == 0
    assert openpyxl.load_workbook(out).sheetnames == ["汇总", "政工室", "法制_审核室"]
