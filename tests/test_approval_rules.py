"""The approval rules without Git scenarios (fast): exact names, the chain's one line, signer lists, owners."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kaohe_docs.audit.approval import _chain_problems, _State
from kaohe_docs.audit.guard import Update, _removable, parse_updates
from kaohe_docs.audit.owners import codeowners, may_push, pusher_identity
from kaohe_docs.audit.signers import fingerprint, keys_of
from kaohe_docs.audit.tags import Approval, parse_tag_name, tag_name
from kaohe_docs.model import Quarter
from kaohe_docs.records.policy import Owners, _owners
from kaohe_docs.records.schema import Fields
from kaohe_docs.records.yamlio import parse

Q = Quarter(2026, 1)


@pytest.mark.parametrize("name, parsed", [
    ("approved/2026Q1", (Q, 1)),
    ("approved/2026Q1-2", (Q, 2)),
    ("approved/2026Q4-12", (Quarter(2026, 4), 12)),
    ("approved/2026q1", None),  # other case
    ("approved/２０２６Q1", None),  # full-width digits
    ("approved/2026Ｑ1", None),
    ("approved/2026Q1-1", None),  # the first approval has no number
    ("approved/2026Q1-02", None),
    ("approved/2026Q1-", None),
    ("approved/2026Q5", None),
    ("approved/2026Q1/2", None),
    ("approved/ 2026Q1", None),
    ("Approved/2026Q1", None),
    ("approved/2026Q1-2-3", None),
    ("approved/2026Q1-٣", None),  # Arabic-Indic digit: \d would accept it
])
def test_only_exact_names_are_approval_names(name, parsed):
    assert parse_tag_name(name) == parsed
    if parsed:
        assert tag_name(*parsed) == name


def approval(number: int, commit: str, supersedes: str = "") -> Approval:
    fields = {"会议日期": "2026-04-14"} | ({"取代": supersedes} if supersedes else {})
    return Approval(tag_name(Q, number), Q, number, f"tag{number}", commit, True, "考核办",
                    dt.datetime(2026, 4, 30, tzinfo=dt.timezone.utc), "", "", fields, valid=True)


def state(tmp_path: Path, meetings: dict[str, str]) -> _State:
    s = _State(tmp_path, "")
    s.facts = {(commit, Q): {"decision": True, "meeting": day} for commit, day in meetings.items()}
    return s


def test_a_reapproval_names_exactly_the_approval_in_force_with_a_later_meeting(tmp_path):
    s = state(tmp_path, {"c1": "2026-04-14", "c2": "2026-04-28", "c3": "2026-04-14"})
    first = approval(1, "c1")
    assert _chain_problems(s, approval(2, "c2", "approved/2026Q1"), first, {1, 2}) == []
    # no new meeting (the forged supersede of the issue)
    [same] = _chain_problems(s, approval(2, "c3", "approved/2026Q1"), first, {1, 2})
    assert same.message == ("标签 approved/2026Q1-2 取代 approved/2026Q1，但审定记录中的会议日期 2026-04-14 不晚于原审定的会议 "
                            "2026-04-14：重新审定须有局党委新一次会议（records/2026/Q1/decision.yaml 写入新会议的日期和纪要）；它不能作为审定依据")
    # the same commit again
    [again] = _chain_problems(state(tmp_path, {"c1": "2026-04-14"}), approval(2, "c1", "approved/2026Q1"),
                              approval(1, "c1"), {1, 2})
    assert "不晚于原审定的会议" in again.message


def test_forks_cycles_and_gaps_break_the_line(tmp_path):
    s = state(tmp_path, {"c1": "2026-04-14", "c2": "2026-04-28", "c3": "2026-05-10"})
    second = approval(2, "c2", "approved/2026Q1")
    # fork: a third approval naming the first again
    [fork] = _chain_problems(s, approval(3, "c3", "approved/2026Q1"), second, {1, 2, 3})
    assert fork.message == ("标签 approved/2026Q1-3 写的是“取代：approved/2026Q1”，而当时现行的审定是 approved/2026Q1-2"
                            "（应为“取代：approved/2026Q1-2”），不是 kaohe approve --supersede 的审定记录；它不能作为审定依据")
    # cycle: the second naming the third
    [cycle] = _chain_problems(s, approval(2, "c2", "approved/2026Q1-3"), approval(1, "c1"), {1, 2, 3})
    assert "写的是“取代：approved/2026Q1-3”，而当时现行的审定是 approved/2026Q1" in cycle.message
    # gap
    [gap] = _chain_problems(s, approval(3, "c3", "approved/2026Q1-2"), approval(1, "c1"), {1, 3})
    assert gap.message == ("审定记录不连续：有 approved/2026Q1-3，但没有 approved/2026Q1-2；审定标签不能删除，"
                           "请从原仓库找回（git fetch --tags）")
    # nothing valid to supersede
    [none] = _chain_problems(s, approval(2, "c2", "approved/2026Q1"), None, {1, 2})
    assert none.message.startswith("标签 approved/2026Q1-2 要取代的审定都不成立")


def test_only_tags_that_are_not_approvals_may_be_deleted():
    class Held:
        approvals = {Q: [approval(1, "c1"), approval(2, "c2", "approved/2026Q1")]}
    Held.approvals[Q][1].valid = False
    assert not _removable(Held, "approved/2026Q1")  # an approval
    assert _removable(Held, "approved/2026Q1-2")  # a tag that does not count, last of its quarter
    assert _removable(Held, "approved/2026q1")  # a look-alike name
    Held.approvals[Q].append(approval(3, "c3"))
    assert not _removable(Held, "approved/2026Q1-2")  # a later tag numbers on from it


def test_pre_receive_input():
    assert parse_updates("a b refs/heads/main\n\nc d refs/tags/approved/2026Q1\n") == [
        Update("a", "b", "refs/heads/main"), Update("c", "d", "refs/tags/approved/2026Q1")]


def test_allowed_signers_lines_and_fingerprints():
    listed = (b'# comment\n\n'
              b'zhang@ju,"li si" namespaces="git",valid-before="20271231" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB4x zhang\n'
              b'wang cert-authority ecdsa-sha2-nistp256 AAAAE2VjZHNh\n')
    assert keys_of(listed) == [("zhang@ju,\"li", "ssh-ed25519", "AAAAC3NzaC1lZDI1NTE5AAAAIB4x"),
                               ("wang", "ecdsa-sha2-nistp256", "AAAAE2VjZHNh")]
    # the fingerprint ssh-keygen -l prints for this key
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    assert fingerprint(key) == "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"
    assert fingerprint("ssh-ed25519 !!!") == ""


def owners_of(text: str) -> tuple[Owners | None, list]:
    tree, _ = parse(text, "policy/policy.yaml")
    diags: list = []
    top = Fields(tree, "policy/policy.yaml", diags, "政策文件", line=1)
    return _owners(top, top.mapping("owners", required=False)), diags


def test_owners_decide_who_may_push_which_file():
    owners, diags = owners_of("owners:\n  office: [kaohe]\n  units:\n    xingzhen: [wang, '@zhian']\n"
                              "  groups:\n    zhian: [li, zhao]\n")
    assert diags == []
    assert may_push(owners, "wang", "records/2026/Q1/units/xingzhen.yaml")
    assert may_push(owners, "li", "records/2026/Q1/units/xingzhen.yaml")  # through the group
    assert not may_push(owners, "wang", "records/2026/Q1/units/zhengong.yaml")
    assert not may_push(owners, "wang", "records/2026/Q1/decision.yaml")
    assert not may_push(owners, "wang", "policy/allowed_signers")
    assert may_push(owners, "kaohe", "policy/allowed_signers")
    assert may_push(owners, "wang", "records/2026/Q1/feedback/xingzhen.yaml")  # the unit's own feedback file
    assert not may_push(owners, "wang", "records/2026/Q1/feedback/zhengong.yaml")
    assert not may_push(owners, "wang", "records/2026/Q1/feedback.yaml")  # the earlier layout: the office's
    assert codeowners(owners).splitlines()[2:] == ["* @kaohe", "/records/*/Q*/units/xingzhen.yaml @wang @zhian @kaohe",
                                                   "/records/*/Q*/feedback/xingzhen.yaml @wang @zhian @kaohe"]
    _, bad = owners_of("owners:\n  units:\n    xingzhen: 12\n  staff: [a]\n")
    assert [(d.line, d.message) for d in bad] == [
        (1, "owners 须写明 office（考核办的账号），否则没有人能修改审定记录和政策"),
        (3, "owners 中的 units.xingzhen 应为账号名的列表，如 [zhangsan, lisi]"),
        (4, "推送权限（owners）中有未知的键“staff”，是否拼写错误？")]


def test_the_pusher_is_who_the_server_says():
    assert pusher_identity({"GL_USERNAME": "wang"}) == "wang"
    assert pusher_identity({"GITEA_PUSHER_NAME": "li", "KAOHE_PUSHER": "x"}) == "li"
    assert pusher_identity({"KAOHE_PUSHER": " zhao "}) == "zhao"
    assert pusher_identity({}) == ""
