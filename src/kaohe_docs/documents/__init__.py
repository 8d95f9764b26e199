"""One module per document: each turns the assessment into that document's context.

Templates receive ready-made strings; no arithmetic happens in a template. Tabular
documents share ``table.html`` through ``table()``; each still has its own template name so
that a bureau can override one document alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from kaohe_docs.engine.strokes import stroke_key
from kaohe_docs.model import Quarter
from kaohe_docs.records.policy import Policy


@dataclass
class Document:
    id: str  # stable identifier, e.g. "2026Q1/结果登记表/xingzhen"
    title: str
    kind: str  # body classes: "notice" (公文版式), "form", "form landscape", "letter"
    template: str
    path: str  # output path relative to the period's folder, without extension
    period: str  # "2026年第一季度" or "2026年度"
    context: dict
    draft: bool = False  # a draft by its content (an annual paper before Q4 is decided), whatever the commit
    issued: bool = False  # issued at approval: built from the approval commit, never from a later one


def col(label, width: str = "", align: str = "") -> dict:
    """A column; a tuple label is printed as those lines (e.g. ("参加", "人数")), never broken elsewhere.
    ``align``: "left", "num", or "name" (a name column: a name is never split across lines)."""
    return {"label": _cell(label), "width": width, "align": align}


def table(*, id: str, title: str, template: str, path: str, period: str, heading: str, columns: list[dict],
          rows: list[list], landscape: bool = False, subtitle: str = "", meta=(), totals=(), notes=(),
          signatures=(), draft: bool = False, **extra) -> Document:
    return Document(
        id=id, title=title, kind="form landscape" if landscape else "form", template=template, path=path,
        period=period, draft=draft,
        context={"heading": heading, "subtitle": subtitle, "meta": list(meta), "columns": columns,
                 "rows": [[_cell(c) for c in row] for row in rows], "totals": [[_cell(c) for c in row] for row in totals],
                 "notes": list(notes), "signatures": list(signatures), **extra})


class Lines(tuple):
    """A cell or column label printed as these lines, each unbroken (a person's line breaks)."""

    kind = "lines"


class Words(tuple):
    """A list of names printed "、"-separated, each unbroken; a line may wrap only after a "、"."""

    kind = "words"


class Post(tuple):
    """职务（职级）: the position, which may wrap, then the rank in brackets, never split ("二级高级警长")."""

    kind = "post"


def post_cell(person) -> Post | str:
    """A person's 职务（职级） cell ("" without a roster entry)."""
    return Post((person.position, person.rank)) if person is not None else ""


def _cell(value):
    if isinstance(value, Post):
        return Post(str(v or "") for v in value)
    if isinstance(value, (Lines, Words)):
        return type(value)(str(v) for v in value)
    if isinstance(value, tuple):
        return Lines(str(v) for v in value)
    return str(value)


def form_title(a, form: str) -> str:
    """The printed title of a form: the policy's (``titles:``, e.g. the county's own form title), else
    the bureau's name and the form's name."""
    from kaohe_docs.records.policy import FORM_TITLES
    return a.policy.form_titles.get(form) or f"{a.bureau.info.name}{FORM_TITLES[form]}"


def person_order(policy: Policy, unit_order: int, name: str):
    """Sort key for name lists: 姓氏笔画 across the list, or by unit then stroke."""
    if policy.list_order == "姓氏笔画":
        return (stroke_key(name), unit_order)
    return (unit_order, stroke_key(name))


def order_note(policy: Policy) -> str:
    return "按姓氏笔画为序" if policy.list_order == "姓氏笔画" else "按单位排列"


# Which documents belong to which step of the procedure (实施方案 五、考核程序; docs/records.md):
# 确定结果 — issued at approval, from the approval commit, never rewritten; 公示与复核 and 反馈 — from the
# commit that records them (a 复核 after approval brings its own 复核结果告知 and, when the posted list
# changes, a 更正公示); the others follow the records as they are (小结/汇总/审核).
ISSUED_AT_APPROVAL = ("公示", "对象情况表", "比例使用申报表", "结果登记表", "核准报告")


def quarter_documents(a, quarter: Quarter) -> list[Document]:
    """The quarter's paper set, in the order it is printed and signed. When the quarter's results as approved
    are known apart (``a.issued``: later 复核/反馈 records exist), the documents issued at approval come from
    them, and a 更正公示 states a change of the posted list."""
    from kaohe_docs.documents.annexes import quota_places
    from kaohe_docs.documents.bureau import brief, quota_usage, subjects
    from kaohe_docs.documents.personal import appeal_notices, feedback, registration
    from kaohe_docs.documents.publicity import correction, publicity
    from kaohe_docs.documents.reports import quarter_report
    from kaohe_docs.documents.unit_results import unit_results
    issued = a.issued.get(quarter)
    at_approval = issued or a
    # 名额表: from the day the quarter is opened, before any score
    docs: list[Document] = [quota_places(at_approval, quarter)]
    docs.extend(d for d in (publicity(at_approval, quarter),) if d is not None)
    docs.append(subjects(at_approval, quarter))
    docs.append(quota_usage(at_approval, quarter))
    docs.extend(unit_results(at_approval, quarter))
    if issued is not None:
        for doc in docs:
            doc.issued = True
    docs.extend(registration(a, quarter))
    if a.decided(quarter):
        docs.extend(brief(a, quarter))
        docs.extend(feedback(a, quarter))
        docs.extend(appeal_notices(a, quarter))
        if issued is not None:
            docs.extend(d for d in (correction(issued, a, quarter),) if d is not None)
        report = quarter_report(at_approval, quarter)  # sent upward at approval: a later 复核 is reported on its own
        if report is not None:  # None without the committee's decision (in the results as approved)
            report.issued = issued is not None
            docs.append(report)
    return docs


def year_documents(a, year: int) -> list[Document]:
    from kaohe_docs.documents.annexes import year_annexes
    from kaohe_docs.documents.annual import (
        annual_extracts,
        annual_flags,
        annual_publicity,
        annual_summary,
        annual_worksheet,
        statistics,
    )
    from kaohe_docs.documents.plan import plan_document
    from kaohe_docs.documents.reports import year_report
    from kaohe_docs.documents.unit_results import unit_results_annual
    publicity = annual_publicity(a, year)
    annexes = year_annexes(a, year)
    return [*([publicity] if publicity is not None else []), annual_worksheet(a, year), annual_summary(a, year),
            annual_flags(a, year), statistics(a, year), *unit_results_annual(a, year), *annual_extracts(a, year),
            year_report(a, year), plan_document(a, year, annexes), *annexes]
