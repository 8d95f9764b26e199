"""Titles that wrap by GB/T 9704-2012 7.3.1: whole words on each line, lines balanced (梯形/菱形).

Widths are estimated from the character classes (CJK and the curly quotes 1 em, digits and
Latin about 0.56 em, as in the Noto CJK faces).

Break points come from the title's structure, not from a statistical segmenter: the bureau
name splits only after its administrative level (青山县 | 公安局), a year or quarter stays
whole (2026年 | 第一季度), a quoted term stays with the word it qualifies (“好”等次), a
parenthesis stays whole when it fits a line, and the rest splits between words of the
assessment vocabulary below. Text the vocabulary does not know is never broken inside
(an overriding template's own wording wraps only at the boundaries around it).
"""
from __future__ import annotations

import itertools
import re
import unicodedata

# Words of document titles and form headings (longest match first). Unknown runs stay whole.
VOCABULARY = (
    "关于", "平时考核", "年度考核", "考核", "优秀", "等次", "人选", "人员", "结果", "的公示", "公示", "登记表",
    "简明情况", "对象情况表", "情况表", "比例使用", "申报表", "反馈通知", "复核结果", "告知", "汇总表", "工作情况",
    "统计", "提示名单", "名单", "考核办", "工作表", "运用", "符合条件", "人选范围", "草稿", "年度", "季度",
    "公务员", "的报告", "报告", "总结", "量化考核", "指标表", "正向激励", "名额表", "各单位",
)
_ADMIN = re.compile(r"(.{2,}?(?:特别行政区|自治区|自治州|自治县|自治旗|地区|省|市|州|盟|县|区|旗))")
_NUMBER_YEAR = re.compile(r"\d+(?:年度考核|年度|年)?")
_QUARTER = re.compile(r"(?:前\s*\d+\s*个季度|第[一二三四1-4]季度)")
_BUREAU = re.compile(r"[\u4e00-\u9fff]{1,12}?公安(?:分)?局")


def width(text: str) -> float:
    """Approximate printed width in em: CJK and full-width 1, Latin letters and digits about half."""
    total = 0.0
    for ch in text:
        total += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F", "A") or ord(ch) > 0x2000 else 0.55
    return total


def _bureau_words(name: str) -> list[str]:
    """清河县公安局 → 清河县 | 公安局; 某某市某某区公安分局 → 某某市 | 某某区 | 公安分局."""
    words, rest = [], name
    while True:
        m = _ADMIN.match(rest)
        if m is None or len(rest) - m.end() < 2:
            break
        words.append(m.group(1))
        rest = rest[m.end():]
    return words + [rest] if rest else words


def words(text: str, bureau: str = "") -> list[str]:
    """The title's words, in order; a line may break only between two of them."""
    out: list[str] = []
    unknown = ""
    i = 0

    def flush():
        nonlocal unknown
        if unknown:
            out.append(unknown)
            unknown = ""

    while i < len(text):
        rest = text[i:]
        if bureau and rest.startswith(bureau):
            flush()
            out.extend(_bureau_words(bureau))
            i += len(bureau)
            continue
        m = (_QUARTER.match(rest) or _NUMBER_YEAR.match(rest)
             or (None if bureau else _BUREAU.match(rest)))
        if m is not None and m.re is _BUREAU:
            flush()
            out.extend(_bureau_words(m.group(0)))
            i += m.end()
            continue
        if m is not None:
            flush()
            out.append(m.group(0))
            i += m.end()
            continue
        if rest[0] in "“‘「《":
            close = {"“": "”", "‘": "’", "「": "」", "《": "》"}[rest[0]]
            end = rest.find(close)
            if end > 0:
                flush()
                quoted = rest[:end + 1]
                tail = rest[end + 1:]
                follower = next((w for w in sorted(VOCABULARY, key=len, reverse=True) if tail.startswith(w)), "")
                out.append(quoted + follower)
                i += len(quoted) + len(follower)
                continue
        if rest[0] in "（(":
            end = rest.find("）" if rest[0] == "（" else ")")
            if end > 0:
                flush()
                inner = words(rest[1:end], bureau)
                inner[0] = rest[0] + inner[0]
                inner[-1] += rest[end]
                out.append("\0".join(inner))  # split again only if the parenthesis is longer than a line
                i += end + 1
                continue
        word = next((w for w in sorted(VOCABULARY, key=len, reverse=True) if rest.startswith(w)), None)
        if word is not None:
            flush()
            out.append(word)
            i += len(word)
            continue
        if rest[0] in "的之" and unknown == "":
            # a particle opens the next line rather than closing this one: keep it with what follows
            out.append(rest[0])
            i += 1
            continue
        unknown += rest[0]
        i += 1
    flush()
    merged: list[str] = []
    for w in out:  # a lone particle joins the word after it
        if merged and merged[-1] in ("的", "之"):
            merged[-1] += w
        else:
            merged.append(w)
    return merged


def _shape_ok(widths: list[float]) -> bool:
    """梯形 (lines growing shorter, or longer, from the top) or 菱形 (three lines, the middle longest)."""
    if len(widths) == 3 and widths[1] >= widths[0] and widths[1] >= widths[2]:
        return True
    pairs = list(zip(widths, widths[1:]))
    return all(a >= b for a, b in pairs) or all(a <= b for a, b in pairs)


def lines(text: str, capacity: float, bureau: str = "") -> list[str]:
    """The title's lines: as few as fit ``capacity`` em, breaking between words, balanced."""
    if width(text) <= capacity:
        return [text]
    tokens: list[str] = []
    for w in words(text, bureau):
        parts = w.split("\0")
        tokens.extend(parts if width("".join(parts)) > capacity else ["".join(parts)])
    # a word longer than a line (an unusual unit name) is cut into line-sized pieces
    fitted: list[str] = []
    for t in tokens:
        while width(t) > capacity:
            cut = max(1, int(capacity))
            while width(t[:cut]) > capacity:
                cut -= 1
            fitted.append(t[:cut])
            t = t[cut:]
        fitted.append(t)
    ws = [width(t) for t in fitted]
    for n in range(2, len(fitted) + 1):
        best = None
        for cuts in itertools.combinations(range(1, len(fitted)), n - 1):
            bounds = (0, *cuts, len(fitted))
            line_widths = [sum(ws[a:b]) for a, b in zip(bounds, bounds[1:])]
            if max(line_widths) > capacity:
                continue
            # a 梯形/菱形 first, then the most even lines (to the em), then the upper line the longer
            descending = all(a >= b for a, b in zip(line_widths, line_widths[1:]))
            cost = (not _shape_ok(line_widths), round(max(line_widths) - min(line_widths)), not descending,
                    max(line_widths) - min(line_widths))
            if best is None or cost < best[0]:
                best = (cost, bounds)
        if best is not None:
            bounds = best[1]
            return ["".join(fitted[a:b]) for a, b in zip(bounds, bounds[1:])]
        if n > 6:
            break
    return ["".join(fitted)]
