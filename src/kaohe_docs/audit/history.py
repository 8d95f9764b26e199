"""``kaohe log PERSON``: one person's records through the history of the repository.

Each commit of the history is compared with its parent(s) — a merge shows only what the merge
itself introduced, never what its branches brought — so every change is blamed on the commit that
made it, however the units' branches interleave. Snapshots are cached by the records tree and
parsed files by blob id, so an unchanged file is never parsed twice; the person is found by 警号
wherever his or her record lives, so moves between units and renamed files are followed naturally.
The record is described by ``documents.record.entry_fields``, the same fields the lock and the
semantic diff compare.
"""
from __future__ import annotations

from dataclasses import dataclass

from kaohe_docs.audit.gitrepo import SYMLINK_MODE, CommitInfo, info
from kaohe_docs.documents.record import appeal_text, entry_fields, field_change
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


Key = tuple[str, str]  # (quarter or 花名册, field label)


def _snapshot(tree, pre: str, person_id: str, blobs: _Blobs) -> dict[Key, str]:
    """Everything recorded about one person in one tree, as comparable text."""
    snap: dict[Key, str] = {}
    try:
        records = tree / f"{pre}records"
    except KeyError:
        return snap
    roster = _blob(records, "roster.yaml")
    if roster is not None:
        people = blobs.read(roster, "records/roster.yaml", read_roster) or {}
        if person_id in people:
            p = people[person_id]
            snap[("花名册", "")] = f"{p.name}，{p.gender}，{p.birth}，{p.position}（{p.rank}）"
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
    q = str(quarter)
    units = _blob(qdir, "units")
    for blob in (units.blobs if units is not None else ()):
        if not blob.name.endswith(".yaml") or blob.mode == SYMLINK_MODE:
            continue
        path = f"records/{quarter.path}/units/{blob.name}"
        uq = blobs.read(blob, path, read_unit_quarter, blob.name[:-5], quarter)
        for entry in (uq.entries if uq else ()):
            if entry.person_id == person_id:
                snap[(q, FILE)] = path
                snap.update({(q, label): value for label, value in entry_fields(entry).items()})
    decision = _blob(qdir, "decision.yaml")
    if decision is not None:
        d = blobs.read(decision, f"records/{quarter.path}/decision.yaml", read_decision, quarter)
        change = d and (d.changes.get(person_id) or d.additions.get(person_id))
        if change:
            kind = "党委增加" if person_id in d.additions else "审定改为"
            snap[(q, DECIDED)] = f"{kind}“{change.grade.value}”（{change.reason}；{d.meeting_date} 会议）"
        elif d and (q, "建议等次") in snap:
            snap[(q, DECIDED)] = f"同建议等次“{snap[(q, '建议等次')]}”（{d.meeting_date} 会议）"
    appeals = _blob(qdir, "appeals.yaml")
    if appeals is not None:
        found = blobs.read(appeals, f"records/{quarter.path}/appeals.yaml", read_appeals, quarter) or {}
        if person_id in found:
            snap[(q, "复核")] = appeal_text(found[person_id])


FILE, DECIDED = "记录文件", "审定"


def _describe(old: dict[Key, str], new: dict[Key, str]) -> list[str]:
    """Field-level changes; a quarter's record that appears or disappears whole is one line."""
    out, whole = [], set()
    for group in dict.fromkeys(g for g, _ in [*old, *new]):
        before = {k for k in old if k[0] == group}
        after = {k for k in new if k[0] == group}
        if group == "花名册":
            continue
        if before and not after:
            whole.add(group)
            out.append(f"{group}：记录删除（原在 {old.get((group, FILE), '花名册')}）")
        elif after and not before:
            whole.add(group)
            detail = "，".join(f"{label} {new[(group, label)]}" for label in ("考核方式", "建议等次", DECIDED, "复核")
                              if (group, label) in new)
            out.append(f"{group}：新增记录（{new.get((group, FILE), '')}{'，' + detail if detail else ''}）")
    for key in dict.fromkeys([*old, *new]):
        if key[0] in whole:
            continue
        line = field_change(key[1] or "花名册记录", old.get(key), new.get(key))
        if line:
            out.append(line if key[0] == "花名册" else f"{key[0]} {line}")
    return out


def _introduced(parents: list[dict[Key, str]], snap: dict[Key, str]) -> tuple[dict, dict]:
    """(before, after) for what a commit itself introduced: compared with its first parent, keeping only the
    values that differ from every parent (a merge shows what it changed, not what its branches brought)."""
    if not parents:
        return {}, snap
    before = parents[0]
    after = dict(before)
    for key in dict.fromkeys([*before, *snap]):
        value = snap.get(key)
        if all(p.get(key) != value for p in parents):
            if value is None:
                after.pop(key, None)
            else:
                after[key] = value
    order = {k: i for i, k in enumerate([*snap, *(k for k in after if k not in snap)])}
    return before, dict(sorted(after.items(), key=lambda kv: order[kv[0]]))


def person_log(repo, pre: str, person_id: str, approvals: dict | None = None) -> list[Event]:
    """Each commit on HEAD's history that changed the person's records, compared with its parent(s), oldest
    first; ``approvals``: commit → approval tags on it (shown where the committee approved)."""
    blobs = _Blobs()
    snaps: dict[str, dict] = {}  # records tree id → snapshot

    def snapshot(commit) -> dict:
        try:
            key = (commit.tree / f"{pre}records").hexsha
        except KeyError:
            return {}
        if key not in snaps:
            snaps[key] = _snapshot(commit.tree, pre, person_id, blobs)
        return snaps[key]

    events = []
    for commit in repo.iter_commits("HEAD", topo_order=True, reverse=True):
        snap = snapshot(commit)
        before, after = _introduced([snapshot(p) for p in commit.parents], snap)
        changes = _describe(before, after)
        for tag in (approvals or {}).get(commit.hexsha, ()):
            quarter = str(tag.quarter)
            if any(k[0] == quarter for k in snap):
                grade = snap.get((quarter, DECIDED), "")
                changes.append(f"{quarter} 局党委审定：标签 {tag.name}（{tag.day}，会议 {tag.meeting or '—'}）"
                               + (f"，{grade}" if grade else ""))
        if changes:
            events.append(Event(info(commit), changes))
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
