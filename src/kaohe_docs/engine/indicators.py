"""共性指标 scored from the bureau's indicator items (量化考核指标, policy ``indicators``).

A unit either types an element's total (``common: {德: 18}``) or lists the items that apply to the
person (``indicators:``), each with its matter (事项); one element of one person uses one way. For an
element e with full marks F_e (policy ``elements``) scored from items:

    points(c)  = the points the unit wrote, at most the item's value;
                 else the item's value when it is fixed (a range needs the unit's points)
    counted    = per matter, one claim: the one with the most points (就高不就低: 同一考核事项涉及不同
                 加、扣分标准的，只记一次); on a tie the first written. Across all five elements.
    score_e    = round(min(F_e, max(0, F_e + Σ added_e − Σ deducted_e)))      over counted claims of e
                 (round: the policy's one rule, at its places; exact sums of written points are unchanged)

A matter shared by several people carries each person's points as the unit decided (同一考核事项涉及多个
个人的，由所在单位研究确定各人加扣分): the engine takes them as written, never above the item's value;
``checks.indicators`` asks for them. An element whose items cannot all be valued (a range without points,
an item not in the policy) has no score: the common score is then incomplete, never a guessed number.

Worked example (F = 20 each; items 勤-1 迟到早退 扣 1, 勤-2 值班脱岗 扣 1~3, 廉-3 违反工作纪律 扣 1):
    3月2日迟到              勤-1             → 勤 −1
    3月9日值班脱岗           勤-2, points 2   → 勤 −2
    3月9日值班脱岗           廉-3             → same matter: counted once, at 2 (勤-2); 廉 loses nothing
    勤 = 20 − 1 − 2 = 17, 廉 = 20.  A 加分 item never lifts an element above 20, deductions never below 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from kaohe_docs.model import Indicator, IndicatorClaim


@dataclass
class CountedItem:
    claim: IndicatorClaim
    indicator: Indicator
    points: Decimal  # unsigned; indicator.sign says deduction or addition

    @property
    def signed(self) -> Decimal:
        return self.points * self.indicator.sign


@dataclass
class ElementItems:
    """One element of one person scored from items."""

    element: str
    full: Decimal
    counted: list[CountedItem] = field(default_factory=list)
    score: Decimal | None = None  # None: an item could not be valued
    bounded: bool = False  # the sum left 0..full and was bounded


@dataclass
class ItemScores:
    elements: dict[str, ElementItems]  # element → its items, for the elements scored from items
    duplicates: list[tuple[CountedItem, CountedItem]] = field(default_factory=list)  # (kept, dropped): same matter


def claim_points(claim: IndicatorClaim, indicator: Indicator) -> Decimal | None:
    """The claim's points: the unit's, at most the item's value; the fixed value; None for a range without points."""
    if claim.points is not None:
        return min(claim.points, indicator.high)
    return indicator.high if indicator.fixed else None


def score_items(claims: list[IndicatorClaim], catalogue: dict[str, Indicator], full: dict[str, Decimal],
                itemised: set[str], rounding: Callable[[Decimal], Decimal]) -> ItemScores:
    """Score the ``itemised`` elements (those without a typed total) from ``claims``; see the module docstring."""
    out = ItemScores({e: ElementItems(e, full[e]) for e in full if e in itemised})
    unvalued: set[str] = set()
    by_matter: dict[str, list[CountedItem]] = {}
    order = {id(claim): n for n, claim in enumerate(claims)}
    for claim in claims:
        indicator = catalogue.get(claim.item)
        if indicator is None or indicator.element not in out.elements:
            if indicator is None:  # unknown item: nobody knows which element it lowers
                unvalued.update(out.elements)
            continue  # an item of an element given as a total: refused by the checks, counted nowhere
        points = claim_points(claim, indicator)
        if points is None:
            unvalued.add(indicator.element)
            continue
        by_matter.setdefault(claim.matter, []).append(CountedItem(claim, indicator, points))
    for items in by_matter.values():
        kept = max(items, key=lambda c: c.points)  # the first of the highest: max keeps the first on a tie
        out.elements[kept.indicator.element].counted.append(kept)
        out.duplicates += [(kept, other) for other in items if other is not kept]
    for element, scored in out.elements.items():
        scored.counted.sort(key=lambda c: order[id(c.claim)])
        if element in unvalued:
            continue
        raw = scored.full + sum((c.signed for c in scored.counted), Decimal(0))
        bounded = min(scored.full, max(Decimal(0), raw))
        scored.bounded = bounded != raw
        scored.score = _plain(rounding(bounded))
    return out


def _plain(value: Decimal) -> Decimal:
    """17.50 → 17.5, 18.00 → 18: an element score is printed as a clerk writes it."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()
