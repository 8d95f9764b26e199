"""What the plan sends upward (考核主体职责三、四): each decided quarter's 报告 asking the 县公务员主管部门 and
the 一线实绩考察组 to 核准 the results (the result table as its attachment), and the year's 平时考核工作情况总结.

Every figure is computed here from the same assessment that ``kaohe quota``, ``kaohe annual`` and
``kaohe status`` print; the wording around the figures lives in the templates a bureau overrides.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from kaohe_docs.documents import Document, col
from kaohe_docs.documents.annual import on_basis
from kaohe_docs.documents.formatting import date_zh, grade_text
from kaohe_docs.documents.publicity import publicity_period
from kaohe_docs.engine.annual import (
    annual_rows,
    decided_quarters,
    eligible_for_excellent,
    excellent_limit,
    flag,
    participants,
)
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.model import AppealOutcome, Grade, Quarter, Status, quarter_name, talk_kind

GRADES = tuple(Grade)


@dataclass
class QuarterFigures:
    """One decided quarter in numbers (全局)."""

    quarter: Quarter
    participants: int  # the quota base (参加人数), as in `kaohe quota`
    graded: int  # assessed here with a decided grade
    ungraded: int  # 不确定等次
    external: int  # graded by another body
    grades: dict[Grade, int]  # final grades (after 复核) of those assessed here
    allowed: int  # the bureau's places (可报名额)
    appeals: int = 0
    upheld: int = 0
    changed: int = 0
    appeals_open: int = 0
    to_tell: int = 0  # people to be told their result (结果反馈)
    told: int = 0
    talks: dict[str, int] = field(default_factory=dict)  # 谈话提醒 / 批评教育 → held
    talks_due: dict[str, int] = field(default_factory=dict)
    admonished: int = 0  # 诫勉

    @property
    def good_share(self) -> str:
        return f"{self.grades[Grade.GOOD] * 100 / self.participants:.1f}%" if self.participants else "—"


def quarter_figures(a: Assessment, quarter: Quarter) -> QuarterFigures:
    records = a.bureau.quarters[quarter]
    results = a.quarter_results(quarter)
    assessed = [r for r in results if r.entry.status is Status.ASSESSED and r.final is not None]
    ledger = a.bureau_ledgers[quarter]
    counts = Counter(r.final for r in assessed)
    f = QuarterFigures(
        quarter, ledger.participants, len(assessed), sum(r.entry.status is Status.UNGRADED for r in results),
        sum(r.entry.status is Status.EXTERNAL for r in results), {g: counts[g] for g in GRADES}, ledger.allowed)
    appeals = list(records.appeals.values())
    f.appeals, f.appeals_open = len(appeals), sum(p.outcome is None for p in appeals)
    f.upheld = sum(p.outcome == AppealOutcome.UPHELD for p in appeals)
    f.changed = sum(p.outcome == AppealOutcome.CHANGED for p in appeals)
    f.to_tell = len(assessed)
    for r in assessed:
        fb = records.feedback.get(r.entry.person_id)
        f.told += fb is not None
        kind = talk_kind(r.final)
        if kind:
            f.talks_due[kind] = f.talks_due.get(kind, 0) + 1
            if fb is not None and fb.talk is not None:
                f.talks[kind] = f.talks.get(kind, 0) + 1
            f.admonished += bool(fb is not None and fb.admonish and r.final is Grade.POOR)
    return f


def _addressees(a: Assessment) -> str:
    return "、".join(a.bureau.info.report_to)


def quarter_report(a: Assessment, quarter: Quarter) -> Document | None:
    """关于××季度平时考核结果的报告 (请予核准), with the result table as 附件."""
    records = a.bureau.quarters[quarter]
    if records.decision is None:
        return None
    fig = quarter_figures(a, quarter)
    results = [r for r in a.quarter_results(quarter) if r.final is not None or r.entry.status is not Status.ASSESSED]
    rows = [[n, a.bureau.unit_name(r.entry.unit_id), r.entry.name, r.person.post if r.person else "",
             f"{a.policy.round(r.score.total):f}" if r.score is not None and r.score.complete else "—",
             grade_text(r.final) or ("不确定等次" if r.entry.status is Status.UNGRADED else "—"),
             _remark(r)] for n, r in enumerate(results, 1)]
    d = records.decision
    return Document(
        id=f"{quarter}/核准报告", title=f"关于{a.bureau.info.name}{quarter.zh}公务员平时考核结果的报告",
        kind="official", template="report_quarter.html", path="10-核准报告", period=quarter.zh,
        context={
            "period_zh": quarter.zh, "addressees": _addressees(a), "issuer": a.bureau.info.issuer,
            "meeting_date": date_zh(d.meeting_date), "minutes": d.minutes,
            "publicity": publicity_period(a, d.publicity_start) if d.publicity_start else "",
            "figures": _figure_text(fig), "annex_title": f"{a.bureau.info.name}{quarter.zh}公务员平时考核结果汇总表",
            "columns": [col("序号", "7%"), col("单位", "19%"), col("姓名", "11%"), col("职务（职级）", "24%"),
                        col("总分", "10%"), col("等次", "10%"), col("备注", "", "left")],
            "rows": rows, "issue_date": date_zh(None)})


def _remark(r) -> str:
    e = r.entry
    if e.external is not None:
        return f"由{e.external.body}考核"
    if e.ungraded_reason:
        return e.ungraded_reason
    if r.appeal is not None and r.appeal.outcome == AppealOutcome.CHANGED and r.appeal.grade:
        return f"经复核由“{grade_text(r.decided)}”改为“{r.appeal.grade.value}”"
    return ""


def _figure_text(f: QuarterFigures) -> dict:
    """The quarter's figures as printed (strings), for the templates."""
    return {"participants": f.participants, "graded": f.graded, "ungraded": f.ungraded, "external": f.external,
            **{g.value: f.grades[g] for g in GRADES}, "share": f.good_share, "allowed": f.allowed,
            "appeals": f.appeals, "upheld": f.upheld, "changed": f.changed, "appeals_open": f.appeals_open,
            "to_tell": f.to_tell, "told": f.told,
            "reminders": f.talks.get("谈话提醒", 0), "reminders_due": f.talks_due.get("谈话提醒", 0),
            "criticism": f.talks.get("批评教育", 0), "criticism_due": f.talks_due.get("批评教育", 0),
            "admonished": f.admonished, "quarter": f.quarter.zh}


def year_report(a: Assessment, year: int) -> Document:
    """年度公务员平时考核工作情况总结: computed figures around the bureau's own text (its template)."""
    figures = [quarter_figures(a, q) for q in decided_quarters(a, year)]
    share = a.policy.excellent_min_good_share
    rows = annual_rows(a, year)
    decision = a.bureau.annual.get(year)
    totals = {"participants": participants(a, year),
              "eligible": sum(eligible_for_excellent(r, share) for r in rows),
              "flagged": sum(bool(flag(r, a.policy.annual_weak_share)) for r in rows),
              "limit": excellent_limit(a, year), "chosen": len(decision.choices) if decision else None,
              "appeals": sum(f.appeals for f in figures), "upheld": sum(f.upheld for f in figures),
              "changed": sum(f.changed for f in figures), "appeals_open": sum(f.appeals_open for f in figures),
              "to_tell": sum(f.to_tell for f in figures), "told": sum(f.told for f in figures),
              "reminders": sum(f.talks.get("谈话提醒", 0) for f in figures),
              "criticism": sum(f.talks.get("批评教育", 0) for f in figures),
              "admonished": sum(f.admonished for f in figures)}
    columns = [col("季度", "12%"), col(("参加", "人数"), "8%"), *(col(g.value, "7%") for g in GRADES),
               col(("不确定", "等次"), "9%"), col(("外单位", "考核"), "9%"), col(("“好”", "占比"), "9%"),
               col(("可报", "名额"), "7%"), col("复核"), col(("反馈", "完成"), "9%")]
    table_rows = [[quarter_name(f.quarter.q), f.participants, *(f.grades[g] for g in GRADES), f.ungraded, f.external,
                   f.good_share, f.allowed, f"{f.appeals}（改变{f.changed}）", f"{f.told}/{f.to_tell}"] for f in figures]
    return on_basis(Document(
        id=f"{year}/工作情况总结", title=f"{a.bureau.info.name}{year}年度公务员平时考核工作情况总结", kind="official",
        template="report_year.html", path="08-工作情况总结", period=f"{year}年度",
        context={"year": year, "addressees": _addressees(a), "issuer": a.bureau.info.issuer,
                 "quarters": [_figure_text(f) for f in figures], "totals": totals, "columns": columns,
                 "rows": table_rows, "issue_date": date_zh(None)}), a, year)
