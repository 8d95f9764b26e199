"""Spreadsheets in and out: workbooks made here with openpyxl, every bad case with its exact message."""
from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest
from click.testing import CliRunner

from kaohe_docs.cli import main
from kaohe_docs.records.load import load

from conftest import FIXTURES

UNIT = "records/2026/Q1/units/zhengong.yaml"
MINI = load(FIXTURES / "mini", use_cache=False)
ROSTER = "records/roster.yaml"


def run(root, *args):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def book(path: Path, sheets: dict, hidden_rows=(), hidden_sheets=(), merged=()) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        if title in hidden_sheets:
            ws.sheet_state = "hidden"
        for n in hidden_rows:
            ws.row_dimensions[n].hidden = True
        for cells in merged:
            ws.merge_cells(cells)
    wb.save(path)
    return path


def with_cached_value(path: Path, cell: str, value: str) -> Path:
    """Give a formula cell the cached result Excel would have saved (openpyxl cannot)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                text = data.decode("utf-8")
                start = text.index(f'<c r="{cell}"')
                end = text.index("</c>", start)
                text = text[:end].replace("<v></v>", "").replace("<v />", "") + f"<v>{value}</v>" + text[end:]
                data = text.encode("utf-8")
            dst.writestr(item, data)
    tmp.replace(path)
    return path


HEAD = ["警号", "姓名", "单位", "1月", "2月", "3月"]


def monthly(root: Path, tmp_path: Path, rows, name="绩效.xlsx", **options):
    return run(root, "import", "monthly", str(book(tmp_path / name, {"一季度": [HEAD, *rows]}, **options)),
               "--quarter", "2026Q1")


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


@pytest.mark.parametrize("case", list(BAD))
def test_bad_monthly_workbooks_are_explained_and_nothing_is_written(mini, tmp_path, case):
    rows, expected = BAD[case]
    before = (mini / UNIT).read_text(encoding="utf-8")
    result = monthly(mini, tmp_path, rows)
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


def test_structure_problems(mini, tmp_path):
    rows = [HEAD, ["010002", "李娜", "政工室", 90, 90, 89], [None] * 6, ["010001", "王志强", "政工室", 95, 96, 94]]
    hidden = run(mini, "import", "monthly", str(book(tmp_path / "a.xlsx", {"一季度": rows}, hidden_rows=[4])),
                 "--quarter", "2026Q1")
    assert hidden.exit_code == 1
    assert "a.xlsx [一季度] 第4行: 错误: 该行被隐藏，请取消隐藏核对后再导入，或删除该行" in hidden.stderr
    merged = run(mini, "import", "monthly", str(book(tmp_path / "b.xlsx", {"一季度": rows}, merged=["D2:E2"])),
                 "--quarter", "2026Q1")
    assert merged.exit_code == 1 and "b.xlsx [一季度] D2:E2: 错误: 含有合并单元格，请取消合并并在每个单元格中填写" in merged.stderr
    wrong = run(mini, "import", "monthly", str(book(tmp_path / "c.xlsx", {"说明": [["本表为绩效考评汇总"]]},)),
                "--quarter", "2026Q1")
    assert wrong.exit_code == 1
    assert wrong.stderr.splitlines()[:2] == ["c.xlsx [说明]: 警告: 找不到表头（应有“警号”或“工号”或“编号”或“姓名”列），已跳过",
                                             "c.xlsx: 错误: 工作簿中没有可导入的工作表（需要“警号”或“姓名”列）"]
    hidden_sheet = run(mini, "import", "monthly", str(book(tmp_path / "d.xlsx", {"一季度": rows[:2], "旧表": rows},
                                                           hidden_sheets=["旧表"])), "--quarter", "2026Q1")
    assert hidden_sheet.exit_code == 0 and "d.xlsx [旧表]: 警告: 隐藏的工作表，已跳过" in hidden_sheet.stderr
    blank = run(mini, "import", "monthly", str(book(tmp_path / "e.xlsx", {"一季度": rows})), "--quarter", "2026Q1",
                "--dry-run")
    assert blank.exit_code == 0  # the empty row 3 is skipped


ROSTER_HEAD = "警号,姓名,性别,出生年月,单位,职务,职级\n"


def test_roster_import_from_csv_in_gbk_and_utf8_bom(mini, tmp_path):
    roster = mini / ROSTER
    roster.write_text("# 花名册（政工室维护）\n" + roster.read_text(encoding="utf-8"), encoding="utf-8")
    text = (ROSTER_HEAD + "010001,王志强,男,1978-03,政工室,主任,一级高级警长\n010002,李娜,女,1990.11,政工室,科员,二级警长\n"
            "010003,张伟,男,1985-06,政工室,科员,三级警长\n030001,孙丽,女,1996-02,法制室,科员,一级警员\n")
    for name, data in (("gbk.csv", text.encode("gbk")), ("bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))):
        path = tmp_path / name
        path.write_bytes(data)
        dry = run(mini, "import", "roster", str(path), "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert dry.stdout == "王志强：职级 一级警长 → 一级高级警长\n新增：孙丽（警号 030001）\n"
        assert "提示: 刘洋（警号 020001）在花名册中、不在表格中：如已调离，请在花名册中写明离开年月（left）" in dry.stderr
    assert run(mini, "import", "roster", str(tmp_path / "bom.csv")).exit_code == 0
    after = roster.read_text(encoding="utf-8")
    assert after.startswith("# 花名册（政工室维护）\n")
    assert '  - id: "030001"\n    name: 孙丽\n    gender: 女\n    birth: 1996-02\n    position: 科员\n    rank: 一级警员\n' in after
    assert "    rank: 一级高级警长\n" in after


def test_roster_ids_typed_as_numbers_are_refused(mini, tmp_path):
    path = book(tmp_path / "花名册.xlsx", {"花名册": [["警号", "姓名"], [10001, "王志强"]]})
    result = run(mini, "import", "roster", str(path))
    assert result.exit_code == 1
    assert "花名册.xlsx [花名册] 第2行 A列: 错误: 警号 10001 是数字格式，可能丢失了开头的 0；请把该列设为文本格式后重新填写" in result.stderr


def test_unit_score_sheet_round_trip(mini, tmp_path):
    out = tmp_path / "评分表.xlsx"
    assert run(mini, "export", "sheet", "2026Q1", "--unit", "zhengong", "-o", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    assert [c.value for c in ws[1]] == ["警号", "姓名", "职务（职级）", "德", "能", "勤", "绩", "廉"]
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
    assert "自制.xlsx: 错误: 不是由 kaohe export sheet 导出的评分表（请用导出的表填写，不要另建工作簿）" in result.stderr


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


def test_an_ambiguous_name_needs_the_id(mini, tmp_path):
    roster = mini / ROSTER
    roster.write_text(roster.read_text(encoding="utf-8") + '  - id: "020002"\n    name: 李娜\n    gender: 女\n'
                      "    birth: 1995-05\n    position: 科员\n", encoding="utf-8")
    solo = mini / "records/2026/Q1/units/solo.yaml"
    solo.write_text(solo.read_text(encoding="utf-8") + '  - id: "020002"\n    name: 李娜\n    ungraded: 新录用\n', encoding="utf-8")
    result = monthly(mini, tmp_path, [[None, "李娜", None, 90, 90, 90]])
    assert result.exit_code == 1
    assert "绩效.xlsx [一季度] 第2行 B列: 错误: “李娜”有 2 人（警号 010002、020002），请填写警号" in result.stderr


CELLS = st.one_of(st.none(), st.integers(-10, 200), st.floats(allow_nan=True, allow_infinity=True),
                  st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=8), st.sampled_from(["95分", "９５", "=1/0", "=A1", "010001", "李娜", "政工室", "1月"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(CELLS, min_size=0, max_size=7), min_size=0, max_size=6))
def test_fuzz_the_monthly_importer(tmp_path_factory, grid):
    """Any grid of cells, under any of the headers: a plan with diagnostics, never an exception."""
    from kaohe_docs.sheets.imports import plan_monthly
    from kaohe_docs.model import Quarter
    path = book(tmp_path_factory.mktemp("fuzz") / "f.xlsx", {"一季度": [HEAD, *[[c for c in row] for row in grid]]})
    plan_monthly(path, MINI.bureau, MINI.policy, Quarter(2026, 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: (ROSTER_HEAD + t).encode("utf-8")))
def test_fuzz_the_roster_csv_importer(tmp_path_factory, data):
    from kaohe_docs.sheets.imports import plan_roster
    path = tmp_path_factory.mktemp("fuzz") / "r.csv"
    path.write_bytes(data)
    plan_roster(path, MINI.bureau, MINI.policy)
