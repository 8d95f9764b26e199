"""共性指标 items (量化考核指标): known items, one way per element, points within the item's value."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Iterator

from kaohe_docs.checks.base import Findings, err, warn, who
from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.engine.indicators import CountedItem
from kaohe_docs.model import Indicator, IndicatorClaim, Quarter


def _itemised(a: Assessment) -> Iterator[tuple[Result, IndicatorClaim, Indicator | None]]:
    """(result, claim, indicator or None) for every 共性指标 item applied to an assessed person."""
    for results in a.results.values():
        for r in results:
            if r.score is not None and r.entry.indicators:
                for claim in r.entry.indicators:
                    yield r, claim, a.policy.indicators.get(claim.item)


def indicator_items_in_policy(a: Assessment) -> Findings:
    """共性指标: every item applied to a person is one of the policy's indicator items (indicators)."""
    for r, claim, indicator in _itemised(a):
        if indicator is None:
            yield err(claim.src, unknown_item(who(r), claim.item, a.policy.indicators))


def unknown_item(person: str, item: str, indicators: dict[str, Indicator]) -> str:
    """The message for an item not in the policy (records and the unit's workbook alike)."""
    known = list(indicators)
    hint = f"可用：{'、'.join(known)}" if 0 < len(known) <= 12 else (
        "见政策 indicators" if known else "政策中没有量化考核指标（indicators），请直接填写各要素得分（common）")
    return f"{person}的共性指标项目“{item}”不在政策的量化考核指标中（{hint}）"


def mixed_ways(person: str, element: str, total: Decimal | str, where: str, item: str) -> str:
    """The message for an element typed as a total (at ``where``) and also given an item."""
    return (f"{person}共性要素“{element}”已直接填写得分 {total}（{where}），不能再按指标项目“{item}”计分；"
            "同一要素只能用一种方式，请删去其一")


def element_scored_one_way(a: Assessment) -> Findings:
    """共性指标: one element of one person is either a typed total (common) or computed from items, never both."""
    for r, claim, indicator in _itemised(a):
        if indicator is not None and indicator.element in r.entry.common:
            yield err(claim.src, mixed_ways(who(r), indicator.element, r.entry.common[indicator.element],
                                            f"第 {r.entry.at('common').line} 行", claim.item))


def _sharers(a: Assessment) -> defaultdict[tuple[Quarter, str, str], set[str]]:
    """(quarter, unit, matter) → people with a claim on that matter: the unit allocates a shared matter's points."""
    people: defaultdict[tuple[Quarter, str, str], set[str]] = defaultdict(set)
    for r, claim, _ in _itemised(a):
        people[(r.entry.quarter, r.entry.unit_id, claim.matter)].add(r.entry.person_id)
    return people


def indicator_points_within_value(a: Assessment) -> Findings:
    """共性指标: a person's points never exceed the item's value; a range item and a shared matter carry the unit's
    points; points below a range only for a matter shared by several people (the unit divides it)."""
    sharers = _sharers(a)
    for r, claim, indicator in _itemised(a):
        if indicator is None:
            continue
        problem = points_problem(who(r), claim.item, claim.matter, claim.points, indicator,
                                 shared=len(sharers[(r.entry.quarter, r.entry.unit_id, claim.matter)]))
        if problem:
            yield err(claim.src, problem)


def points_problem(person: str, item: str, matter: str, points: Decimal | None, indicator: Indicator, *, shared: int,
                   field: str = "points") -> str | None:
    """What is wrong with a person's ``points`` on an item (``shared``: the people with a claim on the matter)."""
    if points is not None and points > indicator.high:
        return f"{person}“{item}”记 {points} 分，超过该项分值（{indicator.value_text}）"
    if points is None and shared > 1:
        return f"事项“{matter}”涉及 {shared} 人，须由所在单位确定每人分值（{field}，每人不超过 {indicator.high:f} 分）"
    if points is None and not indicator.fixed:
        return f"{person}“{item}”的分值是范围（{indicator.value_text}），须写明本人分值（{field}）"
    if points is not None and points < indicator.low and shared == 1:
        return f"{person}“{item}”记 {points} 分，不在该项分值范围内（{indicator.value_text}）"
    return None


def same_matter_counted_once(a: Assessment) -> Findings:
    """共性指标: one matter under several items counts once, at the highest value (就高不就低) (warning)."""
    for results in a.results.values():
        for r in results:
            if r.score is None or r.score.items is None:
                continue
            for kept, dropped in r.score.items.duplicates:
                yield warn(dropped.claim.src, counted_once(who(r), kept, dropped))


def counted_once(person: str, kept: CountedItem, dropped: CountedItem) -> str:
    """The message for a matter written under two items (engine.indicators.CountedItem ``kept`` and ``dropped``)."""
    same = kept.points == dropped.points
    rule = f"分值相同，按“{kept.claim.item}”计一次" if same else f"按较高的“{kept.claim.item}”（{kept.points:f} 分）计"
    return (f"{person}的事项“{dropped.claim.matter}”同时记入了“{kept.claim.item}”和“{dropped.claim.item}”，"
            f"同一事项只记一次，{rule}")
