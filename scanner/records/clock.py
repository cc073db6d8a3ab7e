"""Today's date and who is acting, both injectable so tests and audits are reproducible.

* today: ``--today`` (passed in), else ``CLOUDGOV_TODAY`` (YYYY-MM-DD), else the local date.
* actor: ``--actor`` (passed in), else ``CLOUDGOV_ACTOR``, else the OS user name.
"""

from __future__ import annotations

import getpass
import os
from datetime import UTC, date, datetime, time

from scanner.errors import InputError, UsageError

__all__ = ["today", "actor", "parse_date", "moment"]


def parse_date(value: object, what: str = "date") -> date | None:
    """An ISO date (YYYY-MM-DD) from text, a date or None; anything else → InputError."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"{what}: {value!r} is not a date in the form YYYY-MM-DD") from None


def today(override: str | date | None = None) -> date:
    if override:
        d = parse_date(override, "--today")
    elif os.environ.get("CLOUDGOV_TODAY"):
        d = parse_date(os.environ["CLOUDGOV_TODAY"], "CLOUDGOV_TODAY")
    else:
        d = date.today()
    assert d is not None
    return d


def moment(day: date) -> datetime:
    """The timestamp recorded for changes: now, unless the clock is pinned to another day."""
    now = datetime.now(UTC)
    return now if now.date() == day else datetime.combine(day, time(12, 0), tzinfo=UTC)


def actor(override: str | None = None) -> str:
    name = (override or os.environ.get("CLOUDGOV_ACTOR") or "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            raise UsageError("cannot tell who is making this change; pass --actor or set CLOUDGOV_ACTOR") from None
    return name
