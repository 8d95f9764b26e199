"""The year's papers: 年度结果汇总, 年度优秀人选（公示）, 基本称职/不称职 flag list, statistics."""
from __future__ import annotations

from collections import Counter

from kaohe_docs.engine.annual import annual_rows, eligible_for_excellent, flag, quarters_of
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.documents.charts import stacked_bars
from kaohe_docs.documents.formatting import grade_text, percent
from kaohe_docs.model import Grade, quarter_name
from kaohe_docs.documents import Document, col, order_note, person_order, table

GRADES = tuple(Grade)
QUARTER_COLS = [col(quarter_name(q)) for q in (1, 2, 3, 4)]


def _ordered(a: Assessment, rows):
    units = a.bureau.units
    return sorted(rows, key=lambda r: person_order(a.policy, units[r.unit_id].order if r.unit_id in units else 0,
                                                   r.person.name))


def _unit_name(a: Assessment, unit_id: str) -> str:
    return a.bureau.unit_name(unit_id)


def annual_publicity(a: Assessment, year: int) -> Document:
    """年度考核“优秀”等次人选范围 with their four quarterly grades, in notice layout for publicity."""
    share = a.policy.excellent_min_good_share
    rows = _ordered(a, [r for r in annual_rows(a, year) if eligible_for_excellent(r, share)])
    title = f"关于{a.bureau.info.name}{year}年度考核“优秀”等次人选平时考核结果的公示"
    return Document(
        id=f"{year}/年度优秀人选公示", title=title, kind="notice", template="annual_publicity.html",
        path="01-年度优秀人选公示", period=f"{year}年度",
        context={
            "paragraphs": [
                f"根据《{a.bureau.info.name}平时考核工作实施方案》，年度考核“优秀”等次人选从当年平时考核结果“好”等次较多"
                f"（不少于已定等次季度数的{percent(share)}），而且没有“一般”“较差”等次的公务员中产生。"
                f"现将符合条件的{len(rows)}名同志及其{year}年各季度平时考核结果予以公示。",
                f"公示期间，对公示对象有异议的，可以书面或当面反映。联系方式：{a.policy.contact}。",
                f"附：{year}年度考核“优秀”等次人选平时考核结果（{order_note(a.policy)}）",
            ],
            "columns": [col("序号", "8%"), col("单位", "20%"), col("姓名", "12%"), *QUARTER_COLS],
            "rows": [[n, _unit_name(a, r.unit_id), r.person.name, *(grade_text(r.grade(q)) or "—" for q in (1, 2, 3, 4))]
                     for n, r in enumerate(rows, 1)],
            "issuer": a.bureau.info.office, "issue_date": "　　年　　月　　日",
        })


def annual_summary(a: Assessment, year: int) -> Document:
    """年度平时考核结果汇总 (bureau): per unit and quarter, the number of each grade."""
    quarters = quarters_of(a, year)
    rows, totals = [], Counter()
    for unit in a.bureau.units_in_order():
        cells, any_people = [], False
        for quarter in quarters:
            counts = Counter(r.final for r in a.quarter_results(quarter, unit.id) if r.final is not None)
            any_people |= bool(a.quarter_results(quarter, unit.id))
            cells.extend(counts[g] for g in GRADES)
            totals.update({(quarter, g): counts[g] for g in GRADES})
        if any_people:
            rows.append([unit.name, *cells])
    columns = [col("单位", "12%", "left")] + [col(f"Q{q.q}{g.value}") for q in quarters for g in GRADES]
    return table(
        id=f"{year}/年度结果汇总", title=f"{a.bureau.info.name}{year}年度平时考核结果汇总表",
        template="annual_summary.html", path="02-年度结果汇总", period=f"{year}年度", landscape=True,
        heading=f"{a.bureau.info.name}{year}年度平时考核结果汇总表", columns=columns, rows=rows,
        totals=[["全局", *(totals[(q, g)] for q in quarters for g in GRADES)]],
        notes=["按审定等次（含外单位考核通报的等次）统计；Q1–Q4 为第一至第四季度。"], signatures=("考核办（盖章）",))


def annual_flags(a: Assessment, year: int) -> Document:
    """Those whose 一般 + 较差 exceed half of the graded quarters (与年度考核挂钩)."""
    flagged = _ordered(a, [r for r in annual_rows(a, year) if flag(r, a.policy.annual_weak_share)])
    columns = [col("序号", "6%"), col("单位", "16%", "left"), col("姓名", "10%"), *QUARTER_COLS,
               col("一般+较差", "9%"), col("年度考核意见", "22%", "left")]
    return table(
        id=f"{year}/年度等次提示名单", title=f"{a.bureau.info.name}{year}年度考核等次提示名单（平时考核结果运用）",
        template="annual_flags.html", path="03-年度等次提示名单", period=f"{year}年度", landscape=True,
        heading=f"{year}年度考核等次提示名单", subtitle="平时考核“一般”“较差”等次累计次数超过一半的人员",
        columns=columns,
        rows=[[n, _unit_name(a, r.unit_id), r.person.name, *(grade_text(r.grade(q)) or "—" for q in (1, 2, 3, 4)),
               f"{r.weak}/{len(r.grades)}", flag(r, a.policy.annual_weak_share)] for n, r in enumerate(flagged, 1)],
        notes=["当年平时考核结果“一般”“较差”等次累计次数超过一半的，年度考核原则上确定为“基本称职”或者“不称职”等次；"
               "都为“较差”等次的，年度考核可直接确定为“不称职”等次。"],
        signatures=("局党委（考核委）审定意见",))


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
    font = ", ".join(f"'{family}'" for family in a.policy.fonts["table"])
    charts = [
        {"title": "各季度等次分布（人）",
         "svg": stacked_bars([q.zh[5:] for q in quarters], [(g.value, [per_quarter[q][g] for q in quarters]) for g in GRADES],
                             font)},
        {"title": "各单位全年等次分布（人次）",
         "svg": stacked_bars([name for name, _ in unit_good], [(g.value, [c[g] for _, c in unit_good]) for g in GRADES],
                             font)},
    ]
    return table(
        id=f"{year}/年度统计", title=f"{a.bureau.info.name}{year}年度平时考核工作情况统计",
        template="statistics.html", path="04-年度统计", period=f"{year}年度",
        heading=f"{a.bureau.info.name}{year}年度平时考核工作情况统计",
        columns=[col("季度", "18%"), col("在册人数"), col("定等次人数"), *(col(g.value) for g in GRADES), col("“好”等次占比")],
        rows=rows, notes=["按审定等次统计，含外单位考核通报的等次；不确定等次和尚未审定的不计入定等次人数。"],
        charts=charts)
