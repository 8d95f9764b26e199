"""Validation rules: each a small named function ``Assessment -> diagnostics``.

``RULES`` below is the whole list, in the order a clerk meets the problems: who is assessed
where, the score inputs, the grades, the quota, the committee's decision, then what follows
it (复核, 反馈). Each rule's docstring states the invariant it checks. Adding a rule is
writing one function in the module of its group and adding it here.
"""
from __future__ import annotations

from kaohe_docs.checks import annual, decisions, grades, indicators, membership, pending, process, quotas, scores
from kaohe_docs.checks.base import Rule
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.errors import Diagnostic

RULES: tuple[Rule, ...] = (
    # 考核对象: who is assessed, where
    membership.quarters_start_at_q1,
    membership.unit_is_known,
    membership.unit_aliases_are_unique,
    membership.roster_unit_is_known,
    membership.person_on_roster,
    membership.one_unit_per_quarter,
    membership.everyone_on_roster_is_recorded,
    # 待填写: what is not filled in yet (a quarter is collected for weeks)
    pending.values_not_filled_in,
    # 百分制: score inputs
    scores.elements_within_maximum,
    indicators.indicator_items_in_policy,
    indicators.element_scored_one_way,
    indicators.indicator_points_within_value,
    indicators.same_matter_counted_once,
    scores.monthly_scores_present_and_in_range,
    scores.bonus_items_in_catalogue,
    scores.bonus_within_cap,
    scores.same_deed_counted_once,
    scores.shared_deed_allocated,
    process.claim_answers_are_documented,
    # 等次: grades against the bands
    grades.suggestion_present,
    grades.suggestion_within_band,
    grades.lower_grade_has_reason,
    grades.final_within_band,
    # 名额: the cumulative 好 quota
    quotas.recommendations_within_allowed,
    quotas.bureau_within_bound,
    # 局党委审定
    decisions.decision_names_assessed_people,
    decisions.final_good_is_recommended_or_added,
    # 复核、反馈
    process.calendar_knows_submission_deadlines,
    process.calendar_knows_publicity_period,
    process.policy_holidays_agree_with_calendar,
    process.appeals_are_consistent,
    process.feedback_is_complete_and_consistent,
    # 年度考核: the committee's annual 优秀 choice
    annual.annual_choice_after_fourth_quarter,
    annual.annual_choice_is_eligible,
    annual.annual_choices_within_limit,
)


def run_checks(assessment: Assessment) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for rule in RULES:
        out.extend(rule(assessment))
    return out
