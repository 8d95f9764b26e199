"""Who is assessed where: roster, units, one body per person per quarter."""
from __future__ import annotations

from kaohe_docs.checks.base import Findings, err, warn, who
from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.model import Src


def quarters_start_at_q1(a: Assessment) -> Findings:
    """A year's quarters are recorded from Q1 on without a gap (the quota is cumulative)."""
    for quarter in a.bureau.quarters:
        for q in range(1, quarter.q):
            if not any(k.year == quarter.year and k.q == q for k in a.bureau.quarters):
                yield err(Src(f"records/{quarter.path}", 0),
                          f"有 {quarter} 的记录，却缺少 {quarter.year}Q{q}：“好”等次名额按季度累计，不能跳过季度")


def unit_is_known(a: Assessment) -> Findings:
    """Every unit file of a quarter belongs to a unit listed in records/units.yaml."""
    for records in a.bureau.quarters.values():
        for unit_id, uq in records.units.items():
            if unit_id not in a.bureau.units:
                yield err(uq.src, f"单位代码“{unit_id}”不在 records/units.yaml 中")


def person_on_roster(a: Assessment) -> Findings:
    """Every person in a unit file is on the roster, under the roster's name, and in the bureau that quarter (warning)."""
    for results in a.results.values():
        for r in results:
            if r.person is None:
                yield err(r.entry.src, f"警号“{r.entry.person_id}”（{r.entry.name}）不在花名册 records/roster.yaml 中")
            elif r.entry.name and r.entry.name != r.person.name:
                yield err(r.entry.at("name"), f"警号“{r.entry.person_id}”在花名册中是“{r.person.name}”，这里写的是“{r.entry.name}”")
            elif not r.person.on_roster(r.entry.quarter):
                yield warn(r.entry.src, f"{who(r)}按花名册在 {r.entry.quarter} 不在本局（入职 {r.person.joined or '—'}，离开 {r.person.left or '—'}）")


def one_unit_per_quarter(a: Assessment) -> Findings:
    """Each person is assessed by exactly one unit per quarter."""
    for results in a.results.values():
        first: dict[str, Result] = {}
        for r in results:
            pid = r.entry.person_id
            if pid in first:
                other = first[pid].entry
                yield err(r.entry.src, f"{who(r)}在同一季度出现了两次：{other.src.file}:{other.src.line} 已有此人；每人每季度只能由一个单位考核")
            else:
                first[pid] = r


def everyone_on_roster_is_recorded(a: Assessment) -> Findings:
    """Everyone on the roster in a quarter appears in some unit's file of that quarter."""
    for quarter, results in a.results.items():
        if a.bureau.quarters[quarter].incomplete:
            continue
        seen = {r.entry.person_id for r in results}
        for person in a.bureau.people.values():
            if person.on_roster(quarter) and person.id not in seen:
                yield err(person.src, f"{person.name}（警号 {person.id}）在花名册中，但 {quarter} 没有出现在任何所室队的记录中"
                                      "（如由外单位考核或不确定等次，也须在所在单位记录中注明）")


def roster_unit_is_known(a: Assessment) -> Findings:
    """A unit named for a person on the roster (where `kaohe open` puts them) is in records/units.yaml."""
    for person in a.bureau.people.values():
        if person.unit is not None and person.unit not in a.bureau.units:
            yield err(person.src, f"{person.name}（警号 {person.id}）的单位代码“{person.unit}”不在 records/units.yaml 中")


def unit_aliases_are_unique(a: Assessment) -> Findings:
    """Unit names and short names (aliases) are unique, so a spreadsheet's unit column is unambiguous."""
    seen: dict[str, str] = {}
    for unit in a.bureau.units.values():
        for name in (unit.name, *unit.aliases):
            if name in seen and seen[name] != unit.id:
                yield err(unit.src, f"单位名称或简称“{name}”同时属于“{seen[name]}”和“{unit.id}”，导入表格时无法区分")
            seen.setdefault(name, unit.id)
