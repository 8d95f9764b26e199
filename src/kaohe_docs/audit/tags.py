"""Approval tags as read from the repository: their names (``approved/<YYYY>Q<n>``, ``…-<k>``), the
fields of their messages and the tagged commit. Not validated here: ``kaohe_docs.audit.approval.validate``
decides which of them count."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs import gitport
from kaohe_docs.errors import Diagnostic
from kaohe_docs.model import Quarter

TAG_PREFIX = "approved/"
_FIELD = re.compile(r"^(会议日期|会议纪要|审定机关|审定记录|取代|原因|提交)：(.*)$", re.M)
# exactly approved/<YYYY>Q<n> or approved/<YYYY>Q<n>-<k> (k ≥ 2), ASCII, this case: nothing that only looks like it
_NAME = re.compile(r"approved/([0-9]{4})Q([1-4])(?:-([2-9]|[1-9][0-9]+))?", re.ASCII)


def tag_name(quarter: Quarter, number: int = 1) -> str:
    return f"{TAG_PREFIX}{quarter}" + (f"-{number}" if number > 1 else "")


def parse_tag_name(name: str) -> tuple[Quarter, int] | None:
    """'approved/2026Q1' → (2026Q1, 1); 'approved/2026Q1-2' → (2026Q1, 2); anything else (other case,
    full-width digits, 'approved/2026Q1-1', 'approved/2026Q1-02' …) → None."""
    match = _NAME.fullmatch(name)
    if match is None:
        return None
    return Quarter(int(match.group(1)), int(match.group(2))), int(match.group(3) or 1)


@dataclass
class Approval:
    """One approval tag, as read from the repository, and whether the chain validation accepted it."""

    name: str
    quarter: Quarter
    number: int
    tag_object: str  # the tag object's id (the commit id for a lightweight tag)
    commit: str  # the tagged commit
    annotated: bool
    tagger: str = ""
    date: dt.datetime | None = None
    message: str = ""
    signature: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    direct: bool = True  # the tag object names a commit (not another tag)
    valid: bool = False  # set by validate(): counts as an approval
    signer: str = ""  # "principal（SHA256:…）" when the signature was verified against policy/allowed_signers
    problems: list[Diagnostic] = field(default_factory=list)  # set by validate(): why it does not count

    @property
    def meeting(self) -> str:
        return self.fields.get("会议日期", "")

    @property
    def minutes(self) -> str:
        return self.fields.get("会议纪要", "")

    @property
    def approver(self) -> str:
        return self.fields.get("审定机关", "") or self.tagger

    @property
    def supersedes(self) -> str:
        return self.fields.get("取代", "")

    @property
    def reason(self) -> str:
        return self.fields.get("原因", "")

    @property
    def day(self) -> str:
        return f"{self.date:%Y-%m-%d}" if self.date else "日期不明"


def approval_refs(cwd: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Every ref under refs/tags/approved/ (name → object id), plus ``extra`` (a push being received)."""
    found = {name: oid for name, oid in gitport.refs(cwd, f"refs/tags/{TAG_PREFIX}").items()
             if name.startswith(TAG_PREFIX)}
    found.update(extra or {})
    return found


def read_approvals(cwd: Path, extra: dict[str, str] | None = None) -> dict[Quarter, list[Approval]]:
    """Every approval tag with an exact name, per quarter, in number order. ``extra``: tag name → object
    id of tags that are not refs yet (a push being received). Not yet validated: see ``validate``."""
    return approvals_of(cwd, approval_refs(cwd, extra))


def approvals_of(cwd: Path, refs: dict[str, str]) -> dict[Quarter, list[Approval]]:
    found: dict[Quarter, list[Approval]] = {}
    for name, oid in refs.items():
        parsed = parse_tag_name(name)
        if parsed is not None:
            found.setdefault(parsed[0], []).append(_read_tag(cwd, name, oid, *parsed))
    for chain in found.values():
        chain.sort(key=lambda a: a.number)
    return dict(sorted(found.items()))


def bad_names(refs: dict[str, str]) -> list[str]:
    """Names under approved/ that are not exactly an approval name."""
    return sorted(name for name in refs if parse_tag_name(name) is None)


def _read_tag(cwd: Path, name: str, oid: str, quarter: Quarter, number: int) -> Approval:
    kind = gitport.object_type(cwd, oid)
    if kind != "tag":
        return Approval(name, quarter, number, oid, oid if kind == "commit" else "", False)
    raw = gitport.text(cwd, "cat-file", "tag", oid)
    head, _, body = raw.partition("\n\n")
    headers = dict(line.split(" ", 1) for line in head.splitlines() if " " in line)
    target = headers.get("object", "")
    tagger, date = headers.get("tagger", ""), None
    m = re.match(r"(.*?) <[^>]*> (\d+) ([+-]\d{4})$", tagger)
    if m:
        tagger = m.group(1)
        sign = 1 if m.group(3)[0] == "+" else -1
        offset = dt.timedelta(hours=int(m.group(3)[1:3]), minutes=int(m.group(3)[3:5])) * sign
        date = dt.datetime.fromtimestamp(int(m.group(2)), dt.timezone(offset))
    signature = ""
    marker = body.find("-----BEGIN ")
    if marker >= 0:
        body, signature = body[:marker], body[marker:]
    fields = {k: v.strip() for k, v in _FIELD.findall(body)}
    return Approval(name, quarter, number, oid, target, True, tagger, date, body.strip(), signature.strip(), fields,
                    direct=headers.get("type") == "commit")


def current(chain: list[Approval]) -> Approval | None:
    """The approval in force: the last one of a validated chain that counts."""
    valid = [a for a in chain if a.valid]
    return valid[-1] if valid else None
