"""Score arithmetic: Decimal throughout, one rounding rule, bands with may/must."""
from decimal import Decimal

import pytest

from conftest import FIXTURES
from kaohe_docs.engine.grading import band
from kaohe_docs.engine.scoring import score_entry
from kaohe_docs.model import BonusClaim, Entry, Grade, Quarter, Src, Status
from kaohe_docs.records.load import load


@pytest.fixture(scope="module")
def policy():
    """The mini bureau's policy (the scheme's defaults), not the live example's: tests own their inputs."""
    return load(FIXTURES / "mini", use_cache=False).policy


def entry(common, monthly, bonuses=()):
    elements = dict(zip("德能勤绩廉", map(Decimal, common)))
    return Entry(person_id="1", name="甲", unit_id="u", quarter=Quarter(2026, 1), status=Status.ASSESSED,
                 common=elements, monthly={m: Decimal(v) for m, v in monthly.items()}, bonuses=list(bonuses),
                 suggested=None, lower_reason=None, note=None, attendance={}, summary=None, ungraded_reason=None,
                 external=None, src=Src("f", 1))


def claim(item, deed, points=None, status="通过"):
    return BonusClaim(item, deed, Decimal(points) if points else None, status, "清公政〔2026〕1号", None, Src("f", 2))


def test_three_times_point_four_is_exact(policy):
    s = score_entry(entry(["0.4"] * 3 + ["0", "0"], {1: "0", 2: "0", 3: "0"}), policy)
    assert s.common_raw == Decimal("1.2") and s.common == Decimal("0.48")


def test_total_rounds_half_up_at_89_995_into_the_good_band(policy):
    # common 90 × 0.4 = 36; monthly average 89.991666… × 0.6 = 53.995; total 89.995 → 90.00
    s = score_entry(entry(["18"] * 5, {1: "89.985", 2: "89.99", 3: "90"}), policy)
    assert s.common + s.individual == Decimal("89.995")
    assert s.total == Decimal("90.00") and s.band is Grade.GOOD


def test_just_below_rounds_down_into_fairly_good(policy):
    s = score_entry(entry(["18"] * 5, {1: "89.98", 2: "89.99", 3: "90"}), policy)
    assert s.total == Decimal("89.99") and s.band is Grade.FAIRLY_GOOD


def test_missing_month_averages_the_months_present(policy):
    s = score_entry(entry(["20"] * 5, {2: "90", 3: "91"}), policy)
    assert s.monthly_average == Decimal("90.5") and s.months_missing == (1,)
    assert s.total == Decimal("94.30")


def test_same_deed_counts_once_at_the_highest_value(policy):
    s = score_entry(entry(["18"] * 5, {1: "90", 2: "90", 3: "90"},
                          [claim("嘉奖", "抓获逃犯"), claim("市级通报表扬", "抓获逃犯"), claim("三等功", "抓获逃犯")]), policy)
    assert [b.claim.item for b in s.bonuses] == ["三等功"] and s.bonus == Decimal("2")
    assert len(s.duplicate_deeds) == 2


def test_only_approved_claims_count_and_the_cap_applies(policy):
    s = score_entry(entry(["18"] * 5, {1: "90", 2: "90", 3: "90"},
                          [claim("一等功", "a"), claim("二等功", "b"), claim("二等功", "c", status="待审核")]), policy)
    assert s.bonus_raw == Decimal("8") and s.bonus == Decimal("5") and s.capped


def test_shared_deed_uses_the_units_allocation(policy):
    s = score_entry(entry(["18"] * 5, {1: "90", 2: "90", 3: "90"}, [claim("三等功", "x", points="0.7")]), policy)
    assert s.bonus == Decimal("0.7")


@pytest.mark.parametrize("total, grade", [
    ("100", Grade.GOOD), ("90.00", Grade.GOOD), ("89.99", Grade.FAIRLY_GOOD), ("80", Grade.FAIRLY_GOOD),
    ("79.99", Grade.AVERAGE), ("60", Grade.AVERAGE), ("59.99", Grade.POOR), ("0", Grade.POOR),
])
def test_bands_include_their_lower_line(policy, total, grade):
    assert band(Decimal(total), policy) is grade
