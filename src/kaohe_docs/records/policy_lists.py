"""The policy file's two lists (``parse_policy`` reads the rest): the holiday calendar (``holidays:``, the
days off and the working weekend days of each year) and the 共性指标 items (``indicators:``, per element)."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from kaohe_docs.model import Indicator, YearDays
from kaohe_docs.records.schema import Fields
from kaohe_docs.records.yamlio import YMap, YSeq


def read_holidays(top: Fields, mapping: YMap | None) -> dict[int, YearDays]:
    """``holidays: {2027: {days_off: [2027-01-01, 2027-02-06~2027-02-13], workdays: [2027-02-14]}}``
    (not ``off``: YAML reads off as false)."""
    result: dict[int, YearDays] = {}
    if mapping is None:
        return result
    for year, value in mapping.items():
        line = mapping.line_of(year)
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            top.report(line, f"holidays 中的“{year}”应为年份，如 2027")
            continue
        f = Fields(value, top.path, top.diagnostics, f"{year} 年节假日", line)
        days_off, workdays = _days(f, "days_off", year), _days(f, "workdays", year)
        f.done()
        if days_off is None or workdays is None:
            continue
        both = days_off & workdays
        if both:
            f.report(line, f"{year} 年的 {'、'.join(map(str, sorted(both)))} 既是放假日（days_off）又是调休上班日（workdays）")
            continue
        result[year] = YearDays(frozenset(days_off), frozenset(workdays), line)
    return result


def _days(f: Fields, key: str, year: int) -> set[dt.date] | None:
    """Dates, or ranges written ``2027-10-01~2027-10-07``, all inside ``year``."""
    seq = f.sequence(key, required=key == "days_off")
    if seq is None:
        return None if key == "days_off" else set()
    days: set[dt.date] = set()
    for item, line in zip(seq, seq.lines):
        text = str(item).strip() if item is not None else ""
        try:
            if isinstance(item, dt.date):
                first = last = item
            elif "~" in text:
                a, b = (dt.date.fromisoformat(part.strip()) for part in text.split("~", 1))
                first, last = a, b
            else:
                first = last = dt.date.fromisoformat(text)
        except ValueError:
            f.report(line, f"“{text}”应为日期（2027-10-01）或日期范围（2027-10-01~2027-10-07）")
            return None
        if first > last or first.year != year or last.year != year:
            f.report(line, f"“{text}”不在 {year} 年内或起止颠倒")
            return None
        while first <= last:
            days.add(first)
            first += dt.timedelta(days=1)
    return days


_RANGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*[~～]\s*(\d+(?:\.\d+)?)\s*\Z")


def read_indicators(top: Fields, mapping: YMap | None, elements: dict[str, Decimal] | None) -> dict[str, Indicator]:
    """``indicators: {勤: [{id: 勤-1, text: 无故迟到早退, deduct: 1}, {id: 勤-2, text: …, deduct: 1~3}]}``:
    per element its items, each a deduction (deduct) or an addition (add), a fixed value or a range."""
    result: dict[str, Indicator] = {}
    if mapping is None:
        return result
    for element, items in mapping.items():
        line = mapping.line_of(element)
        if elements is not None and element not in elements:
            top.report(line, f"indicators 中的“{element}”不是共性指标要素（应为 {'、'.join(map(str, elements))}）")
            continue
        if not isinstance(items, YSeq):
            top.report(line, f"indicators 中“{element}”应为指标项目的列表（每项以“- ”开头）")
            continue
        full = elements[str(element)] if elements is not None else None  # a key of elements: a str
        for item_line, item in zip(items.lines, items):
            f = Fields(item, top.path, top.diagnostics, f"共性指标“{element}”的项目", item_line)
            ident, text = f.text("id"), f.text("text")
            kinds = [k for k in ("deduct", "add") if k in f.map]
            values = [_indicator_value(f, k) for k in kinds]
            f.done(known_extra=("deduct", "add"))
            if len(kinds) != 1:
                f.report(f.line, f"共性指标项目“{ident}”须写 deduct（扣分）或 add（加分）之一")
                continue
            value = values[0]
            if ident is None or text is None or value is None:
                continue
            low, high = value
            if ident in result:
                f.report(f.line, f"共性指标项目编号“{ident}”重复（第 {result[ident].line} 行已有）")
                continue
            if full is not None and high > full:
                f.report(f.line_of(kinds[0]), f"共性指标项目“{ident}”的分值 {high} 超过要素“{element}”的满分 {full}")
                continue
            result[ident] = Indicator(ident, str(element), text, -1 if kinds[0] == "deduct" else 1, low, high, f.line)
    return result


def _indicator_value(f: Fields, key: str) -> tuple[Decimal, Decimal] | None:
    """``2`` (fixed) or ``1~3`` (a range the unit picks in) → (low, high); both above 0."""
    value = f.map.get(key)
    line = f.line_of(key)
    match = _RANGE.match(value) if isinstance(value, str) else None
    if match:
        low, high = Decimal(match.group(1)), Decimal(match.group(2))
        if not 0 < low < high:
            f.report(line, f"“{key}”的范围“{value}”应从小到大且大于 0，如 1~3")
            return None
        return low, high
    number = f.coerce_number(value, line, key)
    if number is None:
        return None
    if number <= 0:
        f.report(line, f"“{key}”应大于 0（扣分写 deduct，加分写 add），现在是 {number}")
        return None
    return number, number
