"""Font stacks from policy, resolved through fontconfig, and the missing-glyph check.

Each role (title, body, heading, kai, table) lists families in order of preference; the
first one installed is used. A character that the resolved fonts lack is an error that
names the document and the text: a blank box on an official paper is never acceptable.
"""
from __future__ import annotations

import bisect
import functools
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

from kaohe_docs.errors import KaoheError

ALWAYS_OK = frozenset(" \n\t\r\u00a0")


def _fc_list(*args: str) -> str:
    if shutil.which("fc-list") is None:
        raise KaoheError("找不到 fontconfig（fc-list），请先运行安装脚本 scripts/setup")
    return subprocess.run(["fc-list", *args], capture_output=True, text=True, check=False).stdout


def _family_key(family: str) -> str:
    """A family name as fontconfig compares it: without blanks, case-insensitive."""
    return "".join(family.split()).casefold()


@functools.lru_cache(maxsize=None)
def _installed() -> dict[str, tuple[str, ...]]:
    """Every installed family (each of its names, as ``_family_key``) → its font files: one fc-list run."""
    found: dict[str, set[str]] = {}
    for line in _fc_list("--format", "%{family}\t%{file}\n").splitlines():
        names, _, file = line.rpartition("\t")
        for name in re.split(r"(?<!\\),", names):
            if name.strip() and file:
                found.setdefault(_family_key(name.replace("\\,", ",")), set()).add(file)
    return {family: tuple(sorted(files)) for family, files in found.items()}


@functools.lru_cache(maxsize=None)
def _charset(family: str) -> tuple[tuple[int, int], ...]:
    """Unicode ranges covered by an installed family (empty when it is not installed)."""
    ranges = set()
    for line in _fc_list(f":family={family}", "charset").splitlines():
        for part in line.replace(":charset=", "").split():
            low, _, high = part.partition("-")
            try:
                ranges.add((int(low, 16), int(high or low, 16)))
            except ValueError:
                continue
    return tuple(sorted(ranges))


@dataclass(frozen=True)
class Fonts:
    """The family chosen for each role, and what those families cover together (asked of fontconfig
    only when a text is checked: a build whose pages are all cached never needs it)."""

    families: dict  # role → family
    weights: dict = field(default_factory=dict)  # role → CSS font-weight of the entry chosen ("Noto Serif CJK SC:bold")
    fallback: tuple = ()  # installed families the policy declares for characters a role's family lacks

    @functools.cached_property
    def ranges(self) -> tuple[tuple[int, int], ...]:  # sorted, merged
        chosen = set(self.families.values()) | set(self.fallback)
        return _merge(sorted({r for family in chosen for r in _charset(family)}))

    def covers(self, char: str) -> bool:
        return covered(self.ranges, char)

    def missing(self, text: str) -> list[str]:
        return sorted(c for c in set(text) if not self.covers(c))


def covered(ranges: tuple[tuple[int, int], ...], char: str) -> bool:
    code = ord(char)
    i = bisect.bisect_right(ranges, (code, sys.maxunicode + 1)) - 1
    return char in ALWAYS_OK or (i >= 0 and ranges[i][0] <= code <= ranges[i][1])


@functools.lru_cache(maxsize=None)
def stack_ranges(families: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    """What a CSS font-family list covers together (the families fontconfig knows)."""
    return _merge(sorted({r for family in families for r in _charset(family)}))


# A policy entry may name a weight after a colon ("Noto Serif CJK SC:bold": the heavier face of a free
# family for the title, as 小标宋 is a heavy face); the weight must be installed for the entry to be chosen.
WEIGHTS = {"medium": ("500", 100), "semibold": ("600", 180), "bold": ("bold", 200), "black": ("900", 210)}


def _entry(entry: str) -> tuple[str, str, int | None]:
    """(family, CSS weight, fontconfig weight or None) of a policy entry."""
    family, _, weight = entry.rpartition(":") if ":" in entry else (entry, "", "")
    css, fc = WEIGHTS.get(weight.strip().casefold(), ("normal", None)) if weight else ("normal", None)
    return family.strip(), css, fc


@functools.lru_cache(maxsize=None)
def _has_weight(family: str, weight: int) -> bool:
    return bool(_fc_list(f":family={family}:weight={weight}", "family").strip())


def resolve(stacks: dict[str, tuple[str, ...]]) -> Fonts:
    installed = _installed()
    families, weights = {}, {}
    for role, stack in stacks.items():
        if role == "fallback":
            continue
        for entry in stack:
            family, css, fc = _entry(entry)
            if _family_key(family) in installed and (fc is None or _has_weight(family, fc)):
                families[role], weights[role] = family, css
                break
        else:
            raise KaoheError(f"字体“{role}”所列的字体（{'、'.join(stack)}）都没有安装；"
                             "请运行 scripts/setup 安装免费中文字体，或在 policy/policy.yaml 的 fonts 中改用已安装的字体")
    fallback = tuple(_entry(e)[0] for e in stacks.get("fallback", ()) if _family_key(_entry(e)[0]) in installed)
    return Fonts(families, weights, fallback)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for low, high in ranges:
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple((low, high) for low, high in merged)


def font_files(families: tuple[str, ...]) -> tuple[str, ...]:
    """The files behind the chosen families (their identity is part of every PDF's key)."""
    installed = _installed()
    return tuple(sorted({file for family in families for file in installed.get(_family_key(family), ())}))
