"""The records as plain data: the glossary of the domain lives here.

Every record keeps ``Src`` (file, line) so any rule can point at the line to fix.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum, StrEnum
from typing import Iterator


class Grade(str, Enum):
    """平时考核等次, best first."""

    GOOD = "好"
    FAIRLY_GOOD = "较好"
    AVERAGE = "一般"
    POOR = "较差"

    @property
    def rank(self) -> int:  # higher is better
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> "Grade | None":
        return _BY_TEXT.get(text)


_RANK = {Grade.GOOD: 3, Grade.FAIRLY_GOOD: 2, Grade.AVERAGE: 1, Grade.POOR: 0}
_BY_TEXT = {g.value: g for g in Grade}
GRADE_NAMES = tuple(g.value for g in Grade)


class Status(str, Enum):
    """How a person on the roster takes part in one quarter."""

    ASSESSED = "参加考核"
    UNGRADED = "不确定等次"  # long sick leave, under investigation, newly hired …
    EXTERNAL = "外单位考核"  # 援派/挂职, service-centre windows, borrowed staff


class ClaimStatus(StrEnum):
    """Where a 正向激励 claim stands: declared → checked by the unit → 考核办's answer."""

    DECLARED = "已申报"
    CHECKED = "待审核"  # 所室队已把关, waiting for 考核办
    APPROVED = "通过"  # only approved claims count
    REJECTED = "不通过"  # needs a reason


class AppealOutcome(StrEnum):
    """考核办's answer to a 复核 application."""

    UPHELD = "维持"
    CHANGED = "改变"  # the appeal names the new grade


class FeedbackMethod(StrEnum):
    """How a person was told the result (结果反馈)."""

    MEETING = "会议点评"
    TALK = "个别谈话"
    WRITTEN = "书面送达"  # needs a signed receipt


TALK_KINDS = {"一般": "谈话提醒", "较差": "批评教育"}  # grade → the talk record its feedback needs
QUARTER_NUMERALS = "一二三四"


def quarter_name(q: int) -> str:
    """第一季度 … 第四季度."""
    return f"第{QUARTER_NUMERALS[q - 1]}季度"


def talk_kind(grade: "Grade | None") -> str | None:
    """谈话提醒 for 一般, 批评教育 for 较差, None otherwise."""
    return TALK_KINDS.get(grade.value) if grade is not None else None


_QUARTER = re.compile(r"(\d{4})Q([1-4])\Z")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> "Quarter | None":
        match = _QUARTER.match(str(text).strip().upper())
        return cls(int(match.group(1)), int(match.group(2))) if match else None

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def zh(self) -> str:
        return f"{self.year}年{quarter_name(self.q)}"

    @property
    def months(self) -> tuple[int, int, int]:
        first = 3 * self.q - 2
        return (first, first + 1, first + 2)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.months[0], 1)

    @property
    def last_day(self) -> dt.date:
        nxt = dt.date(self.year + (self.q == 4), 1 if self.q == 4 else self.months[2] + 1, 1)
        return nxt - dt.timedelta(days=1)

    @property
    def path(self) -> str:
        return f"{self.year}/Q{self.q}"


@dataclass(frozen=True)
class Src:
    file: str
    line: int


@dataclass
class BureauInfo:
    name: str  # 清河县公安局
    issuer: str  # 发文机关署名, e.g. 中共清河县公安局委员会
    office: str  # 考核办 (办公室名称)
    src: Src
    report_to: tuple[str, ...] = ()  # 主送 of the reports upward: 县公务员主管部门, 一线实绩考察组 (bureau.yaml)


@dataclass
class Unit:
    id: str
    name: str
    order: int  # position in units.yaml: the bureau's conventional order of units
    src: Src
    aliases: tuple[str, ...] = ()  # usual short names (刑侦大队, 城关所), matched in spreadsheets


@dataclass
class Person:
    """One civil servant on the roster (花名册). Personal data stays here."""

    id: str  # 警号, always text
    name: str
    gender: str
    birth: str  # 'YYYY-MM'
    position: str  # 职务
    rank: str  # 职级
    joined: str | None  # 'YYYY-MM', when he or she entered the bureau
    left: str | None  # 'YYYY-MM', last month in the bureau
    src: Src
    unit: str | None = None  # the unit he or she works in now (kaohe open puts the person there)

    def on_roster(self, quarter: Quarter) -> bool:
        first = f"{quarter.year}-{quarter.months[0]:02d}"
        last = f"{quarter.year}-{quarter.months[2]:02d}"
        return (self.joined is None or self.joined <= last) and (self.left is None or self.left >= first)

    def months_in(self, quarter: Quarter) -> tuple[int, ...]:
        """The months of ``quarter`` the person was in the bureau (joined/left on the roster)."""
        def inside(m: int) -> bool:
            month = f"{quarter.year}-{m:02d}"
            return (self.joined is None or self.joined <= month) and (self.left is None or self.left >= month)
        return tuple(m for m in quarter.months if inside(m))

    @property
    def post(self) -> str:
        """职务(职级) as printed on the forms."""
        return f"{self.position}（{self.rank}）" if self.rank else self.position


@dataclass
class BonusClaim:
    """One declared 正向激励 item. Only approved claims count."""

    item: str  # a name from the policy's bonus catalogue
    deed: str  # the event it rewards; the same deed counts once, at the highest value
    points: Decimal | None  # the unit's allocation for a shared deed; None = the item's value
    status: ClaimStatus  # 已申报 → 待审核 (所室队已把关) → 通过 / 不通过 (考核办审核)
    evidence: str | None  # 文号、材料
    reason: str | None  # why 考核办 rejected it
    src: Src


@dataclass(frozen=True)
class Indicator:
    """One item of the bureau's 共性指标 table (量化考核指标, policy ``indicators``): points deducted from
    (or added to) one element for a kind of matter; a fixed value (low == high) or a range the unit picks in."""

    id: str  # 德-1 …: what a unit writes in a record
    element: str  # 德 能 勤 绩 廉
    text: str  # the matter it scores, as printed in the annex
    sign: int  # -1 扣分 (deduction), +1 加分 (addition)
    low: Decimal
    high: Decimal  # the item's value: no person's points above it
    line: int = 0  # where the item stands in policy/policy.yaml

    @property
    def fixed(self) -> bool:
        return self.low == self.high

    @property
    def kind(self) -> str:
        return "扣分" if self.sign < 0 else "加分"

    @property
    def value_text(self) -> str:
        """“扣1–3分”, “扣0.5分”, “加0.5–1分”: the item's value as printed and in messages."""
        value = f"{self.low:f}" if self.fixed else f"{self.low:f}–{self.high:f}"
        return f"{self.kind[0]}{value}分"


@dataclass
class IndicatorClaim:
    """One 共性指标 item applied to a person: the matter (事项) it scores, when, on what evidence."""

    item: str  # an Indicator id from the policy
    matter: str  # the same matter under several items counts once, at the highest value (就高不就低)
    date: dt.date | None
    evidence: str | None  # 督察通报、文号、材料
    points: Decimal | None  # the unit's points: needed for a range or a matter shared by several people
    src: Src


@dataclass
class External:
    body: str  # 考核机关, e.g. 县行政服务中心管理委员会
    grade: "Grade | None"
    document: str  # 文号 of the grade received
    src: Src


class FieldLines:
    """A record that knows the line of each of its fields: ``.at(key)`` for diagnostics (the record's own line
    when the field has none)."""

    src: Src
    lines: dict[str, int]

    def at(self, key: str) -> Src:
        return Src(self.src.file, self.lines.get(key, self.src.line))


@dataclass
class Entry(FieldLines):
    """One person's record in one unit's quarter file."""

    person_id: str
    name: str  # as written in the unit file (checked against the roster)
    unit_id: str
    quarter: Quarter
    status: Status
    common: dict[str, Decimal]  # element → raw score (德 能 勤 绩 廉)
    monthly: dict[int, Decimal]  # month number → 月度绩效考评得分
    bonuses: list[BonusClaim]
    suggested: Grade | None  # 所室队建议等次 (好 = recommended for the quota)
    lower_reason: str | None  # why the suggestion is below the band
    note: str | None  # 备注: 借用、调入 …, printed on the forms
    attendance: dict[str, Decimal]
    summary: str | None  # 个人小结
    ungraded_reason: str | None
    external: External | None
    src: Src
    lines: dict[str, int] = field(default_factory=dict)  # field → line, for diagnostics
    invalid: frozenset[str] = frozenset()  # element or month names whose value could not be read (reported)
    # fields present but left empty: not filled in yet (待填写), not an error. Keys: "summary", "suggested",
    # "common" (the whole mapping), "common:德", "monthly" (the whole mapping), "monthly:3"
    pending: tuple[str, ...] = ()
    # 共性指标 items (``indicators:``); None when the person has no such list: every element is then a total
    # written in ``common``. With a list, an element without a total is computed from the items.
    indicators: list[IndicatorClaim] | None = None


@dataclass
class UnitQuarter:
    unit_id: str
    quarter: Quarter
    submitted: dt.date | None
    leader: str | None  # 所室队主要领导
    entries: list[Entry]
    src: Src


@dataclass
class GradeChange:
    person_id: str
    grade: Grade
    reason: str
    src: Src


@dataclass
class Decision(FieldLines):
    """局党委（考核委）对一个季度的审定."""

    quarter: Quarter
    meeting_date: dt.date
    minutes: str  # 会议纪要 reference
    changes: dict[str, GradeChange]  # grade differs from the unit's suggestion
    additions: dict[str, GradeChange]  # 好 chosen outside the units' recommendations
    publicity_start: dt.date | None
    src: Src
    lines: dict[str, int] = field(default_factory=dict)  # field → line, for diagnostics


@dataclass
class Appeal:
    """复核: an objection to a quarter's result and 考核办's answer."""

    person_id: str
    received: dt.date
    grounds: str
    outcome: AppealOutcome | None  # 维持 / 改变; None while pending
    grade: Grade | None  # the new grade when 改变
    reason: str | None
    replied: dt.date | None
    src: Src


@dataclass
class Talk:
    """谈话提醒 (一般) or 批评教育 (较差) record."""

    date: dt.date
    by: str
    note: str | None


@dataclass
class Feedback:
    """结果反馈: how and when the person was told the result."""

    person_id: str
    method: FeedbackMethod  # 会议点评 / 个别谈话 / 书面送达
    date: dt.date
    receipt: dt.date | None  # 书面送达: the date on the signed receipt
    talk: Talk | None
    admonish: bool  # 诫勉 decided (较差 only)
    src: Src
    no_receipt: str | None = None  # 书面送达 without a receipt that can ever come (retired, deceased …): why


@dataclass
class QuarterRecords:
    quarter: Quarter
    units: dict[str, UnitQuarter]
    decision: Decision | None
    appeals: dict[str, Appeal] = field(default_factory=dict)
    feedback: dict[str, Feedback] = field(default_factory=dict)
    incomplete: bool = False  # a file of this quarter could not be read: skip cross-file rules


@dataclass
class AnnualChoice:
    """One person the committee chose as 年度考核“优秀” (from those eligible by the quarterly grades)."""

    person_id: str
    name: str | None  # as written in the record (checked against the roster)
    src: Src


@dataclass
class AnnualDecision(FieldLines):
    """``records/<year>/annual.yaml``: the committee's choice of the year's 优秀 (年度优秀人选), a record of its own."""

    year: int
    meeting_date: dt.date
    minutes: str | None  # 会议纪要 reference
    publicity_start: dt.date | None
    choices: dict[str, AnnualChoice]
    src: Src
    lines: dict[str, int] = field(default_factory=dict)  # field → line, for diagnostics


@dataclass
class Bureau:
    info: BureauInfo
    units: dict[str, Unit]
    people: dict[str, Person]
    quarters: dict[Quarter, QuarterRecords]
    annual: dict[int, AnnualDecision] = field(default_factory=dict)  # year → the committee's annual choice

    def unit_order(self, unit_id: str) -> int:
        """A unit's place in the bureau's order (units.yaml); unknown units come last."""
        unit = self.units.get(unit_id)
        return unit.order if unit is not None else len(self.units)

    def unit_name(self, unit_id: str) -> str:
        """The unit's name as printed; its id when the unit is unknown."""
        unit = self.units.get(unit_id)
        return unit.name if unit is not None else unit_id

    def units_in_order(self) -> list[Unit]:
        return sorted(self.units.values(), key=lambda u: u.order)

    def shown_name(self, person_id: str, name: str | None = None) -> str:
        """The name a list shows: “张伟（警号 010003）” when someone else on the roster has the same name."""
        person = self.people.get(person_id)
        name = name or (person.name if person else person_id)
        if sum(p.name == name for p in self.people.values()) > 1:
            return f"{name}（警号 {person_id}）"
        return name

    def entries(self, quarter: Quarter) -> Iterator[Entry]:
        """Entries of a quarter, units in the bureau's order (unknown units last)."""
        records = self.quarters.get(quarter)
        for unit_quarter in sorted(records.units.values() if records else (),
                                   key=lambda uq: (self.unit_order(uq.unit_id), uq.unit_id)):
            yield from unit_quarter.entries


@dataclass(frozen=True)
class YearDays:
    """One year of the State Council notice: days off (放假) and make-up working days (调休上班)."""

    off: frozenset[dt.date] = frozenset()
    work: frozenset[dt.date] = frozenset()
    line: int = 0  # where the year stands in policy/policy.yaml

    def is_workday(self, day: dt.date) -> bool:
        return day in self.work or (day.weekday() < 5 and day not in self.off)
