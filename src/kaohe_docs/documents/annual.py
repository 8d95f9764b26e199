"""The year's papers: 年度结果汇总, 年度优秀人选（公示）, 基本称职/不称职 flag list, statistics."""
from __future__ import annotations

from collections import Counter

from kaohe_docs.documents import Document, col, order_note, person_order, table
from kaohe_docs.documents.charts import stacked_bars
from kaohe_docs.documents.formatting import date_zh, grade_text, percent
from kaohe_docs.documents.publicity import publicity_period, signoff
from kaohe_docs.engine.annual import (
    AnnualRow,
    annual_rows,
    decided_quarters,
    eligible_for_excellent,
    excellent_limit,
    flag,
    participants,
    quarters_of,
    tally,
    year_complete,
)
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.model import Grade, Quarter, quarter_name

GRADES = tuple(Grade)
QUARTER_COLS = [col(quarter_name(q)) for q in (1, 2, 3, 4)]


def _ordered(a: Assessment, rows):
    units = a.bureau.units
    return sorted(rows, key=lambda r: person_order(a.policy, units[r.unit_id].order if r.unit_id in units else 0,
                                                   r.person.name))


def _unit_name(a: Assessment, unit_id: str) -> str:
    return a.bureau.unit_name(unit_id)


def _basis(a: Assessment, year: int) -> dict:
    """How many quarters the annual figures rest on; before Q4 is decided the papers are drafts."""
    decided = decided_quarters(a, year)
    return {"complete": year_complete(a, year), "decided": len(decided), "year": year}


def on_basis(doc: Document, a: Assessment, year: int) -> Document:
    """An annual paper before Q4 is decided: a draft that says how many quarters it rests on."""
    basis = _basis(a, year)
    doc.draft = doc.draft or not basis["complete"]
    doc.context["basis"] = basis  # the template says "根据前 N 个季度" while incomplete
    return doc


def annual_publicity(a: Assessment, year: int) -> Document | None:
    """年度考核“优秀”等次人选公示: the committee's choice (annual.yaml) with each one's four quarterly grades."""
    decision = a.bureau.annual.get(year)
    if decision is None:
        return None
    rows_by_id = {r.person.id: r for r in annual_rows(a, year)}
    chosen = _ordered(a, [rows_by_id[pid] for pid in decision.choices if pid in rows_by_id])
    basis = _basis(a, year)
    return Document(
        id=f"{year}/年度优秀人选公示", title=f"关于{a.bureau.info.name}{year}年度考核“优秀”等次人选的公示",
        kind="notice", template="annual_publicity.html", path="01-年度优秀人选公示", period=f"{year}年度",
        draft=not basis["complete"],
        context={
            "year": year, "basis": basis, "meeting_date": date_zh(decision.meeting_date),
            "share": percent(a.policy.excellent_min_good_share), "limit": percent(a.policy.excellent_limit),
            "period": publicity_period(a, decision.publicity_start), "contact": a.policy.contact,
            "order_note": order_note(a.policy),
            "columns": [col("序号", "8%"), col("单位", "20%"), col("姓名", "12%", "name"), *QUARTER_COLS],
            "rows": [[n, _unit_name(a, r.unit_id), r.person.name, *(grade_text(r.grade(q)) or "—" for q in (1, 2, 3, 4))]
                     for n, r in enumerate(chosen, 1)],
            **signoff(a.bureau.info.office, date_zh(decision.publicity_start)),
        })


def annual_worksheet(a: Assessment, year: int) -> Document:
    """年度“优秀”人选资格审查工作表 (考核办, internal): everyone eligible by the quarterly grades, and who was chosen."""
    share = a.policy.excellent_min_good_share
    eligible = _ordered(a, [r for r in annual_rows(a, year) if eligible_for_excellent(r, share)])
    decision = a.bureau.annual.get(year)
    chosen = set(decision.choices) if decision else set()
    basis = _basis(a, year)
    columns = [col("序号", "6%"), col("单位", "16%", "left"), col("姓名", "10%", "name"), *QUARTER_COLS,
               col("“好”次数", "8%"), col("局党委审定", "12%")]
    return table(
        id=f"{year}/年度优秀资格审查表", title=f"{a.bureau.info.name}{year}年度考核“优秀”人选资格审查工作表",
        template="annual_worksheet.html", path="02-年度优秀资格审查表", period=f"{year}年度", landscape=True,
        heading=f"{a.bureau.info.name}{year}年度考核“优秀”人选资格审查工作表", draft=not basis["complete"],
        columns=columns,
        rows=[[n, _unit_name(a, r.unit_id), r.person.name, *(grade_text(r.grade(q)) or "—" for q in (1, 2, 3, 4)),
               f"{r.count(Grade.GOOD)}/{len(r.grades)}", "已确定" if r.person.id in chosen else ""]
              for n, r in enumerate(eligible, 1)],
        signatures=("考核办（盖章）",), basis=basis,
        limit={"count": excellent_limit(a, year), "participants": participants(a, year),
               "share": percent(a.policy.excellent_limit), "min_good": percent(share),
               "chosen": len(chosen) if decision else None})


def annual_summary(a: Assessment, year: int) -> Document:
    """年度平时考核结果汇总 (bureau): per unit and quarter, the number of each grade."""
    quarters = quarters_of(a, year)
    rows: list[list[object]] = []
    totals: Counter[tuple[Quarter, Grade]] = Counter()
    for unit in a.bureau.units_in_order():
        cells: list[int] = []
        any_people = False
        for quarter in quarters:
            counts = Counter(r.final for r in a.quarter_results(quarter, unit.id) if r.final is not None)
            any_people |= bool(a.quarter_results(quarter, unit.id))
            cells.extend(counts[g] for g in GRADES)
            totals.update({(quarter, g): counts[g] for g in GRADES})
        if any_people:
            rows.append([unit.name, *cells])
    columns = [col("单位", "12%", "left")] + [col(f"Q{q.q}{g.value}") for q in quarters for g in GRADES]
    return on_basis(table(
        id=f"{year}/年度结果汇总", title=f"{a.bureau.info.name}{year}年度平时考核结果汇总表",
        template="annual_summary.html", path="03-年度结果汇总", period=f"{year}年度", landscape=True,
        heading=f"{a.bureau.info.name}{year}年度平时考核结果汇总表", columns=columns, rows=rows,
        totals=[["全局", *(totals[(q, g)] for q in quarters for g in GRADES)]],
        signatures=("考核办（盖章）",)), a, year)


def annual_flags(a: Assessment, year: int) -> Document:
    """Those whose 一般 + 较差 exceed half of the graded quarters (与年度考核挂钩)."""
    flagged = _ordered(a, [r for r in annual_rows(a, year) if flag(r, a.policy.annual_weak_share)])
    columns = [col("序号", "6%"), col("单位", "16%", "left"), col("姓名", "10%", "name"), *QUARTER_COLS,
               col("一般+较差", "9%"), col("年度考核意见", "22%", "left")]
    return on_basis(table(
        id=f"{year}/年度等次提示名单", title=f"{a.bureau.info.name}{year}年度考核等次提示名单（平时考核结果运用）",
        template="annual_flags.html", path="04-年度等次提示名单", period=f"{year}年度", landscape=True,
        heading=f"{a.bureau.info.name}{year}年度考核等次提示名单", subtitle="平时考核“一般”“较差”等次累计次数超过一半的人员",
        columns=columns,
        rows=[[n, _unit_name(a, r.unit_id), r.person.name, *(grade_text(r.grade(q)) or "—" for q in (1, 2, 3, 4)),
               f"{r.weak}/{len(r.grades)}", _flag_text(a, year, r)] for n, r in enumerate(flagged, 1)],
        signatures=("局党委（考核委）审定意见",)), a, year)


def statistics(a: Assessment, year: int) -> Document:
    """年度平时考核工作情况总结（统计）: grade distribution per quarter and unit, tables and charts."""
    quarters = quarters_of(a, year)
    per_quarter = {q: Counter(r.final for r in a.results[q] if r.final is not None) for q in quarters}
    rows = []
    for q in quarters:
        counts = per_quarter[q]
        graded = sum(counts.values())
        rows.append([q.zh, len(a.results[q]), graded, *(counts[g] for g in GRADES),
                     f"{counts[Grade.GOOD] * 100 / graded:.1f}%" if graded else "—"])
    unit_good = []
    for unit in a.bureau.units_in_order():
        counts = Counter(r.final for q in quarters for r in a.quarter_results(q, unit.id) if r.final is not None)
        if counts:
            unit_good.append((unit.name, counts))
    # the table role's families, unquoted (WeasyPrint's SVG text takes the first installed of such a list;
    # quoted names make it fall back to its default faces), without a weight suffix ("…:bold")
    font = ", ".join(dict.fromkeys(family.split(":")[0].strip() for family in a.policy.fonts["table"]))
    charts = [
        {"title": "各季度等次分布（人）",
         "svg": stacked_bars([q.zh[5:] for q in quarters], [(g.value, [per_quarter[q][g] for q in quarters]) for g in GRADES],
                             font)},
        {"title": "各单位全年等次分布（人次）",
         "svg": stacked_bars([name for name, _ in unit_good], [(g.value, [c[g] for _, c in unit_good]) for g in GRADES],
                             font)},
    ]
    return on_basis(table(
        id=f"{year}/年度统计", title=f"{a.bureau.info.name}{year}年度平时考核工作情况统计",
        template="statistics.html", path="05-年度统计", period=f"{year}年度",
        heading=f"{a.bureau.info.name}{year}年度平时考核工作情况统计",
        columns=[col("季度", "18%"), col("在册人数"), col("定等次人数"), *(col(g.value) for g in GRADES), col("“好”等次占比")],
        rows=rows,
        charts=charts), a, year)


def _flag_text(a: Assessment, year: int, row: AnnualRow) -> str:
    basis = _basis(a, year)
    text = flag(row, a.policy.annual_weak_share)
    assert text is not None, "annual_flags lists only flagged rows"
    return text if basis["complete"] else f"根据前{basis['decided']}个季度，{text}"


# The line the 年度考核登记表 needs (the seed's wording), filled from the year's quarterly grades; a line of
# its own, so its quotation marks are “” (GB/T 15834: ‘’ only inside “”).
TALLY_LINE = "年度平时考核情况：“好”{好}次，“较好”{较好}次，“一般”{一般}次，“较差”{较差}次"


def tally_line(row) -> str:
    return TALLY_LINE.format(**tally(row))


def tally_halves(row) -> tuple[str, str]:
    """The line as two halves printed unbroken (a wrap falls only between them)."""
    line = tally_line(row)
    cut = line.index("，“一般”") + 1
    return line[:cut], line[cut:]


def tally_lines(row) -> tuple[str, str]:
    """The counts of the line (without its label) as two unbroken halves, for a table cell."""
    first, second = tally_halves(row)
    return first.split("：", 1)[1], second


def annual_extracts(a: Assessment, year: int) -> list[Document]:
    """年度平时考核情况摘录 (per unit): for each person, the line to copy onto the 年度考核登记表."""
    basis = _basis(a, year)
    rows_by_unit: dict[str, list] = {}
    for row in annual_rows(a, year):
        rows_by_unit.setdefault(row.unit_id, []).append(row)
    docs = []
    for unit in sorted(a.bureau.units.values(), key=lambda u: u.order):
        rows = rows_by_unit.get(unit.id)
        if not rows:
            continue
        docs.append(Document(
            id=f"{year}/年度平时考核情况摘录/{unit.id}",
            title=f"{a.bureau.info.name}{year}年度平时考核情况摘录（{unit.name}）", kind="form",
            template="annual_extract.html", path=f"07-年度平时考核情况摘录/{unit.order + 1:02d}-{unit.name}",
            period=f"{year}年度", draft=not basis["complete"],
            context={"year": year, "unit": unit.name, "basis": basis,
                     "people": [{"name": r.person.name, "post": r.person.post, "position": r.person.position,
                                   "rank": r.person.rank, "line": tally_halves(r),
                                 "grades": [grade_text(r.grade(q)) or "—" for q in (1, 2, 3, 4)]} for r in rows]}))
    return docs
