"""Issue 12, the half about limits: every text is safe where it lands, every size has a limit,
no lost updates, Git and encoding edge cases. One regression test per attack or fault; each
failed on the code before the fix (a traceback, a live formula, a silent loss or a hang).
"""
from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import PROJECT_ROOT, commit_all, git, write
from kaohe_docs.pipeline import open_project
from sheetbooks import HEAD, UNIT, book, run

ROSTER = "records/roster.yaml"
SOLO = "records/2026/Q1/units/solo.yaml"
KAOHE = [sys.executable, "-m", "kaohe_docs.cli"]


def errors(root) -> list[str]:
    return [d.format() for d in open_project(root, use_cache=False).diagnostics if d.level == "error"]


def rename(root: Path, old: str, new: str) -> None:
    """Give a person another name everywhere in the records (roster, unit file, leader)."""
    for path in (root / "records").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f"name: {old}", f"name: {new}").replace(f"leader: {old}", f"leader: {new}"),
                        encoding="utf-8")


# -- 1. formula injection -----------------------------------------------------------------

HOSTILE = '=HYPERLINK("http://x.cn","点")'


def test_formula_names_come_out_inert_in_the_exported_workbook(mini, tmp_path):
    rename(mini, "王志强", f"'{HOSTILE}'")
    rename(mini, "李娜", "'@SUM(A1:A9)'")
    out = tmp_path / "结果.xlsx"
    result = run(mini, "export", "results", "2026Q1", "--xlsx", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    cells = [c for ws in openpyxl.load_workbook(out).worksheets for row in ws.iter_rows() for c in row]
    by_value = {c.value: c for c in cells}
    assert by_value["'" + HOSTILE].data_type == "s"
    assert by_value["'@SUM(A1:A9)"].data_type == "s"
    assert not any(c.data_type == "f" for c in cells)
    assert not any(isinstance(c.value, str) and c.value.startswith(("=", "@", "+")) for c in cells)


def test_formula_names_come_out_inert_in_every_csv(mini, tmp_path):
    rename(mini, "王志强", f"'{HOSTILE}'")
    rename(mini, "李娜", "'+cmd|calc'")
    out = tmp_path / "结果.csv"
    assert run(mini, "export", "results", "2026Q1", "--csv", "-o", str(out)).exit_code == 0
    score = run(mini, "score", "2026Q1", "--csv")
    for text in (out.read_bytes().decode("utf-8-sig"), score.stdout.lstrip("\ufeff")):
        names = [row["姓名"] for row in csv.DictReader(io.StringIO(text))]
        assert "'" + HOSTILE in names and "'+cmd|calc" in names
        assert not any(name.startswith(("=", "+", "-", "@")) for name in names)


def test_negative_numbers_stay_numbers_in_csv(mini):
    quota = run(mini, "quota", "2026Q1", "--csv")
    rows = list(csv.DictReader(io.StringIO(quota.stdout.lstrip("\ufeff"))))
    solo = next(r for r in rows if r["单位"] == "法制室")
    assert solo["结转下季度"] == "-0.6"


def test_the_unit_score_sheet_keeps_names_inert(mini, tmp_path):
    rename(mini, "王志强", f"'{HOSTILE}'")
    out = tmp_path / "评分表.xlsx"
    assert run(mini, "export", "sheet", "2026Q1", "--unit", "zhengong", "-o", str(out)).exit_code == 0
    ws = openpyxl.load_workbook(out).active
    names = {ws.cell(row=r, column=2).value: ws.cell(row=r, column=2).data_type for r in range(2, ws.max_row + 1)}
    assert names["'" + HOSTILE] == "s"
    same = run(mini, "import", "sheet", str(out))  # the quote is the export's, not part of the name
    assert (same.exit_code, same.stdout, same.stderr) == (0, "", "没有需要更新的内容（记录与表格一致）。\n")


# -- 2. control characters, non-characters, bidi overrides ----------------------------------

@pytest.mark.parametrize("escape, code", [
    ("\\e", "U+001B"), ("\\0", "U+0000"), ("\\a", "U+0007"), ("\\x7f", "U+007F"), ("\\x9b", "U+009B"),
    ("\\uFFFE", "U+FFFE"), ("\\uFDD0", "U+FDD0"), ("\\u202E", "U+202E"), ("\\u2066", "U+2066"),
])
@pytest.mark.slow
def test_control_and_invisible_characters_in_names_are_refused_with_file_and_line(mini, escape, code):
    text = (mini / SOLO).read_text(encoding="utf-8").replace("name: 刘洋", f'name: "刘{escape}洋"')
    write(mini, {SOLO: text.encode("utf-8")})
    assert f"{SOLO}:5: 错误: 含有不允许的控制字符或不可见的方向控制字符（{code}），请删除后重新输入" in errors(mini)


def test_a_raw_control_character_is_named_with_its_line(mini):
    write(mini, {ROSTER: (mini / ROSTER).read_bytes().replace("position: 科员".encode(), b"position: \x1b[2J", 1)})
    assert errors(mini) == [f"{ROSTER}:12: 错误: 含有不允许的控制字符 U+001B，请删除（可能是从其他软件复制来的）"]


def test_control_characters_never_reach_the_terminal_raw(mini):
    text = (mini / SOLO).read_text(encoding="utf-8").replace("suggested: 好", 'suggested: 好\n    "\\e]0;pwned\\a": 1')
    write(mini, {SOLO: text})
    result = run(mini, "check")
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert "<U+001B>]0;pwned<U+0007>" not in result.stderr  # removed from the value as well as refused
    assert f"{SOLO}:9: 错误: 含有不允许的控制字符或不可见的方向控制字符（U+001B、U+0007），请删除后重新输入" in result.stderr


def test_tab_and_newline_stay_allowed_in_multi_line_texts(mini):
    text = (mini / UNIT).read_text(encoding="utf-8").replace("summary: 认真履行职责。", 'summary: "一、认真履行职责。\\n二、\\t按时完成任务。"')
    write(mini, {UNIT: text})
    assert errors(mini) == []


def test_an_imported_roster_cannot_bring_control_characters_or_overlong_texts_into_the_records(mini, tmp_path):
    path = book(tmp_path / "花名册.xlsx", {"花名册": [["警号", "姓名", "职务"], ["010001", "王志强\x9b2J\u202e", "主任"],
                                                    ["010002", "李娜", "科" * 41]]})
    before = (mini / ROSTER).read_bytes()
    result = run(mini, "import", "roster", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "花名册.xlsx [花名册] 第2行 B列: 错误: 含有不允许的控制字符或不可见的方向控制字符（U+009B、U+202E），请删除后重新输入",
        "花名册.xlsx [花名册] 第3行 C列: 错误: “职务”有 41 个字，超过上限 40 个字（政策 limits.text.position）"]
    assert (mini / ROSTER).read_bytes() == before


# -- 3. length limits and the renderer ---------------------------------------------------------

def test_a_text_over_its_length_limit_names_file_line_field_limit_and_length(mini):
    text = (mini / ROSTER).read_text(encoding="utf-8").replace("position: 科员", f"position: {'警' * 4000}", 1)
    write(mini, {ROSTER: text})
    assert errors(mini) == [f"{ROSTER}:12: 错误: “position”（职务）有 4000 个字，超过上限 40 个字（政策 limits.text.position）"]


def test_length_limits_are_policy(mini):
    write(mini, {ROSTER: (mini / ROSTER).read_text(encoding="utf-8").replace("position: 科员", f"position: {'警' * 60}", 1)})
    policy = (mini / "policy/policy.yaml").read_text(encoding="utf-8")
    write(mini, {"policy/policy.yaml": policy + "\nlimits:\n  text:\n    position: 60\n"})
    assert errors(mini) == []
    write(mini, {"policy/policy.yaml": policy + "\nlimits:\n  text:\n    position: 59\n"})
    assert errors(mini) == [f"{ROSTER}:12: 错误: “position”（职务）有 60 个字，超过上限 59 个字（政策 limits.text.position）"]
    write(mini, {"policy/policy.yaml": policy + "\nlimits:\n  text:\n    position: 很长\n"})
    line = policy.count("\n") + 4  # the appended `position:` line
    assert errors(mini) == [f"policy/policy.yaml:{line}: 错误: “position”应为数字，现在是“很长”（不要写单位或文字）",  # then the defaults
                            f"{ROSTER}:12: 错误: “position”（职务）有 60 个字，超过上限 40 个字（政策 limits.text.position）"]


def test_unlisted_texts_and_keys_have_a_default_limit(mini):
    text = (mini / SOLO).read_text(encoding="utf-8").replace("suggested: 好", f"suggested: 好\n    note: {'备' * 501}")
    write(mini, {SOLO: text})
    assert errors(mini) == [f"{SOLO}:9: 错误: “note”（备注）有 501 个字，超过上限 500 个字（政策 limits.text.note）"]


def test_long_texts_are_cut_into_pieces_without_changing_what_is_printed():
    from kaohe_docs.render.renderer import CHUNK, breakable, visible_text
    long = "警&amp;" * 300
    markup = f"<html><head><style>{'x' * 900}</style></head><body><td>{long}</td><svg><text>{'y' * 900}</text></svg></body></html>"
    pieces = breakable(markup)
    assert visible_text(pieces) == visible_text(markup)
    assert re.findall(r"<span>([^<]*)</span>", pieces)[0] == "警&amp;" * (CHUNK // 2)
    assert pieces.count("<span>") == 600 // CHUNK + 1  # nothing in <style> or <svg> is touched
    short = "<html><body><td>主任</td></body></html>"
    assert breakable(short) == short


@pytest.mark.slow
def test_rendering_a_table_cell_is_linear_in_its_length(tmp_path):
    """A 4,000-character cell took 29 s (quadratic); 4× the text must now take about 4× the time."""
    from weasyprint import HTML

    from kaohe_docs.render.renderer import breakable

    def seconds(n: int) -> float:
        markup = (f"<html><body><table class='grid'><tr><td>1</td><td>{'警' * n}</td><td>好</td></tr></table>"
                  "</body></html>")
        start = time.perf_counter()
        HTML(string=breakable(markup)).render()
        return time.perf_counter() - start

    seconds(100)  # warm up fonts
    small, large = min(seconds(1000) for _ in range(2)), min(seconds(4000) for _ in range(2))
    assert large < 8 * small, (small, large)  # quadratic would be ~16×


# -- 4. resource limits --------------------------------------------------------------------------

def _worksheet_zip(path: Path, rows: str) -> Path:
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        '<sheet name="绩效" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in parts.items():
            z.writestr(name, text)
        z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                   f'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')
    return path


@pytest.mark.slow
def test_a_zip_bomb_workbook_is_refused_fast_and_in_bounded_memory(mini, tmp_path):
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>警号</t></is></c><c r="B1" t="inlineStr"><is><t>1月</t></is></c></row>'
    bomb = _worksheet_zip(tmp_path / "绩效.xlsx", header + '<row><c t="inlineStr"><is><t>010001</t></is></c><c><v>9</v></c></row>' * 400_000)
    assert bomb.stat().st_size < 200_000
    limit_memory = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", limit_memory + "from kaohe_docs.cli import main; main()",
                             "-C", str(mini), "import", "monthly", str(bomb), "--quarter", "2026Q1"],
                            capture_output=True, text=True, timeout=120)
    assert time.perf_counter() - start < 30
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "绩效.xlsx [绩效]: 错误: 行数超过上限：每张表最多 20000 行（政策 limits.sheet_rows），请拆分或删除多余的行后再导入",
        "错误: 共有 1 处错误，请修改后重试。"]


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused(mini, tmp_path):
    policy = (mini / "policy/policy.yaml").read_text(encoding="utf-8")
    write(mini, {"policy/policy.yaml": policy + "\nlimits:\n  workbook_unpacked_bytes: 100000\n"})
    path = _worksheet_zip(tmp_path / "绩效.xlsx", "<row/>" * 20_000)
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert re.match(r"绩效\.xlsx: 错误: 工作簿解压后有 \d+ 字节，超过上限 100000 字节（政策 limits\.workbook_unpacked_bytes），"
                    "可能是损坏或恶意构造的文件，已拒绝", result.stderr)


def test_the_cells_of_a_workbook_are_bounded_together(mini, tmp_path):
    policy = (mini / "policy/policy.yaml").read_text(encoding="utf-8")
    write(mini, {"policy/policy.yaml": policy + "\nlimits:\n  workbook_cells: 100\n"})
    path = book(tmp_path / "绩效.xlsx", {"一季度": [HEAD] + [["010002", "李娜", "政工室", 90, 90, 90]] * 20})
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == ("绩效.xlsx [一季度]: 错误: 单元格总数超过上限：整个工作簿最多 100 个单元格"
                                             "（政策 limits.workbook_cells），请删除多余的内容或拆分后再导入")


def test_a_cell_beyond_excel_s_last_row_is_a_message(mini, tmp_path):
    path = _worksheet_zip(tmp_path / "绩效.xlsx", '<row r="1"><c r="A1" t="inlineStr"><is><t>警号</t></is></c></row>'
                                                '<row r="1048577"><c r="A1048577"><v>1</v></c></row>')
    result = run(mini, "import", "roster", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == ("绩效.xlsx [绩效]: 错误: 单元格 A1048577 超出 Excel 的范围（最多 1048576 行、16384 列），"
                                             "文件已损坏或是恶意构造的，请在 Excel 中重新另存")


def test_too_many_columns_and_csv_rows_are_refused(mini, tmp_path):
    wide = book(tmp_path / "宽.xlsx", {"一季度": [HEAD + [f"列{i}" for i in range(200)]]})
    result = run(mini, "import", "monthly", str(wide), "--quarter", "2026Q1")
    assert result.stderr.splitlines()[0] == ("宽.xlsx [一季度]: 错误: 第 CW 列超出上限：每张表最多 100 列（政策 limits.sheet_columns），"
                                             "请删除多余的列后再导入")
    long = tmp_path / "长.csv"
    long.write_text("警号,姓名,1月\n" + "010002,李娜,90\n" * 20_001, encoding="utf-8")
    result = run(mini, "import", "monthly", str(long), "--quarter", "2026Q1")
    assert result.stderr.splitlines()[0] == "长.csv: 错误: 行数超过上限：最多 20000 行（政策 limits.sheet_rows），请拆分或删除多余的行后再导入"


@pytest.mark.parametrize("depth", [30, 600, 999, 5000])
def test_deeply_nested_yaml_is_a_message_not_a_recursion_error(mini, depth):
    write(mini, {SOLO: "unit: solo\nquarter: 2026Q1\npeople: " + "[" * depth + "]" * depth + "\n"})
    found = [e for e in errors(mini) if e.startswith(SOLO)]
    assert found in ([f"{SOLO}:3: 错误: 嵌套层数超过上限 20 层，记录文件不会有这么多层，请检查文件内容"],
                     [f"{SOLO}:3: 错误: 嵌套层数过多（超过 YAML 读取程序的上限），记录文件不会有这么多层，请检查文件内容"])


def test_deep_block_nesting_is_bounded_too(mini):
    nested = "".join(f"{'  ' * i}k{i}:\n" for i in range(700)) + f"{'  ' * 700}v: 1\n"
    write(mini, {SOLO: nested})
    assert errors(mini)[0].startswith(f"{SOLO}:")
    assert "嵌套层数" in errors(mini)[0]


@pytest.mark.parametrize("number, shown, problem", [
    ("1e999999999", "1e999999999", "数量级超出范围（最多 15 位整数或小数）"),  # decimal.Overflow before
    ("1e-999999999", "1e-999999999", "数量级超出范围（最多 15 位整数或小数）"),
    ("1.0e+999999999", "1.0E+999999999", "数量级超出范围（最多 15 位整数或小数）"),
    ("0.000000000000000000001", "1E-21", "数量级超出范围（最多 15 位整数或小数）"),
    ("95.0000000000000000000001", "95.0000000000000000000001", "位数过多（24 位，最多 20 位）"),
])
def test_huge_or_overprecise_numbers_are_clear_errors(mini, number, shown, problem):
    write(mini, {SOLO: (mini / SOLO).read_text(encoding="utf-8").replace("monthly: {1: 96,", f"monthly: {{1: {number},")})
    assert errors(mini) == [f"{SOLO}:7: 错误: “1月绩效得分”的值“{shown}”{problem}，不是有效的分数或数值"]


def test_a_5000_digit_integer_is_a_clear_error(mini):
    digits = "9" * 5000
    write(mini, {SOLO: (mini / SOLO).read_text(encoding="utf-8").replace("德: 19,", f"德: {digits},")})
    assert errors(mini) == [f"{SOLO}:6: 错误: “德”的值过长（5000 个字符），不是有效的数字"]


def test_a_5000_digit_quoted_number_is_a_clear_error(mini):
    write(mini, {SOLO: (mini / SOLO).read_text(encoding="utf-8").replace("德: 19,", f"德: \"{'9' * 5000}\",")})
    assert errors(mini) == [f"{SOLO}:6: 错误: “德”的值过长（5000 个字符），不是有效的数字",
                            f"{SOLO}:6: 错误: “德”（文字）有 5000 个字，超过上限 500 个字（政策 limits.text.default）"]


def test_numbers_within_the_bounds_still_read(mini):
    write(mini, {SOLO: (mini / SOLO).read_text(encoding="utf-8").replace("monthly: {1: 96,", "monthly: {1: 95.5,")})
    assert errors(mini) == []


# -- 5. no lost updates -------------------------------------------------------------------------

HOLD = """
import sys, time
from pathlib import Path
from kaohe_docs.records.lock import writing
with writing(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.mark.slow
def test_a_second_import_is_refused_while_another_writes(mini_git, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(mini_git)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        path = book(tmp_path / "绩效.xlsx", {"一季度": [HEAD, ["010002", "李娜", "政工室", 91, 90, 89]]})
        before = (mini_git / UNIT).read_bytes()
        second = subprocess.run([*KAOHE, "-C", str(mini_git), "import", "monthly", str(path), "--quarter", "2026Q1"],
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 1
        assert second.stderr.splitlines() == [
            f"错误: 另一个导入正在进行（进程 {holder.pid}），它会修改同一批记录；请等它完成后再运行，本次未写入任何文件"]
        assert (mini_git / UNIT).read_bytes() == before
        dry = subprocess.run([*KAOHE, "-C", str(mini_git), "import", "monthly", str(path), "--quarter", "2026Q1", "--dry-run"],
                             capture_output=True, text=True, timeout=120)
        assert dry.returncode == 0  # looking is always allowed
    finally:
        holder.kill()
        holder.wait()
    after = subprocess.run([*KAOHE, "-C", str(mini_git), "import", "monthly", str(path), "--quarter", "2026Q1"],
                           capture_output=True, text=True, timeout=120)
    assert after.returncode == 0, after.stderr  # the lock died with its process (as after kill -9)
    assert "1: 91" in (mini_git / UNIT).read_text(encoding="utf-8")
    assert not (mini_git / ".kaohe-records.lock").exists()  # it lives in .git/
    assert (mini_git / ".git/kaohe-records.lock").exists()


@pytest.mark.slow
def test_temp_copies_of_interrupted_writes_are_reported_cleaned_and_ignored(mini_git, tmp_path):
    stray = "records/2026/Q1/units/.zhengong.yaml-k3j_x9q2"
    write(mini_git, {stray: (mini_git / UNIT).read_text(encoding="utf-8")})
    check = run(mini_git, "check")
    assert f"{stray}: 警告: 中断的写入（如导入时断电或强行结束）留下的临时文件，其中可能有个人信息：请删除；" \
           "下次 kaohe import 会自动清理（.gitignore 已忽略这类文件）" in check.stderr.splitlines()
    scaffold = (PROJECT_ROOT / "src/kaohe_docs/scaffold/gitignore").read_text(encoding="utf-8")
    (mini_git / ".gitignore").write_text(scaffold, encoding="utf-8")
    assert git(mini_git, "status", "--porcelain", "--untracked-files=all").split() == ["M", ".gitignore"]
    path = book(tmp_path / "绩效.xlsx", {"一季度": [HEAD, ["010002", "李娜", "政工室", 91, 90, 89]]})
    result = run(mini_git, "import", "monthly", str(path), "--quarter", "2026Q1")
    assert result.exit_code == 0
    assert f"已删除上次中断的写入留下的临时文件：{stray}" in result.stderr.splitlines()
    assert not (mini_git / stray).exists()


def test_the_project_gitignore_ignores_temp_copies():
    text = (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8")
    assert ".*.yaml-*" in text.splitlines()


# -- 6. Git edge cases and encodings ------------------------------------------------------------

@pytest.fixture
def approved_then_changed(mini_git) -> Path:
    assert run(mini_git, "approve", "2026Q1").exit_code == 0
    write(mini_git, {UNIT: (mini_git / UNIT).read_text(encoding="utf-8").replace("认真履行职责。", "认真履行职责！")})
    commit_all(mini_git, "审定后修改")
    return mini_git


def _clone(source: Path, target: Path, *args: str) -> Path:
    subprocess.run(["git", "clone", "-q", *args, f"file://{source}", str(target)], check=True, capture_output=True)
    return target


@pytest.mark.slow
def test_shallow_clone_with_a_tag_whose_commit_is_missing_is_a_message(approved_then_changed, tmp_path):
    clone = _clone(approved_then_changed, tmp_path / "ci", "--depth", "1")
    tagged = git(approved_then_changed, "rev-parse", "approved/2026Q1").strip()
    (clone / ".git/refs/tags/approved").mkdir(parents=True)
    (clone / ".git/refs/tags/approved/2026Q1").write_text(tagged + "\n")  # the ref arrived, the objects did not
    result = run(clone, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        "错误: 当前是浅克隆（shallow clone），审定标签 approved/2026Q1 指向的提交不在本地，无法核对 2026Q1 审定后是否被修改；"
        "请先运行 git fetch --unshallow --tags（CI 中把克隆深度设为 0，如 GitLab 的 GIT_DEPTH: 0、GitHub 的 fetch-depth: 0）")


@pytest.mark.slow
def test_shallow_clone_missing_the_history_after_the_tag_still_checks_the_content(approved_then_changed, tmp_path):
    """The lock compares content with the approval commit, so a shallow clone with the tag is still checked:
    the change after the approval is found; that the tag is on this branch cannot be confirmed (a warning)."""
    clone = _clone(approved_then_changed, tmp_path / "ci", "--depth", "1")
    git(clone, "fetch", "-q", "--depth", "1", "origin", "refs/tags/approved/2026Q1:refs/tags/approved/2026Q1")
    result = run(clone, "check")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "records/2026/Q1: 警告: 无法确认标签 approved/2026Q1 的提交是否在当前分支的历史上（浅克隆缺少历史）；请 git fetch --unshallow 后再检查" in lines
    assert any(line.startswith("records/2026/Q1/units/zhengong.yaml:") and "已经局党委审定（标签 approved/2026Q1" in line
               for line in lines)
    git(clone, "fetch", "-q", "--unshallow", "--tags")  # what the warning says to do
    fixed = run(clone, "check").stderr.splitlines()
    assert not any("浅克隆" in line for line in fixed)
    assert any(line.startswith("records/2026/Q1/units/zhengong.yaml:") and "已经局党委审定" in line for line in fixed)


@pytest.mark.slow
def test_shallow_clone_without_tags_warns_that_approvals_cannot_be_checked(approved_then_changed, tmp_path):
    clone = _clone(approved_then_changed, tmp_path / "ci", "--depth", "1", "--no-tags")
    result = run(clone, "check")
    assert result.stderr.splitlines()[0].startswith("警告: 当前是浅克隆（shallow clone），本地没有任何审定标签")
    assert run(clone, "check", "--strict").exit_code == 1


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
                                            ("utf-32", "UTF-32"), ("utf-32-le", "UTF-32")])
def test_utf16_and_utf32_files_are_named_with_the_fix(mini, encoding, name):
    write(mini, {ROSTER: (mini / ROSTER).read_text(encoding="utf-8").encode(encoding)})
    assert errors(mini) == [f"{ROSTER}: 错误: 文件是 {name} 编码（记事本的“Unicode”），请用记事本或 WPS “另存为 → 编码：UTF-8”重新保存"]


def test_a_utf16_csv_is_named_with_the_fix(mini, tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_bytes("警号,姓名\n010001,王志强\n".encode("utf-16"))
    result = run(mini, "import", "roster", str(path))
    assert result.stderr.splitlines()[0] == "花名册.csv: 错误: CSV 文件是 UTF-16 编码（记事本的“Unicode”），请在 Excel 中另存为“CSV UTF-8”"


def test_binary_files_are_still_called_binary(mini):
    write(mini, {ROSTER: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"})
    assert errors(mini) == [f"{ROSTER}: 错误: 文件含有二进制内容，不是 YAML 文本文件"]
