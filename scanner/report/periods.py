"""Reporting periods: ``2026-Q3``, ``2026-H1``, ``2026`` or ``2026-09``, in Taiwan time.

Board reports are quarterly (ETG 4.2) and the CC-12000 (6) statement is annual; a period's
bounds are midnight Taiwan time (UTC+8, no daylight saving): a scan at 01:00 on 1 October
in Taipei (17:00 UTC on 30 September) belongs to Q4.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from scanner.errors import UsageError

__all__ = ["Period", "parse_period", "TAIPEI"]

TAIPEI = dt.timezone(dt.timedelta(hours=8), "Asia/Taipei")
_RE = re.compile(r"^(?P<y>\d{4})(?:-(?:(?P<q>Q[1-4])|(?P<h>H[12])|(?P<m>\d{2})))?$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    label: str  # 2026-Q3
    kind: str  # quarter / half / year / month
    start: dt.date  # first day (inclusive)
    end: dt.date  # last day (inclusive)

    @property
    def start_utc(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(0), tzinfo=TAIPEI).astimezone(dt.UTC)

    @property
    def end_utc(self) -> dt.datetime:
        """Exclusive end: midnight after the last day, Taiwan time."""
        nxt = self.end + dt.timedelta(days=1)
        return dt.datetime.combine(nxt, dt.time(0), tzinfo=TAIPEI).astimezone(dt.UTC)

    def contains(self, when: dt.datetime) -> bool:
        return self.start_utc <= when < self.end_utc

    def previous(self) -> Period:
        return _of_kind(self.kind, self.start - dt.timedelta(days=1))

    def back(self, n: int) -> list[Period]:
        """This period and the n-1 before it, oldest first."""
        out = [self]
        while len(out) < n:
            out.append(out[-1].previous())
        return out[::-1]


def _of_kind(kind: str, day: dt.date) -> Period:
    y = day.year
    if kind == "quarter":
        q = (day.month - 1) // 3 + 1
        return parse_period(f"{y}-Q{q}")
    if kind == "half":
        return parse_period(f"{y}-H{1 if day.month <= 6 else 2}")
    if kind == "month":
        return parse_period(f"{y}-{day.month:02d}")
    return parse_period(str(y))


def _last_day(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def parse_period(text: str) -> Period:
    m = _RE.match(text.strip())
    if not m:
        raise UsageError(f"--period: {text!r} is not a period; use e.g. 2026-Q3, 2026-H1, 2026 or 2026-09")
    y = int(m["y"])
    if m["q"]:
        q = int(m["q"][1])
        return Period(f"{y}-Q{q}", "quarter", dt.date(y, 3 * q - 2, 1), _last_day(y, 3 * q))
    if m["h"]:
        h = int(m["h"][1])
        return Period(f"{y}-H{h}", "half", dt.date(y, 6 * h - 5, 1), _last_day(y, 6 * h))
    if m["m"]:
        month = int(m["m"])
        if not 1 <= month <= 12:
            raise UsageError(f"--period: {text!r} has no month {month}")
        return Period(f"{y}-{month:02d}", "month", dt.date(y, month, 1), _last_day(y, month))
    return Period(str(y), "year", dt.date(y, 1, 1), dt.date(y, 12, 31))
