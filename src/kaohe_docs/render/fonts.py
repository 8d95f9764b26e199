"""Font stacks from policy, resolved through fontconfig, and the missing-glyph check.

Each role (title, body, heading, kai, table) lists families in order of preference; the
first one installed is used. A character that the resolved fonts lack is an error that
names the document and the text: a blank box on an official paper is never acceptable.
"""
from __future__ import annotations

import bisect
import functools
import sys
import shutil
import subprocess
from dataclasses import dataclass

from kaohe_docs.errors import KaoheError

ALWAYS_OK = frozenset(" \n\t\r\u00a0")


@functools.lru_cache(maxsize=None)
def _charset(family: str) -> tuple[tuple[int, int], ...]:
    """Unicode ranges covered by an installed family (empty when it is not installed)."""
    if shutil.which("fc-list") is None:
        raise KaoheError("找不到 fontconfig（fc-list），请先运行安装脚本 scripts/setup")
    out = subprocess.run(["fc-list", f":family={family}", "charset"], capture_output=True, text=True,
                         check=False).stdout
    ranges = set()
    for line in out.splitlines():
        for part in line.replace(":charset=", "").split():
            low, _, high = part.partition("-")
            try:
                ranges.add((int(low, 16), int(high or low, 16)))
            except ValueError:
                continue
    return tuple(sorted(ranges))


@dataclass(frozen=True)
class Fonts:
    """The family chosen for each role, and what those families cover together."""

    families: dict  # role → family
    ranges: tuple[tuple[int, int], ...]  # sorted, merged

    def covers(self, char: str) -> bool:
        code = ord(char)
        i = bisect.bisect_right(self.ranges, (code, sys.maxunicode + 1)) - 1
        return char in ALWAYS_OK or (i >= 0 and self.ranges[i][0] <= code <= self.ranges[i][1])

    def missing(self, text: str) -> list[str]:
        return sorted(c for c in set(text) if not self.covers(c))


def resolve(stacks: dict[str, tuple[str, ...]]) -> Fonts:
    families, ranges = {}, set()
    for role, stack in stacks.items():
        for family in stack:
            charset = _charset(family)
            if charset:
                families[role] = family
                ranges.update(charset)
                break
        else:
            raise KaoheError(f"字体“{role}”所列的字体（{'、'.join(stack)}）都没有安装；"
                             "请运行 scripts/setup 安装免费中文字体，或在 policy/policy.yaml 的 fonts 中改用已安装的字体")
    return Fonts(families, _merge(sorted(ranges)))


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for low, high in ranges:
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple((low, high) for low, high in merged)


@functools.lru_cache(maxsize=None)
def font_files(families: tuple[str, ...]) -> tuple[str, ...]:
    """The files behind the chosen families (their identity is part of every PDF's key)."""
    files = set()
    for family in families:
        out = subprocess.run(["fc-list", f":family={family}", "file"], capture_output=True, text=True, check=False).stdout
        files.update(line.strip().rstrip(":") for line in out.splitlines() if line.strip())
    return tuple(sorted(files))
