"""The cumulative yearly 好 quota (名额) per unit and for the bureau.

    entitlement_q = N_q × ratio
    available_q   = carry_{q-1} + entitlement_q          (carry_0 = 0, reset each year)
    allowed_q     = floor(available_q) if ≥ 1; m if 0 < available_q < 1; 0 if ≤ 0
                    (m = policy quota.minimum_place, 1 in the scheme: a small unit may still have one)
    carry_q       = available_q − used_q                  (may become negative)

A unit's places are used by its recommendations (a rejected one still uses its place);
committee additions use none of the unit's places but count against the bureau's bound.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable

from kaohe_docs.model import Quarter


def allowed_from(available: Decimal, minimum: int) -> int:
    """Places a unit may recommend: the whole places available, or ``minimum`` while 0 < available < 1."""
    if available >= 1:
        return math.floor(available)
    return minimum if available > 0 else 0


@dataclass
class LedgerRow:
    owner: str  # unit id, or "" for the bureau
    quarter: Quarter
    participants: int
    ratio: Decimal
    entitlement: Decimal
    carry_in: Decimal
    available: Decimal
    allowed: int
    used: int
    carry_out: Decimal
    recommended: list[str] = field(default_factory=list)  # person ids, in file order
    approved: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # still use the unit's places
    additions: list[str] = field(default_factory=list)  # committee's own 好: use no unit place

    @property
    def over(self) -> bool:
        return self.used > self.allowed


def ledger(owner: str, ratio: Decimal, minimum: int, steps: Iterable[tuple[Quarter, int, int]],
           rates: dict[Quarter, tuple[Decimal, int]] | None = None) -> list[LedgerRow]:
    """``steps``: (quarter, participants, used) in quarter order within one year; ``minimum`` as in allowed_from;
    ``rates``: quarters with their own (ratio, minimum) — an approved quarter keeps its approval's policy."""
    rows: list[LedgerRow] = []
    carry = Decimal(0)
    for quarter, participants, used in steps:
        if rows and quarter.year != rows[-1].quarter.year:
            carry = Decimal(0)
        q_ratio, q_minimum = (rates or {}).get(quarter, (ratio, minimum))
        entitlement = participants * q_ratio
        available = carry + entitlement
        row = LedgerRow(owner, quarter, participants, q_ratio, entitlement, carry, available,
                        allowed_from(available, q_minimum), used, available - used)
        rows.append(row)
        carry = row.carry_out
    return rows
