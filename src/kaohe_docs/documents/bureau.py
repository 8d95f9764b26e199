"""Bureau-wide tables for the committee and the archive: 对象情况表, 比例使用申报表, 简明情况登记表."""
from __future__ import annotations

from collections import Counter
from decimal import Decimal

from kaohe_docs.documents import Document, Lines, Words, col, form_title, post_cell, table
from kaohe_docs.documents.formatting import appeal_text, grade_text, percent, remark, score_cells
from kaohe_docs.engine.assess import Assessment, counts_in_base
from kaohe_docs.filenames import safe_name
from kaohe_docs.model import Grade, Quarter, Status

GRADES = tuple(Grade)
COMMITTEE = ("考核办意见", "局党委（考核委）审定意见")


def _names(a: Assessment, ids) -> Words | str:
    """Names separated by "、", each kept whole on its line."""
    names = [a.bureau.people[i].name if i in a.bureau.people else i for i in ids]
    return Words(names) if names else "—"


def subjects(a: Assessment, quarter: Quarter) -> Document:
    """平时考核对象情况表: per unit — who takes part, who is not graded and why, grade counts."""
    decided = a.decided(quarter)
    rows: list[list[object]] = []
    totals: Counter[str | Grade] = Counter()
    for unit in a.bureau.units_in_order():
        results = a.quarter_results(quarter, unit.id)
        if not results:
            continue
        ledger = a.unit_ledgers[(unit.id, quarter)]
        grades = Counter((r.final if decided else r.entry.suggested) for r in results if r.score is not None)
        ungraded = [r for r in results if r.entry.status is Status.UNGRADED]
        external = [r for r in results if r.entry.status is Status.EXTERNAL]
        counts: dict[str | Grade, int] = {
            "roster": len(results), "base": sum(counts_in_base(r, a.policy) for r in results),
            "ungraded": len(ungraded), "external": len(external), "recommended": ledger.used,
            "approved": len(ledger.approved) + len(ledger.additions), **{g: grades[g] for g in GRADES}}
        totals.update(counts)
        notes = [f"{r.entry.name}：{r.entry.ungraded_reason}" for r in ungraded]
        for r in external:
            assert r.entry.external is not None, "records.readers gives a 外单位考核 entry its external fields"
            notes.append(f"{r.entry.name}：由{r.entry.external.body}考核")
        rows.append([unit.name, counts["roster"], counts["base"], counts["ungraded"], counts["external"],
                     *(counts[g] for g in GRADES), counts["recommended"], counts["approved"] if decided else "—",
                     "；".join(notes)])
    columns = [col("单位", "13%", "left"), col("在册人数"), col("参加人数"), col("不确定等次"), col("外单位考核"),
               *(col(g.value) for g in GRADES), col("推荐“好”"), col("审定“好”"), col("备注", "26%", "left")]
    total_row = ["合计", totals["roster"], totals["base"], totals["ungraded"], totals["external"],
                 *(totals[g] for g in GRADES), totals["recommended"], totals["approved"] if decided else "—", ""]
    return table(
        id=f"{quarter}/对象情况表", title=f"{a.bureau.info.name}{quarter.zh}平时考核对象情况表",
        template="subjects.html", path="02-对象情况表", period=quarter.zh, landscape=True,
        heading=form_title(a, "对象情况表"), subtitle=quarter.zh, columns=columns, rows=rows,
        totals=[total_row], signatures=COMMITTEE, decided=decided, ungraded_in_base=a.policy.ungraded_in_base)


def quota_usage(a: Assessment, quarter: Quarter) -> Document:
    """优秀等次比例使用申报表: the cumulative ledger per unit, their sum, and how the bureau's row follows
    from it: the committee's additions (bureau places, no unit place), rejected recommendations (a unit
    place, no bureau place), 复核 changes, and earlier quarters' differences carried in. Printed once, at the end."""
    ledgers = []
    for unit in a.bureau.units_in_order():
        row = a.unit_ledgers[(unit.id, quarter)]
        if row.participants == 0 and not row.recommended and row.carry_in == 0:
            continue
        ledgers.append((unit.name, row))
    rows = [_ledger_cells(a, name, row) for name, row in ledgers]
    bureau = a.bureau_ledgers[quarter]
    units = [row for _, row in ledgers]
    total = lambda field: sum((getattr(row, field) for row in units), Decimal(0))  # noqa: E731
    summed = ["各所室队合计", int(total("participants")), "", f"{total('entitlement'):f}", f"{total('carry_in'):f}",
              f"{total('available'):f}", int(total("allowed")), int(total("used")), "", "", "", "", f"{total('carry_out'):f}"]
    steps, carried_note = reconciliation(a, quarter, units)
    lines = [summed]
    for step in steps:
        line = [step["label"], "", "", "", step.get("carry_in", ""), step.get("carry_in", ""), "", step.get("used", ""),
                "", "", "", "", step.get("carry_out", "")]
        line[step["names_column"]] = _names(a, step["ids"]) if step["ids"] else ""
        lines.append(line)
    lines.append(_ledger_cells(a, "全局", bureau))
    columns = [col("单位", "12%", "left"), col(("参加", "人数")), col("比例"), col(("本季度", "名额")), col(("上季度", "结转")),
               col(("累计", "名额")), col(("可报", "名额")), col(("推荐/", "使用")), col("推荐人选", "14%", "left"),
               col("审定通过", "11%", "left"), col(("未通过", "（占用）"), "9%", "left"),
               col(("党委增加", "（不占用）"), "9%", "left"), col(("结转", "下季度"))]
    notes = [f"全局可报名额按全局累计名额 {bureau.available:f} 计算为 {bureau.allowed} 名，不是各所室队可报名额之和"
             f"（{int(total('allowed'))} 名：各所室队分别取整，累计名额不足 1 名的所室队可报 1 名）。"]
    notes = ["全局 = 各所室队合计 + 下列各行：局党委增加的“好”占全局名额、不占所室队名额；推荐未通过的占所室队名额、"
             "不计入全局“好”等次人数。", *([carried_note] if carried_note else []), *notes]
    return table(
        id=f"{quarter}/比例使用申报表", title=f"{a.bureau.info.name}{quarter.zh}平时考核优秀等次比例使用申报表",
        template="quota_usage.html", path="03-比例使用申报表", period=quarter.zh, landscape=True,
        heading=form_title(a, "比例使用申报表"), subtitle=quarter.zh, columns=columns,
        rows=rows, totals=lines, notes=notes, signatures=COMMITTEE, minimum=a.policy.quota_minimum)


def _signed(value: Decimal, like: Decimal | None = None) -> str:
    """A difference with its sign; ``like``: a ledger value whose decimal places it is printed with."""
    places = like.as_tuple().exponent if like is not None else 0
    if isinstance(places, int) and places < 0:  # not "n"/"N"/"F" (NaN, infinity): a ledger value is finite
        value = value.quantize(Decimal(1).scaleb(places))
    return f"+{value:f}" if value > 0 else f"{value:f}"


def reconciliation(a: Assessment, quarter: Quarter, units: list) -> tuple[list[dict], str]:
    """The lines between the units' sum and the bureau's row (only those that are not zero), and a note
    on the difference carried in. Each line has its label, the change to 推荐/使用 ("used"), to 结转
    ("carry_out"), to 上季度结转 and 累计 ("carry_in"), and the people it concerns (``ids``, printed in
    the column ``names_column``).

    The bureau counts the 好 it ends with; a unit counts its recommendations. So the bureau's use is the
    units' use − rejected recommendations + the committee's additions ± 复核 changes, and its carry-in
    differs from the units' by the same differences of the year's earlier quarters."""
    steps: list[dict] = []
    counts: Counter[str] = Counter()
    like = a.bureau_ledgers[quarter].entitlement
    for q in sorted(q for q in a.bureau_ledgers if q.year == quarter.year and q < quarter):
        for label, ids, sign, _ in _differences(a, q, [row for (_, rq), row in a.unit_ledgers.items() if rq == q]):
            counts[label] += sign * len(ids)
    carried = Decimal(-sum(counts.values()))
    note = ""
    if carried:
        steps.append({"label": "以前季度差额", "carry_in": _signed(carried, like), "carry_out": _signed(carried, like),
                      "ids": [], "names_column": 8})
        note = ("以前季度差额：本年以前各季度" + "，".join(f"{label}{abs(n)}名" for label, n in counts.items() if n)
                + f"，全局结转因此比各所室队结转之和{'多' if carried > 0 else '少'} {abs(carried):f}。")
    for label, ids, sign, column in _differences(a, quarter, units):
        steps.append({"label": label, "used": _signed(Decimal(sign * len(ids))),
                      "carry_out": _signed(Decimal(-sign * len(ids)), like), "ids": ids, "names_column": column})
    return steps, note


def _differences(a: Assessment, quarter: Quarter, units: list) -> list[tuple[str, list, int, int]]:
    """(label, person ids, +1 where the bureau counts them and the units do not / −1 the other way round,
    the 申报表 column of their names) for a decided quarter; none before the committee has decided."""
    if not a.decided(quarter):
        return []
    results = a.quarter_results(quarter)
    rejected = [pid for row in units for pid in row.rejected]
    additions = [pid for row in units for pid in row.additions]
    raised = [r.entry.person_id for r in results if r.entry.status is Status.ASSESSED and not r.recommended
              and not r.addition and r.final is Grade.GOOD]
    lowered = [r.entry.person_id for r in results if r.addition and r.final is not Grade.GOOD]
    found = (("推荐未通过", rejected, -1, 10), ("局党委增加", additions, 1, 11),
             ("复核改为“好”", raised, 1, 9), ("党委增加后复核改变", lowered, -1, 11))
    return [item for item in found if item[1]]


def _ledger_cells(a: Assessment, owner: str, row) -> list:
    return [owner, row.participants, percent(row.ratio), f"{row.entitlement:f}", f"{row.carry_in:f}",
            f"{row.available:f}", row.allowed, row.used, _names(a, row.recommended), _names(a, row.approved),
            _names(a, row.rejected), _names(a, row.additions), f"{row.carry_out:f}"]


def brief(a: Assessment, quarter: Quarter) -> list[Document]:
    """平时考核简明情况登记表 (archive): one line per person, one document per unit (filed with its forms)."""
    p = a.policy
    columns = [col("序号", "4%"), col("姓名", "7%", "name"), col("职务（职级）", "15%", "left"),
               col("共性", "", "num"), col("个性", "", "num"), col("加分", "", "num"), col("总分", "", "num"),
               col(("建议", "等次")), col(("审定", "等次")), col("复核"), col("简要表现", "34%", "left")]
    docs = []
    for unit in a.bureau.units_in_order():
        results = a.quarter_results(quarter, unit.id)
        if not results:
            continue
        rows = []
        for n, r in enumerate(results, 1):
            s = r.score
            scores = score_cells(s, p)
            rows.append([n, r.entry.name, post_cell(r.person), *scores,
                         grade_text(r.entry.suggested), _brief_grade(r), appeal_text(r), _in_brief(r)])
        docs.append(table(
            id=f"{quarter}/简明情况登记表/{unit.id}", title=f"{a.bureau.info.name}{quarter.zh}平时考核简明情况登记表（{unit.name}）",
            template="brief.html", path=f"06-简明情况登记表/{safe_name(f'{unit.order + 1:02d}-{unit.name}')}", period=quarter.zh,
            landscape=True, heading=form_title(a, "简明情况登记表"),
            meta=[f"单位：{unit.name}", f"考核周期：{quarter.zh}"], columns=columns, rows=rows,
            signatures=("考核办（盖章）",)))
    return docs


def _in_brief(r) -> str:
    """简要表现: the remark (whole: the committee's reasons are never cut), else the first sentence of the
    个人小结, whole (the cell wraps and the row grows; this form goes into personal files)."""
    text = remark(r)
    if text:
        return text
    summary = (r.entry.summary or "").strip()
    end = summary.find("。")
    return summary if end < 0 else summary[:end + 1]


def _brief_grade(r) -> Lines | str:
    """审定等次: the committee's grade, or for one assessed by an external body the grade it reported."""
    external = r.entry.external
    if r.decided is None and external is not None and external.grade is not None:
        return Lines((external.grade.value, "（外单位）"))
    return grade_text(r.decided)
