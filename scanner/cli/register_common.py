"""What the database-backed command groups (vendor, exit) share: the --actor/--today/--format
options, one transaction per command, and small output helpers. Only typer at import time."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer

from scanner.errors import InputError, UsageError

T = TypeVar("T")

__all__ = ["ActorOpt", "TodayOpt", "OutFmt", "db_session", "db_write", "who", "check_format", "print_json", "console"]

ActorOpt = Annotated[
    str | None, typer.Option("--actor", help="Who makes the change (default: CLOUDGOV_ACTOR, else the OS user).")
]
TodayOpt = Annotated[
    str | None,
    typer.Option("--today", help="Today's date, YYYY-MM-DD (default: CLOUDGOV_TODAY, else the system date)."),
]
OutFmt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]


@contextmanager
def db_session(db: str | None, what: str) -> Iterator[Any]:
    """One transaction over every component's tables; a database failure becomes one
    sentence (``what`` names the thing that was being changed) and nothing is written."""
    from sqlalchemy.exc import SQLAlchemyError

    import exit_plans.models  # noqa: F401  (maps the tables)
    import vendor_dd.models  # noqa: F401
    from scanner.store.db import open_db, session_scope

    engine = open_db(db)
    try:
        with session_scope(engine) as session:
            yield session
    except SQLAlchemyError as e:
        first = str(getattr(e, "orig", e)).strip().splitlines()[0]
        raise InputError(f"{what} could not be updated, nothing was changed: {first}") from None


def db_write(db: str | None, what: str, work: Callable[[Any], T]) -> T:
    """``work(session)`` in one transaction, retried when a concurrent writer makes the
    database refuse it (busy, serialization failure, or the same rows inserted meanwhile —
    imports are idempotent, so the retry finds them and changes nothing)."""
    from sqlalchemy.exc import SQLAlchemyError

    import exit_plans.models  # noqa: F401  (maps the tables)
    import vendor_dd.models  # noqa: F401
    from scanner.store.db import open_db, write_with_retry

    engine = open_db(db)
    try:
        return write_with_retry(engine, work)
    except SQLAlchemyError as e:
        first = str(getattr(e, "orig", e)).strip().splitlines()[0]
        raise InputError(f"{what} could not be updated, nothing was changed: {first}") from None


def who(actor: str | None, today: str | None):
    from scanner.records.changelog import Who

    return Who.resolve(actor, today)


def check_format(value: str) -> str:
    if value not in ("table", "json"):
        raise UsageError(f"--format: {value!r} is not one of table, json")
    return value


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def console():
    from rich.console import Console

    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)
