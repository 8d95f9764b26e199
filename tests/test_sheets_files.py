"""Spreadsheet files as they come: not workbooks, broken structure, CSV quirks, and record files keeping their style."""
from __future__ import annotations

import os
import stat

import pytest

from conftest import FIXTURES, write
from sheetbooks import HEAD, UNIT, book, monthly, run, stderr_lines


@pytest.mark.slow
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


def test_files_that_are_not_workbooks_are_refused_without_a_traceback(mini, tmp_path):
    cases = {
        "乱码.csv": (b"\xff\xff\xff\xfe", "乱码.csv: 错误: CSV 文件既不是 UTF-8 也不是 GBK 编码，请在 Excel 中另存为“CSV UTF-8”"),
        "损坏.xlsx": (b"not a zip", "损坏.xlsx: 错误: 无法读取工作簿（BadZipFile）：文件损坏，或不是 Excel 2007 以后的 .xlsx 格式"),
        "损坏.xls": (b"\xd0\xcf\x11\xe0", "损坏.xls: 错误: 无法读取工作簿（CalamineError）：文件损坏、有密码，或不是 Excel 97-2003（.xls）格式；"
                                          "请在 Excel 或 WPS 中另存为 .xlsx 后再导入"),
        "文档.docx": (b"PK", "文档.docx: 错误: 只能导入 .xlsx、.xls（Excel 97-2003、WPS 兼容格式）或 .csv 文件，其他格式请在 Excel 或 WPS 中另存为 .xlsx"),
    }
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        for args in (("monthly", str(tmp_path / name), "--quarter", "2026Q1"), ("roster", str(tmp_path / name))):
            result = run(mini, "import", *args)
            assert result.exit_code == 1, (name, args)
            assert stderr_lines(result) == [message, "错误: 共有 1 处错误，请修改后重试。"], (name, args)


def test_a_csv_problem_names_the_file_row_and_column(mini, tmp_path):
    (tmp_path / "绩效.csv").write_text("警号,姓名,1月\n010002,李娜,九十一\n", encoding="utf-8")
    result = run(mini, "import", "monthly", str(tmp_path / "绩效.csv"), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert stderr_lines(result)[0] == "绩效.csv 第2行 C列: 错误: “九十一”不是数字，请填写阿拉伯数字，如 95 或 92.5"


def test_a_merged_title_above_the_header_is_fine(mini, tmp_path):
    path = book(tmp_path / "绩效.xlsx", {"一季度": [["2026年第一季度绩效考评汇总表"], HEAD, *ONE_CHANGE]}, merged=["A1:F1"])
    result = run(mini, "import", "monthly", str(path), "--quarter", "2026Q1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "李娜（政工室）：1月绩效 88 → 91\n"
    data_merge = book(tmp_path / "合并.xlsx", {"一季度": [["2026年第一季度绩效考评汇总表"], HEAD, *ONE_CHANGE]}, merged=["D3:E3"])
    refused = run(mini, "import", "monthly", str(data_merge), "--quarter", "2026Q1")
    assert refused.exit_code == 1
    assert "合并.xlsx [一季度] D3:E3: 错误: 含有合并单元格，请取消合并并在每个单元格中填写" in refused.stderr


OLD_LINE = "    monthly: {1: 88, 2: 90, 3: 89}\n"


NEW_LINE = "    monthly: {1: 91, 2: 90, 3: 89}\n"


ONE_CHANGE = [["010002", "李娜", "政工室", 91, 90, 89]]


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


@pytest.mark.slow
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


SAVED = FIXTURES / "sheets"  # files saved by LibreOffice and by a BIFF writer (make_fixtures.py)


@pytest.mark.parametrize("name", ["绩效-libreoffice.xls", "绩效-libreoffice.xlsx", "绩效-xlwt.xls"])
def test_monthly_sheets_saved_by_libreoffice_and_biff_writers_import(mini, name):
    result = run(mini, "import", "monthly", str(SAVED / name), "--quarter", "2026Q1", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "李娜（政工室）：1月绩效 88 → 91\n"
    assert stderr_lines(result) == [
        f"{name} [一季度] 第3行 A列: 警告: 警号“000001”（赵局长）不在本季度的所室队记录中，已跳过（--strict 时为错误）",
        f"提示: {name} [一季度] 第4行“平均”是公式或汇总行（如平均分），已跳过",
        "共 1 处变化；--dry-run：未写入任何文件。",
    ]
    strict = run(mini, "import", "monthly", str(SAVED / name), "--quarter", "2026Q1", "--strict")
    assert strict.exit_code == 1
    assert stderr_lines(strict)[0] == f"{name} [一季度] 第3行 A列: 错误: 警号“000001”（赵局长）不在本季度的所室队记录中"


@pytest.mark.parametrize("name", ["政工室填报表-libreoffice.xls", "政工室填报表-libreoffice.xlsx"])
def test_a_unit_workbook_saved_by_libreoffice_imports(mini, name):
    result = run(mini, "import", "sheet", str(SAVED / name))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["李娜：共性“德” 18 → 19", "李娜：个人小结 （空） → 本季度认真完成各项工作。",
                                          "李娜：加分申报 （无） → 嘉奖（专项行动，待审核）", "政工室：主要领导 王志强 → 赵局长"]
    assert "      - {item: 嘉奖, deed: 专项行动, points: 0.5, evidence: 清公〔2026〕9号, status: 待审核}\n" in (
        mini / "records/2026/Q1/units/zhengong.yaml").read_text(encoding="utf-8")
    assert run(mini, "import", "sheet", str(SAVED / name)).stdout == ""


def test_xls_has_the_same_limits_and_located_errors(mini, tmp_path):
    import xlwt
    biff = xlwt.Workbook(encoding="utf-8")
    sheet = biff.add_sheet("一季度")
    for r, row in enumerate([["警号", "姓名", "1月"], ["010002", "李娜", "九十一"]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.write_merge(3, 3, 0, 1, "合并")
    biff.add_sheet("旧表", cell_overwrite_ok=True).visibility = 1
    biff.save(str(tmp_path / "绩效.xls"))
    result = run(mini, "import", "monthly", str(tmp_path / "绩效.xls"), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "绩效.xls [一季度] A4:B4: 错误: 含有合并单元格，请取消合并并在每个单元格中填写",
        "绩效.xls [旧表]: 警告: 隐藏的工作表，已跳过",
        "绩效.xls [一季度] 第2行 C列: 错误: “九十一”不是数字，请填写阿拉伯数字，如 95 或 92.5",
        "错误: 共有 2 处错误，请修改后重试。",
    ]
    write(mini, {"policy/policy.yaml": (mini / "policy/policy.yaml").read_text(encoding="utf-8")
                 + "limits:\n  sheet_rows: 1\n"})
    limited = run(mini, "import", "monthly", str(tmp_path / "绩效.xls"), "--quarter", "2026Q1")
    assert stderr_lines(limited)[0] == "绩效.xls [一季度]: 错误: 行数超过上限：每张表最多 1 行（政策 limits.sheet_rows），请拆分或删除多余的行后再导入"


def test_the_import_preview_tells_namesakes_apart_by_their_id(mini):
    for rel in ("records/roster.yaml", "records/2026/Q1/units/solo.yaml"):
        (mini / rel).write_text((mini / rel).read_text(encoding="utf-8").replace("name: 刘洋", "name: 李娜"), encoding="utf-8")
    result = run(mini, "import", "monthly", str(SAVED / "绩效-xlwt.xls"), "--quarter", "2026Q1", "--dry-run")
    assert result.stdout == "李娜（警号 010002，政工室）：1月绩效 88 → 91\n"


def test_a_summary_written_in_a_word_processor_is_imported(mini, tmp_path):
    docx = SAVED / "李娜-个人小结.docx"  # saved by LibreOffice Writer, with a title line
    dry = run(mini, "import", "summary", str(docx), "--quarter", "2026Q1", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout == "李娜：个人小结 （空） → 本季度认真学习，（一）办理案件12起……\n"
    assert run(mini, "import", "summary", str(docx), "--quarter", "2026Q1").exit_code == 0
    assert ("    summary: |-\n      本季度认真学习，（一）办理案件12起；\n      （二）参加专项行动，未发生差错。\n"
            in (mini / UNIT).read_text(encoding="utf-8"))
    assert run(mini, "import", "summary", str(docx), "--quarter", "2026Q1").stdout == ""  # idempotent
    unnamed = tmp_path / "小结.docx"
    unnamed.write_bytes(docx.read_bytes())
    result = run(mini, "import", "summary", str(unnamed), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert stderr_lines(result)[0] == "小结.docx: 错误: 文件名中没有 2026Q1 记录中的姓名，请用 --id 写明警号"
    assert run(mini, "import", "summary", str(unnamed), "--quarter", "2026Q1", "--id", "010001", "--dry-run").stdout == (
        "王志强：个人小结 认真履行职责。 → 本季度认真学习，（一）办理案件12起……\n")
    broken = tmp_path / "王志强.docx"
    broken.write_bytes(b"PK\x03\x04 not really")
    result = run(mini, "import", "summary", str(broken), "--quarter", "2026Q1")
    assert stderr_lines(result)[0] == ("王志强.docx: 错误: 无法读取文档（BadZipFile）：文件损坏，或不是 Word 2007 以后的 .docx 格式"
                                       "（.doc 请另存为 .docx）")
