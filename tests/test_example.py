"""The example bureau in records/: clean, reproducible, and exercising every hard case."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from kaohe_docs.model import Grade, Quarter, Status
from kaohe_docs.pipeline import open_project
from kaohe_example.synth import generate

ROOT = Path(__file__).parent.parent
YEAR = [Quarter(2026, q) for q in (1, 2, 3, 4)]


@pytest.fixture(scope="module")
def example():
    return open_project(ROOT, use_cache=False)


@pytest.mark.slow
def test_checks_clean_with_only_the_intended_warnings(example):
    assert [d.format() for d in example.diagnostics] == [
        "records/2026/Q2/units/jiaojing.yaml:18: 警告: 曾欣（警号 765141）的事项“在“5·12”山洪抢险中转移群众40余人”"
        "同时申报了“三等功”和“市级通报表扬”，同一事项只记一次，按较高的“三等功”计",
        "records/2026/Q2/units/zhian.yaml:18: 警告: 沈嘉（警号 186328）的事项“4月13日夜间值班脱岗”同时记入了“勤-2”和“勤-4”，"
        "同一事项只记一次，按较高的“勤-2”（2 分）计",
        # the deadline of 2026Q4 falls in January 2027, a year chinese-calendar does not know yet
        "records/2026/Q4: 警告: 2026Q4 的报送截止日期无法确定：节假日日历没有 2027 年的数据，无法按工作日计算；请在 policy/policy.yaml 的 "
        "holidays 中写明 2027 年的放假日期（days_off）和调休上班日期（workdays），以国务院办公厅通知为准，或升级 chinese-calendar"]


@pytest.mark.slow
def test_is_exactly_what_the_generator_writes(tmp_path):
    generate(tmp_path, people=200, policy_path=ROOT / "policy/policy.yaml")
    ours = {p.relative_to(ROOT).as_posix(): p.read_bytes() for p in (ROOT / "records").rglob("*.yaml")}
    fresh = {p.relative_to(tmp_path).as_posix(): p.read_bytes() for p in (tmp_path / "records").rglob("*.yaml")}
    assert ours == fresh


def test_size_and_shape(example):
    bureau = example.loaded.bureau
    assert len(bureau.units) >= 12 and 150 <= len(bureau.people) <= 250
    sizes = [example.assessment.unit_ledgers[(u, YEAR[0])].participants for u in bureau.units]
    assert min(sizes) == 1 and max(sizes) >= 35
    assert all(example.assessment.decided(q) for q in YEAR)


def test_the_one_person_unit_follows_the_worked_example(example):
    rows = [example.assessment.unit_ledgers[("fazhi", q)] for q in YEAR]
    assert [(str(r.available), r.allowed, r.used, str(r.carry_out)) for r in rows] == [
        ("0.4", 1, 1, "-0.6"), ("-0.2", 0, 0, "-0.2"), ("0.2", 1, 1, "-0.8"), ("-0.4", 0, 0, "-0.4")]


def test_hard_cases_are_present(example):
    a = example.assessment
    ledgers = a.unit_ledgers.values()
    assert any(r.rejected for r in ledgers), "a rejected recommendation that still uses its place"
    assert any(r.additions for r in ledgers), "a committee addition that uses no place"
    results = [r for q in YEAR for r in a.results[q]]
    assert any(r.entry.status is Status.UNGRADED for r in results)
    assert {r.entry.external.body for r in results if r.entry.external} >= {"县行政服务中心管理委员会"}
    assert any(r.score and r.score.total < 60 and r.final is Grade.POOR for r in results)
    itemised = [r for r in results if r.entry.indicators is not None]
    assert itemised and all(r.entry.unit_id == "zhian" for r in itemised), "共性指标 scored from items in one unit"
    shared = defaultdict(set)
    for r in itemised:
        for c in r.entry.indicators:
            shared[(r.entry.quarter, c.matter)].add(r.entry.person_id)
    assert any(len(people) > 1 for people in shared.values()), "a matter shared by several people"
    assert any(r.score.items.duplicates for r in itemised), "a matter under two items, counted once"
    assert any(r.score and r.score.duplicate_deeds for r in results)
    shared = defaultdict(list)
    for r in results:
        for c in r.entry.bonuses:
            if c.points is not None:
                shared[c.deed].append(c.points)
    assert any(len(points) >= 2 and sum(points) <= Decimal(2) for points in shared.values())
    units_of = defaultdict(set)
    for r in results:
        units_of[r.entry.person_id].add(r.entry.unit_id)
    assert sum(len(units) > 1 for units in units_of.values()) >= 2, "transfers between units"
    sizes = defaultdict(set)
    for (unit, _), row in a.unit_ledgers.items():
        sizes[unit].add(row.participants)
    assert any(len(s) > 1 for s in sizes.values()), "a unit whose size changes during the year"
    people = example.loaded.bureau.people.values()
    assert any(p.joined for p in people) and any(p.left for p in people)
    assert any(q.appeals for q in example.loaded.bureau.quarters.values())


@pytest.mark.slow
@pytest.mark.parametrize("period", [*YEAR, 2026])
def test_every_period_of_the_example_renders(example, tmp_path, period):
    """Real data through every template and the glyph check (HTML only: fast)."""
    from kaohe_docs.render.build import build_period
    result = build_period(example, period, tmp_path, pdf=False)
    htmls = [f for f in result.files if f.suffix == ".html"]
    assert len(htmls) >= (5 if period == 2026 else 40)
    text = "".join(f.read_text(encoding="utf-8") for f in htmls)
    assert "清河县公安局" in text


def test_status_of_the_last_quarter_says_what_the_calendar_cannot_know(example):
    import datetime as dt

    from kaohe_docs.checks.status import quarter_status
    sections = quarter_status(example.assessment, YEAR[3], dt.date(2027, 1, 20))
    items = [item for s in sections for item in s.items]
    assert items[0].startswith("报送截止日期无法确定：节假日日历没有 2027 年的数据")
    assert "公示尚未开始（decision.yaml 中没有 publicity_start）" in items
    assert sum(item.startswith("结果未反馈") for item in items) == 198
