"""The annual link (与年度考核挂钩): four quarterly grades → what they allow for the year.

- 年度“优秀” candidates only from those with "more 好" (policy: a share of the graded
  quarters) and no 一般 or 较差;
- 一般 + 较差 in more than a share (policy: annual.weak_share, half in the scheme) of the graded
  quarters → in principle 基本称职 or 不称职;
- 较差 in every graded quarter → may be 不称职 directly.
Quarters without a grade (不确定等次, not yet decided, not on the roster) are left out of
the counts; grades received from an external body count like the bureau's own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.model import Grade, Person, Quarter

FLAG_WEAK = "原则上确定为基本称职或不称职"
FLAG_ALL_POOR = "可直接确定为不称职"


@dataclass
class AnnualRow:
    person: Person
    unit_id: str  # the unit of the latest quarter in the year
    quarters: dict[int, Result | None] = field(default_factory=dict)  # 1..4 → that quarter's result

    def grade(self, q: int) -> Grade | None:
        result = self.quarters.get(q)
        return result.final if result is not None else None

    @property
    def grades(self) -> list[Grade]:
        return [g for g in (self.grade(q) for q in (1, 2, 3, 4)) if g is not None]

    def count(self, grade: Grade) -> int:
        return sum(g is grade for g in self.grades)

    @property
    def weak(self) -> int:
        return self.count(Grade.AVERAGE) + self.count(Grade.POOR)


def eligible_for_excellent(row: AnnualRow, min_share: Decimal) -> bool:
    graded = len(row.grades)
    return graded > 0 and row.weak == 0 and row.count(Grade.GOOD) >= min_share * graded


def flag(row: AnnualRow, weak_share: Decimal) -> str | None:
    """较差 in every graded quarter → FLAG_ALL_POOR; 一般+较差 in more than ``weak_share`` of them → FLAG_WEAK."""
    graded = len(row.grades)
    if graded and row.count(Grade.POOR) == graded:
        return FLAG_ALL_POOR
    if row.weak > weak_share * graded:
        return FLAG_WEAK
    return None


def annual_rows(a: Assessment, year: int) -> list[AnnualRow]:
    """One row per person with any record in the year, in unit order then file order."""
    rows: dict[str, AnnualRow] = {}
    for quarter in sorted(q for q in a.results if q.year == year):
        for result in a.results[quarter]:
            person = result.person
            if person is None:
                continue
            row = rows.setdefault(person.id, AnnualRow(person, result.entry.unit_id))
            row.quarters[quarter.q] = result
            row.unit_id = result.entry.unit_id
    return sorted(rows.values(), key=lambda r: a.bureau.unit_order(r.unit_id))


def quarters_of(a: Assessment, year: int) -> list[Quarter]:
    return sorted(q for q in a.results if q.year == year)


def decided_quarters(a: Assessment, year: int) -> list[Quarter]:
    """The year's quarters the committee has decided, in order."""
    return [q for q in quarters_of(a, year) if a.decided(q)]


def year_complete(a: Assessment, year: int) -> bool:
    """True once the fourth quarter is decided: before that, every annual figure rests on fewer quarters."""
    return a.decided(Quarter(year, 4))


def ineligibility(row: AnnualRow, min_share: Decimal) -> str | None:
    """Why a person may not be chosen as 年度“优秀” (None when eligible)."""
    graded = len(row.grades)
    if graded == 0:
        return "当年没有已定等次的季度"
    weak = [f"“{g.value}”{row.count(g)}次" for g in (Grade.AVERAGE, Grade.POOR) if row.count(g)]
    if weak:
        return f"有{'、'.join(weak)}"
    if row.count(Grade.GOOD) < min_share * graded:
        return (f"“好”等次{row.count(Grade.GOOD)}次，少于已定等次季度数{graded}的"
                f"{(min_share * 100).normalize():f}%")
    return None


def participants(a: Assessment, year: int) -> int:
    """The year's participants: everyone with at least one graded quarter in the year."""
    return sum(1 for row in annual_rows(a, year) if row.grades)


def excellent_limit(a: Assessment, year: int) -> int:
    """Most 年度“优秀” the committee may choose: participants × policy share, rounded down."""
    return int(participants(a, year) * a.policy.excellent_limit)


def tally(row: AnnualRow) -> dict[str, int]:
    """Count of each grade in the year, keyed by the grade's name (for 年度平时考核情况)."""
    return {g.value: row.count(g) for g in Grade}
