"""``kaohe open 2026Q2``: create a quarter's files, every field to fill present and empty.

One file per unit under ``records/2026/Q2/units/`` lists everyone on the roster for any month
of the quarter, in the unit the roster (``unit``) or the previous quarter puts him or her, with
the months he or she belongs to the bureau; an empty ``decision.yaml`` waits for the committee.
Nothing existing is overwritten: a re-run after a roster change adds the new people to their
unit's file and reports the people no longer on the roster, deleting nothing. Every file is
prepared in memory first and written atomically, so a failure leaves nothing half-written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs.engine.calendar import calendar_of
from kaohe_docs.model import Bureau, Person, Quarter
from kaohe_docs.records.policy import Policy

GRADES = "好/较好/一般/较差"


@dataclass
class Opened:
    created: list[str] = field(default_factory=list)  # files written new
    extended: dict[str, list[str]] = field(default_factory=dict)  # existing file → people added
    gone: list[str] = field(default_factory=list)  # listed in the quarter but no longer on the roster
    unplaced: list[str] = field(default_factory=list)  # on the roster without a unit: nothing written for them

    @property
    def changed(self) -> bool:
        return bool(self.created or self.extended)


def _previous_unit(bureau: Bureau, person: Person, quarter: Quarter) -> str | None:
    for q in sorted((q for q in bureau.quarters if q < quarter), reverse=True):
        for uq in bureau.quarters[q].units.values():
            if any(e.person_id == person.id for e in uq.entries):
                return uq.unit_id
    return None


def placement(bureau: Bureau, person: Person, quarter: Quarter) -> tuple[str | None, str | None]:
    """(unit id, note): the roster's unit, else the unit of the latest earlier quarter; a move is noted."""
    previous = _previous_unit(bureau, person, quarter)
    unit = person.unit or previous
    note = None
    if person.unit and previous and previous != person.unit and previous in bureau.units:
        note = f"由{bureau.units[previous].name}调入"
    return unit, note


def deadline_text(policy: Policy, quarter: Quarter) -> str:
    deadline = calendar_of(policy).submission_deadline(quarter, policy.submission_day, policy.extend_to_workday)
    if deadline is None:
        return f"次月 {policy.submission_day} 日（遇节假日顺延；日历缺少该年数据）"
    return str(deadline)


def _person_text(person: Person, quarter: Quarter, policy: Policy, note: str | None) -> list[str]:
    months = person.months_in(quarter)
    maxima = "、".join(f"{k} {v:f}" for k, v in policy.elements.items())
    lines = [f'  - id: "{person.id}"', f"    name: {person.name}",
             "    summary:        # 个人小结：本人填写",
             f"    common:         # 共性得分：所室队评分（满分 {maxima}）"]
    lines += [f"      {element}:" for element in policy.elements]
    lines.append("    monthly:        # 月度绩效考评得分：kaohe import monthly 导入，或所室队填写")
    lines += [f"      {m}:" for m in months]
    lines.append(f"    suggested:      # 建议等次（{GRADES}）：所室队主要领导")
    if note:
        lines.append(f"    note: {note}")
    return lines


def unit_file_text(bureau: Bureau, policy: Policy, quarter: Quarter, unit_id: str, people) -> str:
    unit = bureau.units[unit_id]
    lines = [
        f"# {unit.name} {quarter.zh}平时考核记录（kaohe open 生成）",
        f"# 留空的项目由所室队填写，{deadline_text(policy, quarter)} 前报送考核办；kaohe status {quarter} 查看还缺什么。",
        "# 空着的项目是“待填写”，不是错误；填了但不合规定的值才是错误（kaohe check 指出行号）。",
        f"unit: {unit_id}", f"quarter: {quarter}",
        f"submitted:          # 报送考核办的日期，如 {_after(quarter, 9)}（所室队）",
        "leader:             # 所室队主要领导姓名",
        "people:",
    ]
    for person, note in people:
        lines += _person_text(person, quarter, policy, note)
    return "\n".join(lines) + "\n"


def _after(quarter: Quarter, day: int) -> str:
    """A day of the month after the quarter (2027Q1 → 2027-04-09): the examples in the comments open writes."""
    year, month = (quarter.year + 1, 1) if quarter.q == 4 else (quarter.year, quarter.months[2] + 1)
    return f"{year}-{month:02d}-{day:02d}"


def decision_text(quarter: Quarter) -> str:
    meeting = _after(quarter, 14)
    return (f"# 局党委（考核委）对{quarter.zh}平时考核的审定记录：审定会议后由考核办填写，格式见 docs/records.md。\n"
            f"# quarter: {quarter}\n# meeting_date: {meeting}\n# minutes: 局党委会议纪要〔{meeting[:4]}〕8号\n"
            "# changes: []      # 等次与建议等次不同的人员\n# additions: []    # 党委在推荐人选之外确定的“好”\n"
            f"# publicity_start: {_after(quarter, 15)}\n")


def plan_open(root: Path, bureau: Bureau, policy: Policy, quarter: Quarter) -> tuple[Opened, dict[str, str]]:
    """What ``kaohe open`` would write: (report, file → new text)."""
    opened, texts = Opened(), {}
    base = f"records/{quarter.path}"
    records = bureau.quarters.get(quarter)
    listed = {e.person_id: e for e in bureau.entries(quarter)} if records else {}
    new_by_unit: dict[str, list] = {}
    for person in bureau.people.values():
        if not person.on_roster(quarter) or person.id in listed:
            continue
        unit_id, note = placement(bureau, person, quarter)
        if unit_id is None or unit_id not in bureau.units:
            opened.unplaced.append(f"{person.name}（警号 {person.id}）")
            continue
        new_by_unit.setdefault(unit_id, []).append((person, note))
    for pid, entry in listed.items():
        current = bureau.people.get(pid)
        if current is None or not current.on_roster(quarter):
            opened.gone.append(f"{entry.name}（警号 {pid}，{entry.src.file}）")
    for unit in sorted(bureau.units.values(), key=lambda u: u.order):
        rel = f"{base}/units/{unit.id}.yaml"
        people = new_by_unit.get(unit.id, [])
        if not (root / rel).exists():
            if people:
                texts[rel] = unit_file_text(bureau, policy, quarter, unit.id, people)
                opened.created.append(rel)
        elif people:
            texts[rel] = _append_people(root / rel, quarter, policy, people)
            opened.extended[rel] = [f"{p.name}（警号 {p.id}）" for p, _ in people]
    if texts and not (root / f"{base}/decision.yaml").exists() and not (records and records.decision):
        texts[f"{base}/decision.yaml"] = decision_text(quarter)
        opened.created.append(f"{base}/decision.yaml")
    return opened, texts


def _append_people(path: Path, quarter: Quarter, policy: Policy, people) -> str:
    """The file with the new people added at the end of its ``people:`` list (nothing else changes)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    from kaohe_docs.records import roundtrip as rtyaml
    doc, style = rtyaml.load(path)
    if doc.get("people") is None:
        doc["people"] = CommentedSeq()
    for person, note in people:
        item = CommentedMap()
        item["id"] = rtyaml.quoted(person.id)
        item["name"] = person.name
        item["summary"] = None
        item["common"] = CommentedMap((e, None) for e in policy.elements)
        item["monthly"] = CommentedMap((m, None) for m in person.months_in(quarter))
        item["suggested"] = None
        if note:
            item["note"] = note
        doc["people"].append(item)
    return rtyaml.dump(doc, style)


def write(root: Path, texts: dict[str, str]) -> None:
    from kaohe_docs.records import roundtrip as rtyaml
    for rel in texts:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
    for rel, text in texts.items():
        rtyaml.write_atomic(root / rel, text)

