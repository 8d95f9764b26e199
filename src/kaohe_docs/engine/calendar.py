"""Working days with China's official holidays and make-up working days (调休).

The chinese-calendar library knows the years the State Council had published when it was
released; a later year (every January for Q4, or a bureau on an isolated network) comes from
the policy's ``holidays:``. Where both know a year the library wins and ``differences``
lists where they disagree. Nothing here raises for a year neither knows: the functions return
None and ``gap_message`` says what to do, so a check reports it as one diagnostic among all
the others.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import chinese_calendar

if TYPE_CHECKING:
    from kaohe_docs.model import Quarter, YearDays
    from kaohe_docs.records.policy import Policy


@dataclass(frozen=True)
class Calendar:
    holidays: dict[int, YearDays] = field(default_factory=dict)  # year → YearDays, from policy

    def is_workday(self, day: dt.date) -> bool | None:
        """True/False, or None when neither the library nor the policy knows the year."""
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            year = self.holidays.get(day.year)
            return year.is_workday(day) if year is not None else None

    def working_days_end(self, start: dt.date, count: int) -> dt.date | None:
        """The last day of ``count`` working days beginning on ``start`` (inclusive); None if unknown."""
        day, seen = start, 0
        while True:
            workday = self.is_workday(day)
            if workday is None:
                return None
            if workday:
                seen += 1
                if seen == count:
                    return day
            day += dt.timedelta(days=1)

    def submission_deadline(self, quarter: Quarter, day: int, extend: bool) -> dt.date | None:
        """Day ``day`` of the month after the quarter, moved to the next working day when it is not one."""
        year, month = (quarter.year + 1, 1) if quarter.q == 4 else (quarter.year, quarter.months[2] + 1)
        deadline = dt.date(year, month, day)
        while extend:
            workday = self.is_workday(deadline)
            if workday is None:
                return None
            if workday:
                break
            deadline += dt.timedelta(days=1)
        return deadline

    def differences(self) -> dict[int, list[str]]:
        """Years in both the library and the policy: the days on which they disagree (the library wins)."""
        out: dict[int, list[str]] = {}
        for year, days in sorted(self.holidays.items()):
            found = []
            for day in sorted(days.off | days.work):
                try:
                    library = chinese_calendar.is_workday(day)
                except NotImplementedError:
                    break
                if library != days.is_workday(day):
                    found.append(f"{day}（政策为{'工作日' if days.is_workday(day) else '休息日'}，"
                                 f"日历为{'工作日' if library else '休息日'}）")
            if found:
                out[year] = found
        return out


def gap_message(year: int) -> str:
    return (f"节假日日历没有 {year} 年的数据，无法按工作日计算；请在 policy/policy.yaml 的 holidays 中写明 {year} 年的"
            f"放假日期（days_off）和调休上班日期（workdays），以国务院办公厅通知为准，或升级 chinese-calendar")


def unknown_year(start: dt.date, calendar: "Calendar") -> int:
    """The year of the first day from ``start`` on that the calendar does not know (for messages)."""
    day = start
    for _ in range(800):
        if calendar.is_workday(day) is None:
            return day.year
        day += dt.timedelta(days=1)
    return start.year


DEFAULT = Calendar()


def working_days_end(start: dt.date, count: int, calendar: Calendar = DEFAULT) -> dt.date | None:
    return calendar.working_days_end(start, count)


def submission_deadline(quarter: Quarter, day: int, extend: bool, calendar: Calendar = DEFAULT) -> dt.date | None:
    return calendar.submission_deadline(quarter, day, extend)


def calendar_of(policy: Policy) -> Calendar:
    """The official calendar with the policy's ``holidays:`` for years chinese-calendar lacks."""
    return Calendar(policy.holidays)
