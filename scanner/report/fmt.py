"""How the report writes figures and dates, per language: 民國 or ISO dates, 百分點, counts.

zh-TW writes dates as 民國 years (民國115年9月30日) or ISO dates, as configured
(``report.dates: roc | iso`` in cloudgov.yaml); English always uses ISO dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["Formatter", "roc_date", "DATE_STYLES"]

DATE_STYLES = ("roc", "iso")


def roc_date(day: dt.date) -> str:
    """2026-09-30 → 民國115年9月30日 (民國 year = Gregorian year − 1911)."""
    return f"民國{day.year - 1911}年{day.month}月{day.day}日"


def _as_date(value: str | dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@dataclass(frozen=True)
class Formatter:
    lang: str
    dates: str = "roc"

    def date(self, value: str | dt.date | dt.datetime | None, unknown: str = "—") -> str:
        if value is None or value == "":
            return unknown
        day = _as_date(value)
        if self.lang == "zh-TW" and self.dates == "roc":
            return roc_date(day)
        return day.isoformat()

    def short_date(self, value: str | dt.date | dt.datetime) -> str:
        """For chart axes: 114/12/15 (民國) or 2025-12-15."""
        day = _as_date(value)
        if self.lang == "zh-TW" and self.dates == "roc":
            return f"{day.year - 1911}/{day.month}/{day.day}"
        return day.isoformat()

    def pct(self, v: float | None, unknown: str) -> str:
        return unknown if v is None else f"{100 * v:.1f}%"

    def points(self, v: float | None, none: str) -> str:
        """A change of a rate, in 百分點 (percentage points)."""
        if v is None:
            return none
        pp = 100 * v
        unit = " 個百分點" if self.lang == "zh-TW" else " points"
        if abs(pp) < 0.05:
            return "±0.0" + unit
        return f"{'▲' if pp > 0 else '▼'} {abs(pp):.1f}{unit}"

    def num(self, n: int) -> str:
        return f"{n:,}"

    def hours(self, v: float) -> str:
        return f"{v:g} 小時" if self.lang == "zh-TW" else f"{v:g} h"
