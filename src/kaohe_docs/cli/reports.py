"""Tabular data for the terminal: scores and quota ledgers as rows (text, JSON or CSV)."""
from __future__ import annotations

import csv
import io
import json
import sys
import unicodedata

from kaohe_docs.documents.formatting import grade_text, item_lines, percent, remark, score_cells
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.errors import printable
from kaohe_docs.model import Grade, Quarter, quarter_name
from kaohe_docs.sheets.cells import inert


def score_rows(a: Assessment, quarter: Quarter, unit_id: str | None = None) -> list[dict]:
    rows = []
    for r in a.quarter_results(quarter, unit_id):
        s = r.score
        rows.append({
            "季度": str(quarter), "单位": a.bureau.unit_name(r.entry.unit_id),
            "警号": r.entry.person_id, "姓名": r.entry.name,
            **dict(zip(("共性", "个性", "加分", "总分"), score_cells(s, a.policy))),
            "分数段": grade_text(s.band) if s and s.complete else "", "建议等次": grade_text(r.entry.suggested),
            "审定等次": grade_text(r.final),
            "共性指标扣分、加分": "；".join(item_lines(s, brief=True)),
            "备注": remark(r),
        })
    return rows


def quota_rows(a: Assessment, period) -> list[dict]:
    quarters = [period] if isinstance(period, Quarter) else sorted(q for q in a.bureau.quarters if q.year == period)
    rows = []
    for quarter in quarters:
        for unit_id, unit in a.bureau.units.items():
            rows.append(_ledger_row(a, unit.name, a.unit_ledgers[(unit_id, quarter)]))
        rows.append(_ledger_row(a, "全局", a.bureau_ledgers[quarter]))
    return rows


def _ledger_row(a: Assessment, owner: str, row) -> dict:
    names = lambda ids: "、".join(a.bureau.people[i].name if i in a.bureau.people else i for i in ids)  # noqa: E731
    return {
        "季度": str(row.quarter), "单位": owner, "参加人数": row.participants, "比例": percent(row.ratio),
        "本季度名额": f"{row.entitlement:f}", "上季度结转": f"{row.carry_in:f}", "累计可用": f"{row.available:f}",
        "可报名额": row.allowed, "使用": row.used, "结转下季度": f"{row.carry_out:f}",
        "推荐": names(row.recommended), "通过": names(row.approved), "未通过(占用)": names(row.rejected),
        "党委增加(不占用)": names(row.additions),
    }


def write_rows(rows: list[dict], fmt: str | None, out=None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else [], lineterminator="\n")
        writer.writerow({h: inert(h) for h in writer.fieldnames})
        writer.writerows({k: inert(v) for k, v in row.items()} for row in rows)
        out.write("\ufeff" + buffer.getvalue())
    else:
        out.write(text_table(rows))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def text_table(rows: list[dict]) -> str:
    if not rows:
        return "（无数据）\n"
    headers = list(rows[0])
    cells = [[printable(str(row[h])) for h in headers] for row in rows]
    widths = [max(_width(h), *(_width(c[i]) for c in cells)) for i, h in enumerate(headers)]
    pad = lambda text, w: text + " " * (w - _width(text))  # noqa: E731
    lines = ["  ".join(pad(h, w) for h, w in zip(headers, widths)).rstrip()]
    lines += ["  ".join(pad(c, w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines) + "\n"


def annual_report_rows(a: Assessment, year: int, candidates: bool = False, flagged: bool = False) -> list[dict]:
    from kaohe_docs.documents.annual import tally_line
    from kaohe_docs.engine.annual import annual_rows, eligible_for_excellent, flag
    share = a.policy.excellent_min_good_share
    decision = a.bureau.annual.get(year)
    chosen = set(decision.choices) if decision else set()
    rows = []
    for r in annual_rows(a, year):
        eligible, note = eligible_for_excellent(r, share), flag(r, a.policy.annual_weak_share)
        if (candidates and not eligible) or (flagged and not note):
            continue
        rows.append({
            "单位": a.bureau.unit_name(r.unit_id),
            "警号": r.person.id, "姓名": r.person.name,
            **{f"{quarter_name(q)}": grade_text(r.grade(q)) or "—" for q in (1, 2, 3, 4)},
            "好": r.count(Grade.GOOD), "一般+较差": r.weak, "已定等次季度": len(r.grades),
            "年度优秀资格": "是" if eligible else "", "局党委确定": "是" if r.person.id in chosen else "",
            "提示": note or "", "年度平时考核情况": tally_line(r),
        })
    return rows
