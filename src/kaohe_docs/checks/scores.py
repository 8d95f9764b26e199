"""Score inputs: element maxima, monthly scores, bonus claims."""
from __future__ import annotations

from collections import defaultdict
from typing import Iterator

from kaohe_docs.checks.base import Findings, err, warn, who
from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.engine.scoring import Score, claim_points, itemised_elements
from kaohe_docs.model import ClaimStatus, Status


def _assessed(a: Assessment) -> Iterator[tuple[Result, Score]]:
    """Each scored person with the score (people not graded here have none)."""
    for results in a.results.values():
        for r in results:
            if r.score is not None:
                yield r, r.score


def elements_within_maximum(a: Assessment) -> Findings:
    """共性: every element is one of the policy's and within its maximum; none is missing."""
    maxima = a.policy.elements
    for r, _ in _assessed(a):
        line = r.entry.at("common")
        for element, value in r.entry.common.items():
            if element not in maxima:
                yield err(line, f"共性指标中没有“{element}”这一要素（应为 {'、'.join(maxima)}）")
            elif value > maxima[element]:
                yield err(line, f"{who(r)}共性要素“{element}”得分 {value} 超过满分 {maxima[element]}")
        itemised = itemised_elements(r.entry, a.policy)  # scored from the 共性指标 items (checks.indicators)
        missing = [e for e in maxima if e not in r.entry.common and e not in r.entry.invalid and e not in itemised
                   and f"common:{e}" not in r.entry.pending]
        if missing and (r.entry.common or r.entry.indicators is not None
                        or any(k.startswith("common:") for k in r.entry.pending)):
            # an absent or malformed `common` is reported when read; an empty one is pending
            yield err(line, f"{who(r)}缺少共性要素“{'、'.join(missing)}”的得分")


def monthly_scores_present_and_in_range(a: Assessment) -> Findings:
    """个性: monthly scores lie in 0..monthly_max; at least one month is present (missing months warn)."""
    high = a.policy.monthly_max
    for r, _ in _assessed(a):
        line = r.entry.at("monthly")
        for month, value in r.entry.monthly.items():
            if not 0 <= value <= high:
                yield err(line, f"{who(r)}{month}月绩效得分 {value} 超出 0–{high}")
        if any(k.startswith("monthly") for k in r.entry.pending):
            continue  # not filled in yet (待填写): reported as pending, the average waits for the values
        if not r.entry.monthly:
            yield err(r.entry.src, f"{who(r)}本季度没有任何月度绩效得分（monthly）；如长期请假，请注明不确定等次（ungraded）")
        elif r.missing_months:
            months = "、".join(f"{m}月" for m in r.missing_months)
            yield warn(line, f"{who(r)}缺少 {months} 的绩效得分，个性得分按已有月份平均计算")


def bonus_items_in_catalogue(a: Assessment) -> Findings:
    """正向激励: every claimed item is in the policy's bonus catalogue."""
    for r, _ in _assessed(a):
        for claim in r.entry.bonuses:
            if claim.item not in a.policy.catalogue:
                yield err(claim.src, f"正向激励项目“{claim.item}”不在政策的加分目录中（可用：{'、'.join(a.policy.catalogue)}）")


def bonus_within_cap(a: Assessment) -> Findings:
    """正向激励: a total over the cap is counted at the cap (warning)."""
    for r, score in _assessed(a):
        if score.capped:
            yield warn(r.entry.at("bonus"), f"{who(r)}正向激励合计 {score.bonus_raw} 分，超过上限 {a.policy.bonus_cap} 分，按上限计")


def same_deed_counted_once(a: Assessment) -> Findings:
    """正向激励: one deed claimed under several items counts once, at the highest value (warning)."""
    for r, score in _assessed(a):
        for kept, dropped in score.duplicate_deeds:
            same = claim_points(kept, a.policy) == claim_points(dropped, a.policy)
            rule_text = f"分值相同，按“{kept.item}”计一次" if same else f"按较高的“{kept.item}”计"
            yield warn(dropped.src, f"{who(r)}的事项“{dropped.deed}”同时申报了“{kept.item}”和“{dropped.item}”，"
                                    f"同一事项只记一次，{rule_text}")


def shared_deed_allocated(a: Assessment) -> Findings:
    """正向激励: a deed shared by several people of a unit has each person's points set, each ≤ the item's value."""
    for results in a.results.values():
        claimants: defaultdict[tuple[str, str], set[str]] = defaultdict(set)  # (unit, deed) → people: the unit allocates a shared deed's points
        for r in results:
            if r.entry.status is Status.ASSESSED:
                for claim in r.entry.bonuses:
                    if claim.status == ClaimStatus.APPROVED:
                        claimants[(r.entry.unit_id, claim.deed)].add(r.entry.person_id)
        for r in results:
            for claim in r.entry.bonuses:
                value = a.policy.catalogue.get(claim.item)
                if value is None or claim.status != ClaimStatus.APPROVED:
                    continue
                if claim.points is not None and claim.points > value:
                    yield err(claim.src, f"{who(r)}“{claim.item}”分配 {claim.points} 分，超过该项分值 {value} 分")
                elif claim.points is None and len(claimants[(r.entry.unit_id, claim.deed)]) > 1:
                    yield err(claim.src, f"事项“{claim.deed}”由 {len(claimants[(r.entry.unit_id, claim.deed)])} 人共同完成，"
                                         f"须由所在单位确定每人分值（points，每人不超过 {value} 分）")
