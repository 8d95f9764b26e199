"""Validation rules: each a small named function ``Assessment -> diagnostics``.

Adding a rule is adding one decorated function to one of the modules below.
"""
from __future__ import annotations

from typing import Callable, Iterable

from kaohe_docs.engine.assess import Assessment
from kaohe_docs.errors import Diagnostic, error, warning
from kaohe_docs.model import Src

Rule = Callable[[Assessment], Iterable[Diagnostic]]
RULES: list[Rule] = []


def rule(fn: Rule) -> Rule:
    RULES.append(fn)
    return fn


def err(src: Src, message: str) -> Diagnostic:
    return error(src.file, src.line, message)


def warn(src: Src, message: str) -> Diagnostic:
    return warning(src.file, src.line, message)


def run_checks(assessment: Assessment) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for fn in RULES:
        out.extend(fn(assessment))
    return out


def who(result) -> str:
    """“张伟（警号 100123）” for messages."""
    return f"{result.entry.name or ''}（警号 {result.entry.person_id}）"


from kaohe_docs.checks import annual, decisions, grades, membership, process, quotas, scores  # noqa: E402,F401  (register the rules)
