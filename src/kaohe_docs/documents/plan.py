"""The bureau's 实施方案 as a 红头 document: its text is a template (``plan.html``, the bureau's own in
templates/), every number in it a placeholder ``{{ 政策.名称 }}`` filled from policy, so the plan on paper and
the rules computed never differ. The packaged ``plan.html`` is a neutral example written for this project.

``PLACEHOLDERS`` is the whole list of names a plan may use; ``kaohe check`` reports any other name
(render/plan_check.py).
"""
from __future__ import annotations

from kaohe_docs.documents import Document
from kaohe_docs.documents.formatting import percent
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.model import Grade
from kaohe_docs.records.policy import Policy

# 发文机关标志 (GB/T 9704 7.2.4): red, centred, on one line no wider than the 版心 (156 mm ≈ 440 pt)
MARK_MAX_PT, MARK_LINE_PT = 42, 430

PLACEHOLDERS = {
    "共性权重": lambda p: percent(p.common_weight),
    "个性权重": lambda p: percent(p.individual_weight),
    "要素满分": lambda p: "、".join(f"{e}{v:f}分" for e, v in p.elements.items()),
    "共性满分": lambda p: f"{sum(p.elements.values()):f}",
    "月度绩效满分": lambda p: f"{p.monthly_max:f}",
    "加分上限": lambda p: f"{p.bonus_cap:f}",
    "好等次分数线": lambda p: f"{p.thresholds[Grade.GOOD]:f}",
    "较好等次分数线": lambda p: f"{p.thresholds[Grade.FAIRLY_GOOD]:f}",
    "一般等次分数线": lambda p: f"{p.thresholds[Grade.AVERAGE]:f}",
    "好等次比例": lambda p: percent(p.quota_ratio),
    "不足一名时可报名额": lambda p: str(p.quota_minimum),
    "保留小数位数": lambda p: str(p.places),
    "取舍规则": lambda p: p.rounding_name,
    "报送截止日": lambda p: str(p.submission_day),
    "公示工作日": lambda p: str(p.publicity_working_days),
    "年度优秀好等次比例": lambda p: percent(p.excellent_min_good_share),
    "年度优秀比例上限": lambda p: percent(p.excellent_limit),
    "公示范围": lambda p: "“好”等次人员" if p.publicity_scope == "好" else "全部人员的考核等次",
    "联系方式": lambda p: p.contact,
}


def plan_values(policy: Policy) -> dict[str, str]:
    """Every placeholder's value as printed."""
    return {name: value(policy) for name, value in PLACEHOLDERS.items()}


def plan_document(a: Assessment, year: int, annexes: list[Document]) -> Document:
    """实施方案 (红头), its 附件 named from the year's annexes (附件1 …)."""
    info = a.bureau.info
    return Document(
        id=f"{year}/实施方案", title=f"{info.name}公务员平时考核工作实施方案", kind="official redhead",
        template="plan.html", path="09-实施方案", period=f"{year}年度",
        context={"政策": plan_values(a.policy), "year": year, "issuer": info.issuer, "office": info.office,
                 "mark_size": f"{min(MARK_MAX_PT, MARK_LINE_PT // max(1, len(info.issuer) + 2))}pt",
                 "report_to": "、".join(info.report_to) or "县公务员主管部门",
                 "annexes": [d.title.removeprefix(f"{info.name}{year}年度").removesuffix("（空白）") for d in annexes]})
