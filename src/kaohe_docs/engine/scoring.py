"""The 100-point score: 共性 + 个性 + 正向激励, in Decimal, one rounding rule from policy."""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kaohe_docs.engine.grading import band
from kaohe_docs.engine.indicators import ItemScores, score_items
from kaohe_docs.model import BonusClaim, ClaimStatus, Entry, Grade
from kaohe_docs.records.policy import Policy


@dataclass
class CountedBonus:
    claim: BonusClaim
    points: Decimal


@dataclass
class Score:
    elements: dict[str, Decimal]  # element → its score: the typed total, or computed from 共性指标 items
    common_raw: Decimal  # sum of element scores, out of 100
    common: Decimal  # common_raw × common_weight (exact)
    monthly_average: Decimal | None  # exact average of the months present
    months_missing: tuple[int, ...]
    individual: Decimal  # monthly_average × individual_weight (exact)
    bonuses: list[CountedBonus]  # approved claims that count, one per deed
    duplicate_deeds: list[tuple[BonusClaim, BonusClaim]] = field(default_factory=list)  # (kept, dropped)
    bonus_raw: Decimal = Decimal(0)
    bonus: Decimal = Decimal(0)  # capped
    total: Decimal = Decimal(0)  # rounded by the policy's rule
    band: Grade = Grade.POOR  # the best grade the total allows

    items: ItemScores | None = None  # the elements scored from 共性指标 items (None: every element typed)
    complete: bool = True  # every element and at least one month present: the total means something
    common_complete: bool = True  # every 共性 element present: the common score means something

    @property
    def capped(self) -> bool:
        return self.bonus < self.bonus_raw


def claim_points(claim: BonusClaim, policy: Policy) -> Decimal:
    """An approved claim's points: the unit's allocation for a shared deed, else the item's value."""
    value = policy.catalogue.get(claim.item, Decimal(0))
    return min(claim.points, value) if claim.points is not None else value


def count_bonuses(claims: list[BonusClaim], policy: Policy) -> tuple[list[CountedBonus], list[tuple[BonusClaim, BonusClaim]]]:
    """Approved claims, one per deed at its highest value (同一事项只记一次，就高不就低)."""
    best: dict[str, CountedBonus] = {}
    duplicates = []
    for claim in claims:
        if claim.status != ClaimStatus.APPROVED or claim.item not in policy.catalogue:
            continue
        counted = CountedBonus(claim, claim_points(claim, policy))
        kept = best.get(claim.deed)
        if kept is None:
            best[claim.deed] = counted
        elif counted.points > kept.points:
            duplicates.append((claim, kept.claim))
            best[claim.deed] = counted
        else:
            duplicates.append((kept.claim, claim))
    return list(best.values()), duplicates


def itemised_elements(entry: Entry, policy: Policy) -> set[str]:
    """The elements of a person with an ``indicators`` list that are scored from items: those without a typed
    total (or an unreadable one) whose policy has indicator items; an element without items needs its total."""
    if entry.indicators is None:
        return set()
    with_items = {i.element for i in policy.indicators.values()}
    return {e for e in policy.elements if e in with_items and e not in entry.common and e not in entry.invalid}


def element_scores(entry: Entry, policy: Policy) -> tuple[dict[str, Decimal], ItemScores | None]:
    """Each element's score: the total typed in ``common``, else (with an ``indicators`` list) from the items."""
    if entry.indicators is None:
        return dict(entry.common), None
    itemised = itemised_elements(entry, policy)
    items = score_items(entry.indicators, policy.indicators, policy.elements, itemised, policy.round)
    scores = dict(entry.common)
    scores.update({e: s.score for e, s in items.elements.items() if s.score is not None})
    return scores, items


def score_entry(entry: Entry, policy: Policy) -> Score:
    elements, items = element_scores(entry, policy)
    common_raw = sum((elements.get(e, Decimal(0)) for e in policy.elements), Decimal(0))
    months = [entry.monthly[m] for m in entry.quarter.months if m in entry.monthly]
    average = sum(months, Decimal(0)) / len(months) if months else None
    individual = sum(months, Decimal(0)) * policy.individual_weight / len(months) if months else Decimal(0)
    bonuses, duplicates = count_bonuses(entry.bonuses, policy)
    bonus_raw = sum((b.points for b in bonuses), Decimal(0))
    bonus = min(bonus_raw, policy.bonus_cap)
    common = common_raw * policy.common_weight
    total = policy.round(common + individual + bonus)
    return Score(
        elements=elements, items=items, common_raw=common_raw, common=common, monthly_average=average,
        months_missing=tuple(m for m in entry.quarter.months if m not in entry.monthly),
        individual=individual, bonuses=bonuses, duplicate_deeds=duplicates,
        bonus_raw=bonus_raw, bonus=bonus, total=total, band=band(total, policy),
        complete=_complete(entry, elements, months, policy), common_complete=all(e in elements for e in policy.elements))


def _complete(entry: Entry, elements: dict[str, Decimal], months: list[Decimal], policy: Policy) -> bool:
    """Every input present, readable and in range: only then do grade rules judge the total."""
    return (bool(months) and not entry.invalid
            and not any(k.partition(":")[0] in ("common", "monthly") for k in entry.pending)
            and all(e in elements and elements[e] <= policy.elements[e] for e in policy.elements)
            and all(0 <= v <= policy.monthly_max for v in entry.monthly.values()))
