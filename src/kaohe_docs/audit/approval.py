"""The approval lock: the committee's approval of a quarter is an annotated Git tag.

``kaohe approve 2026Q1`` tags the current commit ``approved/2026Q1`` (signed when the user
has a signing key). Afterwards any change to that quarter's records is an error naming the
commit, its author and date — unless it only touches the quarter's 复核 record
(``appeals.yaml``), the one sanctioned way to change an approved result.
"""
from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from kaohe_docs.errors import Diagnostic, KaoheError, error, warning
from kaohe_docs.model import Quarter

TAG_PREFIX = "approved/"
APPEALS = "appeals.yaml"
AFTER_DECISION = (APPEALS, "feedback.yaml")  # process records that may follow the approval


def tag_name(quarter: Quarter) -> str:
    return f"{TAG_PREFIX}{quarter}"


def approved_quarters(root: Path) -> dict[Quarter, str]:
    """Approval tags, read with one cheap ``git for-each-ref`` (no GitPython import)."""
    try:
        out = subprocess.run(["git", "-C", str(root), "for-each-ref", "--format=%(refname:short)",
                              f"refs/tags/{TAG_PREFIX}"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return {}
    found = {}
    for name in out.split():
        quarter = Quarter.parse(name[len(TAG_PREFIX):])
        if quarter:
            found[quarter] = name
    return found


def approve(root: Path, quarter: Quarter, meeting_date, minutes: str, decision_file: str, force: bool = False) -> str:
    """Create the annotated (or signed) approval tag on HEAD; returns the tag name."""
    from kaohe_docs.audit import gitrepo
    repo = gitrepo.open_repo(root)
    head = gitrepo.resolve(repo, "HEAD")
    pre = gitrepo.prefix(repo, root)
    dirty = gitrepo.uncommitted(repo, pre, ["records", "policy"])
    if dirty:
        raise KaoheError(f"有未提交的修改（{'、'.join(dirty[:5])}），只能审定已提交的记录")
    name = tag_name(quarter)
    if name in {t.name for t in repo.tags} and not force:
        raise KaoheError(f"{quarter} 已经审定过（标签 {name}）；如确需重新审定，请加 --force")
    message = (f"局党委审定 {quarter.zh}平时考核结果\n\n会议日期：{meeting_date}\n会议纪要：{minutes}\n"
               f"审定记录：{decision_file}\n提交：{head.hexsha}\n")
    args = ["-s" if _can_sign(repo) else "-a", name, "-m", message, head.hexsha]
    if force:
        args.insert(0, "-f")
    repo.git.tag(*args)
    return name


def _can_sign(repo) -> bool:
    reader = repo.config_reader()
    return reader.has_option("user", "signingkey")


def lock_diagnostics(root: Path) -> list[Diagnostic]:
    """Changes made to approved quarters after their approval."""
    approved = approved_quarters(root)
    if not approved:
        return []
    from kaohe_docs.audit import gitrepo
    repo = gitrepo.open_repo(root)
    pre = gitrepo.prefix(repo, root)
    out: list[Diagnostic] = []
    for quarter, name in sorted(approved.items()):
        tag = repo.tags[name]
        tagged = tag.commit
        approved_on = (dt.datetime.fromtimestamp(tag.tag.tagged_date, dt.timezone(dt.timedelta(seconds=-tag.tag.tagger_tz_offset)))
                       if tag.tag is not None else tagged.committed_datetime)
        base = f"records/{quarter.path}/"
        when = f"{quarter} 已于 {approved_on:%Y-%m-%d} 经局党委审定（标签 {name}）"
        rule = f"审定后只能通过复核记录（records/{quarter.path}/{APPEALS}）变更结果"
        for commit, files in gitrepo.changes_since(repo, pre, tagged, [base]):
            for path in files:
                if path.startswith(base) and path.rsplit("/", 1)[-1] not in AFTER_DECISION:
                    out.append(error(path, 0, f"{when}，此后提交 {commit.short}（{commit.author}，"
                                              f"{commit.date:%Y-%m-%d %H:%M}，“{commit.subject}”）修改了本文件；{rule}"))
        for path in gitrepo.uncommitted(repo, pre, [base]):
            if path.rsplit("/", 1)[-1] not in AFTER_DECISION:
                out.append(error(path, 0, f"{when}，本文件有未提交的修改；{rule}"))
        for commit, _ in gitrepo.changes_since(repo, pre, tagged, ["policy"]):
            out.append(warning("policy/policy.yaml", 0, f"{when}，此后提交 {commit.short}（{commit.author}，"
                                                       f"{commit.date:%Y-%m-%d %H:%M}）修改了政策文件，可能改变已审定季度的得分"))
    return out
