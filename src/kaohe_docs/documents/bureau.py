"""Bureau-wide tables for the committee and the archive: 对象情况表, 比例使用申报表, 简明情况登记表."""
from __future__ import annotations

from collections import Counter

from kaohe_docs.engine.assess import Assessment, counts_in_base
from kaohe_docs.documents.formatting import score_cells, appeal_text, grade_text, percent, remark
from kaohe_docs.model import Grade, Quarter, Status
from kaohe_docs.documents import Document, Words, col, table
from kaohe_docs.filenames import safe_name

GRADES = tuple(Grade)
COMMITTEE = ("考核办意见", "局党委（考核委）审定意见")


def _names(a: Assessment, ids) -> Words | str:
    """Names separated by "、", each kept whole on its line."""
    names = [a.bureau.people[i].name if i in a.bureau.people else i for i in ids]
    return Words(names) if names else "—"


def subjects(a: Assessment, quarter: Quarter) -> Document:
    """平时考核对象情况表: per unit — who takes part, who is not graded and why, grade counts."""
    decided = a.decided(quarter)
    rows, totals = [], Counter()
    for unit in a.bureau.units_in_order():
        results = a.quarter_results(quarter, unit.id)
        if not results:
            continue
        ledger = a.unit_ledgers[(unit.id, quarter)]
        grades = Counter((r.final if decided else r.entry.suggested) for r in results if r.score is not None)
        ungraded = [r for r in results if r.entry.status is Status.UNGRADED]
        external = [r for r in results if r.entry.status is Status.EXTERNAL]
        counts = {"roster": len(results), "base": sum(counts_in_base(r, a.policy) for r in results),
                  "ungraded": len(ungraded), "external": len(external), "recommended": ledger.used,
                  "approved": len(ledger.approved) + len(ledger.additions), **{g: grades[g] for g in GRADES}}
        totals.update(counts)
        notes = [f"{r.entry.name}：{r.entry.ungraded_reason}" for r in ungraded]
        notes += [f"{r.entry.name}：由{r.entry.external.body}考核" for r in external]
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
        heading=f"{a.bureau.info.name}平时考核对象情况表", subtitle=quarter.zh, columns=columns, rows=rows,
        totals=[total_row], signatures=COMMITTEE, decided=decided, ungraded_in_base=a.policy.ungraded_in_base)


def quota_usage(a: Assessment, quarter: Quarter) -> Document:
    """优秀等次比例使用申报表: the cumulative ledger per unit and for the bureau."""
    rows = []
    for unit in a.bureau.units_in_order():
        row = a.unit_ledgers[(unit.id, quarter)]
        if row.participants == 0 and not row.recommended and row.carry_in == 0:
            continue
        rows.append(_ledger_cells(a, unit.name, row))
    bureau = a.bureau_ledgers[quarter]
    additions = [pid for (u, q), row in a.unit_ledgers.items() if q == quarter for pid in row.additions]
    total = _ledger_cells(a, "全局", bureau)
    total[7] = (str(bureau.used), f"（含党委增加 {len(additions)}）") if a.decided(quarter) else str(bureau.used)
    columns = [col("单位", "10%", "left"), col(("参加", "人数")), col("比例"), col(("本季度", "名额")), col(("上季度", "结转")),
               col(("累计", "名额")), col(("可报", "名额")), col(("推荐/", "使用")), col("推荐人选", "14%", "left"),
               col("审定通过", "11%", "left"), col(("未通过", "（占用）"), "9%", "left"),
               col(("党委增加", "（不占用）"), "9%", "left"), col(("结转", "下季度"))]
    return table(
        id=f"{quarter}/比例使用申报表", title=f"{a.bureau.info.name}{quarter.zh}平时考核优秀等次比例使用申报表",
        template="quota_usage.html", path="03-比例使用申报表", period=quarter.zh, landscape=True,
        heading=f"{a.bureau.info.name}平时考核优秀等次比例使用申报表", subtitle=quarter.zh, columns=columns,
        rows=rows, totals=[total], signatures=COMMITTEE)


def _ledger_cells(a: Assessment, owner: str, row) -> list:
    return [owner, row.participants, percent(row.ratio), f"{row.entitlement:f}", f"{row.carry_in:f}",
            f"{row.available:f}", row.allowed, row.used, _names(a, row.recommended), _names(a, row.approved),
            _names(a, row.rejected), _names(a, row.additions), f"{row.carry_out:f}"]


def brief(a: Assessment, quarter: Quarter) -> list[Document]:
    """平时考核简明情况登记表 (archive): one line per person, one document per unit (filed with its forms)."""
    p = a.policy
    columns = [col("序号", "4%"), col("姓名", "7%"), col("职务（职级）", "15%", "left"),
               col("共性", "", "num"), col("个性", "", "num"), col("加分", "", "num"), col("总分", "", "num"),
               col("建议等次"), col("审定等次"), col("复核"), col("简要表现", "30%", "left")]
    docs = []
    for unit in a.bureau.units_in_order():
        results = a.quarter_results(quarter, unit.id)
        if not results:
            continue
        rows = []
        for n, r in enumerate(results, 1):
            s = r.score
            scores = score_cells(s, p)
            rows.append([n, r.entry.name, r.person.post if r.person else "", *scores,
                         grade_text(r.entry.suggested), grade_text(r.decided), appeal_text(r), _in_brief(r)])
        docs.append(table(
            id=f"{quarter}/简明情况登记表/{unit.id}", title=f"{a.bureau.info.name}{quarter.zh}平时考核简明情况登记表（{unit.name}）",
            template="brief.html", path=f"06-简明情况登记表/{safe_name(f'{unit.order + 1:02d}-{unit.name}')}", period=quarter.zh,
            landscape=True, heading=f"{a.bureau.info.name}平时考核简明情况登记表",
            meta=[f"单位：{unit.name}", f"考核周期：{quarter.zh}"], columns=columns, rows=rows,
            signatures=("考核办（盖章）",)))
    return docs


def _in_brief(r) -> str:
    """简要表现: the remark, else the first sentence of the 个人小结 (one line)."""
    text = remark(r) or (r.entry.summary or "").strip()
    first = text.split("。")[0]
    return first if len(first) <= 30 else first[:29] + "…"
