"""Semantic diff for reviewers: what an edit does to scores, grades and quotas.

Raw YAML diffs show lines; the committee needs consequences ("moves 李某 from 较好 to 好 and
uses the unit's last place"). ``compare(old, new)`` returns the changes per quarter; the
renderers write them as plain text (terminal) or Markdown (pull-request comment).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.documents.formatting import grade_text, number
from kaohe_docs.model import Quarter


@dataclass
class PersonChange:
    unit: str
    name: str
    person_id: str
    changes: list[str]


@dataclass
class QuarterDiff:
    quarter: Quarter
    people: list[PersonChange] = field(default_factory=list)
    ledgers: list[str] = field(default_factory=list)
    decision: list[str] = field(default_factory=list)


@dataclass
class Diff:
    base: str
    head: str
    roster: list[str] = field(default_factory=list)
    quarters: list[QuarterDiff] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.roster and not self.quarters


def _arrow(old, new) -> str:
    return f"{old or '（空）'} → {new or '（空）'}"


def _unit(a: Assessment, unit_id: str) -> str:
    return a.bureau.unit_name(unit_id)


def _bonus_set(r: Result) -> dict[str, str]:
    return {f"{b.item}（{b.deed}）": f"{b.status}" + (f"，{b.points:f} 分" if b.points is not None else "")
            for b in r.entry.bonuses}


def person_changes(old: Result | None, new: Result | None, a_old: Assessment, a_new: Assessment) -> list[str]:
    if old is None:
        return [f"新增记录（{new.entry.status.value}）" + (f"，总分 {number(new.score.total, a_new.policy)}" if new.score else "")]
    if new is None:
        return ["删除记录"]
    out = []
    eo, en = old.entry, new.entry
    if eo.unit_id != en.unit_id:
        out.append(f"单位 {_arrow(_unit(a_old, eo.unit_id), _unit(a_new, en.unit_id))}")
    if eo.status != en.status:
        out.append(f"考核方式 {_arrow(eo.status.value, en.status.value)}")
    for element in dict.fromkeys([*eo.common, *en.common]):
        if eo.common.get(element) != en.common.get(element):
            out.append(f"共性“{element}” {_arrow(eo.common.get(element), en.common.get(element))}")
    for month in sorted(set(eo.monthly) | set(en.monthly)):
        if eo.monthly.get(month) != en.monthly.get(month):
            out.append(f"{month}月绩效 {_arrow(eo.monthly.get(month), en.monthly.get(month))}")
    bo, bn = _bonus_set(old), _bonus_set(new)
    out += [f"加分项 +{k}（{v}）" for k, v in bn.items() if k not in bo]
    out += [f"加分项 −{k}" for k in bo if k not in bn]
    out += [f"加分项 {k} {_arrow(bo[k], bn[k])}" for k in bo if k in bn and bo[k] != bn[k]]
    so, sn = old.score, new.score
    to = number(so.total, a_old.policy) if so else ""
    tn = number(sn.total, a_new.policy) if sn else ""
    if to != tn:
        band = ""
        if so and sn and so.band != sn.band:
            band = f"（分数段 {_arrow(so.band.value, sn.band.value)}）"
        out.append(f"总分 {_arrow(to, tn)}{band}")
    if eo.suggested != en.suggested:
        out.append(f"建议等次 {_arrow(grade_text(eo.suggested), grade_text(en.suggested))}")
    if old.final != new.final:
        out.append(f"审定等次 {_arrow(grade_text(old.final), grade_text(new.final))}")
    if (eo.summary or "") != (en.summary or ""):
        out.append("个人小结有修改")
    return out


def _ledger_line(a_old: Assessment, a_new: Assessment, unit_id: str, ro, rn) -> str | None:
    fields = (("参加人数", "participants"), ("可报", "allowed"), ("推荐", "used"), ("结转", "carry_out"))
    parts = []
    for label, attr in fields:
        vo, vn = (getattr(ro, attr) if ro else None), (getattr(rn, attr) if rn else None)
        if vo != vn:
            parts.append(f"{label} {_arrow(_fmt(vo), _fmt(vn))}")
    if not parts:
        return None
    name = _unit(a_new, unit_id) if unit_id else "全局"
    return f"{name}：" + "；".join(parts)


def _fmt(value) -> str:
    return "" if value is None else (f"{value:f}" if not isinstance(value, int) else str(value))


def compare(old: Assessment, new: Assessment, base: str, head: str) -> Diff:
    diff = Diff(base, head)
    po, pn = old.bureau.people, new.bureau.people
    diff.roster += [f"新增 {pn[i].name}（警号 {i}，{pn[i].position}）" for i in pn if i not in po]
    diff.roster += [f"删除 {po[i].name}（警号 {i}）" for i in po if i not in pn]
    for i in pn:
        if i in po:
            for label, attr in (("姓名", "name"), ("职务", "position"), ("职级", "rank"), ("出生年月", "birth"),
                                ("入职", "joined"), ("离开", "left")):
                if getattr(po[i], attr) != getattr(pn[i], attr):
                    diff.roster.append(f"{pn[i].name}（警号 {i}）{label} {_arrow(getattr(po[i], attr), getattr(pn[i], attr))}")
    for quarter in sorted(set(old.results) | set(new.results)):
        qd = _quarter(old, new, quarter)
        if qd.people or qd.ledgers or qd.decision:
            diff.quarters.append(qd)
    return diff


def _quarter(old: Assessment, new: Assessment, quarter: Quarter) -> QuarterDiff:
    qd = QuarterDiff(quarter)
    ro = {r.entry.person_id: r for r in old.results.get(quarter, ())}
    rn = {r.entry.person_id: r for r in new.results.get(quarter, ())}
    for pid in [*rn, *(p for p in ro if p not in rn)]:
        changes = person_changes(ro.get(pid), rn.get(pid), old, new)
        if changes:
            r = rn.get(pid) or ro.get(pid)
            qd.people.append(PersonChange(_unit(new if pid in rn else old, r.entry.unit_id), r.entry.name, pid, changes))
    units = dict.fromkeys([*new.bureau.units, *old.bureau.units])
    for unit_id in units:
        line = _ledger_line(old, new, unit_id, old.unit_ledgers.get((unit_id, quarter)),
                            new.unit_ledgers.get((unit_id, quarter)))
        if line:
            qd.ledgers.append(line)
    line = _ledger_line(old, new, "", old.bureau_ledgers.get(quarter), new.bureau_ledgers.get(quarter))
    if line:
        qd.ledgers.append(line)
    do, dn = old.decided(quarter), new.decided(quarter)
    if do != dn:
        qd.decision.append("新增局党委审定记录" if dn else "删除局党委审定记录")
    return qd


def as_text(diff: Diff) -> str:
    if diff.empty:
        return f"{diff.base} → {diff.head}：考核结果没有变化。\n"
    lines = [f"{diff.base} → {diff.head} 的考核结果变化："]
    if diff.roster:
        lines.append("\n花名册：")
        lines += [f"  {item}" for item in diff.roster]
    for qd in diff.quarters:
        lines.append(f"\n{qd.quarter.zh}（{qd.quarter}）：")
        lines += [f"  {item}" for item in qd.decision]
        for p in qd.people:
            lines.append(f"  {p.unit} {p.name}（警号 {p.person_id}）：" + "；".join(p.changes))
        if qd.ledgers:
            lines.append("  “好”等次名额：")
            lines += [f"    {item}" for item in qd.ledgers]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def as_markdown(diff: Diff) -> str:
    if diff.empty:
        return f"**{diff.base} → {diff.head}**：考核结果没有变化。\n"
    lines = [f"## 考核结果变化（{diff.base} → {diff.head}）"]
    if diff.roster:
        lines += ["", "### 花名册", ""] + [f"- {_md(item)}" for item in diff.roster]
    for qd in diff.quarters:
        lines += ["", f"### {qd.quarter.zh}", ""]
        lines += [f"- {_md(item)}" for item in qd.decision]
        if qd.people:
            lines += ["| 单位 | 姓名 | 警号 | 变化 |", "| --- | --- | --- | --- |"]
            lines += [f"| {_md(p.unit)} | {_md(p.name)} | {p.person_id} | {_md('；'.join(p.changes))} |" for p in qd.people]
        if qd.ledgers:
            lines += ["", "**“好”等次名额**", ""] + [f"- {_md(item)}" for item in qd.ledgers]
    return "\n".join(lines) + "\n"
