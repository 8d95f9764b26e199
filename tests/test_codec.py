"""The record cache's codec knows every model enum and dataclass by itself."""
from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
from decimal import Decimal
from enum import Enum

import pytest

from kaohe_docs import model
from kaohe_docs.model import Appeal, AppealOutcome, BonusClaim, ClaimStatus, Feedback, FeedbackMethod, Grade, Src
from kaohe_docs.records import cache
from kaohe_docs.records.load import _FileCache, _Reader
from kaohe_docs.records.readers import read_appeals, read_feedback

SRC = Src("records/2026/Q1/x.yaml", 3)
ENUMS = [obj for _, obj in inspect.getmembers(model, inspect.isclass)
         if issubclass(obj, Enum) and obj.__module__ == model.__name__]


def round_trip(value):
    text = json.dumps(cache.encode(value), ensure_ascii=False)
    return json.loads(text, object_hook=cache.revive), cache.decode(json.loads(text))


def test_every_model_enum_and_dataclass_is_registered():
    classes, enums = cache._registered()
    assert {e.__name__ for e in ENUMS} <= set(enums)
    assert {name for name, obj in vars(model).items() if isinstance(obj, type) and dataclasses.is_dataclass(obj)
            and obj.__module__ == model.__name__} <= set(classes)
    assert {"ClaimStatus", "AppealOutcome", "FeedbackMethod", "Grade", "Status"} <= set(enums)


@pytest.mark.parametrize("member", [m for e in ENUMS for m in e], ids=lambda m: f"{type(m).__name__}.{m.name}")
def test_every_enum_member_round_trips(member):
    revived, decoded = round_trip({"x": [member, (member,)]})
    assert revived == decoded == {"x": [member, (member,)]}
    assert type(revived["x"][0]) is type(member) and revived["x"][0] is member


@pytest.mark.parametrize("record", [
    BonusClaim("破案", "3·15 案", Decimal("1.5"), ClaimStatus.APPROVED, "清公刑〔2026〕3号", None, SRC),
    Appeal("100001", dt.date(2026, 4, 20), "工作量计算有误", AppealOutcome.CHANGED, Grade.GOOD, "复核属实",
           dt.date(2026, 4, 25), SRC),
    Appeal("100001", dt.date(2026, 4, 20), "不服", None, None, None, None, SRC),
    Feedback("100001", FeedbackMethod.WRITTEN, dt.date(2026, 4, 28), dt.date(2026, 4, 29), None, False, SRC),
], ids=["claim", "appeal", "pending-appeal", "feedback"])
def test_records_with_enums_round_trip(record):
    revived, decoded = round_trip(record)
    assert revived == decoded == record


def test_appeals_and_feedback_files_are_cached(tmp_path):
    """A file whose records hold an enum other than Grade and Status is cached like any other."""
    appeals = ("quarter: 2026Q1\nappeals:\n  - id: '100001'\n    received: 2026-04-20\n    grounds: 不服\n"
               "    outcome: 维持\n    reason: 核实无误\n    replied: 2026-04-25\n").encode()
    feedback = ("quarter: 2026Q1\nfeedback:\n  - id: '100001'\n    method: 书面送达\n    date: 2026-04-28\n"
                "    receipt: 2026-04-29\n    admonish: false\n").encode()
    store = _FileCache(tmp_path)
    for n, (data, reader, path) in enumerate([(appeals, read_appeals, "records/2026/Q1/appeals.yaml"),
                                              (feedback, read_feedback, "records/2026/Q1/feedback.yaml")]):
        value = _Reader._parse(data, path, reader, (model.Quarter(2026, 1),))
        assert value[1] == [], value[1]
        store.put(f"key{n}", value)
        assert store.get(f"key{n}") == value
    assert store.get("key0")[0]["100001"].outcome is AppealOutcome.UPHELD
    assert store.get("key1")[0]["100001"].method is FeedbackMethod.WRITTEN


def test_a_pending_diagnostic_carries_its_subject_and_the_summary_never_parses_the_message():
    from kaohe_docs.cli.main import pending_summary
    from kaohe_docs.errors import Diagnostic, pending
    # a name holding the very words a parser of the message would split on
    odd = pending("records/2026/Q1/units/a.yaml", 4, "王（二）尚未填写：x（警号 100009）尚未填写：个人小结、共性“德”",
                  person="100009", name="王（二）尚未填写：x", fields=("个人小结", "共性“德”"))
    plain = pending("records/2026/Q1/units/a.yaml", 9, "李四（警号 100010）尚未填写：3月绩效得分",
                    person="100010", name="李四", fields=("3月绩效得分",))
    assert pending_summary([odd, plain]) == [
        "待填写：2 人共 3 项尚未填写（正在收集中，不是错误；kaohe status 查看进度，kaohe check --complete 要求全部填齐）",
        "  records/2026/Q1/units/a.yaml：2 人 3 项（王（二）尚未填写：x 2 项、李四 1 项）"]
    assert Diagnostic.from_plain(json.loads(json.dumps(odd.plain()))) == odd
    assert round_trip(odd) == (odd, odd)
    # what an earlier version kept in its caches still loads
    assert Diagnostic.from_plain(["a.yaml", 1, "error", "错", "", 0, ""]) == Diagnostic("a.yaml", 1, "error", "错")
    with pytest.raises(ValueError):
        Diagnostic.from_plain(["a.yaml", 1, "error", "错", "", 0, "", "1", "x", [3]])


def test_the_pending_rule_fills_in_the_subject(mini):
    from kaohe_docs.errors import PENDING
    from kaohe_docs.pipeline import open_project
    unit = mini / "records/2026/Q1/units/solo.yaml"
    text = unit.read_text(encoding="utf-8")
    unit.write_text(text.replace("suggested: 好", "suggested:\n    summary:"), encoding="utf-8")
    found = [d for d in open_project(mini, use_cache=False).diagnostics if d.level == PENDING]
    assert [(d.person, d.name, d.fields) for d in found] == [("020001", "刘洋", ("个人小结", "建议等次"))]
    assert found[0].message == "刘洋（警号 020001）尚未填写：个人小结、建议等次"
