"""Score inputs: element maxima, monthly scores, bonus claims."""
from __future__ import annotations

from collections import defaultdict

from kaohe_docs.model import Status
from kaohe_docs.engine.scoring import APPROVED, claim_points
from kaohe_docs.checks import err, rule, warn, who


def missing_months(r) -> tuple[int, ...]:
    """Months without a score while the person was in the bureau (a new hire's earlier months are not missing)."""
    present = r.person.months_in(r.entry.quarter) if r.person else r.entry.quarter.months
    return tuple(m for m in r.score.months_missing if m in present)


def _assessed(a):
    for results in a.results.values():
        for r in results:
            if r.score is not None:
                yield r


@rule
def elements_within_maximum(a):
    maxima = a.policy.elements
    for r in _assessed(a):
        line = r.entry.at("common")
        for element, value in r.entry.common.items():
            if element not in maxima:
                yield err(line, f"共性指标中没有“{element}”这一要素（应为 {'、'.join(maxima)}）")
            elif value > maxima[element]:
                yield err(line, f"{who(r)}共性要素“{element}”得分 {value} 超过满分 {maxima[element]}")
        missing = [e for e in maxima if e not in r.entry.common and e not in r.entry.invalid
                   and f"common:{e}" not in r.entry.pending]
        if missing and (r.entry.common or any(k.startswith("common:") for k in r.entry.pending)):
            # an absent or malformed `common` is reported when read; an empty one is pending
            yield err(line, f"{who(r)}缺少共性要素“{'、'.join(missing)}”的得分")


@rule
def monthly_scores_present_and_in_range(a):
    high = a.policy.monthly_max
    for r in _assessed(a):
        line = r.entry.at("monthly")
        for month, value in r.entry.monthly.items():
            if not 0 <= value <= high:
                yield err(line, f"{who(r)}{month}月绩效得分 {value} 超出 0–{high}")
        if any(k.startswith("monthly") for k in r.entry.pending):
            continue  # not filled in yet (待填写): reported as pending, the average waits for the values
        if not r.entry.monthly:
            yield err(r.entry.src, f"{who(r)}本季度没有任何月度绩效得分（monthly）；如长期请假，请注明不确定等次（ungraded）")
        elif missing_months(r):
            months = "、".join(f"{m}月" for m in missing_months(r))
            yield warn(line, f"{who(r)}缺少 {months} 的绩效得分，个性得分按已有月份平均计算")


@rule
def bonus_items_in_catalogue(a):
    for r in _assessed(a):
        for claim in r.entry.bonuses:
            if claim.item not in a.policy.catalogue:
                yield err(claim.src, f"正向激励项目“{claim.item}”不在政策的加分目录中（可用：{'、'.join(a.policy.catalogue)}）")


@rule
def bonus_within_cap(a):
    for r in _assessed(a):
        if r.score.capped:
            yield warn(r.entry.at("bonus"), f"{who(r)}正向激励合计 {r.score.bonus_raw} 分，超过上限 {a.policy.bonus_cap} 分，按上限计")


@rule
def same_deed_counted_once(a):
    for r in _assessed(a):
        for kept, dropped in r.score.duplicate_deeds:
            same = claim_points(kept, a.policy) == claim_points(dropped, a.policy)
            rule_text = f"分值相同，按“{kept.item}”计一次" if same else f"按较高的“{kept.item}”计"
            yield warn(dropped.src, f"{who(r)}的事项“{dropped.deed}”同时申报了“{kept.item}”和“{dropped.item}”，"
                                    f"同一事项只记一次，{rule_text}")


@rule
def shared_deed_allocated(a):
    for results in a.results.values():
        claimants = defaultdict(set)  # (unit, deed) → people: the unit allocates a shared deed's points
        for r in results:
            if r.entry.status is Status.ASSESSED:
                for claim in r.entry.bonuses:
                    if claim.status == APPROVED:
                        claimants[(r.entry.unit_id, claim.deed)].add(r.entry.person_id)
        for r in results:
            for claim in r.entry.bonuses:
                value = a.policy.catalogue.get(claim.item)
                if value is None or claim.status != APPROVED:
                    continue
                if claim.points is not None and claim.points > value:
                    yield err(claim.src, f"{who(r)}“{claim.item}”分配 {claim.points} 分，超过该项分值 {value} 分")
                elif claim.points is None and len(claimants[(r.entry.unit_id, claim.deed)]) > 1:
                    yield err(claim.src, f"事项“{claim.deed}”由 {len(claimants[(r.entry.unit_id, claim.deed)])} 人共同完成，"
                                         f"须由所在单位确定每人分值（points，每人不超过 {value} 分）")
