"""The stress bureau: the mini bureau with texts at their limits (a 1,925-character 个人小结, a
7-character name, a 30-character 职务, long reasons), for the tests that read every document back."""
from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"

SENTENCES = ("本季度认真履行岗位职责，牵头完成辖区治安隐患排查整治专项行动，走访重点单位和场所一百余家，"
             "督促整改消防和治安隐患二十余处。", "坚持学习习近平新时代中国特色社会主义思想，按时参加支部组织生活，"
             "严格遵守廉洁从政各项规定。", "在执法办案中坚持以事实为依据、以法律为准绳，全年无执法过错和群众投诉。",
             "不足之处是业务理论学习还不够系统，调查研究和总结提炼还需加强，今后将进一步改进。")
LONG_NAME = "买买提·艾力江木"[:7]  # 7 characters
LONG_POSITION = "刑事侦查大队重案侦查中队副中队长兼刑事技术室主任科员（代理）"  # 30 characters
LONG_REASON = ("在全县禁毒专项行动中牵头侦破特大跨省贩毒案件，抓获犯罪嫌疑人十二名，缴获毒品三公斤，"
               "受到省公安厅通报表扬；所室队因名额所限未予推荐，经局党委研究，在推荐人选以外确定为“好”等次")
assert len(LONG_NAME) == 7 and len(LONG_POSITION) == 30


def long_summary(length: int = 1925) -> str:
    text = ""
    while len(text) < length:
        text += SENTENCES[len(text) % len(SENTENCES)]
    return text[:length - 1] + "。"


def make_stress(root: Path) -> Path:
    """A copy of the mini bureau at ``root`` with the long texts written in."""
    shutil.copytree(FIXTURES / "mini", root, ignore=shutil.ignore_patterns("build", ".cache"))
    roster = root / "records/roster.yaml"
    text = roster.read_text(encoding="utf-8")
    text = text.replace("name: 李娜", f"name: {LONG_NAME}").replace(
        "position: 科员\n    rank: 二级警长", f"position: {LONG_POSITION}\n    rank: 二级高级警长", 1)
    roster.write_text(text, encoding="utf-8")
    unit = root / "records/2026/Q1/units/zhengong.yaml"
    text = unit.read_text(encoding="utf-8").replace("name: 李娜", f"name: {LONG_NAME}")
    text = text.replace("summary: 认真履行职责。", f"summary: {long_summary()}")
    text = text.replace("    suggested: 较好\n", "    suggested: 较好\n    summary: " + long_summary(1200) + "\n")
    # the long-named person is a committee addition after the unit suggested 较好 for lack of places
    text = text.replace("monthly: {1: 88, 2: 90, 3: 89}\n    suggested: 较好\n",
                        "monthly: {1: 98, 2: 98, 3: 98}\n    suggested: 较好\n    lower_reason: 名额所限\n")
    text += ('  - id: "010004"\n    name: 赵敏\n    external:\n      body: 县行政服务中心管理委员会\n'
             '      grade: 较好\n      document: 清行服〔2026〕3号\n')
    unit.write_text(text, encoding="utf-8")
    roster.write_text(roster.read_text(encoding="utf-8") + '  - id: "010004"\n    name: 赵敏\n    gender: 女\n'
                      '    birth: 1992-05\n    position: 科员\n    rank: 四级警长\n', encoding="utf-8")
    decision = root / "records/2026/Q1/decision.yaml"
    decision.write_text(decision.read_text(encoding="utf-8") + f'additions:\n  - id: "010002"\n    reason: {LONG_REASON}\n',
                        encoding="utf-8")
    (root / "records/2026/Q1/feedback.yaml").write_text(
        'quarter: 2026Q1\nfeedback:\n  - {id: "010001", method: 会议点评, date: 2026-04-22}\n'
        '  - {id: "010002", method: 书面送达, date: 2026-04-23, receipt: 2026-04-24}\n'
        '  - {id: "020001", method: 个别谈话, date: 2026-04-23}\n', encoding="utf-8")
    policy = root / "policy/policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("ratio: 40%", "ratio: 70%"), encoding="utf-8")
    return root
