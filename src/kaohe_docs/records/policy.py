"""The bureau's policy (``policy/policy.yaml``): every number, ratio, deadline and font.

Nothing in the code knows a threshold or a weight; it is all read here, validated in one
pass (every problem reported with its line) and handed around as a frozen ``Policy``.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from kaohe_docs.errors import Diagnostic
from kaohe_docs.model import Grade
from kaohe_docs.records.schema import Fields

POLICY_FILE = "policy/policy.yaml"
ROUNDING_MODES = {"四舍五入": ROUND_HALF_UP, "四舍六入五成双": ROUND_HALF_EVEN, "截尾": ROUND_DOWN}
DEFAULT_EXCELLENT_LIMIT = Decimal("0.20")  # policy files written before the limit existed
PUBLICITY_SCOPES = ("好", "全部")
LIST_ORDERS = ("姓氏笔画", "单位")
FONT_ROLES = ("title", "body", "heading", "kai", "table")
# column headers recognised when importing spreadsheets (policy may list the bureau's own)
SHEET_HEADERS = {"id": ("警号", "工号", "编号"), "name": ("姓名",), "unit": ("单位", "所室队", "部门"),
                 "score": ("得分", "绩效得分", "考评得分", "月度得分", "分数")}


@dataclass(frozen=True)
class Policy:
    common_weight: Decimal
    individual_weight: Decimal
    elements: dict[str, Decimal]  # element → maximum raw score
    monthly_max: Decimal
    thresholds: dict[Grade, Decimal]  # lowest total of each band (好, 较好, 一般)
    places: int
    rounding: str  # a decimal rounding mode
    rounding_name: str
    quota_ratio: Decimal
    ungraded_in_base: bool
    bonus_cap: Decimal
    catalogue: dict[str, Decimal]  # bonus item → points
    submission_day: int
    extend_to_workday: bool
    publicity_working_days: int
    excellent_min_good_share: Decimal
    excellent_limit: Decimal  # annual 优秀 at most this share of the year's participants (20%; 25% with approval)
    publicity_scope: str
    list_order: str
    contact: str
    fonts: dict[str, tuple[str, ...]]
    sheet_headers: dict[str, tuple[str, ...]]

    def round(self, value: Decimal) -> Decimal:
        """The one rounding rule for totals."""
        return value.quantize(Decimal(1).scaleb(-self.places), rounding=self.rounding)


def parse_policy(data, path: str = POLICY_FILE) -> tuple[Policy | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    top = Fields(data, path, diags, "政策文件", line=1)
    weights = top.sub("weights", "权重（weights）")
    elements = top.mapping("elements")
    thresholds = top.sub("thresholds", "等次分数线（thresholds）")
    rounding = top.sub("rounding", "取舍规则（rounding）")
    quota = top.sub("quota", "名额（quota）")
    bonus = top.sub("bonus", "正向激励（bonus）")
    deadlines = top.sub("deadlines", "时限（deadlines）")
    annual = top.sub("annual", "年度挂钩（annual）")
    publicity = top.sub("publicity", "公示（publicity）")
    fonts = top.sub("fonts", "字体（fonts）")
    if None in (weights, elements, thresholds, rounding, quota, bonus, deadlines, annual, publicity, fonts):
        return None, diags

    values = dict(
        common_weight=weights.percent("common"),
        individual_weight=weights.percent("individual"),
        elements=_number_map(top, elements, "共性指标要素满分", low=Decimal(0)),
        monthly_max=top.number("monthly_max", low=Decimal(1)),
        thresholds=_thresholds(thresholds),
        places=rounding.integer("places", low=0, high=4),
        rounding_name=rounding.choice("mode", tuple(ROUNDING_MODES)),
        quota_ratio=quota.percent("ratio"),
        ungraded_in_base=quota.boolean("ungraded_in_base"),
        bonus_cap=bonus.number("cap", low=Decimal(0)),
        catalogue=_number_map(bonus, bonus.mapping("catalogue"), "正向激励项目分值", low=Decimal(0)),
        submission_day=deadlines.integer("submission_day", low=1, high=28),
        extend_to_workday=deadlines.boolean("extend_to_workday", default=True),
        publicity_working_days=deadlines.integer("publicity_working_days", low=1, high=30),
        excellent_min_good_share=annual.percent("excellent_min_good_share"),
        excellent_limit=annual.percent("excellent_limit", required=False) or DEFAULT_EXCELLENT_LIMIT,
        publicity_scope=publicity.choice("scope", PUBLICITY_SCOPES),
        list_order=publicity.choice("order", LIST_ORDERS),
        contact=publicity.text("contact"),
        fonts=_fonts(fonts),
        sheet_headers=_sheet_headers(top.sub("sheets", "电子表格列名（sheets）", required=False)),
    )
    for section in (top, weights, thresholds, rounding, quota, bonus, deadlines, annual, publicity):
        section.done()
    values["rounding"] = ROUNDING_MODES.get(values["rounding_name"])
    _check_consistency(top, values)
    if any(v is None for v in values.values()) or any(d.level == "error" for d in diags):
        return None, diags
    return Policy(**values), diags


def _number_map(owner: Fields, mapping, what: str, low=None):
    if mapping is None:
        return None
    result = {}
    for key, value in mapping.items():
        number = owner.coerce_number(value, mapping.line_of(key), f"{what}“{key}”", low=low)
        if number is None:
            return None
        result[str(key)] = number
    if not result:
        owner.report(mapping.line, f"{what}不能为空")
        return None
    return result


def _thresholds(fields: Fields):
    result = {}
    for grade in (Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE):
        value = fields.number(grade.value, low=Decimal(0))
        if value is None:
            return None
        result[grade] = value
    fields.done()
    if not result[Grade.GOOD] > result[Grade.FAIRLY_GOOD] > result[Grade.AVERAGE]:
        fields.report(fields.line, "等次分数线必须满足 好 > 较好 > 一般")
        return None
    return result


def _fonts(fields: Fields):
    result = {}
    for role in FONT_ROLES:
        families = fields.sequence(role)
        if families is None:
            return None
        names = tuple(str(f).strip() for f in families if f is not None and str(f).strip())
        if not names:
            fields.report(fields.line_of(role), f"字体“{role}”至少要列出一种字体")
            return None
        result[role] = names
    fields.done()
    return result


def _sheet_headers(fields: Fields | None):
    headers = dict(SHEET_HEADERS)
    if fields is None:
        return headers
    for role in SHEET_HEADERS:
        names = fields.sequence(role, required=False)
        if names is not None:
            headers[role] = tuple(str(n).strip() for n in names if n is not None and str(n).strip()) or SHEET_HEADERS[role]
    fields.done()
    return headers


def _check_consistency(top: Fields, v: dict) -> None:
    if v["common_weight"] is not None and v["individual_weight"] is not None:
        total = v["common_weight"] + v["individual_weight"]
        if total != 1:
            top.report(top.line_of("weights"), f"共性与个性权重之和应为 100%，现在是 {(total * 100).normalize():f}%")
    if v["elements"] is not None and sum(v["elements"].values()) != 100:
        top.report(top.line_of("elements"), f"共性指标各要素满分之和应为 100，现在是 {sum(v['elements'].values())}")
    if v["excellent_limit"] is not None and not 0 < v["excellent_limit"] <= 1:
        top.report(top.line_of("annual"), "年度“优秀”比例上限（excellent_limit）应在 0%–100% 之间")
    if v["quota_ratio"] is not None and not 0 < v["quota_ratio"] <= 1:
        top.report(top.line_of("quota"), "“好”等次比例应在 0%–100% 之间")
