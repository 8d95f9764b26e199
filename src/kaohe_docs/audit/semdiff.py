"""Semantic diff for reviewers: what an edit does to scores, grades and quotas.

Raw YAML diffs show lines; the committee needs consequences ("moves 李某 from 较好 to 好 and
uses the unit's last place"). ``compare(old, new)`` returns the changes per quarter; the
renderers write them as plain text (terminal) or Markdown (pull-request comment).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kaohe_docs.documents.formatting import grade_text, number
from kaohe_docs.documents.record import appeal_text, common_label, entry_fields, field_change, field_changes
from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.model import Quarter


@dataclass
class PersonChange:
    unit: str
    name: str
    person_id: str
    changes: list[str]


@dataclass
class UnitDecision:
    """One unit's part of a committee decision (优秀等次比例使用申报表, in words)."""

    unit: str
    recommended: list[str]
    approved: list[str]
    rejected: list[str]  # still use the unit's places
    additions: list[str]  # use none
    ledger: dict[str, str]  # label → "before → after" or value


@dataclass
class GradeOverride:
    """A person whose decided grade differs from the unit's suggestion."""

    unit: str
    name: str
    person_id: str
    suggested: str
    decided: str
    reason: str


@dataclass
class Decision:
    summary: str  # 新增/修改/删除 局党委审定记录（会议 …）
    units: list[UnitDecision] = field(default_factory=list)
    overrides: list[GradeOverride] = field(default_factory=list)


@dataclass
class QuarterDiff:
    quarter: Quarter
    people: list[PersonChange] = field(default_factory=list)
    ledgers: list[str] = field(default_factory=list)
    decision: Decision | None = None


@dataclass
class PathChange:
    """A changed file outside the records the semantic diff reads (or an unexpected one inside)."""

    status: str  # 新增 / 修改 / 删除 / 改名
    path: str
    note: str  # what it is
    warn: bool  # deserves the committee's attention


@dataclass
class Diff:
    base: str
    head: str
    roster: list[str] = field(default_factory=list)
    quarters: list[QuarterDiff] = field(default_factory=list)
    files: list[PathChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.roster and not self.quarters and not self.files

    @property
    def results_unchanged(self) -> bool:
        return not self.roster and not self.quarters


def _arrow(old, new) -> str:
    return f"{old or '（空）'} → {new or '（空）'}"


def _unit(a: Assessment, unit_id: str) -> str:
    return a.bureau.unit_name(unit_id)


def person_changes(old: Result | None, new: Result | None, a_old: Assessment, a_new: Assessment) -> list[str]:
    """One person's changes: every printed field of the record (``documents.record.entry_fields``, the
    description the lock and ``kaohe log`` use), then what follows from them — total, band, grades, 复核."""
    if old is None:
        assert new is not None, "a person compared is in the old results, the new ones or both"
        return [f"新增记录（{new.entry.status.value}）" + (f"，总分 {number(new.score.total, a_new.policy)}" if new.score else "")
                + (f"，建议等次 {new.entry.suggested.value}" if new.entry.suggested else "")]
    if new is None:
        return ["删除记录"]
    out = []
    eo, en = old.entry, new.entry
    if eo.unit_id != en.unit_id:
        out.append(f"单位 {_arrow(_unit(a_old, eo.unit_id), _unit(a_new, en.unit_id))}")
    # an element scored from items (on either side): its score first, then the item changes that explain it
    fo, fn = entry_fields(eo), entry_fields(en)
    es_old, es_new = (old.score.elements if old.score else {}), (new.score.elements if new.score else {})
    for element in dict.fromkeys([*es_old, *es_new]):
        before, after = es_old.get(element), es_new.get(element)
        if (element in eo.common) != (element in en.common) and before is not None and after is not None:
            # typed total ↔ items: one line says so (not a "deleted" score), with the score kept or changed
            ways = ("直接填写", "按指标项目计分") if element in eo.common else ("按指标项目计分", "直接填写")
            score = f"{after:f} 分不变" if before == after else f"{before:f} → {after:f}"
            out.append(f"共性“{element}”由{ways[0]}改为{ways[1]}（{score}）")
            fo.pop(common_label(element), None)
            fn.pop(common_label(element), None)
        elif (element not in eo.common or element not in en.common) and before != after:
            out.append(f"共性“{element}”（按指标项目计分） {_arrow(before, after)}")
    out += field_changes(fo, fn)
    so, sn = old.score, new.score
    total = field_change("总分", number(so.total, a_old.policy) if so else "", number(sn.total, a_new.policy) if sn else "")
    if total:
        band = f"（分数段 {_arrow(so.band.value, sn.band.value)}）" if so and sn and so.band != sn.band else ""
        out.append(total + band)
    appeal = field_change("复核", appeal_text(old.appeal), appeal_text(new.appeal))
    if appeal:
        out.append(appeal)
    if old.final != new.final:  # a decision added or removed is described once, by the decision itself
        if old.decided is not None and new.decided is not None:
            label = "复核后等次" if old.decided == new.decided else "审定等次"
        elif new.appeal is not None or old.appeal is not None:
            label = "复核后等次"
        else:  # a grade not decided here (外单位考核)
            label = "" if (old.decided is None) != (new.decided is None) else "等次"
        line = field_change(label, grade_text(old.final), grade_text(new.final)) if label else None
        if line:  # never None here: the finals differ
            out.append(line)
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
            r = rn[pid] if pid in rn else ro[pid]
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
    qd.decision = _decision(old, new, quarter)
    return qd


def _decision_key(a: Assessment, quarter: Quarter):
    records = a.bureau.quarters.get(quarter)
    d = records.decision if records else None
    if d is None:
        return None
    return (d.meeting_date, d.minutes, {p: (c.grade, c.reason) for p, c in d.changes.items()},
            {p: (c.grade, c.reason) for p, c in d.additions.items()})


def _decision(old: Assessment, new: Assessment, quarter: Quarter) -> Decision | None:
    """What a committee decision does, per unit, when the decision record was added or changed."""
    ko, kn = _decision_key(old, quarter), _decision_key(new, quarter)
    if ko == kn:
        return None
    if kn is None:
        return Decision(f"删除局党委审定记录（原会议 {ko[0]}，纪要 {ko[1]}）")
    verb = "新增" if ko is None else "修改"
    out = Decision(f"{verb}局党委审定记录（会议 {kn[0]}，纪要 {kn[1]}）")
    names = {r.entry.person_id: r for r in new.results.get(quarter, ())}

    def who(ids):
        return [names[i].entry.name if i in names else i for i in ids]

    units = dict.fromkeys([*new.bureau.units, *old.bureau.units])
    for unit_id in units:
        rn, ro = new.unit_ledgers.get((unit_id, quarter)), old.unit_ledgers.get((unit_id, quarter))
        if rn is None or not (rn.recommended or rn.additions or rn.rejected):
            continue
        out.units.append(UnitDecision(_unit(new, unit_id), who(rn.recommended), who(rn.approved), who(rn.rejected),
                                      who(rn.additions), _ledger_fields(ro, rn)))
    rb = new.bureau_ledgers.get(quarter)
    if rb is not None:  # the bureau's row: how many, the names are in the units' rows
        def count(attr):
            n = sum(len(getattr(r, attr)) for (u, q), r in new.unit_ledgers.items() if q == quarter)
            return [f"{n} 人"] if n else []
        out.units.append(UnitDecision("全局", count("recommended"), count("approved"), count("rejected"),
                                      count("additions"), _ledger_fields(old.bureau_ledgers.get(quarter), rb)))
    d = new.bureau.quarters[quarter].decision
    assert d is not None, "kn is not None: the new records have a decision"
    for r in new.results.get(quarter, ()):
        if r.decided is not None and r.decided != r.entry.suggested:
            change = d.changes.get(r.entry.person_id) or d.additions.get(r.entry.person_id)
            out.overrides.append(GradeOverride(_unit(new, r.entry.unit_id), r.entry.name, r.entry.person_id,
                                               grade_text(r.entry.suggested) or "—", grade_text(r.decided),
                                               (("党委增加：" if r.addition else "") + change.reason) if change else ""))
    return out


LEDGER_FIELDS = (("上季结转", "carry_in"), ("本季可用", "available"), ("可报", "allowed"), ("使用", "used"),
                 ("结转下季", "carry_out"))


def _ledger_fields(ro, rn) -> dict[str, str]:
    out = {}
    for label, attr in LEDGER_FIELDS:
        vo, vn = (getattr(ro, attr) if ro else None), getattr(rn, attr)
        out[label] = _fmt(vn) if ro is None or vo == vn else f"{_fmt(vo)} → {_fmt(vn)}"
    return out


# --- changed files outside the records -------------------------------------------------------------------

_KINDS = (
    ("templates/", "⚠ 模板：改变正式文书的版式和措辞", True),
    ("policy/", "⚠ 政策：可能改变每个人的得分、等次和名额", True),
    (".githooks/", "⚠ 钩子：提交或推送时在本机或服务器上执行的程序", True),
    ("server-hooks/", "⚠ 钩子：提交或推送时在本机或服务器上执行的程序", True),
    (".gitlab-ci.yml", "⚠ CI 配置：在服务器上执行的程序", True),
    (".github/", "⚠ CI 配置：在服务器上执行的程序", True),
    ("fonts/", "⚠ 字体：改变正式文书的排版", True),
    (".gitignore", "⚠ 忽略规则：可能让文件不再被记录", True),
)
_CACHE = (".cache", "__pycache__", "build", ".venv", "node_modules", ".pytest_cache")
_DOCS = ("README", "docs/")


def classify(status: str, path: str, binary: bool) -> PathChange | None:
    """A changed path → what to tell the committee; None for an ordinary record file."""
    parts = path.split("/")
    if any(p in _CACHE or p.endswith(".pyc") for p in parts[:-1]) or parts[-1].endswith((".pyc", ".pickle", ".pkl")):
        return PathChange(status, path, "⚠ 缓存或生成的文件，不应提交（请从提交中删除并加入 .gitignore）", True)
    if binary and not path.startswith("fonts/"):
        return PathChange(status, path, "⚠ 二进制文件：内容无法审阅，不应出现在记录库中", True)
    if path.startswith("records/"):
        if path.endswith(".yaml"):
            return None
        return PathChange(status, path, "⚠ 意外的文件：记录目录中只应有 YAML 记录", True)
    for prefix, note, warn in _KINDS:
        if path == prefix or path.startswith(prefix):
            return PathChange(status, path, note, warn)
    if path.startswith(_DOCS) or (path.endswith(".md") and "/" not in path):
        return PathChange(status, path, "说明文档", False)
    return PathChange(status, path, "⚠ 意外的文件：不属于记录、政策或模板", True)


def classify_all(changes: list[tuple[str, str, bool]]) -> list[PathChange]:
    return [c for c in (classify(*x) for x in changes) if c is not None]


FILES_TITLE = "记录以外的改动（模板、政策、钩子、CI 和意外的文件会改变文书或在服务器上执行，请逐一核对）"


def _names(items: list[str]) -> str:
    return "、".join(items) if items else "—"


def as_text(diff: Diff) -> str:
    if diff.empty:
        return f"{diff.base} → {diff.head}：考核结果没有变化。\n"
    if diff.results_unchanged:
        lines = [f"{diff.base} → {diff.head}：考核结果没有变化，但有记录以外的改动。"]
    else:
        lines = [f"{diff.base} → {diff.head} 的考核结果变化："]
    if diff.files:
        lines.append(f"\n{'⚠ ' if any(f.warn for f in diff.files) else ''}{FILES_TITLE}：")
        lines += [f"  {f.status} {f.path} —— {f.note}" for f in diff.files]
    if diff.roster:
        lines.append("\n花名册：")
        lines += [f"  {item}" for item in diff.roster]
    for qd in diff.quarters:
        lines.append(f"\n{qd.quarter.zh}（{qd.quarter}）：")
        d = qd.decision
        if d is not None:
            lines.append(f"  {d.summary}")
            for u in d.units:
                lines.append(f"  {u.unit}：推荐 {_names(u.recommended)}；通过 {_names(u.approved)}；"
                             f"未通过（仍占名额） {_names(u.rejected)}；党委增加（不占名额） {_names(u.additions)}")
                lines.append("    名额：" + "，".join(f"{k} {v}" for k, v in u.ledger.items()))
            if d.overrides:
                lines.append("  审定等次与建议不同：")
                lines += [f"    {o.unit} {o.name}（警号 {o.person_id}）：建议 {o.suggested} → 审定 {o.decided}"
                          + (f"（{o.reason}）" if o.reason else "") for o in d.overrides]
            else:
                lines.append("  审定等次与各单位建议全部一致。")
        for p in qd.people:
            lines.append(f"  {p.unit} {p.name}（警号 {p.person_id}）：" + "；".join(p.changes))
        if qd.ledgers:
            lines.append("  “好”等次名额：")
            lines += [f"    {item}" for item in qd.ledgers]
    return "\n".join(lines) + "\n"


_MD_SPECIAL = set("\\`*_[]<>|~#")


def _md(text: str) -> str:
    """Plain text inside GitHub-flavoured Markdown (and table cells): punctuation escaped, no line breaks."""
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in " ".join(str(text).split()))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A GFM table, with the blank line before and after that it needs to be a table."""
    out = ["", "| " + " | ".join(_md(h) for h in header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(_md(c) if c != "" else "—" for c in row) + " |" for row in rows]
    return out + [""]


def as_markdown(diff: Diff) -> str:
    if diff.empty:
        return f"**{_md(diff.base)} → {_md(diff.head)}**：考核结果没有变化。\n"
    title = "考核结果没有变化，但有记录以外的改动" if diff.results_unchanged else "考核结果变化"
    lines = [f"## {title}（{_md(diff.base)} → {_md(diff.head)}）", ""]
    if diff.files:
        warn = any(f.warn for f in diff.files)
        lines += [f"### {'⚠️ ' if warn else ''}记录以外的改动", ""]
        if warn:
            lines += ["> **警告**：以下改动不在考核记录中，会改变正式文书或在电脑、服务器上执行程序，合并前请逐一核对。", ""]
        lines += _table(["改动", "路径", "说明"], [[f.status, f.path, f.note] for f in diff.files])
    if diff.roster:
        lines += ["### 花名册", ""] + [f"- {_md(item)}" for item in diff.roster] + [""]
    for qd in diff.quarters:
        lines += [f"### {qd.quarter.zh}（{qd.quarter}）", ""]
        d = qd.decision
        if d is not None:
            lines += [f"**{_md(d.summary)}**", ""]
            if d.units:
                lines += _table(["单位", "推荐", "审定通过", "未通过（仍占名额）", "党委增加（不占名额）",
                                 *(label for label, _ in LEDGER_FIELDS)],
                                [[u.unit, _names(u.recommended), _names(u.approved), _names(u.rejected),
                                  _names(u.additions), *u.ledger.values()] for u in d.units])
            if d.overrides:
                lines += ["**审定等次与建议不同**", ""]
                lines += _table(["单位", "姓名", "警号", "建议等次", "审定等次", "理由"],
                                [[o.unit, o.name, o.person_id, o.suggested, o.decided, o.reason] for o in d.overrides])
            else:
                lines += ["审定等次与各单位建议全部一致。", ""]
        if qd.people:
            lines += ["**人员变化**", ""]
            lines += _table(["单位", "姓名", "警号", "变化"],
                            [[p.unit, p.name, p.person_id, "；".join(p.changes)] for p in qd.people])
        if qd.ledgers:
            lines += ["**“好”等次名额**", ""] + [f"- {_md(item)}" for item in qd.ledgers] + [""]
    tidy = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]  # one blank line between blocks
    while tidy and tidy[-1] == "":
        tidy.pop()
    return "\n".join(tidy) + "\n"
