"""Typed reading of each kind of record file (one function per file kind).

Each reader takes the YAML value of one file and returns a model object plus the problems
found in that file alone; rules that need several files live in ``checks``.
"""
from __future__ import annotations

from decimal import Decimal

from kaohe_docs.errors import Diagnostic, warning
from kaohe_docs.model import (
    GRADE_NAMES,
    AnnualChoice,
    AnnualDecision,
    Appeal,
    AppealOutcome,
    BonusClaim,
    BureauInfo,
    ClaimStatus,
    Decision,
    Entry,
    External,
    Feedback,
    FeedbackMethod,
    Grade,
    GradeChange,
    IndicatorClaim,
    Person,
    Quarter,
    Src,
    Status,
    Talk,
    Unit,
    UnitQuarter,
)
from kaohe_docs.records.schema import Fields
from kaohe_docs.records.yamlio import YSeq

ATTENDANCE_KINDS = ("事假", "病假", "旷工")
GENDERS = ("男", "女")


def read_bureau(data, path: str):
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "单位信息", line=1)
    info = BureauInfo(f.name("name"), f.text("issuer"), f.text("office"), Src(path, f.line))
    report_to = f.sequence("report_to", required=False)
    info.report_to = tuple(str(r).strip() for r in report_to or () if r is not None and str(r).strip())
    f.done()
    return (info if None not in (info.name, info.issuer, info.office) else None), diags


def _unique(items, make, key: str, what: str) -> dict:
    """Records of a list keyed by ``key``; each item's unknown keys and duplicates are reported."""
    found: dict = {}
    for n, item in enumerate(items):
        record = make(item, n)
        item.done()
        if record is None:
            continue
        value = getattr(record, key)
        if value in found:
            item.report(item.line, f"{what}“{value}”重复（第 {found[value].src.line} 行已有），请合并为一条")
            continue
        found[value] = record
    return found


def read_units(data, path: str):
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "所室队名单", line=1)

    def unit(u: Fields, order: int):
        record = Unit(u.ident("id", what="单位代码"), u.name("name"), order, Src(path, u.line))
        aliases = u.sequence("aliases", required=False)
        record.aliases = tuple(str(a).strip() for a in aliases or () if a is not None and str(a).strip())
        return record if None not in (record.id, record.name) else None
    units = _unique(f.items("units", "所室队"), unit, "id", "单位代码")
    f.done()
    return units, diags


def read_roster(data, path: str):
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "花名册", line=1)

    def person(p: Fields, _):
        record = Person(
            id=p.ident("id", what="警号"), name=p.name("name"), gender=p.choice("gender", GENDERS),
            birth=p.month("birth"), position=p.text("position"), rank=p.text("rank", required=False, default=""),
            joined=p.month("joined", required=False), left=p.month("left", required=False), src=Src(path, p.line),
            unit=p.ident("unit", required=False, what="单位代码"))
        return record if None not in (record.id, record.name) else None
    people = _unique(f.items("people", "人员"), person, "id", "警号")
    f.done()
    return people, diags


def read_unit_quarter(data, path: str, unit_id: str, quarter: Quarter):
    """``records/2026/Q1/units/<unit>.yaml``: one unit's quarter, one item per person."""
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "所室队季度记录", line=1)
    declared_unit = f.ident("unit", what="单位代码")
    declared_quarter = f.text("quarter")
    if declared_unit is not None and declared_unit != unit_id:
        f.report(f.line_of("unit"), f"文件名对应单位“{unit_id}”，但文件中写的是“{declared_unit}”")
    if declared_quarter is not None and Quarter.parse(declared_quarter) != quarter:
        f.report(f.line_of("quarter"), f"文件位于 {quarter} 的目录中，但文件中写的季度是“{declared_quarter}”")
    record = UnitQuarter(unit_id, quarter, f.date("submitted", required=False), f.text("leader", required=False),
                         [], Src(path, f.line))
    people = f.map.get("people")
    for p in f.items("people", "人员记录"):
        entry = _read_entry(p, unit_id, quarter)
        if entry is not None:
            record.entries.append(entry)
    f.done()
    if not isinstance(people, YSeq):  # no usable list of people: the file tells nothing about who is here
        return None, diags
    return record, diags


def _read_entry(p: Fields, unit_id: str, quarter: Quarter) -> Entry | None:
    person_id, name = p.ident("id", what="警号"), p.name("name")
    ungraded = p.text("ungraded", required=False)
    external_fields = p.sub("external", "外单位考核信息", required=False)
    status = Status.EXTERNAL if external_fields else (Status.UNGRADED if ungraded else Status.ASSESSED)
    assessed = status is Status.ASSESSED
    invalid: set[str] = set()
    pending: dict[str, None] = {}  # present but empty: still to be filled in (missing), not wrong (file order)
    itemised = "indicators" in p.map  # elements without a total are computed from the 共性指标 items
    for key in ("summary", "suggested", "common", "monthly"):
        if key in p.map and p.map.get(key) is None and assessed and not (key == "common" and itemised):
            pending[key] = None
    common = _numbers(p, "common", required=assessed and "common" not in pending and not itemised, invalid=invalid,
                      pending=pending)
    if itemised:  # an element left empty is scored from the items, not waiting for a total
        pending = {k: None for k in pending if not k.startswith("common:")}
    monthly = _months(p, quarter, required=False, invalid=invalid, pending=pending)
    entry = Entry(
        person_id=person_id, name=name, unit_id=unit_id, quarter=quarter, status=status,
        common=common, monthly=monthly, bonuses=list(_claims(p)),
        suggested=_grade(p, "suggested", required=False),
        lower_reason=p.text("lower_reason", required=False),
        note=p.text("note", required=False),
        attendance=_numbers(p, "attendance", required=False, keys=ATTENDANCE_KINDS),
        summary=p.text("summary", required=False),
        ungraded_reason=ungraded,
        external=_external(external_fields, p) if external_fields else None,
        src=Src(p.path, p.line), lines={k: p.line_of(k) for k in p.map}, invalid=frozenset(invalid),
        pending=tuple(pending) if assessed else (), indicators=list(_indicator_claims(p)) if itemised else None)
    leftover = [k for k in FILLED_BY_UNIT if k in p.map and _empty(p.map.get(k))]
    if not assessed and leftover:  # keys kaohe open left for the unit to fill: nothing to fill for this person
        p.diagnostics.append(warning(p.path, p.line_of(leftover[0]), f"{name or person_id}是{status.value}人员，"
                                     f"留空的 {'、'.join(leftover)} 不需要填写，已忽略；可删除这些键"))
    if ungraded and external_fields:
        p.report(p.line, "同一人不能既是“不确定等次”（ungraded）又由外单位考核（external）")
    if not assessed and (common or entry.suggested or entry.indicators):
        p.report(p.line, f"{status.value}人员不应填写共性得分或建议等次")
    p.done()
    return entry if person_id is not None else None


FILLED_BY_UNIT = ("summary", "common", "monthly", "suggested")  # what kaohe open leaves empty in a person's item


def _empty(value) -> bool:
    """Nothing filled in: an empty value, or a mapping whose values are all empty (``common: {德: , …}``)."""
    return value is None or (hasattr(value, "values") and all(v is None for v in value.values()))


def _numbers(p: Fields, key: str, required: bool, *, keys=None, invalid: set | None = None,
             pending: dict | None = None) -> dict[str, Decimal]:
    """A mapping of numbers; names whose value is unusable go into ``invalid`` (already reported),
    names present without a value into ``pending`` (not filled in yet) when that set is given."""
    mapping = p.mapping(key, required)
    result: dict[str, Decimal] = {}
    for name, value in (mapping or {}).items():
        line = mapping.line_of(name)
        if keys is not None and name not in keys:
            p.report(line, f"“{key}”中未知的项目“{name}”（可用：{'、'.join(keys)}）")
            continue
        if value is None and pending is not None:
            pending[f"{key}:{name}"] = None
            continue
        number = p.coerce_number(value, line, f"{name}", low=Decimal(0))
        if number is not None:
            result[str(name)] = number
        elif invalid is not None:
            invalid.add(str(name))
    return result


def _months(p: Fields, quarter: Quarter, required: bool, invalid: set, pending: dict) -> dict[int, Decimal]:
    mapping = p.mapping("monthly", required)
    result: dict[int, Decimal] = {}
    for month, value in (mapping or {}).items():
        line = mapping.line_of(month)
        if not isinstance(month, int) or month not in quarter.months:
            p.report(line, f"月度绩效的月份“{month}”不属于 {quarter}（应为 {'、'.join(map(str, quarter.months))}）")
            continue
        if value is None:
            pending[f"monthly:{month}"] = None
            continue
        number = p.coerce_number(value, line, f"{month}月绩效得分")
        if number is not None:
            result[month] = number
        else:
            invalid.add(f"{month}月")
    return result


def _claims(p: Fields):
    for c in p.items("bonus", "正向激励申报", required=False):
        claim = BonusClaim(
            item=c.text("item"), deed=c.text("deed"), points=c.number("points", required=False, low=Decimal(0)),
            status=c.enum("status", ClaimStatus), evidence=c.text("evidence", required=False),
            reason=c.text("reason", required=False), src=Src(c.path, c.line))
        c.done()
        if None not in (claim.item, claim.deed, claim.status):
            yield claim


def _indicator_claims(p: Fields):
    """``indicators:``: the 共性指标 items that apply to the person (an empty list: full marks)."""
    for c in p.items("indicators", "共性指标项目", required=False):
        claim = IndicatorClaim(
            item=c.text("item"), matter=c.text("matter"), date=c.date("date"), evidence=c.text("evidence", required=False),
            points=c.number("points", required=False, low=Decimal(0)), src=Src(c.path, c.line))
        c.done()
        if None not in (claim.item, claim.matter):
            yield claim


def _grade(f: Fields, key: str, required: bool) -> Grade | None:
    text = f.choice(key, GRADE_NAMES, required)
    return Grade.parse(text) if text else None


def _external(e: Fields, owner: Fields) -> External:
    external = External(e.text("body"), _grade(e, "grade", required=False), e.text("document"), Src(owner.path, e.line))
    e.done()
    return external


def read_decision(data, path: str, quarter: Quarter):
    """``records/2026/Q1/decision.yaml``: the committee's decision on the quarter."""
    diags: list[Diagnostic] = []
    if data is None:  # empty (as ``kaohe open`` leaves it): the committee has not decided yet
        return None, diags
    f = Fields(data, path, diags, "党委审定记录", line=1)
    declared = f.text("quarter")
    if declared is not None and Quarter.parse(declared) != quarter:
        f.report(f.line_of("quarter"), f"文件位于 {quarter} 的目录中，但文件中写的季度是“{declared}”")
    decision = Decision(quarter, f.date("meeting_date"), f.text("minutes"), {}, {},
                        f.date("publicity_start", required=False), Src(path, f.line), {k: f.line_of(k) for k in f.map})
    for key, target, fixed in (("changes", decision.changes, None), ("additions", decision.additions, Grade.GOOD)):
        for c in f.items(key, "审定事项", required=False):
            change = GradeChange(c.ident("id", what="警号"), fixed or _grade(c, "grade", required=True),
                                 c.text("reason"), Src(path, c.line))
            c.done()
            if change.person_id is None or change.grade is None:
                continue
            if change.person_id in decision.changes or change.person_id in decision.additions:
                c.report(c.line, f"警号“{change.person_id}”在审定记录中出现了两次")
                continue
            target[change.person_id] = change
    f.done()
    ok = decision.meeting_date is not None and decision.minutes is not None
    return (decision if ok else None), diags


read_decision.allows_empty = True  # an empty decision.yaml (kaohe open) is a quarter not decided yet


def _quarter_list(data, path: str, quarter: Quarter, key: str, *, what: str, item_what: str, read_item,
                  unit_id: str | None = None):
    """A per-quarter list file (appeals.yaml, feedback.yaml, feedback/<unit>.yaml): id → record, one per person."""
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, what, line=1)
    declared = f.text("quarter")
    if declared is not None and Quarter.parse(declared) != quarter:
        f.report(f.line_of("quarter"), f"文件位于 {quarter} 的目录中，但文件中写的季度是“{declared}”")
    if unit_id is not None:
        declared_unit = f.ident("unit", what="单位代码")
        if declared_unit is not None and declared_unit != unit_id:
            f.report(f.line_of("unit"), f"文件名对应单位“{unit_id}”，但文件中写的是“{declared_unit}”")
    found = _unique(f.items(key, item_what, required=False), lambda item, _: read_item(item), "person_id", "警号")
    f.done()
    return found, diags


def read_appeals(data, path: str, quarter: Quarter):
    """``records/2026/Q1/appeals.yaml``: objections (复核) and their outcomes."""
    def item(a: Fields):
        appeal = Appeal(a.ident("id", what="警号"), a.date("received"), a.text("grounds"),
                        a.enum("outcome", AppealOutcome, required=False), _grade(a, "grade", required=False),
                        a.text("reason", required=False), a.date("replied", required=False), Src(a.path, a.line))
        return appeal if None not in (appeal.person_id, appeal.received, appeal.grounds) else None
    return _quarter_list(data, path, quarter, "appeals", what="复核记录", item_what="复核事项", read_item=item)


def read_feedback(data, path: str, quarter: Quarter, unit_id: str | None = None):
    """``records/2026/Q1/feedback/<unit>.yaml`` (or the whole bureau's ``feedback.yaml`` of the earlier
    layout): how each person was told the result (结果反馈)."""
    def item(b: Fields):
        talk_fields = b.sub("talk", "谈话记录", required=False)
        talk = None
        if talk_fields is not None:
            talk = Talk(talk_fields.date("date"), talk_fields.text("by"), talk_fields.text("note", required=False))
            talk_fields.done()
        record = Feedback(b.ident("id", what="警号"), b.enum("method", FeedbackMethod), b.date("date"),
                          b.date("receipt", required=False), talk, b.boolean("admonish"), Src(b.path, b.line),
                          b.text("no_receipt", required=False))
        return record if None not in (record.person_id, record.method, record.date) else None
    return _quarter_list(data, path, quarter, "feedback", what="结果反馈记录", item_what="反馈记录", read_item=item,
                        unit_id=unit_id)


def read_annual(data, path: str, year: int):
    """``records/2026/annual.yaml``: the committee's choice of the year's 优秀, its meeting and publicity."""
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "年度优秀审定记录", line=1)
    declared = f.integer("year")
    if declared is not None and declared != year:
        f.report(f.line_of("year"), f"文件位于 records/{year}/ 中，但文件中写的年度是“{declared}”")
    decision = AnnualDecision(year, f.date("meeting_date"), f.text("minutes", required=False),
                              f.date("publicity_start", required=False), {}, Src(path, f.line),
                              {k: f.line_of(k) for k in f.map})

    def choice(c: Fields, _):
        record = AnnualChoice(c.ident("id", what="警号"), c.name("name", required=False), Src(path, c.line))
        return record if record.person_id is not None else None
    decision.choices = _unique(f.items("excellent", "年度“优秀”人选", required=False), choice, "person_id", "警号")
    f.done()
    return (decision if decision.meeting_date is not None else None), diags
