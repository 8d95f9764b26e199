"""The cumulative 好 quota: the worked examples of domain.md and the formula's edges."""
from decimal import Decimal

import pytest

from kaohe_docs.engine.quota import allowed_from, ledger
from kaohe_docs.model import Quarter

RATIO = Decimal("0.40")
YEAR = [Quarter(2026, q) for q in (1, 2, 3, 4)]


def figures(rows):
    return [(str(r.entitlement), str(r.carry_in), str(r.available), r.allowed, r.used, str(r.carry_out)) for r in rows]


def run_using_all_allowed(participants):
    """Each quarter the unit recommends exactly as many as it is allowed."""
    carry, steps = Decimal(0), []
    for quarter in YEAR:
        available = carry + participants * RATIO
        used = allowed_from(available, 1)
        steps.append((quarter, participants, used))
        carry = available - used
    return ledger("u", RATIO, 1, steps)


def test_unit_of_seven_uses_eleven_places_in_the_year():
    rows = run_using_all_allowed(7)
    assert figures(rows) == [
        ("2.80", "0", "2.80", 2, 2, "0.80"),
        ("2.80", "0.80", "3.60", 3, 3, "0.60"),
        ("2.80", "0.60", "3.40", 3, 3, "0.40"),
        ("2.80", "0.40", "3.20", 3, 3, "0.20"),
    ]
    assert sum(r.used for r in rows) == 11


def test_unit_of_one_alternates_and_carry_goes_negative():
    rows = run_using_all_allowed(1)
    assert figures(rows) == [
        ("0.40", "0", "0.40", 1, 1, "-0.60"),
        ("0.40", "-0.60", "-0.20", 0, 0, "-0.20"),
        ("0.40", "-0.20", "0.20", 1, 1, "-0.80"),
        ("0.40", "-0.80", "-0.40", 0, 0, "-0.40"),
    ]


@pytest.mark.parametrize("available, allowed", [
    ("-0.4", 0), ("0", 0), ("0.01", 1), ("0.99", 1), ("1", 1), ("1.99", 1), ("2", 2), ("7.6", 7),
])
def test_allowed_from_available(available, allowed):
    assert allowed_from(Decimal(available), 1) == allowed


def test_carry_resets_at_the_first_quarter_of_a_year():
    rows = ledger("u", RATIO, 1, [(Quarter(2025, 4), 1, 1), (Quarter(2026, 1), 1, 1)])
    assert rows[1].carry_in == 0 and rows[1].available == Decimal("0.40")


def test_using_fewer_places_carries_them_forward():
    rows = ledger("u", RATIO, 1, [(YEAR[0], 5, 0), (YEAR[1], 5, 0), (YEAR[2], 5, 5)])
    assert [r.allowed for r in rows] == [2, 4, 6]
    assert rows[2].carry_out == Decimal("1.00")


def test_carry_identity_over_a_year():
    """Σ used + carry after Q4 = Σ entitlements."""
    rows = ledger("u", RATIO, 1, [(YEAR[0], 9, 3), (YEAR[1], 10, 4), (YEAR[2], 8, 3), (YEAR[3], 11, 5)])
    assert sum(r.used for r in rows) + rows[-1].carry_out == sum(r.entitlement for r in rows)


def test_policy_minimum_place_for_a_small_unit():
    """quota.minimum_place: 0 < available < 1 gives this many places (the scheme: 1; a bureau may set 0)."""
    assert allowed_from(Decimal("0.4"), 0) == 0
    rows = ledger("u", RATIO, 0, [(YEAR[0], 1, 0), (YEAR[1], 1, 0), (YEAR[2], 1, 1)])
    assert [r.allowed for r in rows] == [0, 0, 1]  # 0.4, 0.8, 1.2


def test_policy_values_reach_the_ledger(mini):
    """The mini bureau's policy has no minimum_place (written before it existed): the scheme's 1 applies;
    minimum_place: 0 in policy.yaml takes the one-person unit's place away."""
    from kaohe_docs.pipeline import open_project

    def small_units(root):
        a = open_project(root, use_cache=False).assessment
        return {unit: row.allowed for (unit, q), row in a.unit_ledgers.items() if row.participants == 1}

    assert small_units(mini) == {"solo": 1}
    policy = mini / "policy/policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("quota:\n", "quota:\n  minimum_place: 0\n", 1),
                      encoding="utf-8")
    assert small_units(mini) == {"solo": 0}
