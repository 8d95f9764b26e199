"""The validation catalogue: each rule's bad record sets with their exact diagnostics.

This is the one home of the rules' cases (checks/); problems found while *reading* files
(YAML, encodings, types, layout) have theirs in tests/bad/.

Every case starts from the clean mini bureau and replaces one or more files; the
expected lines are exactly what ``kaohe check`` prints (file:line: level: message).
"""
from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, write
from kaohe_docs.pipeline import open_project

UNIT = "records/2026/Q1/units/zhengong.yaml"
SOLO = "records/2026/Q1/units/solo.yaml"
DECISION = "records/2026/Q1/decision.yaml"

HEAD = """\
unit: zhengong
quarter: 2026Q1
submitted: 2026-04-08
leader: 王志强
people:
"""
WANG = """\
  - id: "010001"
    name: 王志强
    common: {德: 19, 能: 18, 勤: 19, 绩: 18, 廉: 20}
    monthly: {1: 95, 2: 96, 3: 94}
    suggested: 好
"""
LI = """\
  - id: "010002"
    name: 李娜
    common: {德: 18, 能: 17, 勤: 18, 绩: 17, 廉: 19}
    monthly: {1: 88, 2: 90, 3: 89}
    suggested: 较好
"""
ZHANG = """\
  - id: "010003"
    name: 张伟
    ungraded: 长期病假
"""


def unit_file(*people: str) -> str:
    return HEAD + "".join(people)


def itemised(*items: str, common: str = "") -> str:
    """王志强 with 共性指标 items (``indicators``) instead of element totals; each item dated 2026-03-09."""
    return ('  - id: "010001"\n    name: 王志强\n    monthly: {1: 95, 2: 96, 3: 94}\n    suggested: 好\n' + common
            + "    indicators:\n" + "".join(f"      - {{{item}, date: 2026-03-09}}\n" for item in items))


def diagnostics(root):
    return [d.format() for d in open_project(root, use_cache=False).diagnostics]


def test_the_mini_bureau_is_clean(mini):
    assert diagnostics(mini) == []


def fixture(path: str) -> str:
    return (FIXTURES / "mini" / path).read_text(encoding="utf-8")


def full_year() -> dict:
    """Q2–Q4 as Q1 (刘洋 suggested 较好 with a reason, so that no quota is exceeded), each decided."""
    files = {}
    for q, (submitted, meeting) in {2: ("2026-07-08", "2026-07-14"), 3: ("2026-10-09", "2026-10-14"),
                                    4: ("2027-01-08", "2027-01-14")}.items():
        for unit in ("zhengong", "solo"):
            text = fixture(f"records/2026/Q1/units/{unit}.yaml").replace("2026Q1", f"2026Q{q}")
            text = text.replace("2026-04-08", submitted)
            if unit == "solo":
                text = text.replace("suggested: 好\n", "suggested: 较好\n    lower_reason: 名额所限\n")
            text = re.sub(r"\{1: (\d+), 2: (\d+), 3: (\d+)\}",
                          lambda m, q=q: f"{{{3 * q - 2}: {m[1]}, {3 * q - 1}: {m[2]}, {3 * q}: {m[3]}}}", text)
            files[f"records/2026/Q{q}/units/{unit}.yaml"] = text
        files[f"records/2026/Q{q}/decision.yaml"] = f"quarter: 2026Q{q}\nmeeting_date: {meeting}\nminutes: 纪要\n"
    return files


GAP_2027 = ("records/2026/Q4: 警告: 2026Q4 的报送截止日期无法确定：节假日日历没有 2027 年的数据，无法按工作日计算；请在 "
            "policy/policy.yaml 的 holidays 中写明 2027 年的放假日期（days_off）和调休上班日期（workdays），以国务院办公厅通知为准，"
            "或升级 chinese-calendar")  # the Q4 of full_year(): the calendar does not know 2027 yet


def annual(*ids: str) -> str:
    return "year: 2026\nmeeting_date: 2027-01-21\nminutes: 纪要\nexcellent:\n" + "".join(f'  - id: "{i}"\n' for i in ids)


CASES = {
    "indicator item not in the policy": (
        {UNIT: unit_file(itemised("item: 勤-9, matter: 迟到"), LI, ZHANG)},
        [f"{UNIT}:11: 错误: 王志强（警号 010001）的共性指标项目“勤-9”不在政策的量化考核指标中（见政策 indicators）"],
    ),
    "element both typed and scored from items": (
        {UNIT: unit_file(itemised("item: 勤-1, matter: 迟到", common="    common: {勤: 19}\n"), LI, ZHANG)},
        [f"{UNIT}:12: 错误: 王志强（警号 010001）共性要素“勤”已直接填写得分 19（第 10 行），不能再按指标项目“勤-1”计分；"
         "同一要素只能用一种方式，请删去其一"],
    ),
    "indicator points above the item's value": (
        {UNIT: unit_file(itemised("item: 勤-2, matter: 脱岗, points: 3"), LI, ZHANG)},
        [f"{UNIT}:11: 错误: 王志强（警号 010001）“勤-2”记 3 分，超过该项分值（扣0.5–2分）"],
    ),
    "indicator range without points": (
        {UNIT: unit_file(itemised("item: 勤-2, matter: 脱岗"), LI, ZHANG)},
        [f"{UNIT}:11: 错误: 王志强（警号 010001）“勤-2”的分值是范围（扣0.5–2分），须写明本人分值（points）"],
    ),
    "indicator points below the range for one person": (
        {UNIT: unit_file(itemised("item: 能-2, matter: 执法过错, points: 1"), LI, ZHANG)},
        [f"{UNIT}:11: 错误: 王志强（警号 010001）“能-2”记 1 分，不在该项分值范围内（扣2–5分）"],
    ),
    "one matter under two indicator items": (
        {UNIT: unit_file(itemised("item: 勤-2, matter: 脱岗, points: 1.5", "item: 勤-4, matter: 脱岗"), LI, ZHANG)},
        [f"{UNIT}:12: 警告: 王志强（警号 010001）的事项“脱岗”同时记入了“勤-2”和“勤-4”，同一事项只记一次，"
         "按较高的“勤-2”（1.5 分）计"],
    ),
    "shared matter without each person's points": (
        {UNIT: unit_file(itemised("item: 绩-2, matter: 报表差错被通报"),
                         LI.replace("    common: {德: 18, 能: 17, 勤: 18, 绩: 17, 廉: 19}\n",
                                    "    common: {德: 17, 能: 16, 勤: 17, 廉: 18}\n    indicators:\n"
                                    "      - {item: 绩-2, matter: 报表差错被通报, date: 2026-02-26, points: 0.5}\n"), ZHANG)},
        [f"{UNIT}:11: 错误: 事项“报表差错被通报”涉及 2 人，须由所在单位确定每人分值（points，每人不超过 3 分）"],
    ),
    "element score above its maximum": (
        {UNIT: unit_file(WANG.replace("德: 19", "德: 21"), LI, ZHANG)},
        [f"{UNIT}:8: 错误: 王志强（警号 010001）共性要素“德”得分 21 超过满分 20"],
    ),
    "monthly score outside 0-100": (
        {UNIT: unit_file(WANG.replace("2: 96", "2: 106"), LI, ZHANG)},
        [f"{UNIT}:9: 错误: 王志强（警号 010001）2月绩效得分 106 超出 0–100"],
    ),
    "person not on the roster": (
        {UNIT: unit_file(WANG, LI, ZHANG, '  - id: "099999"\n    name: 赵六\n    ungraded: 新录用\n')},
        [f"{UNIT}:19: 错误: 警号“099999”（赵六）不在花名册 records/roster.yaml 中"],
    ),
    "name differs from the roster": (
        {UNIT: unit_file(WANG, LI.replace("李娜", "李 娜"), ZHANG)},
        [f"{UNIT}:12: 错误: 姓名/名称“李 娜”含有空格、不可见字符或全角/兼容字符，请改为“李娜”"],
    ),
    "person in two units": (
        {SOLO: "unit: solo\nquarter: 2026Q1\npeople:\n"
               '  - id: "020001"\n    name: 刘洋\n    common: {德: 19, 能: 19, 勤: 19, 绩: 19, 廉: 19}\n'
               "    monthly: {1: 96, 2: 96, 3: 96}\n    suggested: 好\n"
               '  - id: "010002"\n    name: 李娜\n    ungraded: 借调\n'},
        [f"{SOLO}:9: 错误: 李娜（警号 010002）在同一季度出现了两次：{UNIT}:14 已有此人；每人每季度只能由一个单位考核"],
    ),
    "on the roster but in no unit": (
        {UNIT: unit_file(WANG, LI)},
        ["records/roster.yaml:14: 错误: 张伟（警号 010003）在花名册中，但 2026Q1 没有出现在任何所室队的记录中（如由外单位考核或不确定等次，也须在所在单位记录中注明）"],
    ),
    "bonus item not in the catalogue": (
        {UNIT: unit_file(WANG + "    bonus:\n      - {item: 优秀党员, deed: 七一表彰, status: 通过, evidence: 文1}\n", LI, ZHANG)},
        [f"{UNIT}:12: 错误: 正向激励项目“优秀党员”不在政策的加分目录中（可用：嘉奖、三等功、二等功、一等功、县级通报表扬、市级通报表扬、省级通报表扬）"],
    ),
    "bonus above the cap is capped and warned": (
        {UNIT: unit_file(WANG + "    bonus:\n      - {item: 一等功, deed: a, status: 通过, evidence: 文1}\n"
                                "      - {item: 三等功, deed: b, status: 通过, evidence: 文1}\n", LI, ZHANG)},
        [f"{UNIT}:11: 警告: 王志强（警号 010001）正向激励合计 7 分，超过上限 5 分，按上限计"],
    ),
    "same deed counted twice": (
        {UNIT: unit_file(WANG + "    bonus:\n      - {item: 嘉奖, deed: 春节安保, status: 通过, evidence: 文1}\n"
                                "      - {item: 市级通报表扬, deed: 春节安保, status: 通过, evidence: 文1}\n", LI, ZHANG)},
        [f"{UNIT}:13: 警告: 王志强（警号 010001）的事项“春节安保”同时申报了“嘉奖”和“市级通报表扬”，同一事项只记一次，分值相同，按“嘉奖”计一次"],
    ),
    "shared deed allocated above the item's value": (
        {UNIT: unit_file(WANG + "    bonus:\n      - {item: 三等功, deed: 破案, points: 1.5, status: 通过, evidence: 文1}\n",
                         LI + "    bonus:\n      - {item: 三等功, deed: 破案, points: 2.5, status: 通过, evidence: 文1}\n", ZHANG)},
        [f"{UNIT}:17: 警告: 李娜（警号 010002）总分 91.00 可评“好”，建议等次为“较好”，低于分数段的须写明理由（lower_reason）",
         f"{UNIT}:19: 错误: 李娜（警号 010002）“三等功”分配 2.5 分，超过该项分值 2 分"],
    ),
    "shared deed without allocation": (
        {UNIT: unit_file(WANG + "    bonus:\n      - {item: 三等功, deed: 破案, status: 通过, evidence: 文1}\n",
                         LI + "    bonus:\n      - {item: 三等功, deed: 破案, points: 1, status: 通过, evidence: 文1}\n", ZHANG)},
        [f"{UNIT}:12: 错误: 事项“破案”由 2 人共同完成，须由所在单位确定每人分值（points，每人不超过 2 分）",
         f"{UNIT}:17: 警告: 李娜（警号 010002）总分 90.00 可评“好”，建议等次为“较好”，低于分数段的须写明理由（lower_reason）"],
    ),
    "suggested grade above the band": (
        {UNIT: unit_file(WANG, LI.replace("suggested: 较好", "suggested: 好"), ZHANG)},
        [f"{DECISION}:1: 错误: 全局 2026Q1 “好”等次 2 名，超过全局可用名额（参加人数 3，本季度名额 1.2，上季度结转 0，累计 1.2，可报 1 名）",
         f"{UNIT}:15: 错误: 政工室 2026Q1 推荐“好”等次 2 名，超过可报名额（参加人数 2，本季度名额 0.8，上季度结转 0，累计 0.8，可报 1 名）",
         f"{UNIT}:15: 错误: 李娜（警号 010002）总分 89.00 最高只能评为“较好”，建议等次却是“好”"],
    ),
    "total below 60 not graded 较差": (
        {UNIT: unit_file(WANG, LI.replace("{1: 88, 2: 90, 3: 89}", "{1: 30, 2: 40, 3: 35}").replace("较好", "一般"), ZHANG)},
        [f"{UNIT}:15: 错误: 李娜（警号 010002）总分 56.60 未满 60 分，必须确定为“较差”，建议等次却是“一般”"],
    ),
    "lower grade without a reason": (
        {UNIT: unit_file(WANG.replace("suggested: 好", "suggested: 较好"), LI, ZHANG)},
        [f"{UNIT}:10: 警告: 王志强（警号 010001）总分 94.60 可评“好”，建议等次为“较好”，低于分数段的须写明理由（lower_reason）"],
    ),
    "decision names an unknown person; final 好 not recommended": (
        {DECISION: "quarter: 2026Q1\nmeeting_date: 2026-04-14\nminutes: 纪要\nchanges:\n"
                   '  - {id: "020001", grade: 较好, reason: 名额}\n'
                   '  - {id: "010002", grade: 好, reason: 表现突出}\n'
                   '  - {id: "777777", grade: 较好, reason: 无}\n'},
        [f"{DECISION}:1: 错误: 全局 2026Q1 “好”等次 2 名，超过全局可用名额（参加人数 3，本季度名额 1.2，上季度结转 0，累计 1.2，可报 1 名）",
         f"{DECISION}:6: 错误: 李娜（警号 010002）审定为“好”，但既不是所室队推荐人选，也未列入党委增加人选（additions）",
         f"{DECISION}:6: 错误: 李娜（警号 010002）总分 89.00 最高只能评为“较好”，审定等次却是“好”",
         f"{DECISION}:7: 错误: 审定记录中的警号“777777”在 2026Q1 的所室队记录中不存在"],
    ),
    "bureau over its bound": (
        {DECISION: "quarter: 2026Q1\nmeeting_date: 2026-04-14\nminutes: 纪要\n"},
        [f"{DECISION}:1: 错误: 全局 2026Q1 “好”等次 2 名，超过全局可用名额（参加人数 3，本季度名额 1.2，上季度结转 0，累计 1.2，可报 1 名）"],
    ),
    "impossible date and a quarter file in the wrong folder": (
        {DECISION: "quarter: 2026Q2\nmeeting_date: 2026-02-30\nminutes: 纪要\n"},
        [f"{DECISION}:1: 错误: 文件位于 2026Q1 的目录中，但文件中写的季度是“2026Q2”",
         f"{DECISION}:2: 错误: 日期“2026-02-30”不存在，请核对年月日"],
    ),
    "a quoted date": (
        {UNIT: unit_file(WANG, LI, ZHANG).replace("submitted: 2026-04-08", "submitted: '2026-04-08'")},
        [f"{UNIT}:3: 错误: “submitted”应为日期，现在是带引号的文字“2026-04-08”：日期不要加引号，写作 submitted: 2026-04-08"
         "（只有警号、单位代码要加引号）"],
    ),
    "a bad record and an undecided quarter over the bureau bound": (
        {DECISION: None},
        ["records/2026/Q1: 警告: 各所室队共推荐“好”等次 2 名，超过全局可用名额（参加人数 3，本季度名额 1.2，上季度结转 0，累计 1.2，可报 1 名），局党委审定时须压减"],
    ),
    "a quarter skipped": (
        {"records/2026/Q3/units/solo.yaml": fixture(SOLO).replace("2026Q1", "2026Q3").replace("1: ", "7: ")
         .replace("2: ", "8: ").replace("3: ", "9: ")},
        ["records/2026/Q3: 错误: 有 2026Q3 的记录，却缺少 2026Q2：“好”等次名额按季度累计，不能跳过季度",
         "records/2026/Q3/units/solo.yaml:8: 错误: 法制室 2026Q3 推荐“好”等次 1 名，超过可报名额（参加人数 1，本季度名额 0.4，"
         "上季度结转 -0.6，累计 -0.2，可报 0 名）"]
        + [f"records/roster.yaml:{line}: 错误: {who}在花名册中，但 2026Q3 没有出现在任何所室队的记录中（如由外单位考核或不确定等次，"
           "也须在所在单位记录中注明）" for line, who in ((2, "王志强（警号 010001）"), (8, "李娜（警号 010002）"),
                                                (14, "张伟（警号 010003）"))],
    ),
    "a unit file of a unit not in units.yaml": (
        {"records/2026/Q1/units/xingzhen.yaml": "unit: xingzhen\nquarter: 2026Q1\nsubmitted: 2026-04-08\nleader: 赵六\npeople: []\n"},
        ["records/2026/Q1/units/xingzhen.yaml:1: 错误: 单位代码“xingzhen”不在 records/units.yaml 中"],
    ),
    "a unit name that is another unit's short name": (
        {"records/units.yaml": fixture("records/units.yaml").replace("    name: 法制室", "    name: 法制室\n    aliases: [政工室]")},
        ["records/units.yaml:4: 错误: 单位名称或简称“政工室”同时属于“zhengong”和“solo”，导入表格时无法区分"],
    ),
    "a roster unit not in units.yaml": (
        {"records/roster.yaml": fixture("records/roster.yaml").replace("    rank: 一级警长\n", "    rank: 一级警长\n    unit: xingzhen\n", 1)},
        ["records/roster.yaml:2: 错误: 王志强（警号 010001）的单位代码“xingzhen”不在 records/units.yaml 中"],
    ),
    "a value not filled in yet": (
        {UNIT: fixture(UNIT).replace("    summary: 认真履行职责。\n", "    summary:\n")},
        [f"{UNIT}:13: 待填写: 王志强（警号 010001）尚未填写：个人小结"],
    ),
    "a rejected claim without its reason": (
        {UNIT: fixture(UNIT).replace("status: 通过, evidence: 清公政〔2026〕3号", "status: 不通过")},
        [f"{UNIT}:11: 错误: 王志强（警号 010001）的加分申报“嘉奖（春节安保）”未通过，须写明理由（reason）"],
    ),
    "a decided quarter without a suggested grade": (
        {UNIT: fixture(UNIT).replace("    suggested: 较好\n", "")},
        [f"{UNIT}:14: 错误: 李娜（警号 010002）缺少所室队建议等次（suggested）"],
    ),
    "a publicity period in a year the calendar does not know": (
        {DECISION: fixture(DECISION).replace("publicity_start: 2026-04-15", "publicity_start: 2099-04-15")},
        [f"{DECISION}:4: 错误: 2026Q1 公示期从 2099-04-15 开始，节假日日历没有 2099 年的数据，无法按工作日计算；请在 policy/policy.yaml "
         "的 holidays 中写明 2099 年的放假日期（days_off）和调休上班日期（workdays），以国务院办公厅通知为准，或升级 chinese-calendar"],
    ),
    "policy holidays that differ from the calendar": (
        {"policy/policy.yaml": fixture("policy/policy.yaml") + "holidays:\n  2026:\n    days_off: [2026-04-08]\n"},  # the warning names the year's line
        [f"policy/policy.yaml:{len(fixture('policy/policy.yaml').splitlines()) + 2}: 警告: policy 的 holidays 中 2026 年与 chinese-calendar 的数据不同，以日历为准："
         "2026-04-08（政策为休息日，日历为工作日）"],
    ),
    "an appeal by someone without a grade": (
        {"records/2026/Q1/appeals.yaml": 'quarter: 2026Q1\nappeals:\n  - id: "010003"\n    received: 2026-04-16\n    grounds: 不服\n'},
        ["records/2026/Q1/appeals.yaml:3: 错误: 复核记录中的警号“010003”在 2026Q1 没有可复核的考核等次"],
    ),
    "an upheld appeal for someone the decision left without a grade": (
        {UNIT: fixture(UNIT).replace("    suggested: 较好\n", ""),
         "records/2026/Q1/appeals.yaml": 'quarter: 2026Q1\nappeals:\n  - id: "010002"\n    received: 2026-04-16\n'
                                         "    grounds: 不服\n    outcome: 维持\n    grade: 好\n    reason: 经复核无误\n"
                                         "    replied: 2026-04-18\n"},
        ["records/2026/Q1/appeals.yaml:3: 错误: 李娜（警号 010002）复核结论为“维持”，但局党委审定时未确定其等次，不能写“好”",
         f"{UNIT}:14: 错误: 李娜（警号 010002）缺少所室队建议等次（suggested）"],
    ),
    "written feedback without its receipt": (
        {"records/2026/Q1/feedback.yaml": 'quarter: 2026Q1\nfeedback:\n  - id: "010002"\n    method: 书面送达\n'
                                          "    date: 2026-04-20\n    admonish: false\n"},
        ["records/2026/Q1/feedback.yaml:3: 警告: 李娜（警号 010002）以书面送达方式反馈，请记录回执签收日期（receipt）；"
         "确实无法取得回执的，写明原因（no_receipt）"],
    ),
    "an annual choice before the fourth quarter is decided": (
        {"records/2026/annual.yaml": annual("010001")},
        ["records/2026/annual.yaml:4: 错误: 2026年第四季度平时考核尚未审定（缺少 records/2026/Q4/decision.yaml），不能确定年度考核“优秀”人选"],
    ),
    "an ineligible annual choice": (
        {**full_year(), "records/2026/annual.yaml": annual("010002"),
         "policy/policy.yaml": fixture("policy/policy.yaml").replace("  excellent_min_good_share: 50%",
                                                                     "  excellent_limit: 40%\n  excellent_min_good_share: 50%")},
        [GAP_2027, "records/2026/annual.yaml:5: 错误: 李娜（警号 010002）不符合年度“优秀”人选条件：“好”等次0次，少于已定等次季度数4的50%"],
    ),
    "annual choices over the limit": (
        {**full_year(), "records/2026/annual.yaml": annual("010001")},
        [GAP_2027, "records/2026/annual.yaml:4: 错误: 2026年度“优秀”人选 1 名，超过上限 0 名（参加平时考核 3 人 × 20%，取整数）"],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_records_give_exact_diagnostics(mini, name):
    files, expected = CASES[name]
    write(mini, files)
    assert diagnostics(mini) == expected


def test_weights_must_sum_to_100_percent(mini):
    path = mini / "policy/policy.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("individual: 60%", "individual: 50%"), encoding="utf-8")
    assert diagnostics(mini) == ["policy/policy.yaml:5: 错误: 共性与个性权重之和应为 100%，现在是 90%"]


def test_every_error_of_a_run_is_reported_together(mini):
    write(mini, {UNIT: unit_file(WANG.replace("德: 19", "德: 25"), LI.replace("2: 90", "2: 190"), ZHANG),
                 SOLO: "unit: solo\nquarter: 2026Q1\npeople:\n  - id: 020001\n"})
    lines = diagnostics(mini)
    assert len([line for line in lines if "错误" in line]) >= 4
    assert any(line.startswith(f"{SOLO}:4:") for line in lines)
    assert any(line.startswith(f"{UNIT}:8:") for line in lines)
    assert any(line.startswith(f"{UNIT}:14:") for line in lines)


def test_every_rule_is_listed_once_and_states_its_invariant():
    """checks.RULES is the whole list: no rule function in a rule module is left out, none twice."""
    import importlib
    import inspect
    import pkgutil

    from kaohe_docs import checks
    modules = [importlib.import_module(f"kaohe_docs.checks.{m.name}") for m in pkgutil.iter_modules(checks.__path__)
               if m.name not in ("base", "status")]  # status is the `kaohe status` report, not a rule module
    defined = {fn for module in modules
               for name, fn in inspect.getmembers(module, inspect.isfunction)
               if fn.__module__ == module.__name__ and not name.startswith("_")
               and list(inspect.signature(fn).parameters) == ["a"]}  # a rule takes the Assessment, `a`
    assert len(checks.RULES) == len(set(checks.RULES))
    assert set(checks.RULES) == defined
    assert all(fn.__doc__ and len(fn.__doc__.strip()) > 20 for fn in checks.RULES)


def test_every_rule_has_a_case_that_fires_it(tmp_path, monkeypatch):
    """Each rule in checks.RULES gives a diagnostic in at least one of CASES."""
    import shutil

    from conftest import FIXTURES
    from kaohe_docs import checks
    names = [rule.__name__ for rule in checks.RULES]
    fired: dict[str, list[str]] = {}
    case = {"name": ""}

    def watched(rule):
        def run(a):
            found = list(rule(a))
            if found:
                fired.setdefault(rule.__name__, []).append(case["name"])
            return found
        return run

    monkeypatch.setattr(checks, "RULES", tuple(watched(rule) for rule in checks.RULES))
    for n, (name, (files, _)) in enumerate(CASES.items()):
        case["name"] = name
        root = tmp_path / str(n)
        shutil.copytree(FIXTURES / "mini", root)
        write(root, files)
        diagnostics(root)
    missing = [name for name in names if name not in fired]
    assert missing == [], "\n".join(missing)
