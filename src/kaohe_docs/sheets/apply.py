"""A checked import plan applied to the records, file by file, with round-trip writes that keep the
files' comments and order (``kaohe_docs.sheets.imports`` makes the plans)."""
from __future__ import annotations

from pathlib import Path

from kaohe_docs.records import roundtrip as rtyaml
from kaohe_docs.sheets.imports import ROSTER_FIELDS, Change, Plan


def apply(root: Path, plan: Plan) -> list[str]:
    """Write the planned changes; returns the files written. Only call with ``plan.ok``."""
    by_file: dict[str, list[Change]] = {}
    for change in plan.changes:
        by_file.setdefault(change.path, []).append(change)
    if plan.additions:
        by_file.setdefault("records/roster.yaml", [])
    texts = {}
    for rel, changes in sorted(by_file.items()):  # every file is edited in memory before any is written
        doc, style = rtyaml.load(root / rel)
        for change in changes:
            _apply_one(doc, change)
        if rel == "records/roster.yaml":
            _add_people(doc, plan.additions)
        texts[rel] = rtyaml.dump(doc, style)
    for rel, content in texts.items():
        rtyaml.write_atomic(root / rel, content)
    return list(texts)


LEFTOVER = ("summary", "common", "monthly", "suggested")  # what ``kaohe open`` leaves empty for the unit to fill


def _apply_one(doc, change: Change) -> None:
    value = change.new if change.value is None else change.value
    if not change.person_id:  # the unit's own values (leader, submitted)
        _set_after(doc, change.key[0], _yaml_value(value), "quarter")
        return
    item = rtyaml.person_item(doc, change.person_id)
    if change.key[0] in ("monthly", "common"):
        after = "common" if change.key[0] == "monthly" else "name"
        rtyaml.set_in(item, change.key[0], change.key[1], _yaml_value(value), after=after)
    elif change.key[0] == "external":  # body, grade, document: in the order the workbook lists them
        if not isinstance(item.get("external"), dict):
            _set_after(item, "external", rtyaml.flow_map({}), "name")
        item["external"][change.key[1]] = _yaml_value(value)
    elif change.key[0] == "bonus":
        from ruamel.yaml.comments import CommentedSeq
        assert isinstance(value, list), "a bonus change carries the person's claims (unitbook_cells.claim_changes)"
        item["bonus"] = CommentedSeq(rtyaml.flow_map({k: _yaml_value(v) for k, v in claim.items()}) for claim in value)
    elif change.key[0] == "indicators":  # an item written as before keeps its node (and its comments)
        from ruamel.yaml.comments import CommentedSeq
        assert isinstance(value, list), "an indicators change carries the items (unitbook_import._item_changes)"
        old = list(item.get("indicators") or ())
        seq = CommentedSeq(next((node for node in old if _same_item(node, claim)), None)
                           or rtyaml.flow_map({k: _yaml_value(v) for k, v in claim.items()}) for claim in value)
        after = next((k for k in ("monthly", "common") if k in item), "name")
        _set_after(item, "indicators", seq, after)
    elif change.key[0] == "itemised":  # the element's total goes: its items score it
        del item["common"][change.key[1]]
        if not item["common"]:
            del item["common"]
    else:
        item[change.key[0]] = _yaml_value(value)
    if change.key[0] in ("ungraded", "external"):  # keys left empty for an assessed person mean nothing now
        for key in LEFTOVER:
            if key in item and _empty(item[key]):
                del item[key]


def _same_item(node, claim: dict) -> bool:
    """A recorded 共性指标 item (a YAML mapping) says what ``claim`` says."""
    import datetime as dt
    from decimal import Decimal as D
    if not hasattr(node, "items") or set(map(str, node)) != set(claim):
        return False
    for key, value in claim.items():
        written = node[key]
        if isinstance(value, D):
            ok = isinstance(written, (int, float, str)) and not isinstance(written, bool) and D(str(written)) == value
        elif isinstance(value, dt.date):
            ok = written == value
        else:
            ok = str(written) == str(value)
        if not ok:
            return False
    return True


def _empty(value) -> bool:
    return value is None or (isinstance(value, dict) and all(v is None for v in value.values()))


def _yaml_value(value):
    from decimal import Decimal as D
    if isinstance(value, D):
        return rtyaml.scalar(value)
    if isinstance(value, str) and "\n" in value:
        from ruamel.yaml.scalarstring import LiteralScalarString
        return LiteralScalarString(value)
    return value


def _set_after(mapping, key: str, value, after: str) -> None:
    if key in mapping:
        mapping[key] = value
    else:
        mapping.insert(list(mapping).index(after) + 1 if after in mapping else len(mapping), key, value)


def _add_people(doc, additions: list[dict]) -> None:
    from ruamel.yaml.comments import CommentedMap
    if doc.get("people") is None:
        from ruamel.yaml.comments import CommentedSeq
        doc["people"] = CommentedSeq()
    for person in additions:
        item = CommentedMap()
        item["id"] = rtyaml.quoted(person["id"])
        for key in (*ROSTER_FIELDS.values(), "unit"):
            if person.get(key):
                item[key] = person[key]
        doc["people"].append(item)
