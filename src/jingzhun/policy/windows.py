"""A window of months (收入预评估的时段): from a first month to a last month, across years, bounded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MAX_WINDOW_MONTHS = 24
EARLIEST_MONTH = (2013, 1)  # records start with 建档立卡


@dataclass(frozen=True)
class MonthWindow:
    """The months ``first``..``last`` (each ``(year, month)``), both included."""

    first: tuple[int, int]
    last: tuple[int, int]

    @classmethod
    def of_year(cls, year: int, through_month: int) -> MonthWindow:
        """January..``through_month`` of ``year``."""
        return cls((year, 1), (year, through_month))

    @property
    def months(self) -> int:
        return (self.last[0] - self.first[0]) * 12 + self.last[1] - self.first[1] + 1

    @property
    def year(self) -> int:
        """The projected year: the window's last."""
        return self.last[0]

    @property
    def starts_on(self) -> dt.date:
        return dt.date(self.first[0], self.first[1], 1)

    def months_in(self, year: int) -> int:
        """How many months of ``year`` lie in the window."""
        start = self.first[1] if year == self.first[0] else 1
        end = self.last[1] if year == self.last[0] else 12
        return max(0, end - start + 1) if self.first[0] <= year <= self.last[0] else 0

    @property
    def years(self) -> list[int]:
        return list(range(self.first[0], self.last[0] + 1))

    def __str__(self) -> str:
        return f"{self.first[0]}-{self.first[1]:02d} 至 {self.last[0]}-{self.last[1]:02d}"


def month_window_problem(window: MonthWindow, *, today: dt.date) -> str:
    """Why ``window`` cannot be pre-assessed, in Chinese ("" when it can)."""
    for _year, month in (window.first, window.last):
        if not 1 <= month <= 12:
            return f"月份应为 1 到 12，而不是 {month}。"
    if window.first < EARLIEST_MONTH:
        return f"起始月份不能早于 {EARLIEST_MONTH[0]}-{EARLIEST_MONTH[1]:02d}（建档立卡之前没有收入记录）。"
    if window.last > (today.year, today.month):
        return f"截止月份不能晚于本月（{today:%Y-%m}）：以后的收入还没有记录。"
    if window.last < window.first:
        return f"起始月份 {window.first[0]}-{window.first[1]:02d} 晚于截止月份 {window.last[0]}-{window.last[1]:02d}。"
    if window.months > MAX_WINDOW_MONTHS:
        return f"预评估的时段最长 {MAX_WINDOW_MONTHS} 个月，{window} 共 {window.months} 个月。"
    return ""
