"""Grades against bands: may be lower (with a reason), never higher; below the line must be 较差."""
from __future__ import annotations

from typing import Iterator

from kaohe_docs.checks.base import Findings, err, warn, who
from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.engine.grading import below_band, within_band
from kaohe_docs.engine.scoring import Score
from kaohe_docs.model import Grade, Quarter


def _graded(a: Assessment) -> Iterator[tuple[Quarter, Result, Score]]:
    """Graded people whose score is complete (an incomplete one is reported by the score rules), with the score."""
    for quarter, results in a.results.items():
        for r in results:
            if r.score is not None and r.score.complete:
                yield quarter, r, r.score


def _band_message(a: Assessment, r: Result, score: Score, grade: Grade, what: str) -> str:
    if score.band is Grade.POOR:
        floor = a.policy.thresholds[Grade.AVERAGE]
        return f"{who(r)}总分 {score.total} 未满 {floor} 分，必须确定为“较差”，{what}却是“{grade.value}”"
    return f"{who(r)}总分 {score.total} 最高只能评为“{score.band.value}”，{what}却是“{grade.value}”"


def suggestion_present(a: Assessment) -> Findings:
    """Every graded person has the unit's suggested grade (an error once the quarter is decided)."""
    for quarter, r, _ in _graded(a):
        if r.entry.suggested is None and "suggested" not in r.entry.lines:  # an unreadable one is reported already
            make = err if a.decided(quarter) else warn
            yield make(r.entry.src, f"{who(r)}缺少所室队建议等次（suggested）")


def suggestion_within_band(a: Assessment) -> Findings:
    """A suggested grade is never higher than the score's band; below 60 it is 较差."""
    for _, r, score in _graded(a):
        grade = r.entry.suggested
        if grade is not None and not within_band(grade, score.band):
            yield err(r.entry.at("suggested"), _band_message(a, r, score, grade, "建议等次"))


def lower_grade_has_reason(a: Assessment) -> Findings:
    """A suggested grade below the band states a reason (lower_reason) (warning)."""
    for _, r, score in _graded(a):
        grade = r.entry.suggested
        if grade is not None and below_band(grade, score.band) and not r.entry.lower_reason:
            yield warn(r.entry.at("suggested"), f"{who(r)}总分 {score.total} 可评“{score.band.value}”，建议等次为"
                                                f"“{grade.value}”，低于分数段的须写明理由（lower_reason）")


def final_within_band(a: Assessment) -> Findings:
    """A grade set by the committee is never higher than the score's band."""
    for _, r, score in _graded(a):
        if (r.changed or r.addition) and r.final is not None and not within_band(r.final, score.band):
            # a changed or added grade is the committee's recorded change (engine.assess sets both together)
            assert r.change is not None, "a committee grade comes with its recorded change"
            yield err(r.change.src, _band_message(a, r, score, r.final, "审定等次"))
