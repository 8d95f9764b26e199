"""Text that leaves for a spreadsheet is made inert (CSV and formula injection, OWASP).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their
full-width forms, which some spreadsheet programs also accept) would be read by Excel, WPS or
LibreOffice as a formula: ``=HYPERLINK(…)`` becomes a live link, ``@SUM(…)`` runs. Such text is
written with a leading single quote, as OWASP recommends, and xlsx cells holding text are
always written as string cells. Numbers stay numbers: ``-0.6`` is a number, not a formula.
"""
from __future__ import annotations

import re

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?%?\Z")


def inert(value):
    """``value`` safe to put in a CSV or xlsx cell: formula-like text gets a leading ``'``."""
    if not isinstance(value, str) or not value.startswith(_TRIGGERS) or _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def inert_row(values):
    return [inert(v) for v in values]


def append_row(ws, values) -> None:
    """``ws.append`` with every text cell inert and stored as a string (never as a formula)."""
    ws.append(inert_row(values))
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def restored(text: str) -> str:
    """A cell's text as written before ``inert``: the quote our own export put in front is dropped."""
    if text.startswith("'") and text[1:].startswith(_TRIGGERS) and not _PLAIN_NUMBER.match(text[1:]):
        return text[1:]
    return text
