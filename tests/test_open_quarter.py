"""Running a quarter from its first day: kaohe open, pending vs wrong, collection tools on an
opened quarter, status exit codes, offline calendars (issue 14)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import commit_all
from kaohe_docs.cli import main

PROJECT_ROOT = Path(__file__).parent.parent
UNITS = """\
units:
  - id: zhengong
    name: 政工室
  - id: xingzhen
    name: 刑事侦查大队
    aliases: [刑侦大队]
  - id: chengguan-pcs
    name: 城关派出所
    aliases: [城关所]
"""
PEOPLE = [("010001", "王志强", "zhengong"), ("010002", "李娜", "zhengong"), ("010003", "刘洋", "zhengong"),
          ("010004", "陈静", "xingzhen"), ("010005", "张伟", "xingzhen"), ("010006", "赵敏", "xingzhen"),
          ("010007", "孙丽", "xingzhen"), ("010008", "周杰", "chengguan-pcs"), ("010009", "吴刚", "chengguan-pcs"),
          ("010010", "郑爽", "chengguan-pcs"), ("010011", "冯涛", "chengguan-pcs"), ("010012", "何平", "chengguan-pcs")]
SHORT = {"zhengong": "政工室", "xingzhen": "刑侦大队", "chengguan-pcs": "城关所"}  # as clerks write them
Q1 = "records/2026/Q1"


def run(root: Path, *args):
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def roster(people=PEOPLE, joined=("010012", "2026-02")) -> str:
    lines = ["people:"]
    for n, (pid, name, unit) in enumerate(people, 1):
        lines += [f'  - id: "{pid}"', f"    name: {name}", f"    gender: {'男' if n % 2 else '女'}",
                  f"    birth: 198{n % 10}-0{1 + n % 9}", "    position: 科员", "    rank: 四级警长", f"    unit: {unit}"]
        if pid == joined[0]:
            lines.append(f"    joined: {joined[1]}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def bureau(tmp_path, monkeypatch) -> Path:
    """A new bureau made with ``kaohe init``: 3 units, 12 people (何平 joined in February)."""
    for key, value in (("GIT_AUTHOR_NAME", "考核办"), ("GIT_COMMITTER_NAME", "考核办"),
                       ("GIT_AUTHOR_EMAIL", "kaohe@example.invalid"), ("GIT_COMMITTER_EMAIL", "kaohe@example.invalid")):
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")  # the pre-commit hook
    root = tmp_path / "新局"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    (root / "records/units.yaml").write_text(UNITS, encoding="utf-8")
    (root / "records/roster.yaml").write_text(roster(), encoding="utf-8")
    return root


def status(root: Path, today: str = "2026-04-01"):
    result = run(root, "status", "2026Q1", "--today", today)
    return result.exit_code, result.stdout


def person_items(name: str, months: str = "1月、2月、3月") -> list[str]:
    return [f"  - {name}：个人小结未填写", f"  - {name}：共性得分未填写（德、能、勤、绩、廉）",
            f"  - {name}：缺 {months} 绩效得分", f"  - {name}：缺所室队建议等次"]


@pytest.mark.slow
def test_open_creates_every_unit_file_with_empty_fields_and_never_overwrites(bureau):
    result = run(bureau, "open", "2026Q1")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [f"{Q1}/units/zhengong.yaml", f"{Q1}/units/xingzhen.yaml",
                                          f"{Q1}/units/chengguan-pcs.yaml", f"{Q1}/decision.yaml"]
    text = (bureau / f"{Q1}/units/chengguan-pcs.yaml").read_text(encoding="utf-8")
    assert text.splitlines()[:8] == [
        "# 城关派出所 2026年第一季度平时考核记录（kaohe open 生成）",
        "# 留空的项目由所室队填写，2026-04-10 前报送考核办；kaohe status 2026Q1 查看还缺什么。",
        "# 空着的项目是“待填写”，不是错误；填了但不合规定的值才是错误（kaohe check 指出行号）。",
        "unit: chengguan-pcs", "quarter: 2026Q1",
        "submitted:          # 报送考核办的日期，如 2026-04-09（所室队）",
        "leader:             # 所室队主要领导姓名", "people:"]
    # 何平 joined in February: only the months he belongs to the bureau
    assert text.endswith('  - id: "010012"\n    name: 何平\n    summary:        # 个人小结：本人填写\n'
                         "    common:         # 共性得分：所室队评分（满分 德 20、能 20、勤 20、绩 20、廉 20）\n"
                         "      德:\n      能:\n      勤:\n      绩:\n      廉:\n"
                         "    monthly:        # 月度绩效考评得分：kaohe import monthly 导入，或所室队填写\n"
                         "      2:\n      3:\n    suggested:      # 建议等次（好/较好/一般/较差）：所室队主要领导\n")
    # opened a minute ago: nothing wrong, everything pending
    check = run(bureau, "check")
    assert check.exit_code == 0
    assert check.stderr.splitlines() == [
        "待填写：12 人共 119 项尚未填写（正在收集中，不是错误；kaohe status 查看进度，kaohe check --complete 要求全部填齐）",
        f"  {Q1}/units/chengguan-pcs.yaml：5 人 49 项（周杰 10 项、吴刚 10 项、郑爽 10 项、冯涛 10 项、何平 9 项）",
        f"  {Q1}/units/xingzhen.yaml：4 人 40 项（陈静 10 项、张伟 10 项、赵敏 10 项、孙丽 10 项）",
        f"  {Q1}/units/zhengong.yaml：3 人 30 项（王志强 10 项、李娜 10 项、刘洋 10 项）",
        "检查完成：0 个错误，0 个警告，12 人有待填写项目。"]
    complete = run(bureau, "check", "--complete")
    assert complete.exit_code == 1
    assert complete.stderr.splitlines()[0] == (
        f"{Q1}/units/chengguan-pcs.yaml:11: 待填写: 周杰（警号 010008）尚未填写：个人小结、共性“德”、共性“能”、共性“勤”、"
        "共性“绩”、共性“廉”、1月绩效得分、2月绩效得分、3月绩效得分、建议等次")
    assert complete.stderr.splitlines()[-1] == "错误: 共有 12 处错误，请修改后重试。"
    # a re-run changes nothing; a roster change adds the new person and reports the one who left
    before = {p: p.read_bytes() for p in (bureau / Q1).rglob("*.yaml")}
    again = run(bureau, "open", "2026Q1")
    assert (again.exit_code, again.stdout) == (0, "")
    assert "没有需要新建的内容" in again.stderr
    assert {p: p.read_bytes() for p in (bureau / Q1).rglob("*.yaml")} == before
    people = [p for p in PEOPLE if p[0] != "010003"] + [("010013", "钱多", "xingzhen")]
    text = roster(people).replace('  - id: "010013"', '  - id: "010013"') + '  - id: "010003"\n    name: 刘洋\n' \
        "    gender: 男\n    birth: 1983-04\n    position: 科员\n    rank: 四级警长\n    unit: zhengong\n    left: 2025-12\n"
    (bureau / "records/roster.yaml").write_text(text, encoding="utf-8")
    more = run(bureau, "open", "2026Q1")
    assert more.exit_code == 0, more.output
    assert more.stdout == f"{Q1}/units/xingzhen.yaml\n"
    assert "提示: 刘洋（警号 010003，records/2026/Q1/units/zhengong.yaml）已不在本季度花名册上，未删除" in more.stderr
    xingzhen = (bureau / f"{Q1}/units/xingzhen.yaml").read_text(encoding="utf-8")
    assert xingzhen.startswith(before[bureau / f"{Q1}/units/xingzhen.yaml"].decode("utf-8").rstrip("\n").rsplit("\n", 1)[0])
    assert '  - id: "010013"\n    name: 钱多\n    summary:\n    common:\n      德:\n' in xingzhen
    assert (bureau / f"{Q1}/units/zhengong.yaml").read_bytes() == before[bureau / f"{Q1}/units/zhengong.yaml"]


@pytest.mark.slow
def test_a_person_without_a_unit_stops_open_and_nothing_is_written(bureau):
    (bureau / "records/roster.yaml").write_text(roster().replace("    unit: zhengong\n", "", 1), encoding="utf-8")
    result = run(bureau, "open", "2026Q1")
    assert result.exit_code == 1
    assert result.stderr == ("错误: 以下人员在花名册中没有单位（unit），上一季度也没有记录，无法放入单位文件：王志强（警号 010001）；"
                             "请在 records/roster.yaml 中为其写明 unit，未写入任何文件\n")
    assert not (bureau / "records/2026").exists()


def fill_unit_sheet(path: Path, scores: dict[str, int], blank: str | None = None) -> None:
    """A clerk fills the exported sheet: every element, one cell left blank, an average row below."""
    book = openpyxl.load_workbook(path)
    ws = book.active
    last = ws.max_row
    for row in range(2, last + 1):
        pid = ws.cell(row=row, column=1).value
        for column in range(4, 9):
            ws.cell(row=row, column=column).value = scores[pid]
        if pid == blank:
            ws.cell(row=row, column=8).value = None  # 廉 left blank
    ws.cell(row=last + 1, column=2).value = "平均"
    for column in range(4, 9):
        letter = ws.cell(row=1, column=column).column_letter
        ws.cell(row=last + 1, column=column).value = f"=AVERAGE({letter}2:{letter}{last})"
    book.save(path)


def monthly_workbook(path: Path, people=PEOPLE) -> None:
    """The monthly appraisal export: names and short unit names, no 警号, an average row at the bottom."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "一季度"
    ws.append(["姓名", "单位", "1月", "2月", "3月"])
    for pid, name, unit in people:
        ws.append([name, SHORT[unit], None if pid == "010012" else 85, 85, 85])
    n = ws.max_row
    ws.append(["平均", None, f"=AVERAGE(C2:C{n})", f"=AVERAGE(D2:D{n})", f"=AVERAGE(E2:E{n})"])
    book.save(path)


def edit_units(root: Path, submitted: dict[str, str]) -> None:
    """Each unit writes the summaries, the suggested grades, its leader and the day it submitted."""
    for unit, day in submitted.items():
        path = root / f"{Q1}/units/{unit}.yaml"
        text = path.read_text(encoding="utf-8")
        text = text.replace("summary:        # 个人小结：本人填写", "summary: 完成本职工作，遵守纪律。")
        text = text.replace("suggested:      # 建议等次（好/较好/一般/较差）：所室队主要领导", "suggested: 较好")
        text = re.sub(r"submitted: .*", f"submitted: {day}", text)
        text = re.sub(r"leader: .*", "leader: 王志强", text)
        path.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_a_new_bureau_runs_its_first_quarter_from_open_to_final(bureau, tmp_path):
    assert run(bureau, "open", "2026Q1").exit_code == 0
    code, out = status(bureau)
    assert code == 1
    assert out.splitlines() == [
        "2026年第一季度平时考核尚有 49 项未完成：", "", "政工室 已填齐 0/3 人（12）：",
        *person_items("王志强"), *person_items("李娜"), *person_items("刘洋"), "",
        "刑事侦查大队 已填齐 0/4 人（16）：", *person_items("陈静"), *person_items("张伟"), *person_items("赵敏"),
        *person_items("孙丽"), "", "城关派出所 已填齐 0/5 人（20）：", *person_items("周杰"), *person_items("吴刚"),
        *person_items("郑爽"), *person_items("冯涛"), *person_items("何平", "2月、3月"), "",
        "考核办 / 局党委（1）：", "  - 局党委尚未审定（decision.yaml 尚未填写）"]

    # each unit gets the sheet it fills in, on a blank quarter
    sheets = {}
    for unit in ("zhengong", "xingzhen", "chengguan-pcs"):
        sheets[unit] = tmp_path / f"{unit}.xlsx"
        result = run(bureau, "export", "sheet", "2026Q1", "--unit", unit, "-o", str(sheets[unit]))
        assert (result.exit_code, result.stdout) == (0, f"{sheets[unit]}\n")
    rows = list(openpyxl.load_workbook(sheets["xingzhen"]).active.iter_rows(values_only=True, max_col=11))
    assert rows == [("警号", "姓名", "职务（职级）", "德", "能", "勤", "绩", "廉", "1月绩效", "2月绩效", "3月绩效"),
                    *[(pid, name, "科员（四级警长）", *[None] * 8) for pid, name, u in PEOPLE if u == "xingzhen"]]
    for unit, path in sheets.items():
        fill_unit_sheet(path, {pid: 17 for pid, _, _ in PEOPLE}, blank="010005" if unit == "xingzhen" else None)
        result = run(bureau, "import", "sheet", str(path))
        assert result.exit_code == 0, result.output
        last = 2 + sum(u == unit for _, _, u in PEOPLE)
        assert f"提示: {unit}.xlsx [{ {'zhengong': '政工室', 'xingzhen': '刑事侦查大队', 'chengguan-pcs': '城关派出所'}[unit]}] " \
               f"第{last}行“平均”是公式或汇总行（如平均分），已跳过" in result.stderr
    assert "张伟：共性“廉” （空） → 17" not in result.stdout
    text = (bureau / f"{Q1}/units/xingzhen.yaml").read_text(encoding="utf-8")
    assert '  - id: "010004"\n    name: 陈静\n    summary:        # 个人小结：本人填写\n' \
           "    common:         # 共性得分：所室队评分（满分 德 20、能 20、勤 20、绩 20、廉 20）\n" \
           "      德: 17\n      能: 17\n      勤: 17\n      绩: 17\n      廉: 17\n" in text

    # the monthly appraisal, matched by name and the unit's usual short name
    monthly = tmp_path / "绩效.xlsx"
    monthly_workbook(monthly)
    result = run(bureau, "import", "monthly", str(monthly), "--quarter", "2026Q1")
    assert result.exit_code == 0, result.output
    assert "何平（城关派出所）：2月绩效 （空） → 85\n" in result.stdout and "何平（城关派出所）：1月" not in result.stdout
    assert len(result.stdout.splitlines()) == 35
    assert "提示: 绩效.xlsx [一季度] 第14行“平均”是公式或汇总行（如平均分），已跳过" in result.stderr

    check = run(bureau, "check")
    assert check.exit_code == 0
    assert check.stderr.splitlines()[:2] == [
        "待填写：12 人共 25 项尚未填写（正在收集中，不是错误；kaohe status 查看进度，kaohe check --complete 要求全部填齐）",
        f"  {Q1}/units/chengguan-pcs.yaml：5 人 10 项（周杰 2 项、吴刚 2 项、郑爽 2 项、冯涛 2 项、何平 2 项）"]
    final = run(bureau, "build", "2026Q1", "--final", "--html-only")
    assert final.exit_code == 1
    assert final.stderr.splitlines()[-1] == (
        "错误: 2026Q1 不能生成正式文书（--final），还缺少：全部项目填齐（12 人有待填写的项目，见上）；"
        "局党委审定（2026Q1 还没有审定标签：审定后运行 kaohe approve 2026Q1）；"
        "局党委审定记录（records/2026/Q1/decision.yaml：会议日期 meeting_date、会议纪要 minutes）。"
        "去掉 --final 可生成送审稿（未审定）或草稿（有未提交的修改）")
    assert (f"{Q1}/units/xingzhen.yaml:25: 待填写: 张伟（警号 010005）尚未填写：个人小结、共性“廉”、建议等次"
            in final.stderr.splitlines())
    # a draft prints the blanks blank: 张伟's 共性 and 总分 are not invented
    draft = run(bureau, "-q", "build", "2026Q1", "--html-only")
    assert draft.exit_code == 0, draft.output
    html = (bureau / "build/2026Q1/04-结果登记表/02-刑事侦查大队.html").read_text(encoding="utf-8")
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>.*?</td>", html, re.S)]
    assert cells[cells.index("陈静") - 1: cells.index("陈静") + 8] == ["1", "陈静", "科员（四级警长）", "34.00", "51.00", "0.00", "85.00", "", ""]
    assert cells[cells.index("张伟") - 1: cells.index("张伟") + 8] == ["2", "张伟", "科员（四级警长）", "", "51.00", "0.00", "", "", ""]

    # the clerk fills 张伟's 廉 in the same sheet; a cell now left blank keeps the recorded value, with a warning
    book = openpyxl.load_workbook(sheets["xingzhen"])
    book.active["H3"] = 17
    book.active["D2"] = None
    book.save(sheets["xingzhen"])
    result = run(bureau, "import", "sheet", str(sheets["xingzhen"]))
    assert result.exit_code == 0, result.output
    assert result.stdout == "张伟：共性“廉” （空） → 17\n"
    assert "xingzhen.xlsx [刑事侦查大队] 第2行 D列: 警告: 空白，保留记录中陈静的共性“德”得分 17" in result.stderr

    edit_units(bureau, {"zhengong": "2026-04-09", "xingzhen": "2026-04-10", "chengguan-pcs": "2026-04-13"})
    assert run(bureau, "check", "--complete").exit_code == 0
    code, out = status(bureau, "2026-04-14")
    assert (code, out) == (1, "2026年第一季度平时考核尚有 1 项未完成：\n\n考核办 / 局党委（1）：\n"
                              "  - 局党委尚未审定（decision.yaml 尚未填写）\n\n记录在案（不影响完成）：\n"
                              "  - 城关派出所：逾期报送：2026-04-13 报送，截止 2026-04-10\n")
    (bureau / f"{Q1}/decision.yaml").write_text(
        "quarter: 2026Q1\nmeeting_date: 2026-04-14\nminutes: 局党委会议纪要〔2026〕8号\npublicity_start: 2026-04-15\n",
        encoding="utf-8")
    (bureau / f"{Q1}/feedback.yaml").write_text(
        "quarter: 2026Q1\nfeedback:\n" + "".join(f'  - {{id: "{pid}", method: 会议点评, date: 2026-04-22}}\n' for pid, _, _ in PEOPLE),
        encoding="utf-8")
    code, out = status(bureau, "2026-05-06")
    assert (code, out) == (0, "2026年第一季度平时考核各项工作已全部完成。\n\n记录在案（不影响完成）：\n"
                              "  - 城关派出所：逾期报送：2026-04-13 报送，截止 2026-04-10\n")
    commit_all(bureau, "2026年第一季度记录")
    assert run(bureau, "approve", "2026Q1").exit_code == 0
    final = run(bureau, "-q", "build", "2026Q1", "--final", "--html-only")
    assert final.exit_code == 0, final.output
    html = (bureau / "build/2026Q1/04-结果登记表/02-刑事侦查大队.html").read_text(encoding="utf-8")
    assert "草稿" not in html and "85.00" in html


@pytest.mark.parametrize("state, code, expected", [
    ("opened", 1, "2026年第一季度平时考核尚有 10 项未完成：\n\n政工室 已填齐 0/2 人（9）：\n"
                  "  - 未报送（截止 2026-04-10）\n  - 王志强：个人小结未填写\n  - 王志强：共性得分未填写（德、能、勤、绩、廉）\n"
                  "  - 王志强：缺 1月、2月、3月 绩效得分\n  - 王志强：缺所室队建议等次\n"
                  "  - 李娜：个人小结未填写\n  - 李娜：共性得分未填写（德、能、勤、绩、廉）\n"
                  "  - 李娜：缺 1月、2月、3月 绩效得分\n  - 李娜：缺所室队建议等次\n\n"
                  "考核办 / 局党委（1）：\n  - 局党委尚未审定（decision.yaml 尚未填写）\n"),
    ("half filled", 1, "2026年第一季度平时考核尚有 4 项未完成：\n\n政工室 已填齐 1/2 人（3）：\n"
                       "  - 未报送（截止 2026-04-10）\n  - 李娜：共性得分未填写（廉）\n  - 李娜：缺 3月 绩效得分\n\n"
                       "考核办 / 局党委（1）：\n  - 局党委尚未审定（decision.yaml 尚未填写）\n"),
    ("complete", 0, "2026年第一季度平时考核各项工作已全部完成。\n"),
    ("late but complete", 0, "2026年第一季度平时考核各项工作已全部完成。\n\n记录在案（不影响完成）：\n"
                             "  - 政工室：逾期报送：2026-04-20 报送，截止 2026-04-10\n"),
])
@pytest.mark.slow
def test_status_and_check_on_partial_quarters(tmp_path, monkeypatch, state, code, expected):
    root = tmp_path / "局"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    (root / "records/units.yaml").write_text("units:\n  - {id: zhengong, name: 政工室}\n", encoding="utf-8")
    (root / "records/roster.yaml").write_text(roster(PEOPLE[:2]), encoding="utf-8")
    assert run(root, "open", "2026Q1").exit_code == 0
    unit = root / f"{Q1}/units/zhengong.yaml"
    text = unit.read_text(encoding="utf-8")
    if state != "opened":
        filled = {"summary:        # 个人小结：本人填写": "summary: 完成本职工作。",
                  "suggested:      # 建议等次（好/较好/一般/较差）：所室队主要领导": "suggested: 较好"}
        for old, new in filled.items():
            text = text.replace(old, new)
        for element in "德能勤绩":
            text = text.replace(f"      {element}:\n", f"      {element}: 17\n")
        text = text.replace("      1:\n", "      1: 85\n").replace("      2:\n", "      2: 85\n")
        text = text.replace("      廉:\n", "      廉: 17\n", 1).replace("      3:\n", "      3: 85\n", 1)
    if state in ("complete", "late but complete"):
        text = text.replace("      廉:\n", "      廉: 17\n").replace("      3:\n", "      3: 85\n")
        day = "2026-04-20" if state == "late but complete" else "2026-04-09"
        text = re.sub(r"submitted: .*", f"submitted: {day}", text)
        (root / f"{Q1}/decision.yaml").write_text(
            "quarter: 2026Q1\nmeeting_date: 2026-04-21\nminutes: 纪要\npublicity_start: 2026-04-22\n", encoding="utf-8")
        (root / f"{Q1}/feedback.yaml").write_text(
            'quarter: 2026Q1\nfeedback:\n  - {id: "010001", method: 会议点评, date: 2026-05-08}\n'
            '  - {id: "010002", method: 会议点评, date: 2026-05-08}\n', encoding="utf-8")
    unit.write_text(text, encoding="utf-8")
    result = run(root, "status", "2026Q1", "--today", "2026-05-10")
    assert (result.exit_code, result.stdout) == (code, expected)
    check = run(root, "check")
    assert check.exit_code == 0  # missing is not wrong
    complete = run(root, "check", "--complete")
    assert complete.exit_code == (0 if state in ("complete", "late but complete") else 1)
    # a wrong value is an error with its line, whatever the state
    unit.write_text(re.sub(r"      德:.*\n", "      德: 二十\n", text, count=1), encoding="utf-8")
    wrong = run(root, "check")
    assert wrong.exit_code == 1
    assert f"{Q1}/units/zhengong.yaml:13: 错误: “德”应为数字，现在是“二十”（不要写单位或文字）" in wrong.stderr.splitlines()


HOLIDAYS_2027 = """
holidays:                   # 国务院办公厅关于2027年部分节假日安排的通知（chinese-calendar 尚无该年数据）
  2027:
    days_off: [2027-01-01, 2027-02-06~2027-02-12, 2027-04-05, 2027-05-01~2027-05-05, 2027-06-09, 2027-09-15,
               2027-10-01~2027-10-07]
    workdays: [2027-02-13, 2027-09-26, 2027-10-09]
"""


@pytest.fixture
def example_q4(tmp_path) -> Path:
    """The example bureau with Q4's publicity starting in January 2027 and one wrong monthly score."""
    import shutil
    root = tmp_path / "example"
    for folder in ("records", "policy"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    decision = root / "records/2026/Q4/decision.yaml"
    decision.write_text(decision.read_text(encoding="utf-8") + "publicity_start: 2027-01-15\n", encoding="utf-8")
    return root


@pytest.mark.slow
def test_a_year_the_library_does_not_know_comes_from_policy(example_q4):
    unit = example_q4 / "records/2026/Q4/units/xingzhen.yaml"
    good = unit.read_text(encoding="utf-8")
    unit.write_text(good.replace("monthly: {10: 85, 11: 88, 12: 85}", "monthly: {10: 185, 11: 88, 12: 85}", 1), encoding="utf-8")
    result = run(example_q4, "check", "2026Q4")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    # the calendar gap is one diagnostic among the others, not the end of the run
    assert lines == [
        "records/2026/Q4: 警告: 2026Q4 的报送截止日期无法确定：节假日日历没有 2027 年的数据，无法按工作日计算；"
        "请在 policy/policy.yaml 的 holidays 中写明 2027 年的放假日期（days_off）和调休上班日期（workdays），以国务院办公厅通知为准，"
        "或升级 chinese-calendar",
        "records/2026/Q4/decision.yaml:5: 错误: 2026Q4 公示期从 2027-01-15 开始，节假日日历没有 2027 年的数据，无法按工作日计算；"
        "请在 policy/policy.yaml 的 holidays 中写明 2027 年的放假日期（days_off）和调休上班日期（workdays），以国务院办公厅通知为准，"
        "或升级 chinese-calendar",
        "records/2026/Q4/units/xingzhen.yaml:10: 错误: 田成琳（警号 197292）10月绩效得分 185 超出 0–100",
        "错误: 共有 2 处错误，请修改后重试。",
        "检查完成：2 个错误，1 个警告。"][: len(lines)]
    assert len(lines) == 4
    unit.write_text(good, encoding="utf-8")
    policy = example_q4 / "policy/policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + HOLIDAYS_2027, encoding="utf-8")
    clean = run(example_q4, "check", "2026Q4")
    assert clean.exit_code == 0, clean.stderr
    build = run(example_q4, "-q", "build", "2026Q4", "--html-only")
    assert build.exit_code == 0, build.output
    notice = (example_q4 / "build/2026Q4/01-公示.html").read_text(encoding="utf-8")
    assert "2027年1月15日至2027年1月21日（5个工作日）" in notice
    # where the library knows the year it wins, and a difference is reported
    policy.write_text(policy.read_text(encoding="utf-8") + "  2026:\n    days_off: [2026-10-09]\n", encoding="utf-8")
    line = policy.read_text(encoding="utf-8").splitlines().index("  2026:") + 1
    result = run(example_q4, "check", "2026Q4")
    assert result.exit_code == 0
    assert (f"policy/policy.yaml:{line}: 警告: policy 的 holidays 中 2026 年与 chinese-calendar 的数据不同，以日历为准："
            "2026-10-09（政策为休息日，日历为工作日）") in result.stderr.splitlines()


@pytest.mark.slow
def test_open_places_movers_in_their_new_unit_and_leavers_for_their_months(bureau):
    assert run(bureau, "open", "2026Q1").exit_code == 0
    text = roster().replace('    name: 李娜\n    gender: 女\n    birth: 1982-03\n    position: 科员\n    rank: 四级警长\n'
                            "    unit: zhengong\n", '    name: 李娜\n    gender: 女\n    birth: 1982-03\n    position: 科员\n'
                            "    rank: 四级警长\n    unit: xingzhen\n")
    text = text.replace("    unit: zhengong\n", "    unit: zhengong\n    left: 2026-04\n", 1)  # 王志强 leaves after April
    (bureau / "records/roster.yaml").write_text(text, encoding="utf-8")
    result = run(bureau, "open", "2026Q2")
    assert result.exit_code == 0, result.output
    zhengong = (bureau / "records/2026/Q2/units/zhengong.yaml").read_text(encoding="utf-8")
    assert '  - id: "010001"\n    name: 王志强\n' in zhengong and "      4:\n    suggested:" in zhengong
    assert "      5:" not in zhengong.split('id: "010003"')[0]
    assert "李娜" not in zhengong
    xingzhen = (bureau / "records/2026/Q2/units/xingzhen.yaml").read_text(encoding="utf-8")
    block = xingzhen.split('  - id: "010002"\n')[1].split("  - id:")[0]
    assert block.startswith("    name: 李娜\n") and block.endswith("所室队主要领导\n    note: 由政工室调入\n")


@pytest.mark.slow
def test_short_unit_names_hidden_columns_and_close_names_in_a_monthly_workbook(bureau, tmp_path):
    assert run(bureau, "open", "2026Q1").exit_code == 0
    path = tmp_path / "绩效.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "一季度"
    ws.append(["姓名", "单位", "1月", "2月", "3月", "备注"])
    ws.append(["陈静", "刑侦队", 85, 85, 85, "x"])
    ws.append(["周杰", "城关所", 85, 85, 85, None])
    ws.column_dimensions["F"].hidden = True
    book.save(path)
    result = run(bureau, "import", "monthly", str(path), "--quarter", "2026Q1")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "绩效.xlsx [一季度] F列: 错误: 该列被隐藏，请取消隐藏核对后再导入，或删除该列",
        "绩效.xlsx [一季度] 第2行 B列: 错误: 单位“刑侦队”不是本局的所室队（相近的有：刑事侦查大队（刑侦大队）；"
        "常用简称可写入 records/units.yaml 该单位的 aliases）",
        "错误: 共有 2 处错误，请修改后重试。"]
    assert "1: 85" not in (bureau / f"{Q1}/units/chengguan-pcs.yaml").read_text(encoding="utf-8")


@pytest.mark.slow
def test_roster_import_sets_joined_and_left(bureau, tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_text("警号,姓名,入职年月,离开年月\n010012,何平,2026.02,\n010011,冯涛,,2026-08\n", encoding="utf-8")
    result = run(bureau, "import", "roster", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "冯涛：离开年月 （空） → 2026-08\n"
    assert "    left: 2026-08\n" in (bureau / "records/roster.yaml").read_text(encoding="utf-8")


def test_log_tells_the_committee_decision_and_the_appeal(mini_git):
    (mini_git / f"{Q1}/appeals.yaml").write_text(
        'quarter: 2026Q1\nappeals:\n  - id: "020001"\n    received: 2026-04-16\n    grounds: 等次偏低\n'
        "    outcome: 维持\n    reason: 名额所限\n    replied: 2026-04-20\n", encoding="utf-8")
    commit_all(mini_git, "刘洋复核")
    text = run(mini_git, "log", "020001").stdout
    assert "，审定 审定改为“较好”（全局“好”等次名额所限，经局党委研究未通过；2026-04-14 会议））\n" in text
    assert "“刘洋复核”\n    2026Q1 新增复核：2026-04-16 收到，维持（名额所限），2026-04-20 答复\n" in text
    assert "，审定 同建议等次“较好”（2026-04-14 会议））" in run(mini_git, "log", "010002").stdout


def test_open_on_a_bureau_without_units_or_people_says_what_to_fill_first(tmp_path):
    root = tmp_path / "空局"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    result = run(root, "open", "2026Q1")
    assert result.exit_code == 1
    assert result.stderr == ("错误: records/units.yaml 中还没有所室队，或 records/roster.yaml 中还没有人员：请先填写单位名单和花名册"
                             "（也可用 kaohe import roster 导入花名册），再开始季度\n")
    assert not (root / "records/2026").exists()


def test_open_on_records_that_cannot_be_read_stops_without_a_traceback(tmp_path):
    # a units.yaml holding only "~" used to read as no list and no error, and open crashed on the missing bureau
    root = tmp_path / "新局"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    (root / "records/units.yaml").write_text("~\n", encoding="utf-8")
    result = run(root, "open", "2026Q1")
    assert result.exit_code == 1
    assert result.stderr == "records/units.yaml: 错误: 文件为空\n错误: 共有 1 处错误，请修改后重试。\n"
    assert not (root / "records/2026").exists()


@pytest.mark.slow
def test_a_year_without_holidays_namesakes_and_the_commit_hook(bureau):
    """2027Q1 before the State Council's 2027 notice: open, check and status warn; the two 张伟 are told apart;
    open's comments carry 2027 dates; the commit hook says in one line what is still to fill in."""
    (bureau / "records/roster.yaml").write_text(roster().replace("name: 赵敏", "name: 张伟"), encoding="utf-8")
    gap = ("2027Q1 的报送截止日期无法确定：节假日日历没有 2027 年的数据，无法按工作日计算；请在 policy/policy.yaml 的 holidays 中"
           "写明 2027 年的放假日期（days_off）和调休上班日期（workdays），以国务院办公厅通知为准，或升级 chinese-calendar")
    opened = run(bureau, "open", "2027Q1")
    assert opened.exit_code == 0, opened.output
    assert opened.stderr.splitlines()[0] == f"警告: {gap}"
    unit = (bureau / "records/2027/Q1/units/xingzhen.yaml").read_text(encoding="utf-8")
    assert "submitted:          # 报送考核办的日期，如 2027-04-09（所室队）\n" in unit
    decision = (bureau / "records/2027/Q1/decision.yaml").read_text(encoding="utf-8")
    assert "# meeting_date: 2027-04-14\n# minutes: 局党委会议纪要〔2027〕8号\n" in decision
    assert "# publicity_start: 2027-04-15\n" in decision
    check = run(bureau, "check")
    assert check.exit_code == 0
    lines = check.stderr.splitlines()
    assert lines[0] == f"records/2027/Q1: 警告: {gap}"
    assert ("  records/2027/Q1/units/xingzhen.yaml：4 人 40 项（陈静 10 项、张伟（警号 010005） 10 项、张伟（警号 010006） 10 项、"
            "孙丽 10 项）") in lines
    state = run(bureau, "status", "2027Q1", "--today", "2027-03-01")
    assert "  - 张伟（警号 010005）：个人小结未填写\n" in state.stdout and "  - 张伟（警号 010006）：个人小结未填写\n" in state.stdout
    assert f"  - 报送截止日期无法确定：{gap.split('：', 1)[1]}\n" in state.stdout
    subprocess.run(["git", "-C", str(bureau), "add", "-A"], check=True)
    staged = run(bureau, "check", "--staged")
    assert staged.exit_code == 0
    assert staged.stderr.splitlines()[-1] == "检查完成：0 个错误，1 个警告，12 人有待填写项目。"
    assert len(staged.stderr.splitlines()) == 2  # the warning and the summary: no list of every person
