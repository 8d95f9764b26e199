"""Typed reading of each kind of record file (one function per file kind).

Each reader takes the YAML value of one file and returns a model object plus the problems
found in that file alone; rules that need several files live in ``checks``.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from decimal import Decimal
from typing import Protocol, TypeVar

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
from kaohe_docs.records.yamlio import YSeq, YValue

ATTENDANCE_KINDS = ("事假", "病假", "旷工")
GENDERS = ("男", "女")
# A model field typed str or date that a file leaves out is reported (an error) and left None: the record is kept
# for the rules across files, and no document is built from records with errors. Such arguments carry
# ``# type: ignore[arg-type]`` with the note "reported missing".


class _Sourced(Protocol):
    @property
    def src(self) -> Src: ...


class _PersonRecord(_Sourced, Protocol):
    @property
    def person_id(self) -> str: ...


R = TypeVar("R", bound=_Sourced)
P = TypeVar("P", bound=_PersonRecord)


def _key_lines(f: Fields) -> dict[str, int]:
    """Field → line of a mapping's keys, for diagnostics (a key that is not text is reported as unknown)."""
    return {k: f.line_of(k) for k in f.map if isinstance(k, str)}


def _texts(values: YSeq | None) -> tuple[str, ...]:
    """The non-empty texts of a list (aliases, report_to), stripped."""
    return tuple(str(v).strip() for v in values or () if v is not None and str(v).strip())


def read_bureau(data: YValue, path: str) -> tuple[BureauInfo | None, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "单位信息", line=1)
    name, issuer, office = f.name("name"), f.text("issuer"), f.text("office")
    report_to = f.sequence("report_to", required=False)
    f.done()
    if name is None or issuer is None or office is None:
        return None, diags
    return BureauInfo(name, issuer, office, Src(path, f.line), report_to=_texts(report_to)), diags


def _unique(items: Iterable[Fields], make: Callable[[Fields, int], R | None], key: Callable[[R], str],
            what: str) -> dict[str, R]:
    """Records of a list keyed by ``key``; each item's unknown keys and duplicates are reported."""
    found: dict[str, R] = {}
    for n, item in enumerate(items):
        record = make(item, n)
        item.done()
        if record is None:
            continue
        value = key(record)
        if value in found:
            item.report(item.line, f"{what}“{value}”重复（第 {found[value].src.line} 行已有），请合并为一条")
            continue
        found[value] = record
    return found


def read_units(data: YValue, path: str) -> tuple[dict[str, Unit], list[Diagnostic]]:
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "所室队名单", line=1)

    def unit(u: Fields, order: int) -> Unit | None:
        ident, name = u.ident("id", what="单位代码"), u.name("name")
        aliases = u.sequence("aliases", required=False)
        if ident is None or name is None:
            return None
        return Unit(ident, name, order, Src(path, u.line), aliases=_texts(aliases))
    units = _unique(f.items("units", "所室队"), unit, lambda u: u.id, "单位代码")
    f.done()
    return units, diags


def read_roster(data: YValue, path: str) -> tuple[dict[str, Person], list[Diagnostic]]:
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "花名册", line=1)

    def person(p: Fields, _: int) -> Person | None:
        ident, name, gender = p.ident("id", what="警号"), p.name("name"), p.choice("gender", GENDERS)
        birth, position, rank = p.month("birth"), p.text("position"), p.text("rank", required=False, default="")
        joined, left, src = p.month("joined", required=False), p.month("left", required=False), Src(path, p.line)
        unit = p.ident("unit", required=False, what="单位代码")
        if ident is None or name is None:
            return None
        return Person(
            id=ident, name=name,
            gender=gender, birth=birth, position=position,  # type: ignore[arg-type]  # reported missing
            rank=rank, joined=joined, left=left, src=src, unit=unit)
    people = _unique(f.items("people", "人员"), person, lambda p: p.id, "警号")
    f.done()
    return people, diags


def read_unit_quarter(data: YValue, path: str, unit_id: str,
                      quarter: Quarter) -> tuple[UnitQuarter | None, list[Diagnostic]]:
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
    # every value read (and reported) in the file's usual order before the entry is made
    bonuses = list(_claims(p))
    suggested = _grade(p, "suggested", required=False)
    lower_reason, note = p.text("lower_reason", required=False), p.text("note", required=False)
    attendance = _numbers(p, "attendance", required=False, keys=ATTENDANCE_KINDS)
    summary = p.text("summary", required=False)
    external = _external(external_fields, p) if external_fields else None
    indicators = list(_indicator_claims(p)) if itemised else None
    leftover = [k for k in FILLED_BY_UNIT if k in p.map and _empty(p.map.get(k))]
    if not assessed and leftover:  # keys kaohe open left for the unit to fill: nothing to fill for this person
        p.diagnostics.append(warning(p.path, p.line_of(leftover[0]), f"{name or person_id}是{status.value}人员，"
                                     f"留空的 {'、'.join(leftover)} 不需要填写，已忽略；可删除这些键"))
    if ungraded and external_fields:
        p.report(p.line, "同一人不能既是“不确定等次”（ungraded）又由外单位考核（external）")
    if not assessed and (common or suggested or indicators):
        p.report(p.line, f"{status.value}人员不应填写共性得分或建议等次")
    p.done()
    if person_id is None:
        return None
    return Entry(
        person_id=person_id, name=name,  # type: ignore[arg-type]  # reported missing
        unit_id=unit_id, quarter=quarter, status=status,
        common=common, monthly=monthly, bonuses=bonuses, suggested=suggested, lower_reason=lower_reason, note=note,
        attendance=attendance, summary=summary, ungraded_reason=ungraded, external=external,
        src=Src(p.path, p.line), lines=_key_lines(p), invalid=frozenset(invalid),
        pending=tuple(pending) if assessed else (), indicators=indicators)


FILLED_BY_UNIT = ("summary", "common", "monthly", "suggested")  # what kaohe open leaves empty in a person's item


def _empty(value: YValue) -> bool:
    """Nothing filled in: an empty value, or a mapping whose values are all empty (``common: {德: , …}``)."""
    return value is None or (isinstance(value, dict) and all(v is None for v in value.values()))


def _numbers(p: Fields, key: str, required: bool, *, keys: Collection[str] | None = None,
             invalid: set[str] | None = None, pending: dict[str, None] | None = None) -> dict[str, Decimal]:
    """A mapping of numbers; names whose value is unusable go into ``invalid`` (already reported),
    names present without a value into ``pending`` (not filled in yet) when that set is given."""
    mapping = p.mapping(key, required)
    result: dict[str, Decimal] = {}
    if mapping is None:
        return result
    for name, value in mapping.items():
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


def _months(p: Fields, quarter: Quarter, required: bool, invalid: set[str],
            pending: dict[str, None]) -> dict[int, Decimal]:
    mapping = p.mapping("monthly", required)
    result: dict[int, Decimal] = {}
    if mapping is None:
        return result
    for month, value in mapping.items():
        line = mapping.line_of(month)
        # a bool is an int to Python: YAML's true/yes would stand for January
        if isinstance(month, bool) or not isinstance(month, int) or month not in quarter.months:
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


def _claims(p: Fields) -> Iterator[BonusClaim]:
    for c in p.items("bonus", "正向激励申报", required=False):
        item, deed = c.text("item"), c.text("deed")
        points = c.number("points", required=False, low=Decimal(0))
        status = c.enum("status", ClaimStatus)
        evidence, reason = c.text("evidence", required=False), c.text("reason", required=False)
        c.done()
        if item is not None and deed is not None and status is not None:
            yield BonusClaim(item=item, deed=deed, points=points, status=status, evidence=evidence, reason=reason,
                             src=Src(c.path, c.line))


def _indicator_claims(p: Fields) -> Iterator[IndicatorClaim]:
    """``indicators:``: the 共性指标 items that apply to the person (an empty list: full marks)."""
    for c in p.items("indicators", "共性指标项目", required=False):
        item, matter, date = c.text("item"), c.text("matter"), c.date("date")
        evidence = c.text("evidence", required=False)
        points = c.number("points", required=False, low=Decimal(0))
        c.done()
        if item is not None and matter is not None:
            yield IndicatorClaim(item=item, matter=matter, date=date, evidence=evidence, points=points,
                                 src=Src(c.path, c.line))


def _grade(f: Fields, key: str, required: bool) -> Grade | None:
    text = f.choice(key, GRADE_NAMES, required)
    return Grade.parse(text) if text else None


def _external(e: Fields, owner: Fields) -> External:
    body, grade, document = e.text("body"), _grade(e, "grade", required=False), e.text("document")
    e.done()
    return External(body, grade, document, Src(owner.path, e.line))  # type: ignore[arg-type]  # reported missing


def read_decision(data: YValue, path: str, quarter: Quarter) -> tuple[Decision | None, list[Diagnostic]]:
    """``records/2026/Q1/decision.yaml``: the committee's decision on the quarter."""
    diags: list[Diagnostic] = []
    if data is None:  # empty (as ``kaohe open`` leaves it): the committee has not decided yet
        return None, diags
    f = Fields(data, path, diags, "党委审定记录", line=1)
    declared = f.text("quarter")
    if declared is not None and Quarter.parse(declared) != quarter:
        f.report(f.line_of("quarter"), f"文件位于 {quarter} 的目录中，但文件中写的季度是“{declared}”")
    meeting_date, minutes = f.date("meeting_date"), f.text("minutes")
    publicity_start = f.date("publicity_start", required=False)
    changes: dict[str, GradeChange] = {}
    additions: dict[str, GradeChange] = {}
    fixed: Grade | None
    for key, target, fixed in (("changes", changes, None), ("additions", additions, Grade.GOOD)):
        for c in f.items(key, "审定事项", required=False):
            person_id = c.ident("id", what="警号")
            grade = fixed or _grade(c, "grade", required=True)
            reason = c.text("reason")
            c.done()
            if person_id is None or grade is None:
                continue
            if person_id in changes or person_id in additions:
                c.report(c.line, f"警号“{person_id}”在审定记录中出现了两次")
                continue
            target[person_id] = GradeChange(person_id, grade, reason,  # type: ignore[arg-type]  # reported missing
                                            Src(path, c.line))
    f.done()
    if meeting_date is None or minutes is None:
        return None, diags
    return Decision(quarter, meeting_date, minutes, changes, additions, publicity_start, Src(path, f.line),
                    _key_lines(f)), diags


# readers for which an empty file has a meaning: an empty decision.yaml (kaohe open) is a quarter not decided yet
READS_EMPTY: tuple[Callable[..., object], ...] = (read_decision,)


def _quarter_list(data: YValue, path: str, quarter: Quarter, key: str, *, what: str, item_what: str,
                  read_item: Callable[[Fields], P | None],
                  unit_id: str | None = None) -> tuple[dict[str, P], list[Diagnostic]]:
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
    found = _unique(f.items(key, item_what, required=False), lambda item, _: read_item(item), lambda r: r.person_id,
                    "警号")
    f.done()
    return found, diags


def read_appeals(data: YValue, path: str, quarter: Quarter) -> tuple[dict[str, Appeal], list[Diagnostic]]:
    """``records/2026/Q1/appeals.yaml``: objections (复核) and their outcomes."""
    def item(a: Fields) -> Appeal | None:
        person_id, received, grounds = a.ident("id", what="警号"), a.date("received"), a.text("grounds")
        outcome, grade = a.enum("outcome", AppealOutcome, required=False), _grade(a, "grade", required=False)
        reason, replied = a.text("reason", required=False), a.date("replied", required=False)
        if person_id is None or received is None or grounds is None:
            return None
        return Appeal(person_id, received, grounds, outcome, grade, reason, replied, Src(a.path, a.line))
    return _quarter_list(data, path, quarter, "appeals", what="复核记录", item_what="复核事项", read_item=item)


def read_feedback(data: YValue, path: str, quarter: Quarter,
                  unit_id: str | None = None) -> tuple[dict[str, Feedback], list[Diagnostic]]:
    """``records/2026/Q1/feedback/<unit>.yaml`` (or the whole bureau's ``feedback.yaml`` of the earlier
    layout): how each person was told the result (结果反馈)."""
    def item(b: Fields) -> Feedback | None:
        talk_fields = b.sub("talk", "谈话记录", required=False)
        talk = None
        if talk_fields is not None:
            date, by = talk_fields.date("date"), talk_fields.text("by")
            note = talk_fields.text("note", required=False)
            talk = Talk(date, by, note)  # type: ignore[arg-type]  # reported missing
            talk_fields.done()
        person_id, method, date_told = b.ident("id", what="警号"), b.enum("method", FeedbackMethod), b.date("date")
        receipt, admonish = b.date("receipt", required=False), b.boolean("admonish")
        no_receipt = b.text("no_receipt", required=False)
        if person_id is None or method is None or date_told is None:
            return None
        return Feedback(person_id, method, date_told, receipt, talk, admonish, Src(b.path, b.line), no_receipt)
    return _quarter_list(data, path, quarter, "feedback", what="结果反馈记录", item_what="反馈记录", read_item=item,
                         unit_id=unit_id)


def read_annual(data: YValue, path: str, year: int) -> tuple[AnnualDecision | None, list[Diagnostic]]:
    """``records/2026/annual.yaml``: the committee's choice of the year's 优秀, its meeting and publicity."""
    diags: list[Diagnostic] = []
    f = Fields(data, path, diags, "年度优秀审定记录", line=1)
    declared = f.integer("year")
    if declared is not None and declared != year:
        f.report(f.line_of("year"), f"文件位于 records/{year}/ 中，但文件中写的年度是“{declared}”")
    meeting_date, minutes = f.date("meeting_date"), f.text("minutes", required=False)
    publicity_start = f.date("publicity_start", required=False)

    def choice(c: Fields, _: int) -> AnnualChoice | None:
        person_id, name = c.ident("id", what="警号"), c.name("name", required=False)
        return AnnualChoice(person_id, name, Src(path, c.line)) if person_id is not None else None
    choices = _unique(f.items("excellent", "年度“优秀”人选", required=False), choice, lambda c: c.person_id, "警号")
    f.done()
    if meeting_date is None:
        return None, diags
    return AnnualDecision(year, meeting_date, minutes, publicity_start, choices, Src(path, f.line), _key_lines(f)), diags
