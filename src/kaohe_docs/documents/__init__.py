"""One module per document: each turns the assessment into that document's context.

Templates receive ready-made strings and numbers; no arithmetic happens in a template.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..policy import Policy
from ..strokes import stroke_key


@dataclass
class Document:
    id: str  # stable identifier, e.g. "2026Q1/结果登记表/01-城关派出所"
    title: str
    kind: str  # "notice" (公文版式) or "form" (表格)
    template: str
    path: str  # output path relative to the quarter's folder, without extension
    period: str  # "2026年第一季度"
    context: dict


def person_order(policy: Policy, unit_order: int, name: str):
    """Sort key for name lists: 姓氏笔画 across the list, or by unit then stroke."""
    if policy.list_order == "姓氏笔画":
        return (stroke_key(name), unit_order)
    return (unit_order, stroke_key(name))
