"""The procedure after scoring: bonus claims, 复核 (appeals) and 结果反馈 (feedback)."""
from __future__ import annotations

import datetime as dt

from kaohe_docs.checks.base import Findings, err, warn, who
from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.engine.calendar import calendar_of, gap_message, unknown_year
from kaohe_docs.engine.grading import within_band
from kaohe_docs.model import Appeal, AppealOutcome, ClaimStatus, FeedbackMethod, Grade, Quarter, Src, Status, talk_kind
from kaohe_docs.records.policy import POLICY_FILE


def claim_answers_are_documented(a: Assessment) -> Findings:
    """A rejected claim states its reason; an approved one its evidence (warning)."""
    for results in a.results.values():
        for r in results:
            for claim in r.entry.bonuses:
                if claim.status == ClaimStatus.REJECTED and not claim.reason:
                    yield err(claim.src, f"{who(r)}的加分申报“{claim.item}（{claim.deed}）”未通过，须写明理由（reason）")
                elif claim.status == ClaimStatus.APPROVED and not claim.evidence:
                    yield warn(claim.src, f"{who(r)}的加分申报“{claim.item}（{claim.deed}）”已通过，但没有依据（evidence：文号或材料）")


def _by_id(a: Assessment, quarter: Quarter) -> dict[str, Result]:
    return {r.entry.person_id: r for r in a.results.get(quarter, ())}


def appeals_are_consistent(a: Assessment) -> Findings:
    """复核: only for decided, assessed people; outcome, grade, reason and dates agree with each other and the band."""
    for quarter, records in a.bureau.quarters.items():
        if not records.appeals:
            continue
        decision, people = records.decision, _by_id(a, quarter)
        end = None
        if decision is not None and decision.publicity_start is not None:  # None when the calendar has a gap
            end = calendar_of(a.policy).working_days_end(decision.publicity_start, a.policy.publicity_working_days)
        for appeal in records.appeals.values():
            r = people.get(appeal.person_id)
            if r is None or r.entry.status is not Status.ASSESSED:
                yield err(appeal.src, f"复核记录中的警号“{appeal.person_id}”在 {quarter} 没有可复核的考核等次")
                continue
            if decision is None:
                yield err(appeal.src, f"{who(r)}申请复核，但 {quarter} 尚未经局党委审定")
                continue
            yield from _appeal(r, appeal, end)


def _appeal(r: Result, appeal: Appeal, publicity_end: dt.date | None) -> Findings:
    if publicity_end is not None and appeal.received > publicity_end:
        yield warn(appeal.src, f"{who(r)}的复核申请于 {appeal.received} 收到，已超过公示期（{publicity_end} 结束）")
    if appeal.outcome == AppealOutcome.CHANGED:
        if appeal.grade is None:
            yield err(appeal.src, f"{who(r)}复核结论为“改变”，须写明改变后的等次（grade）")
        elif appeal.grade is r.decided:
            yield warn(appeal.src, f"{who(r)}复核结论为“改变”，但等次仍是“{appeal.grade.value}”")
        elif r.score is not None and not within_band(appeal.grade, r.score.band):
            yield err(appeal.src, f"{who(r)}总分 {r.score.total} 最高只能评为“{r.score.band.value}”，复核改为“{appeal.grade.value}”超出分数段")
    elif appeal.outcome == AppealOutcome.UPHELD and appeal.grade is not None and appeal.grade is not r.decided:
        if r.decided is None:  # no suggestion and no change: reported by suggestion_present
            yield err(appeal.src, f"{who(r)}复核结论为“维持”，但局党委审定时未确定其等次，不能写“{appeal.grade.value}”")
        else:
            yield err(appeal.src, f"{who(r)}复核结论为“维持”，等次应仍为“{r.decided.value}”，却写了“{appeal.grade.value}”")
    if appeal.outcome and not (appeal.reason and appeal.replied):
        yield warn(appeal.src, f"{who(r)}的复核已有结论，请写明理由（reason）和答复日期（replied）")
    if appeal.replied and appeal.replied < appeal.received:
        yield err(appeal.src, f"{who(r)}的复核答复日期 {appeal.replied} 早于收到日期 {appeal.received}")


def feedback_is_complete_and_consistent(a: Assessment) -> Findings:
    """反馈: only for decided people, after the meeting; 一般/较差 have their talk record; 诫勉 only for 较差."""
    for quarter, records in a.bureau.quarters.items():
        people = _by_id(a, quarter)
        for fb in records.feedback.values():
            r = people.get(fb.person_id)
            if r is None or r.final is None or r.entry.status is not Status.ASSESSED:
                yield err(fb.src, f"反馈记录中的警号“{fb.person_id}”在 {quarter} 没有已审定的考核等次")
                continue
            talk = talk_kind(r.final)
            if talk and fb.talk is None:
                yield err(fb.src, f"{who(r)}等次为“{r.final.value}”，须有{talk}记录（talk: {{date, by}}）")
            if fb.admonish and r.final is not Grade.POOR:
                yield warn(fb.src, f"{who(r)}等次为“{r.final.value}”，诫勉（admonish）只用于“较差”等次")
            if fb.method == FeedbackMethod.WRITTEN and fb.receipt is None and fb.no_receipt is None:
                yield warn(fb.src, f"{who(r)}以书面送达方式反馈，请记录回执签收日期（receipt）；"
                                   "确实无法取得回执的，写明原因（no_receipt）")
            if fb.receipt is not None and fb.no_receipt is not None:
                yield err(fb.src, f"{who(r)}的反馈既有回执签收日期（receipt）又写明无法取得回执（no_receipt），请删去其一")
            if records.decision and fb.date < records.decision.meeting_date:
                yield err(fb.src, f"{who(r)}的反馈日期 {fb.date} 早于局党委审定日期 {records.decision.meeting_date}")


def calendar_knows_submission_deadlines(a: Assessment) -> Findings:
    """The submission deadline moves past holidays: the year each quarter's deadline falls in is in the calendar
    or the policy (a warning on the quarter; status shows the same gap)."""
    calendar = calendar_of(a.policy)
    for quarter in sorted(a.bureau.quarters):
        if calendar.submission_deadline(quarter, a.policy.submission_day, a.policy.extend_to_workday) is None:
            yield warn(Src(f"records/{quarter.path}", 0),
                       f"{quarter} 的报送截止日期无法确定：" + gap_message(quarter.year + (quarter.q == 4)))


def calendar_knows_publicity_period(a: Assessment) -> Findings:
    """The publicity period is counted in working days: the year must be in the calendar or the policy."""
    calendar = calendar_of(a.policy)
    for quarter, records in sorted(a.bureau.quarters.items()):
        d = records.decision
        if d is None or d.publicity_start is None:
            continue
        if calendar.working_days_end(d.publicity_start, a.policy.publicity_working_days) is None:
            yield err(d.at("publicity_start"), f"{quarter} 公示期从 {d.publicity_start} 开始，"
                                                 + gap_message(unknown_year(d.publicity_start, calendar)))


def policy_holidays_agree_with_calendar(a: Assessment) -> Findings:
    """Where both know a year, the policy's holidays agree with chinese-calendar (the library wins; warning)."""
    for year, days in calendar_of(a.policy).differences().items():
        yield warn(Src(POLICY_FILE, a.policy.holidays[year].line),
                   f"policy 的 holidays 中 {year} 年与 chinese-calendar 的数据不同，以日历为准：{'；'.join(days)}")
