"""Working days with China's official holidays and make-up working days (调休)."""
from __future__ import annotations

import datetime as dt

import chinese_calendar

from kaohe_docs.errors import KaoheError


def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError as exc:
        raise KaoheError(f"节假日日历没有 {day.year} 年的数据，无法按工作日计算（{exc}）；"
                         "请升级 chinese-calendar（pip install -U chinese-calendar）") from exc


def working_days_end(start: dt.date, count: int) -> dt.date:
    """The last day of a period of ``count`` working days beginning on ``start`` (inclusive)."""
    day, seen = start, 0
    while True:
        if is_workday(day):
            seen += 1
            if seen == count:
                return day
        day += dt.timedelta(days=1)


def submission_deadline(quarter, day: int, extend: bool) -> dt.date:
    """Day ``day`` of the month after the quarter; moved to the next working day when it is not one."""
    year, month = (quarter.year + 1, 1) if quarter.q == 4 else (quarter.year, quarter.months[2] + 1)
    deadline = dt.date(year, month, day)
    while extend and not is_workday(deadline):
        deadline += dt.timedelta(days=1)
    return deadline
