"""公示 of a quarter's results: the 好 list (or all grades, per policy).

Shows only 单位/姓名/职务/等次: no scores, birth dates or other personal data.
"""
from __future__ import annotations

from kaohe_docs.documents import Document, col, order_note, person_order
from kaohe_docs.documents.formatting import date_zh
from kaohe_docs.documents.titles import lines, width
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.engine.calendar import calendar_of, working_days_end
from kaohe_docs.model import Grade, Quarter

COLUMNS = [col("序号", "10%"), col("单位", "28%"), col("姓名", "18%"), col("职务"), col("等次", "12%")]


def publicity(a: Assessment, quarter: Quarter) -> Document | None:
    decision = a.bureau.quarters[quarter].decision
    if decision is None:
        return None
    policy, bureau = a.policy, a.bureau
    only_good = policy.publicity_scope == "好"
    rows = [[n, *row] for n, row in enumerate(posted(a, quarter).values(), 1)]
    subject = "“好”等次人员" if only_good else "结果"
    return Document(
        id=f"{quarter}/公示", title=f"关于{bureau.info.name}{quarter.zh}平时考核{subject}的公示",
        kind="notice", template="publicity.html", path="01-公示", period=quarter.zh,
        context={
            "period_zh": quarter.zh, "only_good": only_good, "subject": subject,
            "meeting_date": date_zh(decision.meeting_date),
            "period": publicity_period(a, decision.publicity_start), "contact": policy.contact,
            "order_note": order_note(policy),
            "columns": COLUMNS, "rows": rows, **signoff(bureau.info.office, date_zh(decision.publicity_start)),
        })


def signoff(issuer: str, date: str) -> dict:
    """The 落款 of a sealed notice (GB/T 9704 7.3.5.1): the date 右空四字 and the 署名 centred over it.

    Both are centred in one block set ``right`` em from the 版心's right edge: 4 em while the 署名 is
    no longer than the date; a longer 署名, centred over the date, would run past the edge, so the block
    moves in only as far as the edge allows and the date keeps at least its four characters."""
    issuer_lines = lines(issuer, SIGNOFF_WIDTH, issuer) if width(issuer) > SIGNOFF_WIDTH else [issuer]
    excess = max(0.0, (max(width(line) for line in issuer_lines) - width(date)) / 2)
    return {"issuer": issuer, "issuer_lines": issuer_lines, "issue_date": date,
            "signoff_right": f"{max(0.0, 4 - excess):.2f}"}


SIGNOFF_WIDTH = 26  # em: a longer 署名 is set in balanced lines of whole words (each line unbroken)


def publicity_period(a: Assessment, start) -> str:
    days = a.policy.publicity_working_days
    if start is None:
        return f"自发布之日起{days}个工作日"
    end = working_days_end(start, days, calendar_of(a.policy))
    if end is None:  # a calendar gap is a check error: no document is built with it; said plainly all the same
        return f"自{date_zh(start)}起{days}个工作日"
    return f"{date_zh(start)}至{date_zh(end)}（{days}个工作日）"


def posted(a: Assessment, quarter: Quarter) -> dict[str, list[str]]:
    """Who the notice lists, in its order: person id → [单位, 姓名, 职务, 等次]."""
    policy, bureau = a.policy, a.bureau
    only_good = policy.publicity_scope == "好"
    shown = [(r, r.final) for r in a.quarter_results(quarter) if r.final is not None and r.score is not None
             and (r.final is Grade.GOOD or not only_good)]
    shown.sort(key=lambda s: person_order(policy, bureau.units[s[0].entry.unit_id].order, s[0].entry.name))
    return {r.entry.person_id: [bureau.units[r.entry.unit_id].name, r.entry.name, r.person.position if r.person else "",
                                final.value] for r, final in shown}


CHANGE_COLUMNS = [col("序号", "10%"), col("单位", "24%"), col("姓名", "14%"), col("职务"), col("原公示", "14%"), col("更正为", "14%")]


def correction(issued: Assessment, a: Assessment, quarter: Quarter) -> Document | None:
    """更正公示: after a 复核 changed who is on the posted list, the notice that corrects it (the posted notice
    itself is never rewritten). None when the list is unchanged, or without the committee's decision (as
    issued or now: there is no notice to correct)."""
    decision = a.bureau.quarters[quarter].decision
    before, after = posted(issued, quarter), posted(a, quarter)
    if decision is None or before == after:
        return None
    first = publicity(issued, quarter)
    if first is None:
        return None
    appeals = a.bureau.quarters[quarter].appeals
    changed = [pid for pid in dict.fromkeys([*before, *after]) if before.get(pid) != after.get(pid)]
    replied = [p.replied for p in (appeals[pid] for pid in changed if pid in appeals) if p.replied]
    finals = {r.entry.person_id: r.final for r in a.quarter_results(quarter)}
    rows = []
    for n, pid in enumerate(changed, 1):
        row = after[pid] if pid in after else before[pid]
        old = before[pid][3] if pid in before else "未列入"
        final = finals.get(pid)
        new = after[pid][3] if pid in after else (f"{final.value}（不再列入）" if final else "不再列入")
        rows.append([n, row[0], row[1], row[2], old, new])
    return Document(
        id=f"{quarter}/更正公示", title=f"关于更正{a.bureau.info.name}{quarter.zh}平时考核{first.context['subject']}公示的公告",
        kind="notice", template="correction.html", path="09-更正公示", period=quarter.zh,
        context={
            **first.context,  # the notice's own layout values (its template is extended)
            "period_zh": quarter.zh, "original": first.title, "original_date": first.context["issue_date"],
            "change_columns": CHANGE_COLUMNS, "changes": rows,
            "columns": COLUMNS, "rows": [[n, *row] for n, row in enumerate(after.values(), 1)],
            "order_note": first.context["order_note"], "subject": first.context["subject"],
            "issuer": a.bureau.info.office, "issue_date": date_zh(max(replied)) if replied else first.context["issue_date"],
        })
