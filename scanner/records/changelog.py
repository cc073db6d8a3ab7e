"""Who acts, and the change log every register write records (who, when, what).

Every function works inside the caller's transaction (``scanner.store.db.session_scope``),
so a failed command leaves nothing half-written and every change has an author.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanner.records import clock
from scanner.records.models import Change

__all__ = ["Who", "record", "changes"]


@dataclass(frozen=True)
class Who:
    """Who acts, on which day (injectable), and the timestamp recorded."""

    actor: str
    today: date
    at: datetime

    @classmethod
    def resolve(cls, actor: str | None = None, today: str | date | None = None) -> Who:
        day = clock.today(today)
        return cls(clock.actor(actor), day, clock.moment(day))


def record(session: Session, who: Who, action: str, entity: str, key: str, **details: Any) -> None:
    session.add(Change(at=who.at, actor=who.actor, action=action, entity=entity, key=key, details=_jsonable(details)))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def changes(session: Session, limit: int = 50, key: str | None = None) -> list[Change]:
    stmt = select(Change).order_by(Change.id.desc()).limit(limit)
    if key:
        stmt = stmt.where((Change.key == key) | Change.key.startswith(key + "/"))
    return list(session.scalars(stmt))
