"""``kaohe migrate``: records of an earlier layout moved to the current one.

Feedback (结果反馈) used to be one ``records/YYYY/Qn/feedback.yaml`` per quarter, which two units
recording feedback at once both changed (a merge conflict). Each unit now has its own
``feedback/<unit>.yaml``; the old file keeps loading, and this moves each of its records to the
file of the unit that assessed the person that quarter, with its comments. Every file is
prepared in memory first; new files are written before the old one is removed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs.model import Bureau
from kaohe_docs.records import roundtrip as rtyaml

OLD_FEEDBACK = "feedback.yaml"
FEEDBACK_DIR = "feedback"


@dataclass
class Migration:
    texts: dict[str, str] = field(default_factory=dict)  # file → new content
    removed: list[str] = field(default_factory=list)  # files the move empties
    moved: list[str] = field(default_factory=list)  # for the user: “records/…/feedback.yaml → feedback/xingzhen.yaml（3 条）”
    problems: list[str] = field(default_factory=list)  # records that cannot be placed: nothing is written


def plan_migration(root: Path, bureau: Bureau) -> Migration:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    plan = Migration()
    for quarter in sorted(bureau.quarters):
        base = f"records/{quarter.path}"
        old = root / base / OLD_FEEDBACK
        if not old.is_file():
            continue
        doc, style = rtyaml.load(old)
        units = {e.person_id: e.unit_id for e in bureau.entries(quarter)}
        groups: dict[str, list] = {}
        items = (doc or {}).get("feedback") or []
        comments = getattr(getattr(items, "ca", None), "items", {})  # a comment after an item belongs to the list
        for index, item in enumerate(items):
            person_id = str(item.get("id")) if isinstance(item, dict) else ""
            unit_id = units.get(person_id)
            if unit_id is None:
                plan.problems.append(f"{base}/{OLD_FEEDBACK}：警号“{person_id}”不在 {quarter} 任何所室队的记录中，无法确定放入哪个单位的文件")
                continue
            groups.setdefault(unit_id, []).append((item, comments.get(index)))
        for unit_id, items in sorted(groups.items()):
            rel = f"{base}/{FEEDBACK_DIR}/{unit_id}.yaml"
            target = root / rel
            if target.is_file():
                unit_doc, unit_style = rtyaml.load(target)
                if unit_doc.get("feedback") is None:
                    unit_doc["feedback"] = CommentedSeq()
            else:
                unit_doc, unit_style = CommentedMap(), style
                unit_doc["quarter"] = str(quarter)
                unit_doc["unit"] = unit_id
                unit_doc["feedback"] = CommentedSeq()
                unit_doc.yaml_set_start_comment(f"{bureau.unit_name(unit_id)} {quarter.zh}结果反馈记录（所室队填写）")
            target_items = unit_doc["feedback"]
            for item, comment in items:
                target_items.append(item)
                if comment is not None:
                    target_items.ca.items[len(target_items) - 1] = comment
            plan.texts[rel] = rtyaml.dump(unit_doc, unit_style)
            plan.moved.append(f"{base}/{OLD_FEEDBACK} → {rel}（{len(items)} 条）")
        plan.removed.append(f"{base}/{OLD_FEEDBACK}")
    return plan


def apply_migration(root: Path, plan: Migration) -> None:
    for rel, text in plan.texts.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        rtyaml.write_atomic(root / rel, text)
    for rel in plan.removed:
        (root / rel).unlink()
