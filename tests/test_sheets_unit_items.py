"""共性指标 items in the unit's workbook: listed per person, picked from the policy's catalogue, imported back into
``indicators`` with the records' rules and messages, located by sheet, row and column."""
from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from sheetbooks import UNIT, run, stderr_lines

ROOT = Path(__file__).parent.parent
SOLO = "records/2026/Q1/units/solo.yaml"


def _export(root, tmp_path, unit="政工室", quarter="2026Q1"):
    out = tmp_path / "填报表.xlsx"
    result = run(root, "export", "sheet", quarter, "--unit", unit, "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def _rows(ws, first: int, rows) -> None:
    """Items typed from row ``first`` on: 警号, 姓名, 指标项目 (A–C), then 事项, 日期, 分值, 依据 (G–J)."""
    for n, (person_id, name, item, matter, date, points, evidence) in enumerate(rows, first):
        for column, value in zip("ABCGHIJ", (person_id, name, item, matter, date, points, evidence)):
            ws[f"{column}{n}"] = value


def test_sheets_and_catalogue(mini, tmp_path):
    wb = openpyxl.load_workbook(_export(mini, tmp_path, "法制室"))
    assert wb.sheetnames == ["法制室", "共性指标项目", "加分申报", "单位信息", "共性指标目录"]
    items, catalogue = wb["共性指标项目"], wb["共性指标目录"]
    assert [c.value for c in items[1]] == ["警号", "姓名", "指标项目", "要素", "项目内容", "标准分值", "事项", "日期", "分值", "依据"]
    assert [c.value for c in items[2] if c.column_letter in "ABCGHIJ"] == [
        "020001", "刘洋", "绩-3", "一季度执法质量考评指标未达到序时进度", dt.datetime(2026, 3, 31), 1, "局绩效考评通报"]
    assert items["D2"].value == ('=IF($C2="","",IFERROR(VLOOKUP($C2,\'共性指标目录\'!$A$2:$D$25,2,FALSE),'
                                 '"（目录中没有）"))')
    assert items["E100"].value.startswith('=IF($C100="","",IFERROR(VLOOKUP($C100,')  # rows to add are ready too
    assert not items["A50"].protection.locked and items["D2"].protection.locked and items.protection.sheet
    picked = next(v for v in items.data_validations.dataValidation if v.type == "list")
    assert (picked.formula1, str(picked.sqref)) == ("'共性指标目录'!$A$2:$A$25", "C2:C100")
    assert [c.value for c in catalogue[1]] == ["项目编号", "要素", "项目内容", "标准分值"]
    assert [c.value for c in catalogue[5]] == ["德-4", "德", "服务态度生硬、作风简单粗暴，被群众有效投诉", "扣0.5–2分"]
    assert catalogue.max_row == 25 and catalogue.protection.sheet
    first = _export(mini, tmp_path, "法制室").read_bytes()
    with zipfile.ZipFile(tmp_path / "填报表.xlsx") as z:  # no save time anywhere: the same records, the same bytes
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        assert b"<dcterms:modified" in z.read("docProps/core.xml") and b"2000-01-01T00:00:00Z</dcterms:modified>" in z.read(
            "docProps/core.xml")
    assert _export(mini, tmp_path, "法制室").read_bytes() == first
    same = run(mini, "import", "sheet", str(tmp_path / "填报表.xlsx"))
    assert (same.exit_code, same.stdout) == (0, "")


def test_items_filled_in_the_workbook_score_the_element(mini, tmp_path):
    out = _export(mini, tmp_path)
    wb = openpyxl.load_workbook(out)
    wb["政工室"]["F3"] = None  # 李娜's 勤 total goes: her items score it
    _rows(wb["共性指标项目"], 2, [
        ("010002", "李娜", "勤-2", "3月6日值班期间脱岗", dt.datetime(2026, 3, 6), 1.5, "值班抽查记录"),
        ("010002", "李娜", "勤-3", "3月12日旷工", "2026/3/12", None, "=考勤记录"),
        ("010002", "李娜", "勤-4", "3月6日值班期间脱岗", dt.datetime(2026, 3, 6), None, None),
    ])
    wb["共性指标项目"]["J3"].data_type = "s"  # typed as text ('=考勤记录), not a formula
    wb.save(out)
    result = run(mini, "import", "sheet", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "李娜：共性“勤” 18 → （按指标项目计分）",
        "李娜：共性指标项目 （无） → 勤-2（3月6日值班期间脱岗，1.5 分）；勤-3（3月12日旷工）；勤-4（3月6日值班期间脱岗）",
    ]
    # the emptied 勤 cell is the change above, not a blank “kept”; the matter under two items is counted once
    assert stderr_lines(result)[:-1] == ["填报表.xlsx [共性指标项目] 第4行 C列: 警告: 李娜（警号 010002）的事项“3月6日值班期间脱岗”"
                                         "同时记入了“勤-2”和“勤-4”，同一事项只记一次，按较高的“勤-2”（1.5 分）计"]
    assert ('    common: {德: 18, 能: 17, 绩: 17, 廉: 19}\n    monthly: {1: 88, 2: 90, 3: 89}\n    indicators:\n'
            '      - {item: 勤-2, matter: 3月6日值班期间脱岗, date: 2026-03-06, evidence: 值班抽查记录, points: 1.5}\n'
            '      - {item: 勤-3, matter: 3月12日旷工, date: 2026-03-12, evidence: =考勤记录}\n'
            '      - {item: 勤-4, matter: 3月6日值班期间脱岗, date: 2026-03-06}\n'
            '    suggested: 较好\n') in (mini / UNIT).read_text(encoding="utf-8")
    score = run(mini, "score", "2026Q1", "--unit", "zhengong", "--json")
    li = next(r for r in __import__("json").loads(score.stdout) if r["姓名"] == "李娜")
    # 勤 = 20 − 1.5 − 2 = 16.5; 共性 = (18 + 17 + 16.5 + 17 + 19) × 40% = 35.00 (it was 35.60 with 勤 18)
    assert (li["共性"], li["共性指标扣分、加分"]) == ("35.00", "勤-2 扣1.5分（3月6日值班期间脱岗）；同一事项另涉及勤-4，只记一次（就高不就低）；勤-3 扣2分（3月12日旷工）")
    assert run(mini, "import", "sheet", str(out)).stdout == ""  # idempotent
    again = openpyxl.load_workbook(_export(mini, tmp_path))
    assert again["共性指标项目"]["J3"].value == "'=考勤记录"  # inert in the workbook, as written in the records
    assert again["共性指标项目"]["A3"].data_type == "s" and again["政工室"]["F3"].value is None


def test_item_mistakes_are_located_with_the_records_messages(mini, tmp_path):
    out = _export(mini, tmp_path)
    wb = openpyxl.load_workbook(out)
    wb["政工室"]["G2"] = wb["政工室"]["G3"] = None  # 绩 of both scored from items
    _rows(wb["共性指标项目"], 2, [
        ("010002", "李娜", "勤-9", "迟到", dt.datetime(2026, 3, 2), None, None),
        ("010002", "李娜", "能-2", "执法过错", dt.datetime(2026, 3, 3), 1, None),
        ("010002", "李娜", "勤-2", "脱岗", dt.datetime(2026, 3, 4), 3, None),
        ("010002", "李娜", "廉-3", "私驾警车", dt.datetime(2026, 3, 5), None, None),
        ("010002", "李娜", "德-2", "未参加主题党日", dt.datetime(2026, 3, 6), None, None),
        ("010001", "王志强", "绩-2", "报表差错被通报", dt.datetime(2026, 2, 26), None, None),
        ("010002", "李娜", "绩-2", "报表差错被通报", dt.datetime(2026, 2, 26), None, None),
        ("010002", "李娜", "勤-1", "迟到", None, None, None),
        ("010003", "张伟", "勤-1", "早退", dt.datetime(2026, 3, 9), None, None),
    ])
    wb.save(out)
    before = (mini / UNIT).read_bytes()
    result = run(mini, "import", "sheet", str(out))
    assert result.exit_code == 1
    at = "填报表.xlsx [共性指标项目] "
    assert stderr_lines(result) == [
        f"{at}第9行 H列: 错误: 共性指标项目缺少“日期”",
        f"{at}第10行: 错误: 张伟是不确定等次人员，不应填写共性指标项目",
        f"{at}第2行 C列: 错误: 李娜（警号 010002）的共性指标项目“勤-9”不在政策的量化考核指标中（见政策 indicators）",
        f"{at}第3行 I列: 错误: 李娜（警号 010002）“能-2”记 1 分，不在该项分值范围内（扣2–5分）",
        f"{at}第3行 C列: 错误: 李娜（警号 010002）共性要素“能”已直接填写得分 17（填报表.xlsx [政工室] 第3行 E列），"
        "不能再按指标项目“能-2”计分；同一要素只能用一种方式，请删去其一",
        f"{at}第4行 I列: 错误: 李娜（警号 010002）“勤-2”记 3 分，超过该项分值（扣0.5–2分）",
        f"{at}第4行 C列: 错误: 李娜（警号 010002）共性要素“勤”已直接填写得分 18（填报表.xlsx [政工室] 第3行 F列），"
        "不能再按指标项目“勤-2”计分；同一要素只能用一种方式，请删去其一",
        f"{at}第5行 I列: 错误: 李娜（警号 010002）“廉-3”的分值是范围（扣0.5–2分），须写明本人分值（“分值”列）",
        f"{at}第5行 C列: 错误: 李娜（警号 010002）共性要素“廉”已直接填写得分 19（填报表.xlsx [政工室] 第3行 H列），"
        "不能再按指标项目“廉-3”计分；同一要素只能用一种方式，请删去其一",
        f"{at}第6行 C列: 错误: 李娜（警号 010002）共性要素“德”已直接填写得分 18（填报表.xlsx [政工室] 第3行 D列），"
        "不能再按指标项目“德-2”计分；同一要素只能用一种方式，请删去其一",
        f"{at}第7行 I列: 错误: 事项“报表差错被通报”涉及 2 人，须由所在单位确定每人分值（“分值”列，每人不超过 3 分）",
        f"{at}第8行 I列: 错误: 事项“报表差错被通报”涉及 2 人，须由所在单位确定每人分值（“分值”列，每人不超过 3 分）",
        "错误: 共有 12 处错误，请修改后重试。",
    ]
    assert (mini / UNIT).read_bytes() == before  # nothing written


def test_rows_deleted_or_changed_and_a_total_kept_beside_recorded_items(mini, tmp_path):
    out = _export(mini, tmp_path, "法制室")
    wb = openpyxl.load_workbook(out)
    items = wb["共性指标项目"]
    items["I2"] = 0.5
    for column in "ABCGHIJ":
        items[f"{column}3"] = None  # 廉-5 deleted
    wb.save(out)
    result = run(mini, "import", "sheet", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ("刘洋：共性指标项目 绩-3（一季度执法质量考评指标未达到序时进度，1 分）；廉-5（未按规定报告本人婚姻变化情况）"
                             " → 绩-3（一季度执法质量考评指标未达到序时进度，0.5 分）\n")
    text = (mini / SOLO).read_text(encoding="utf-8")
    assert "    common: {德: 19, 能: 19, 勤: 19}   # 绩、廉按量化考核指标从满分 20 扣分（见 indicators）\n" in text
    assert text.endswith("    indicators:\n      - {item: 绩-3, matter: 一季度执法质量考评指标未达到序时进度, date: 2026-03-31, "
                         "evidence: 局绩效考评通报, points: 0.5}\n")
    # an earlier export without the items sheet: a total typed over recorded items is refused where it stands
    wb = openpyxl.load_workbook(out)
    del wb["共性指标项目"]
    wb["法制室"]["G2"] = 18
    wb.save(out)
    mixed = run(mini, "import", "sheet", str(out))
    assert mixed.exit_code == 1
    assert stderr_lines(mixed)[0] == (
        f"{SOLO}:10: 错误: 刘洋（警号 020001）共性要素“绩”已直接填写得分 18（填报表.xlsx [法制室] 第2行 G列），"
        "不能再按指标项目“绩-3”计分；同一要素只能用一种方式，请删去其一")


@pytest.mark.slow
def test_the_example_units_workbooks_round_trip_unchanged(tmp_path):
    root = tmp_path / "example"
    for part in ("records", "policy"):
        shutil.copytree(ROOT / part, root / part)
    before = {p: p.read_bytes() for p in (root / "records").rglob("*.yaml")}
    for quarter in ("2026Q1", "2026Q2"):
        out = _export(root, tmp_path, "治安管理大队", quarter)
        rows = openpyxl.load_workbook(out)["共性指标项目"]
        listed = sum(1 for r in rows.iter_rows(min_row=2, max_col=1, values_only=True) if r[0])
        assert listed >= 60 and rows.max_row == listed + 51  # 50 rows to add below the unit's items
        assert not rows[f"A{listed + 51}"].protection.locked and rows[f"D{listed + 51}"].value.startswith("=IF(")
        result = run(root, "import", "sheet", str(out))
        assert (result.exit_code, result.stdout) == (0, ""), result.output
    assert {p: p.read_bytes() for p in (root / "records").rglob("*.yaml")} == before


def test_a_policy_without_indicator_items_exports_no_items_sheets(mini, tmp_path):
    policy = mini / "policy/policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text[:text.index("indicators:")], encoding="utf-8")
    solo = (mini / SOLO).read_text(encoding="utf-8")
    (mini / SOLO).write_text(solo[:solo.index("    indicators:")].replace("勤: 19}", "勤: 19, 绩: 19, 廉: 19}"), encoding="utf-8")
    wb = openpyxl.load_workbook(_export(mini, tmp_path))
    assert wb.sheetnames == ["政工室", "加分申报", "单位信息"]
    retyped = tmp_path / "填报表.xlsx"
    items = wb.create_sheet("共性指标项目")
    items.append(["警号", "姓名", "指标项目", "事项", "日期"])
    items.append(["010002", "李娜", "勤-1", "迟到", dt.datetime(2026, 3, 2)])
    wb.save(retyped)
    result = run(mini, "import", "sheet", str(retyped))
    assert result.exit_code == 1
    assert stderr_lines(result)[0] == ("填报表.xlsx [共性指标项目] 第2行 C列: 错误: 李娜（警号 010002）的共性指标项目“勤-1”不在政策的"
                                       "量化考核指标中（政策中没有量化考核指标（indicators），请直接填写各要素得分（common））")


def test_items_of_someone_the_same_workbook_makes_ungraded_are_refused(mini, tmp_path):
    out = _export(mini, tmp_path)
    wb = openpyxl.load_workbook(out)
    wb["政工室"]["N3"] = "长期病假"  # 李娜 is not graded this quarter
    _rows(wb["共性指标项目"], 2, [("010002", "李娜", "勤-1", "迟到", dt.datetime(2026, 3, 2), None, None)])
    wb.save(out)
    result = run(mini, "import", "sheet", str(out))
    assert result.exit_code == 1
    assert "填报表.xlsx [共性指标项目] 第2行: 错误: 李娜是不确定等次人员，不应填写共性指标项目" in stderr_lines(result)
