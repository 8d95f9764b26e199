"""What every rule module uses: diagnostics at a record's line, and how a person is named."""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

from kaohe_docs.engine.assess import Assessment, Result
from kaohe_docs.errors import Diagnostic, error, warning
from kaohe_docs.model import Entry, Src

Rule = Callable[[Assessment], Iterable[Diagnostic]]
Findings = Iterator[Diagnostic]  # what a rule yields


def err(src: Src, message: str) -> Diagnostic:
    return error(src.file, src.line, message)


def warn(src: Src, message: str) -> Diagnostic:
    return warning(src.file, src.line, message)


def who(result: Result) -> str:
    """“张伟（警号 100123）” for messages."""
    return person(result.entry)


def person(entry: Entry) -> str:
    """``who`` of a record's entry (an import names people before any result exists)."""
    return f"{entry.name or ''}（警号 {entry.person_id}）"
