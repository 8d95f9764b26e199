"""``kaohe log PERSON``: one person's records through the history of the repository.

Each commit that touched records/ is read (parsed files are cached by blob id, so an
unchanged file is never parsed twice); the person is found by 警号 wherever his or her
record lives, so moves between units and renamed files are followed naturally.
"""
from __future__ import annotations

from dataclasses import dataclass

from kaohe_docs.audit.gitrepo import SYMLINK_MODE, CommitInfo, info
from kaohe_docs.documents.formatting import indicator_fields
from kaohe_docs.model import Quarter
from kaohe_docs.records.readers import read_appeals, read_decision, read_roster, read_unit_quarter
from kaohe_docs.records.yamlio import decode, parse


@dataclass
class Event:
    commit: CommitInfo
    changes: list[str]


class _Blobs:
    """Typed reading of blobs, cached by blob id."""

    def __init__(self):
        self.cache: dict = {}

    def read(self, blob, path: str, reader, *args):
        key = (blob.hexsha, reader.__name__, args)
        if key not in self.cache:
            text, _ = decode(blob.data_stream.read(), path)
            tree, _ = parse(text, path) if text is not None else (None, [])
            self.cache[key] = reader(tree, path, *args)[0] if tree is not None else None
        return self.cache[key]


def _snapshot(commit, pre: str, person_id: str, blobs: _Blobs) -> dict:
    """Everything recorded about one person at one commit, as comparable text."""
    snap: dict[str, str] = {}
    try:
        records = commit.tree / f"{pre}records"
    except KeyError:
        return snap
    roster = _blob(records, "roster.yaml")
    if roster is not None:
        people = blobs.read(roster, "records/roster.yaml", read_roster) or {}
        if person_id in people:
            p = people[person_id]
            snap["花名册"] = f"{p.name}，{p.gender}，{p.birth}，{p.position}（{p.rank}）"
    for year in (t for t in records.trees if t.name.isdigit()):
        for qdir in year.trees:
            quarter = Quarter.parse(f"{year.name}{qdir.name}")
            if quarter is None:
                continue
            _quarter_snapshot(snap, qdir, quarter, person_id, blobs)
    return snap


def _blob(tree, name: str):
    """The entry ``name`` of ``tree``; a symlink counts as absent (its target is never read)."""
    try:
        entry = tree / name
    except KeyError:
        return None
    return None if entry.mode == SYMLINK_MODE else entry


def _quarter_snapshot(snap: dict, qdir, quarter: Quarter, person_id: str, blobs: _Blobs) -> None:
    units = _blob(qdir, "units")
    for blob in (units.blobs if units is not None else ()):
        if not blob.name.endswith(".yaml") or blob.mode == SYMLINK_MODE:
            continue
        path = f"records/{quarter.path}/units/{blob.name}"
        uq = blobs.read(blob, path, read_unit_quarter, blob.name[:-5], quarter)
        for entry in (uq.entries if uq else ()):
            if entry.person_id == person_id:
                _entry_fields(snap, str(quarter), path, entry)
    recorded = f"{quarter} 记录文件" in snap
    decision = _blob(qdir, "decision.yaml")
    if decision is not None:
        d = blobs.read(decision, f"records/{quarter.path}/decision.yaml", read_decision, quarter)
        change = d and (d.changes.get(person_id) or d.additions.get(person_id))
        if change:
            kind = "党委增加" if person_id in d.additions else "审定改为"
            snap[f"{quarter} 审定"] = f"{kind}“{change.grade.value}”（{change.reason}；{d.meeting_date} 会议）"
        elif d and recorded and f"{quarter} 建议等次" in snap:
            snap[f"{quarter} 审定"] = f"同建议等次“{snap[f'{quarter} 建议等次']}”（{d.meeting_date} 会议）"
    appeals = _blob(qdir, "appeals.yaml")
    if appeals is not None:
        found = blobs.read(appeals, f"records/{quarter.path}/appeals.yaml", read_appeals, quarter) or {}
        appeal = found.get(person_id)
        if appeal is not None:
            snap[f"{quarter} 复核申请"] = f"{appeal.received} 收到：{appeal.grounds}"
            if appeal.outcome:
                grade = f"为“{appeal.grade.value}”" if appeal.outcome == "改变" and appeal.grade else ""
                snap[f"{quarter} 复核结论"] = (f"{appeal.outcome}{grade}" + (f"（{appeal.reason}）" if appeal.reason else "")
                                            + (f"，{appeal.replied} 答复" if appeal.replied else ""))


def _entry_fields(snap: dict, q: str, path: str, e) -> None:
    snap[f"{q} 记录文件"] = path
    snap[f"{q} 考核方式"] = e.status.value
    for name, value in e.common.items():
        snap[f"{q} 共性“{name}”"] = f"{value:f}"
    snap.update({f"{q} {label}": value for label, value in indicator_fields(e).items()})
    for month, value in e.monthly.items():
        snap[f"{q} {month}月绩效"] = f"{value:f}"
    for b in e.bonuses:
        snap[f"{q} 加分“{b.item}（{b.deed}）”"] = b.status + (f"，{b.points:f} 分" if b.points is not None else "")
    if e.suggested:
        snap[f"{q} 建议等次"] = e.suggested.value
    if e.summary:
        snap[f"{q} 个人小结"] = e.summary
    if e.ungraded_reason:
        snap[f"{q} 不确定等次"] = e.ungraded_reason
    if e.external:
        snap[f"{q} 外单位考核"] = f"{e.external.body}：{e.external.grade.value if e.external.grade else '—'}"


def _group(key: str) -> str:
    return key.split(" ", 1)[0]


def _describe(old: dict, new: dict) -> list[str]:
    """Field-level changes; a quarter's record that appears or disappears whole is one line."""
    out, whole = [], set()
    for group in dict.fromkeys(_group(k) for k in [*old, *new]):
        before = {k for k in old if _group(k) == group}
        after = {k for k in new if _group(k) == group}
        if before and not after:
            whole.add(group)
            out.append(f"{group}：记录删除（原在 {old.get(f'{group} 记录文件', '花名册')}）")
        elif after and not before:
            whole.add(group)
            detail = "，".join(f"{k.split(' ', 1)[1]} {new[k]}" for k in (f"{group} 考核方式", f"{group} 建议等次", f"{group} 审定") if k in new)
            out.append(f"{group}：新增记录（{new.get(f'{group} 记录文件', new.get(group, ''))}{'，' + detail if detail else ''}）")
    for key in dict.fromkeys([*old, *new]):
        if _group(key) in whole:
            continue
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key.endswith("个人小结"):
            out.append(f"{key}有修改" if before and after else (f"{key}已填写" if after else f"{key}已删除"))
        elif before is None:
            out.append(f"{key}：{after}（新增）")
        elif after is None:
            out.append(f"{key}：{before}（删除）")
        else:
            out.append(f"{key}：{before} → {after}")
    return out


def person_log(repo, pre: str, person_id: str) -> list[Event]:
    blobs = _Blobs()
    events, previous = [], {}
    for commit in repo.iter_commits("HEAD", paths=[f"{pre}records"], reverse=True):
        snap = _snapshot(commit, pre, person_id, blobs)
        changes = _describe(previous, snap)
        if changes:
            events.append(Event(info(commit), changes))
        previous = snap
    return events


def as_text(events: list[Event], title: str) -> str:
    if not events:
        return f"{title}：没有找到任何记录。\n"
    lines = [f"{title}的记录变化（共 {len(events)} 次提交）："]
    for e in events:
        c = e.commit
        lines.append(f"\n{c.date:%Y-%m-%d %H:%M}  {c.author}  {c.short}  “{c.subject}”")
        lines += [f"    {change}" for change in e.changes]
    return "\n".join(lines) + "\n"
