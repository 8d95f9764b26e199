"""The bureau's policy (``policy/policy.yaml``): every number, ratio, deadline and font.

Nothing in the code knows a threshold or a weight; it is all read here, validated in one
pass (every problem reported with its line) and handed around as a frozen ``Policy``.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from importlib import resources
from typing import Any

import yaml

from kaohe_docs.errors import Diagnostic
from kaohe_docs.limits import DEFAULT, POLICY_LIMITS, Limits, with_overrides
from kaohe_docs.model import Grade, Indicator, YearDays
from kaohe_docs.records.policy_lists import read_holidays, read_indicators
from kaohe_docs.records.schema import Fields
from kaohe_docs.records.yamlio import YMap, YValue

POLICY_FILE = "policy/policy.yaml"
ROUNDING_MODES = {"四舍五入": ROUND_HALF_UP, "四舍六入五成双": ROUND_HALF_EVEN, "截尾": ROUND_DOWN}
PUBLICITY_SCOPES = ("好", "全部")
LIST_ORDERS = ("姓氏笔画", "单位")
FONT_ROLES = ("title", "body", "heading", "kai", "table")
# optional roles, with their default when a policy (e.g. one written before the role existed) leaves them out
OPTIONAL_FONT_ROLES = {
    # the provenance stamp (footer, 草稿 watermark, 核验码) merged onto every page of every document:
    # a TrueType family adds about 10 KB to each PDF, an OpenType/CFF one (Noto CJK) about 140 KB
    "stamp": ("宋体", "SimSun", "LXGW WenKai", "Noto Serif CJK SC"),
    # families for characters a role's family lacks (a rare character in a name, with a GB2312-only
    # 仿宋_GB2312): none unless the policy declares them — such a character is then an error
    "fallback": (),
}
SHEET_ROLES = ("id", "name", "unit", "score")  # the columns an import looks for (policy `sheets:` names them)


REQUIRED = object()  # a setting without a default: a policy must have it


@dataclass(frozen=True)
class Setting:
    """One policy value, declared once: the ``Policy`` attribute, where it is in policy.yaml
    (section, key), its kind, its range (``low``/``high``; percents as fractions) and its default
    for a policy written before the key existed (``REQUIRED``: none; a value present is always
    used as written, 0 and 0% included). ``doc`` is what it means (the scaffold's comment says
    the same in Chinese)."""
    attr: str
    section: str  # "" for the top level
    key: str
    kind: str  # "percent", "number", "integer" or "boolean"
    low: Decimal | None = None
    high: Decimal | None = None
    default: object = REQUIRED
    doc: str = ""


ZERO, ONE = Decimal(0), Decimal(1)
SETTINGS = (
    Setting("common_weight", "weights", "common", "percent", ZERO, ONE, doc="share of the common indicators"),
    Setting("individual_weight", "weights", "individual", "percent", ZERO, ONE, doc="share of the individual indicators"),
    Setting("monthly_max", "", "monthly_max", "number", ONE, doc="the full mark of a monthly score"),
    Setting("places", "rounding", "places", "integer", ZERO, Decimal(4), doc="decimal places of a total"),
    Setting("quota_ratio", "quota", "ratio", "percent", ZERO, ONE, doc="好 places per participant, cumulative over the year"),
    Setting("ungraded_in_base", "quota", "ungraded_in_base", "boolean", default=False,
            doc="whether people without a grade count in the quota's base"),
    Setting("quota_minimum", "quota", "minimum_place", "integer", ZERO, ONE, default=1,
            doc="places while 0 < available < 1 (the scheme: 1)"),
    Setting("bonus_cap", "bonus", "cap", "number", ZERO, doc="the most bonus points counted"),
    Setting("submission_day", "deadlines", "submission_day", "integer", ONE, Decimal(28),
            doc="day of the month after the quarter by which units submit"),
    Setting("extend_to_workday", "deadlines", "extend_to_workday", "boolean", default=True,
            doc="a deadline on a day off moves to the next working day"),
    Setting("publicity_working_days", "deadlines", "publicity_working_days", "integer", ONE, Decimal(30),
            doc="length of the publicity period in working days"),
    Setting("appeal_working_days", "deadlines", "appeal_working_days", "integer", ONE, Decimal(30), default=5,
            doc="复核 may be applied for within this many working days from the day after delivery "
                "(policies written before it: the publicity period's common value)"),
    Setting("duplex", "print", "duplex", "boolean", default=False,
            doc="blank versos so that every document and every person's form begins on a recto"),
    Setting("binding_margin", "print", "binding_margin", "number", Decimal(10), Decimal(40), default=Decimal(20),
            doc="mm, the bound edge of forms and letters (装订边)"),
    Setting("excellent_min_good_share", "annual", "excellent_min_good_share", "percent", ZERO, ONE,
            doc="annual 优秀: 好 in at least this share of the graded quarters"),
    Setting("annual_weak_share", "annual", "weak_share", "percent", ZERO, ONE, default=Decimal("0.5"),
            doc="一般+较差 in more than this share of the graded quarters is flagged"),
    Setting("excellent_limit", "annual", "excellent_limit", "percent", ZERO, ONE, default=Decimal("0.20"),
            doc="annual 优秀 at most this share of the year's participants (20%; 25% with approval)"),
)
DEFAULT_EXCELLENT_LIMIT = next(s.default for s in SETTINGS if s.attr == "excellent_limit")


def read_setting(section: Fields | None, setting: Setting) -> object:
    """The setting's value from its section (reported there when wrong), or its default when absent
    (also when its whole optional section is)."""
    required = setting.default is REQUIRED
    if section is None:
        return setting.default
    if setting.kind == "boolean":  # a boolean setting's default is a bool, or REQUIRED (None: no default)
        default = setting.default if isinstance(setting.default, bool) else None
        return section.boolean(setting.key, required=required, default=default)
    value: Decimal | int | None
    if setting.kind == "percent":
        value = section.percent(setting.key, required, setting.low, setting.high)
    elif setting.kind == "integer":
        value = section.integer(setting.key, required, setting.low, setting.high)
    else:
        value = section.number(setting.key, required, setting.low, setting.high)
    # absent or empty: the default (a wrong value is reported, and the policy is refused)
    return setting.default if value is None and not required else value


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
    quota_minimum: int  # places while 0 < available < 1 (the scheme: 1)
    ungraded_in_base: bool
    bonus_cap: Decimal
    catalogue: dict[str, Decimal]  # bonus item → points
    submission_day: int
    extend_to_workday: bool
    publicity_working_days: int
    appeal_working_days: int  # 复核申请期限: working days after the day the result notice is received
    excellent_min_good_share: Decimal
    annual_weak_share: Decimal  # 一般+较差 in more than this share of graded quarters → flagged
    excellent_limit: Decimal  # annual 优秀 at most this share of the year's participants (20%; 25% with approval)
    publicity_scope: str
    list_order: str
    contact: str
    fonts: dict[str, tuple[str, ...]]
    sheet_headers: dict[str, tuple[str, ...]]
    holidays: dict[int, YearDays] = field(default_factory=dict)  # year → its days, for years chinese-calendar lacks
    # 共性指标 items (量化考核指标), id → model.Indicator, in the policy's order; empty: elements are typed as totals
    indicators: dict[str, Indicator] = field(default_factory=dict)

    owners: "Owners | None" = None  # who may push which files (policy ``owners:``); None: anyone with push access
    limits: Limits = DEFAULT  # sizes and lengths (kaohe_docs.limits); policy ``limits:`` overrides the defaults
    # printing (policy ``print:``): a duplex print office gets each document and each person's form on a recto
    duplex: bool = False
    binding_margin: Decimal = Decimal(20)  # mm, the bound edge of forms and letters (装订边)
    # the printed title of a form (policy ``titles:``), e.g. the county's 《××县公务员平时考核登记表》;
    # a form not named there is titled "<bureau>平时考核<form>"
    form_titles: dict[str, str] = field(default_factory=dict)

    def round(self, value: Decimal) -> Decimal:
        """The one rounding rule for totals."""
        return value.quantize(Decimal(1).scaleb(-self.places), rounding=self.rounding)


def parse_policy(data: YValue, path: str = POLICY_FILE) -> tuple[Policy | None, list[Diagnostic]]:
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
    if (weights is None or elements is None or thresholds is None or rounding is None or quota is None or bonus is None
            or deadlines is None or annual is None or publicity is None or fonts is None):
        return None, diags

    printing = top.sub("print", "打印（print）", required=False)  # optional as a whole
    sections = {"": top, "weights": weights, "rounding": rounding, "quota": quota, "bonus": bonus,
                "deadlines": deadlines, "annual": annual, "print": printing}
    # the Policy's fields by name, each None when it could not be read (the SETTINGS are declared as data)
    values: dict[str, Any] = dict(
        **{setting.attr: read_setting(sections[setting.section], setting) for setting in SETTINGS},
        elements=_number_map(top, elements, "共性指标要素满分", low=Decimal(0)),
        thresholds=_thresholds(thresholds),
        rounding_name=rounding.choice("mode", tuple(ROUNDING_MODES)),
        catalogue=_number_map(bonus, bonus.mapping("catalogue"), "正向激励项目分值", low=Decimal(0)),
        publicity_scope=publicity.choice("scope", PUBLICITY_SCOPES),
        list_order=publicity.choice("order", LIST_ORDERS),
        contact=publicity.text("contact"),
        fonts=_fonts(fonts),
        sheet_headers=_sheet_headers(top.sub("sheets", "电子表格列名（sheets）", required=False)),
        holidays=read_holidays(top, top.mapping("holidays", required=False)),
        limits=_limits(top.sub("limits", "限制（limits）", required=False)),
        form_titles=_form_titles(top.sub("titles", "表格标题（titles）", required=False)),
    )
    owners = _owners(top, top.mapping("owners", required=False))
    values["indicators"] = read_indicators(top, top.mapping("indicators", required=False), values["elements"])
    for section in (top, weights, thresholds, rounding, quota, bonus, deadlines, annual, publicity, printing):
        if section is not None:
            section.done()
    values["rounding"] = ROUNDING_MODES.get(values["rounding_name"])
    _check_consistency(top, values)
    if any(v is None for v in values.values()) or any(d.level == "error" for d in diags):
        return None, diags
    return Policy(**values, owners=owners), diags


def _number_map(owner: Fields, mapping: YMap | None, what: str, low: Decimal | None = None) -> dict[str, Decimal] | None:
    if mapping is None:
        return None
    result: dict[str, Decimal] = {}
    for key, value in mapping.items():
        number = owner.coerce_number(value, mapping.line_of(key), f"{what}“{key}”", low=low)
        if number is None:
            return None
        result[str(key)] = number
    if not result:
        owner.report(mapping.line, f"{what}不能为空")
        return None
    return result


def _thresholds(fields: Fields) -> dict[Grade, Decimal] | None:
    result: dict[Grade, Decimal] = {}
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


def _fonts(fields: Fields) -> dict[str, tuple[str, ...]] | None:
    result: dict[str, tuple[str, ...]] = {}
    for role in FONT_ROLES + tuple(OPTIONAL_FONT_ROLES):
        optional = role in OPTIONAL_FONT_ROLES
        families = fields.sequence(role, required=not optional)
        if families is None:
            if optional and role not in fields.map:
                result[role] = OPTIONAL_FONT_ROLES[role]
                continue
            return None
        names = tuple(str(f).strip() for f in families if f is not None and str(f).strip())
        if not names:
            fields.report(fields.line_of(role), f"字体“{role}”至少要列出一种字体")
            return None
        result[role] = names
    fields.done()
    return result


@functools.cache
def default_sheet_headers() -> dict[str, tuple[str, ...]]:
    """The column names of the packaged default policy (scaffold/policy.yaml, what `kaohe init` writes):
    a bureau's policy written before it had a `sheets:` section, or leaving a role out, uses these."""
    text = (resources.files("kaohe_docs") / "scaffold" / "policy.yaml").read_text(encoding="utf-8")
    sheets = yaml.safe_load(text)["sheets"]  # the package's own file, not a repository's
    return {role: tuple(sheets[role]) for role in SHEET_ROLES}


# forms whose printed title the policy may set (``titles:``), each with its default after the bureau's name
FORM_TITLES = {"登记表": "平时考核登记表", "结果登记表": "平时考核结果登记表", "简明情况登记表": "平时考核简明情况登记表",
               "对象情况表": "平时考核对象情况表", "比例使用申报表": "平时考核优秀等次比例使用申报表"}


def _form_titles(fields: Fields | None) -> dict[str, str]:
    if fields is None:
        return {}
    titles = {key: fields.text(key, required=False) for key in FORM_TITLES}
    fields.done()
    return {key: title for key, title in titles.items() if title}


def _sheet_headers(fields: Fields | None) -> dict[str, tuple[str, ...]]:
    headers = dict(default_sheet_headers())
    if fields is None:
        return headers
    for role in SHEET_ROLES:
        names = fields.sequence(role, required=False)
        if names is not None:
            headers[role] = tuple(str(n).strip() for n in names if n is not None and str(n).strip()) or headers[role]
    fields.done()
    return headers


@dataclass(frozen=True)
class Owners:
    """Who may push which files: ``office`` (the 考核办: decision, appeals, feedback, policy, the signing keys,
    roster and everything else) and ``units`` (unit code → who may push that unit's quarterly files).
    A name that is a key of ``groups`` stands for its members. The guard enforces it; ``kaohe init`` and
    ``kaohe owners`` write the matching CODEOWNERS."""

    office: tuple[str, ...]
    units: dict[str, tuple[str, ...]]
    groups: dict[str, tuple[str, ...]]

    def members(self, names: tuple[str, ...]) -> set[str]:
        return {m for n in names for m in (self.groups.get(n, ()) or (n,))}


def owners_section(tree: YValue, path: str = POLICY_FILE) -> Owners | None:
    """Only the ``owners`` of a parsed policy file (for the guard)."""
    top = Fields(tree, path, [], "政策文件", line=1)
    return _owners(top, top.mapping("owners", required=False))


def _owners(top: Fields, mapping: YMap | None) -> Owners | None:
    """``owners: {office: [账号…], units: {单位代码: [账号…]}, groups: {组名: [账号…]}}`` (optional)."""
    if mapping is None:
        return None
    f = Fields(mapping, top.path, top.diagnostics, "推送权限（owners）", top.line_of("owners"))

    def names(value: YValue, line: int, what: str) -> tuple[str, ...]:
        listed = [value] if isinstance(value, str) else value
        if not isinstance(listed, list) or not listed or not all(isinstance(v, str) and v.strip() for v in listed):
            f.report(line, f"owners 中的 {what} 应为账号名的列表，如 [zhangsan, lisi]")
            return ()
        return tuple(v.strip().lstrip("@") for v in listed if isinstance(v, str))  # all are, checked above

    office = names(mapping.get("office"), f.line_of("office"), "office（考核办）") if "office" in mapping else ()
    if not office:
        f.report(top.line_of("owners"), "owners 须写明 office（考核办的账号），否则没有人能修改审定记录和政策")
    sections: dict[str, dict[str, tuple[str, ...]]] = {}
    for key in ("units", "groups"):
        sub = mapping.get(key)
        if not isinstance(sub, YMap):
            if sub:  # absent or empty: none
                f.report(f.line_of(key), f"owners 中的 {key} 应为“名称: [账号…]”的映射")
            sub = YMap(0)
        sections[key] = {str(k): names(v, sub.line_of(k), f"{key}.{k}") for k, v in sub.items()}
    f.done(("office", "units", "groups"))
    return Owners(office, sections["units"], sections["groups"])


def _limits(fields: Fields | None) -> Limits | None:
    """``limits:``: any of the integer limits, and ``text:`` (field → maximum characters)."""
    if fields is None:
        return DEFAULT
    values: dict[str, int | dict[str, int]] = {}
    for name in POLICY_LIMITS:
        if name in fields.map:
            number = fields.integer(name, low=1, high=10 ** 10)
            if number is None:
                return None
            values[name] = number
    text = fields.sub("text", "文字字段长度上限（limits.text）", required=False)
    if text is not None:
        lengths = dict(DEFAULT.text)
        for key in text.map:
            number = text.integer(key, low=1, high=10 ** 6)
            if number is None:
                return None
            lengths[str(key)] = number
        text.done()
        values["text"] = lengths
    fields.done()
    return with_overrides(values)


def _check_consistency(top: Fields, v: dict[str, Any]) -> None:
    if v["common_weight"] is not None and v["individual_weight"] is not None:
        total = v["common_weight"] + v["individual_weight"]
        if total != 1:
            top.report(top.line_of("weights"), f"共性与个性权重之和应为 100%，现在是 {(total * 100).normalize():f}%")
    if v["elements"] is not None and sum(v["elements"].values()) != 100:
        top.report(top.line_of("elements"), f"共性指标各要素满分之和应为 100，现在是 {sum(v['elements'].values())}")
    if v["excellent_limit"] is not None and not v["excellent_limit"] > 0:
        top.report(top.line_of("annual"), "年度“优秀”比例上限（excellent_limit）应大于 0%（不设“优秀”名额时也须写明上限，如 20%）")
    if v["quota_ratio"] is not None and not v["quota_ratio"] > 0:
        top.report(top.line_of("quota"), "“好”等次比例（ratio）应大于 0%")
