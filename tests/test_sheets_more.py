"""Spreadsheets, continued: the cases of issue 7 that tests/test_sheets.py does not pin down.

Several errors in one workbook (all reported together, nothing written), CSV encodings for the
monthly import, files that are not workbooks, the policy's own column names, roster and unit
score sheet imports (errors, comments, idempotence), the yearly results workbook, and the
library used without the command line.
"""
from __future__ import annotations

import openpyxl

from kaohe_docs.sheets.imports import apply, plan_monthly
from kaohe_docs.records.load import load
from kaohe_docs.model import Quarter

from test_sheets import HEAD, ROSTER, UNIT, book, monthly, run

CSV_MONTHLY = "警号,姓名,单位,1月,2月,3月\n010002,李娜,政工室,91,90,89\n"


def stderr_lines(result) -> list[str]:
    return result.stderr.splitlines()


def test_every_error_of_a_workbook_is_reported_at_once_and_nothing_is_written(mini, tmp_path):
    before = (mini / UNIT).read_text(encoding="utf-8")
    result = monthly(mini, tmp_path, [
        ["099999", "赵六", "政工室", 90, 90, 90],
        ["010002", "李娜", "政工室", "九十", 105, "=A1*2"],
        ["010001", "王志强", "政工室", 95, 95, 95],
        ["010001", "王志强", "政工室", 95, None, None],
    ])
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


def test_monthly_scores_from_csv_in_gbk_or_utf8_with_bom(mini, tmp_path):
    for name, data in (("gbk.csv", CSV_MONTHLY.encode("gbk")), ("bom.csv", b"\xef\xbb\xbf" + CSV_MONTHLY.encode("utf-8")),
                       ("plain.csv", CSV_MONTHLY.encode("utf-8"))):
        (tmp_path / name).write_bytes(data)
        result = run(mini, "import", "monthly", str(tmp_path / name), "--quarter", "2026Q1", "--dry-run")
        assert result.exit_code == 0, result.output
        assert result.stdout == "李娜（政工室）：1月绩效 88 → 91\n", name


def test_a_csv_problem_names_the_file_row_and_column(mini, tmp_path):
    (tmp_path / "绩效.csv").write_text("警号,姓名,1月\n010002,李娜,九十一\n", encoding="utf-8")
    result = run(mini, "import", "monthly", str(tmp_path / "绩效.csv"), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert stderr_lines(result)[0] == "绩效.csv 第2行 C列: 错误: “九十一”不是数字，请填写阿拉伯数字，如 95 或 92.5"


def test_files_that_are_not_workbooks_are_refused_without_a_traceback(mini, tmp_path):
    cases = {
        "乱码.csv": (b"\xff\xff\xff\xfe", "乱码.csv: 错误: CSV 文件既不是 UTF-8 也不是 GBK 编码，请在 Excel 中另存为“CSV UTF-8”"),
        "损坏.xlsx": (b"not a zip", "损坏.xlsx: 错误: 无法读取工作簿（BadZipFile）：文件损坏，或不是 Excel 2007 以后的 .xlsx 格式"),
        "旧格式.xls": (b"\xd0\xcf\x11\xe0", "旧格式.xls: 错误: 只能导入 .xlsx 或 .csv 文件（.xls 请先在 Excel 中另存为 .xlsx）"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        for args in (("monthly", str(tmp_path / name), "--quarter", "2026Q1"), ("roster", str(tmp_path / name))):
            result = run(mini, "import", *args)
            assert result.exit_code == 1, (name, args)
            assert stderr_lines(result) == [message, "错误: 共有 1 处错误，请修改后重试。"], (name, args)


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


ROSTER_HEAD = ["警号", "姓名", "性别", "出生年月", "职务", "职级"]
ROSTER_ROWS = [["010001", "王志强", "男", "1978-03", "主任", "一级警长"], ["010002", "李娜", "女", "1990-11", "科员", "二级警长"],
               ["010003", "张伟", "男", "1985-06", "科员", "三级警长"], ["020001", "刘洋", "男", "1982-01", "主任", "一级警长"]]


def test_roster_errors_are_reported_together_and_nothing_is_written(mini, tmp_path):
    before = (mini / ROSTER).read_text(encoding="utf-8")
    path = book(tmp_path / "花名册.xlsx", {"花名册": [ROSTER_HEAD, ["010001", "王志强", "M", "1978-03", "主任", "一级警长"],
                                                  ["010002", "李娜", "女", "九〇年", "科员", None],
                                                  [None, "无名", "男", "1990-01", "科员", None],
                                                  *ROSTER_ROWS[2:], ROSTER_ROWS[3], ["030001", "孙丽", "女", "1996-02", "科员", None]]})
    result = run(mini, "import", "roster", str(path))
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "花名册.xlsx [花名册] 第2行 C列: 错误: 性别“M”应为 男 或 女",
        "花名册.xlsx [花名册] 第3行 D列: 错误: 出生年月应写作 1985-07 或 1985.07",
        "花名册.xlsx [花名册] 第4行 A列: 错误: 缺少警号",
        "花名册.xlsx [花名册] 第7行 A列: 错误: 警号“020001”重复",
        "错误: 共有 4 处错误，请修改后重试。",
    ]
    assert (mini / ROSTER).read_text(encoding="utf-8") == before


def test_roster_import_twice_changes_nothing_and_reads_dates_and_dotted_months(mini, tmp_path):
    import datetime as dt
    rows = [list(r) for r in ROSTER_ROWS]
    rows[0][3] = dt.datetime(1978, 3, 1)  # a date cell, shown by Excel as 1978/3/1
    rows[1][3] = "1990.11"
    rows[1][5] = "一级警长"
    path = book(tmp_path / "花名册.xlsx", {"花名册": [ROSTER_HEAD, *rows]})
    first = run(mini, "import", "roster", str(path))
    assert first.exit_code == 0, first.output
    assert first.stdout == "李娜：职级 二级警长 → 一级警长\n"
    again = run(mini, "import", "roster", str(path))
    assert again.exit_code == 0 and again.stdout == ""
    assert "没有需要更新的内容（记录与表格一致）。" in again.stderr
    assert run(mini, "check").exit_code == 0


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
    assert stderr_lines(result)[0] == "评分表.xlsx [政工室] 第3行: 错误: 刘洋不属于本表的单位"


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
    import json
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
