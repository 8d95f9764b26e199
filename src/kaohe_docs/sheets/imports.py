"""Spreadsheets into records: monthly performance scores, the roster (the unit's workbook: ``unitbook``).

Each import first plans (reads the workbook, matches people, collects every problem); only a
plan without errors is applied, file by file, with round-trip writes. Importing the same file
twice changes nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from kaohe_docs.errors import Diagnostic, Place, error, warning
from kaohe_docs.limits import DEFAULT, Limits
from kaohe_docs.model import Bureau, Quarter
from kaohe_docs.records.policy import Policy
from kaohe_docs.records.readers import GENDERS
from kaohe_docs.records.yamlio import forbidden_characters
from kaohe_docs.sheets.workbook import Cell, Row, Table, filled, number, read_tables, text

_MONTH = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:份)?(?:绩效|得分|考评)*\Z")
ROSTER_FIELDS = {"姓名": "name", "性别": "gender", "出生年月": "birth", "职务": "position", "职级": "rank",
                 "入职年月": "joined", "离开年月": "left"}
ROSTER_MONTHS = ("birth", "joined", "left")
ROSTER_UNIT = "单位"  # name, alias or code → the roster's ``unit``
ROSTER_REQUIRED = ("name", "gender", "birth", "position")  # what records.read_roster requires of a person


@dataclass
class Change:
    path: str  # the record file, relative to the records root
    person_id: str
    who: str  # 姓名（单位）
    field: str  # what is shown to the user: "3月绩效", "共性“德”", "职务"
    old: object
    new: object
    key: tuple  # where it goes in the file: ("monthly", 3), ("common", "德"), ("position",)
    value: object = None  # what is written when ``new`` is only its preview (a long text, a list of claims)

    def format(self) -> str:
        old = "（空）" if self.old is None else self.old
        return f"{self.who}：{self.field} {old} → {self.new}"


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    additions: list[dict[str, str]] = field(default_factory=list)  # roster: new people
    notes: list[str] = field(default_factory=list)  # e.g. departures, for the user
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.level == "error" for d in self.diagnostics)


def _header(table: Table, names: tuple[str, ...]) -> str | None:
    return next((h for h in names if h in table.headers), None)


class _People:
    """Who a row means: by 警号 first, else by 姓名 + 单位 (among the people of the quarter)."""

    def __init__(self, bureau: Bureau, quarter: Quarter | None, skip_outside: bool = False):
        self.bureau = bureau
        self.skip_outside = skip_outside
        self.entries = {e.person_id: e for e in bureau.entries(quarter)} if quarter else {}
        self.known = self.entries if quarter else bureau.people
        self.units = unit_names(bureau)

    def unit_name(self, person_id: str) -> str:
        entry = self.entries.get(person_id)
        return self.bureau.unit_name(entry.unit_id) if entry else ""

    def who(self, person_id: str) -> str:
        """“李娜（政工室）”, or “张伟（警号 010003，政工室）” where two people share the name."""
        shown = self.bureau.shown_name(person_id)
        unit = self.unit_name(person_id)
        return f"{shown[:-1]}，{unit}）" if shown.endswith("）") else f"{shown}（{unit}）"

    def find(self, table: Table, row: Row, id_h, name_h, unit_h) -> tuple[str | None, list[Diagnostic]]:
        raw_id = text(row.cells.get(id_h)) if id_h else ""
        name = text(row.cells.get(name_h)) if name_h else ""
        unit = text(row.cells.get(unit_h)) if unit_h else ""
        id_col = row.cells[id_h].column if id_h else None
        if raw_id:
            found = self._by_id(raw_id)
            if found is None:
                return None, [self._outside(table.where(row.number, id_col), f"警号“{raw_id}”（{name}）不在{self._scope()}中")]
            person = self.bureau.people.get(found)
            notes = []
            if found != raw_id:
                notes.append(warning(table.where(row.number, id_col), 0,
                                     f"警号 {raw_id} 在表格中是数字，已按“{found}”匹配（请把该列设为文本格式）"))
            if person and name and person.name != name:
                return None, [error(table.where(row.number, row.cells[name_h].column), 0,
                                    f"警号“{found}”是{person.name}，表格中写的是“{name}”")]
            return found, notes
        if not name:
            return None, [error(table.where(row.number), 0, "没有警号也没有姓名，无法确定是谁")]
        unit_id = None
        if unit:
            unit_id = self.units.get(unit)
            if unit_id is None:
                return None, [error(table.where(row.number, row.cells[unit_h].column), 0, unknown_unit(self.bureau, unit))]
        matches = [pid for pid in self.known if self.bureau.people.get(pid) and self.bureau.people[pid].name == name
                   and (unit_id is None or unit_id == getattr(self.entries.get(pid), "unit_id", None)
                        or (not self.entries and self.bureau.people[pid].unit == unit_id))]
        where = table.where(row.number, row.cells[name_h].column)
        if not matches:
            return None, [self._outside(where, f"“{name}”（{unit or '未写单位'}）不在{self._scope()}中")]
        if len(matches) > 1:
            return None, [error(where, 0, f"“{name}”有 {len(matches)} 人（警号 {'、'.join(matches)}），请填写警号")]
        return matches[0], []

    def _outside(self, where, message: str) -> Diagnostic:
        """A row for someone outside the quarter (a bureau leader in the 绩效 export): listed and skipped
        with a warning when ``skip_outside``, else an error."""
        if self.skip_outside:
            return warning(where, 0, f"{message}，已跳过（--strict 时为错误）")
        return error(where, 0, message)

    def _by_id(self, raw: str) -> str | None:
        if raw in self.known:
            return raw
        if raw.isdigit():  # Excel dropped the leading zeros of a numeric cell
            padded = [pid for pid in self.known if pid.isdigit() and pid.lstrip("0") == raw.lstrip("0")]
            if len(padded) == 1:
                return padded[0]
        return None

    def _scope(self) -> str:
        return "本季度的所室队记录" if self.entries else "花名册"


def unit_names(bureau: Bureau) -> dict[str, str]:
    """Every way a clerk writes a unit (name, code, aliases from units.yaml) → unit id."""
    names: dict[str, str] = {}
    for unit in bureau.units.values():
        for name in (unit.id, unit.name, *unit.aliases):
            names.setdefault(name, unit.id)
    return names


def unknown_unit(bureau: Bureau, text: str) -> str:
    """“刑侦队”不是本局的单位, with the close names (可在 units.yaml 的 aliases 中加简称)."""
    import difflib
    names = unit_names(bureau)
    close = difflib.get_close_matches(text, list(names), n=3, cutoff=0.3)
    close += [n for n in names if (text in n or n in text) and n not in close]
    shown = []
    for unit_id in dict.fromkeys(names[name] for name in close):  # each unit once, closest first
        unit = bureau.units[unit_id]
        shown.append(f"{unit.name}（{'、'.join(unit.aliases)}）" if unit.aliases else unit.name)
    hint = f"相近的有：{'、'.join(shown[:3])}；" if shown else ""
    return (f"单位“{text}”不是本局的所室队（{hint}常用简称可写入 records/units.yaml 该单位的 aliases）")


SUMMARY_ROWS = ("平均", "平均分", "合计", "小计", "总计", "均分")


def summary_row(table: Table, row: Row, id_h, name_h, score_cells) -> str | None:
    """A note when ``row`` is an average/total row (no 警号, a formula or 平均/合计 as its name); else None."""
    if id_h and text(row.cells.get(id_h)):
        return None
    label = text(row.cells.get(name_h)) if name_h else ""
    cells = [c for c in score_cells if filled(c)]
    if label.replace(" ", "") in SUMMARY_ROWS or (cells and all(c.formula for c in cells)):
        return f"{table.where(row.number)}{'“' + label + '”' if label else ''}是公式或汇总行（如平均分），已跳过"
    return None


def _month_of(label: str) -> tuple[int | None, int] | None:
    """“3月” → (None, 3), “2026年3月” → (2026, 3); None when the label is not a month."""
    match = _MONTH.match(label.replace(" ", ""))
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return (int(match.group(1)) if match.group(1) else None), int(match.group(2))


def plan_monthly(path: Path, bureau: Bureau, policy: Policy, quarter: Quarter, strict: bool = False) -> Plan:
    """月度绩效考评: one sheet with month columns, or one sheet per month with a score column.

    Rows for people outside the quarter's unit files (the bureau's leaders are in the performance
    system's export too) are skipped with a warning; ``strict`` makes them errors."""
    plan = Plan()
    h = policy.sheet_headers
    tables, plan.diagnostics = read_tables(path, h["id"] + h["name"], policy.limits)
    people = _People(bureau, quarter, skip_outside=not strict)
    seen: dict[tuple[str, int], str] = {}
    wanted: dict[tuple[str, int], Decimal] = {}
    in_quarter = False
    for table in tables:
        months = list(_month_columns(table, plan, quarter, h["score"]))
        if months:
            in_quarter = True
            _read_months(table, months, people, policy, plan, seen=seen, wanted=wanted)
    if not tables and plan.ok:
        plan.diagnostics.append(error(path.name, 0, f"工作簿中没有可导入的工作表（需要“{h['id'][0]}”或“{h['name'][0]}”列）"))
    elif not in_quarter and plan.ok:
        plan.diagnostics.append(error(path.name, 0, f"工作簿中没有 {quarter} 的月份列"))
    entries = people.entries
    for (pid, month), value in wanted.items():
        old = entries[pid].monthly.get(month)
        if old != value:
            plan.changes.append(Change(entries[pid].src.file, pid, people.who(pid),
                                       f"{month}月绩效", old, value, ("monthly", month)))
    return plan


def _month_columns(table: Table, plan: Plan, quarter: Quarter, score_headers):
    sheet_month = _month_of(table.sheet) if table.sheet else None
    score = _header(table, score_headers)
    if sheet_month and score:
        columns = [(sheet_month, score)]
    else:
        columns = [(m, h) for h in table.headers if (m := _month_of(h))]
    if not columns:
        plan.diagnostics.append(error(table.where(), 0, "找不到月份列（如“1月”）或得分列（如“得分”，工作表名为月份）"))
    for (year, month), header in columns:
        if month not in quarter.months or year not in (None, quarter.year):
            label = f"{year}年{month}月" if year else f"{month}月"
            plan.diagnostics.append(warning(table.where(None, table.headers[header]), 0, f"{label}不属于 {quarter}，已跳过"))
            continue
        yield month, header


def _read_months(table, months, people: _People, policy, plan, *, seen, wanted) -> None:
    h = policy.sheet_headers
    id_h, name_h, unit_h = _header(table, h["id"]), _header(table, h["name"]), _header(table, h["unit"])
    for row in table.rows:
        all_cells = [(month, row.cells.get(header), header) for month, header in months]
        cells = [(m, c) for m, c, _ in all_cells if filled(c)]
        note = summary_row(table, row, id_h, name_h, [c for _, c in cells])
        if note:
            plan.notes.append(note)
            continue
        if not cells:
            continue
        pid, found = people.find(table, row, id_h, name_h, unit_h)
        plan.diagnostics += found
        if pid is not None:
            recorded = people.entries[pid].monthly
            for month, cell, header in all_cells:
                if not filled(cell) and month in recorded:
                    plan.diagnostics.append(warning(table.where(row.number, cell.column if cell else table.headers[header]), 0,
                                                    f"空白，保留记录中{people.bureau.people[pid].name}的{month}月得分 {recorded[month]}"))
        for month, cell in cells:
            value, notes = number(cell, table, row, policy.places, policy.rounding)
            plan.diagnostics += notes
            if pid is None or value is None:
                continue
            where = table.where(row.number, cell.column)
            if not 0 <= value <= policy.monthly_max:
                plan.diagnostics.append(error(where, 0, f"{month}月得分 {value} 超出 0–{policy.monthly_max}"))
            elif (pid, month) in seen:
                plan.diagnostics.append(error(where, 0, f"{people.bureau.people[pid].name}的{month}月得分重复（{seen[(pid, month)]} 已有）"))
            else:
                seen[(pid, month)] = where
                wanted[(pid, month)] = value


def plan_roster(path: Path, bureau: Bureau, policy: Policy) -> Plan:
    plan = Plan()
    ids = policy.sheet_headers["id"]
    tables, plan.diagnostics = read_tables(path, ids, policy.limits)
    if not tables and plan.ok:
        plan.diagnostics.append(error(path.name, 0, f"工作簿中没有可导入的工作表（需要“{ids[0]}”列）"))
        return plan
    listed: set[str] = set()
    for table in tables:
        id_h = _header(table, ids)
        assert id_h is not None, "read_tables keeps only tables whose header row has one of ``ids``"
        for row in table.rows:
            pid = text(row.cells.get(id_h))
            if pid and pid in listed:
                plan.diagnostics.append(error(table.where(row.number, row.cells[id_h].column), 0, f"警号“{pid}”重复"))
                continue
            listed.add(pid)
            person = _roster_row(table, row, id_h, plan, bureau, limits=policy.limits)
            if person is not None:
                _roster_change(bureau, person, plan, table.where(row.number))
    for pid, known in bureau.people.items():
        if pid not in listed and known.left is None:
            plan.notes.append(f"{known.name}（警号 {pid}）在花名册中、不在表格中：如已调离，请在花名册中写明离开年月（left）")
    return plan


def _roster_row(table: Table, row: Row, id_h: str, plan: Plan, bureau: Bureau, *,
                limits: Limits = DEFAULT) -> dict[str, str] | None:
    pid = text(row.cells.get(id_h))
    if not pid:
        plan.diagnostics.append(error(table.where(row.number, row.cells[id_h].column), 0, "缺少警号"))
        return None
    if isinstance(row.cells[id_h].value, (int, float)):
        plan.diagnostics.append(error(table.where(row.number, row.cells[id_h].column), 0,
                                      f"警号 {pid} 是数字格式，可能丢失了开头的 0；请把该列设为文本格式后重新填写"))
        return None
    person = {"id": pid}
    unit_cell = row.cells.get(ROSTER_UNIT)
    if filled(unit_cell):
        unit_id = unit_names(bureau).get(text(unit_cell))
        if unit_id is None:
            plan.diagnostics.append(error(table.where(row.number, unit_cell.column), 0, unknown_unit(bureau, text(unit_cell))))
            return None
        person["unit"] = unit_id
    for header, key in ROSTER_FIELDS.items():
        cell = row.cells.get(header)
        value = text(cell)
        if cell is None or not value:  # an empty cell says nothing: the recorded value stays
            continue
        bad = forbidden_characters(value)
        if bad:  # the same rule as check: such text never enters the records
            plan.diagnostics.append(error(table.where(row.number, cell.column), 0,
                                          f"含有不允许的控制字符或不可见的方向控制字符（{bad}），请删除后重新输入"))
            return None
        if len(value) > limits.text_length(key):
            plan.diagnostics.append(error(table.where(row.number, cell.column), 0, f"“{header}”有 {len(value)} 个字，"
                                          f"超过上限 {limits.text_length(key)} 个字（政策 limits.text.{key}）"))
            return None
        written = _birth(cell, value) if key in ROSTER_MONTHS else value
        if written is None or (key == "gender" and written not in GENDERS):
            problem = f"{header}应写作 1985-07 或 1985.07" if written is None else f"性别“{written}”应为 男 或 女"
            plan.diagnostics.append(error(table.where(row.number, cell.column), 0, problem))
            return None
        person[key] = written
    return person


def _birth(cell: Cell, value: str) -> str | None:
    import datetime as dt
    if isinstance(cell.value, dt.datetime):
        return f"{cell.value.year}-{cell.value.month:02d}"
    match = re.match(r"(\d{4})\D{0,2}(\d{1,2})", value)
    return f"{match.group(1)}-{int(match.group(2)):02d}" if match and 1 <= int(match.group(2)) <= 12 else None


def _roster_change(bureau: Bureau, person: dict[str, str], plan: Plan, where: "Place") -> None:
    existing = bureau.people.get(person["id"])
    if existing is None:
        missing = [header for header, key in ROSTER_FIELDS.items() if key in ROSTER_REQUIRED and not person.get(key)]
        if missing:
            who = f"{person.get('name', '')}（警号 {person['id']}）"
            plan.diagnostics.append(error(where, 0, f"新增人员{who}缺少{'、'.join(missing)}，请补全后再导入"))
        else:
            plan.additions.append(person)
        return
    labels = {v: k for k, v in ROSTER_FIELDS.items()}
    for key in ROSTER_FIELDS.values():
        if key in person and person[key] != getattr(existing, key):
            plan.changes.append(Change("records/roster.yaml", existing.id, bureau.shown_name(existing.id), labels[key],
                                       getattr(existing, key) or None, person[key], (key,)))
    if "unit" in person:  # a transfer: the unit kaohe open puts the person in from now on
        now = existing.unit or latest_unit(bureau, existing.id)
        if person["unit"] != now or (existing.unit is None and now is None):
            plan.changes.append(Change("records/roster.yaml", existing.id, bureau.shown_name(existing.id), "单位",
                                       bureau.unit_name(now) if now else None, bureau.unit_name(person["unit"]),
                                       ("unit",), value=person["unit"]))


def latest_unit(bureau: Bureau, person_id: str) -> str | None:
    """The unit of the person's latest quarter file (where kaohe open puts him when the roster says nothing)."""
    for quarter in sorted(bureau.quarters, reverse=True):
        for entry in bureau.entries(quarter):
            if entry.person_id == person_id:
                return entry.unit_id
    return None
