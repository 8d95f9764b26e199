"""The unit's workbook carries its whole submission: export → fill → import, retyped copies, every unit at once."""
from __future__ import annotations

import datetime as dt

import openpyxl

from sheetbooks import UNIT, book, run, stderr_lines


def _export(mini, tmp_path, unit="政工室"):
    out = tmp_path / "填报表.xlsx"
    result = run(mini, "export", "sheet", "2026Q1", "--unit", unit, "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_every_field_of_the_submission_round_trips(mini, tmp_path):
    out = _export(mini, tmp_path)
    assert run(mini, "import", "sheet", str(out)).stdout == ""  # export → import changes nothing
    wb = openpyxl.load_workbook(out)
    people, bonus, unit = wb["政工室"], wb["加分申报"], wb["单位信息"]
    # 李娜 (row 3): every column a unit fills
    for cell, value in {"D3": 19, "I3": 91, "L3": "一般", "M3": "本人申请", "R3": "借用（原单位：北山派出所）",
                        "S3": "本季度认真完成各项工作，（一）办案；\n（二）值班。"}.items():
        people[cell] = value
    # 王志强 (row 2) is graded by an outside body
    for cell, value in {"O2": "县行政服务中心管理委员会", "P2": "较好", "Q2": "清行服〔2026〕3号"}.items():
        people[cell] = value
    for column, value in zip("ABCDEFG", ["010002", "李娜", "三等功", "破获“1·15”系列盗窃案", 1.5, "清公〔2026〕9号", "待审核"]):
        bonus[f"{column}3"] = value
    unit["B5"] = "赵局长"
    unit["B6"] = dt.datetime(2026, 4, 9)
    wb.save(out)
    result = run(mini, "import", "sheet", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "王志强：外单位考核机关 （空） → 县行政服务中心管理委员会",
        "王志强：外单位考核等次 （空） → 较好",
        "王志强：外单位考核文号 （空） → 清行服〔2026〕3号",
        "李娜：共性“德” 18 → 19",
        "李娜：1月绩效 88 → 91",
        "李娜：建议等次 较好 → 一般",
        "李娜：低于分数段理由 （空） → 本人申请",
        "李娜：备注 （空） → 借用（原单位：北山派出所）",
        "李娜：个人小结 （空） → 本季度认真完成各项工作，（一）办案；……",
        "李娜：加分申报 （无） → 三等功（破获“1·15”系列盗窃案，待审核）",
        "政工室：主要领导 王志强 → 赵局长",
        "政工室：报送日期 2026-04-08 → 2026-04-09",
    ]
    text = (mini / UNIT).read_text(encoding="utf-8")
    assert "submitted: 2026-04-09\nleader: 赵局长\n" in text
    assert "    external: {body: 县行政服务中心管理委员会, grade: 较好, document: 清行服〔2026〕3号}\n" in text
    assert ("    summary: |-\n      本季度认真完成各项工作，（一）办案；\n      （二）值班。\n"
            "    bonus:\n      - {item: 三等功, deed: 破获“1·15”系列盗窃案, points: 1.5, evidence: 清公〔2026〕9号, status: 待审核}\n") in text
    again = run(mini, "import", "sheet", str(out))
    assert again.stdout == ""  # idempotent


def test_errors_are_located_by_sheet_row_and_column(mini, tmp_path):
    out = _export(mini, tmp_path)
    wb = openpyxl.load_workbook(out)
    wb["政工室"]["L3"] = "优秀"
    wb["政工室"]["E2"] = "十八"
    for cell, value in {"A3": "010002", "B3": "李娜", "C3": "嘉奖", "D3": "专项行动", "E3": 5}.items():
        wb["加分申报"][cell] = value
    wb["单位信息"]["B6"] = "四月八日"
    for cell, value in {"A4": "010002", "B4": "李娜", "C4": "嘉奖", "D4": "抗洪", "G4": "通过"}.items():
        wb["加分申报"][cell] = value  # a unit approving its own claim
    wb.save(out)
    result = run(mini, "import", "sheet", str(out))
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "填报表.xlsx [政工室] 第2行 E列: 错误: “十八”不是数字，请填写阿拉伯数字，如 95 或 92.5",
        "填报表.xlsx [政工室] 第3行 L列: 错误: “建议等次”应为 好 | 较好 | 一般 | 较差，现在是“优秀”",
        "填报表.xlsx [加分申报] 第3行 E列: 错误: 分值 5 超过“嘉奖”的分值 1",
        "填报表.xlsx [加分申报] 第4行 G列: 错误: “通过”由考核办审核后填写，所室队的填报表中只能填 已申报 或 待审核",
        "填报表.xlsx [单位信息] 第6行 B列: 错误: “四月八日”不是日期，请写作 2027-04-08",
        "错误: 共有 5 处错误，请修改后重试。",
    ]


def test_a_retyped_workbook_is_recognised_by_its_headers_and_unit_cells(mini, tmp_path):
    path = book(tmp_path / "自己录入.xlsx", {
        "表1": [["警号", "姓名", "德", "建议等次"], ["010002", "李娜", 19, "较好"]],
        "单位信息": [["填报项", "内容"], ["单位", "政工室"], ["季度", "2026Q1"]],
    })
    result = run(mini, "import", "sheet", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "李娜：共性“德” 18 → 19\n"
    assert ("自己录入.xlsx: 警告: 工作簿中没有导出时的标记（自己录入的，或另存为其他格式的）：按表头和“单位”“季度”单元格识别为 "
            "政工室 2026Q1，请核对") in result.stderr


def test_unit_by_name_alias_or_code_and_every_unit_at_once(mini, tmp_path):
    units = mini / "records/units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace("name: 政工室", "name: 政治工作室\n    aliases: [政工室]"),
                     encoding="utf-8")
    for written in ("zhengong", "政治工作室", "政工室"):
        assert run(mini, "export", "sheet", "2026Q1", "--unit", written, "-o", str(tmp_path / "a.xlsx")).exit_code == 0
    unknown = run(mini, "export", "sheet", "2026Q1", "--unit", "刑侦大队")
    assert unknown.exit_code == 1
    assert unknown.stderr == ("错误: 没有单位“刑侦大队”（见 records/units.yaml）；可写单位代码、名称或简称，"
                              "单位代码有：zhengong（政治工作室）、solo（法制室）\n")
    folder = tmp_path / "各单位"
    result = run(mini, "export", "sheet", "2026Q1", "--all", "-o", str(folder))
    assert result.exit_code == 0
    assert sorted(p.name for p in folder.iterdir()) == ["政治工作室-2026Q1-考核填报表.xlsx", "法制室-2026Q1-考核填报表.xlsx"]
    assert result.stdout.splitlines() == [str(folder / "政治工作室-2026Q1-考核填报表.xlsx"),
                                          str(folder / "法制室-2026Q1-考核填报表.xlsx")]
    both = run(mini, "export", "sheet", "2026Q1")
    assert both.exit_code == 2 and "请用 --unit 指定一个所室队，或用 --all 导出全部所室队" in both.stderr


def test_a_score_sheet_exported_by_an_earlier_version_still_imports(mini, tmp_path):
    path = book(tmp_path / "评分表.xlsx", {"政工室": [["警号", "姓名", "职务（职级）", "德", "能", "勤", "绩", "廉"],
                                                   ["010002", "李娜", "科员（二级警长）", 19, 17, 18, 17, 19]]})
    wb = openpyxl.load_workbook(path)
    wb.properties.subject, wb.properties.keywords = "kaohe-docs 共性指标评分表", "2026Q1|zhengong"
    wb.save(path)
    result = run(mini, "import", "sheet", str(path))
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr.count("警告")) == ("李娜：共性“德” 18 → 19\n", 0)


def test_a_retyped_sheet_with_unit_and_quarter_above_its_headers(mini, tmp_path):
    path = book(tmp_path / "手工表.xlsx", {"Sheet1": [["单位：政工室　季度：2026Q1"], [], ["警号", "姓名", "德", "备注"],
                                                    ["010002", "李娜", 19, "借用"]]})
    result = run(mini, "import", "sheet", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "李娜：共性“德” 18 → 19\n李娜：备注 （空） → 借用\n"
    split = book(tmp_path / "分开写.xlsx", {"Sheet1": [["单位", "刑侦队", "季度", "2026Q1"], ["警号", "姓名", "德"],
                                                     ["010002", "李娜", 19]]})
    wrong = run(mini, "import", "sheet", str(split))
    assert wrong.exit_code == 1
    assert stderr_lines(wrong)[0].startswith("分开写.xlsx [Sheet1] 第1行 B列: 错误: 单位“刑侦队”不是本局的所室队")
