"""One database for the scan history, the vendor register and exit plans.

The URL comes from ``--db``, else ``CLOUDGOV_DB``, else a SQLite file under the user's data
directory. Schema changes go through alembic migrations, one branch per component (its own
base revision and ``branch_labels``), so the parts evolve independently:

* ``history``    — ``scanner/store/migrations/versions``
* ``vendor_dd``  — ``vendor_dd/migrations``
* ``exit_plans`` — ``exit_plans/migrations`` (``depends_on`` vendor_dd's revisions)
* ``web``        — ``scanner/web/migrations`` (accounts, sessions, tokens, waivers of ``cloudgov serve``)

:func:`open_db` upgrades every branch to its head before returning the engine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, DatabaseError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from scanner.errors import InputError

T = TypeVar("T")

__all__ = ["Base", "resolve_url", "parse_url", "write_with_retry", "open_db", "session_scope", "default_url", "MIGRATION_LOCATIONS"]

_ROOT = Path(__file__).resolve().parents[2]
MIGRATION_LOCATIONS = [
    Path(__file__).resolve().parent / "migrations" / "versions",
    _ROOT / "vendor_dd" / "migrations",
    _ROOT / "exit_plans" / "migrations",
    _ROOT / "scanner" / "web" / "migrations",
]


class Base(DeclarativeBase):
    """Declarative base shared by every component's models."""


def default_url() -> str:
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('cloudgov')) / 'cloudgov.db'}"


def resolve_url(url: str | None = None) -> str:
    url = url or os.environ.get("CLOUDGOV_DB") or default_url()
    # plain postgresql:// means psycopg 3 here (psycopg2 is not a dependency)
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def parse_url(url: str | None):
    """The resolved URL parsed; a string that is not a URL is one sentence, not a traceback."""
    from sqlalchemy.engine import make_url

    resolved = resolve_url(url)
    try:
        return make_url(resolved)
    except (ArgumentError, ValueError):
        raise InputError(f"--db: {resolved!r} is not a database URL (e.g. sqlite:///cloudgov.db)") from None


def _make_engine(url: str) -> Engine:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    try:
        engine = create_engine(parsed, future=True)
    except ModuleNotFoundError as e:
        if parsed.get_backend_name() == "postgresql":
            from scanner.extras import missing_module

            raise missing_module(e, "postgres", "a PostgreSQL --db") from None
        raise InputError(f"--db: cannot use {parsed.render_as_string(hide_password=True)} ({e})") from None
    except ArgumentError as e:
        raise InputError(f"--db: cannot use {parsed.render_as_string(hide_password=True)} ({e})") from None
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")  # concurrent writers wait, not fail
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

    return engine


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
    cfg.set_main_option(
        "version_locations", " ".join(str(p) for p in MIGRATION_LOCATIONS if p.is_dir())
    )
    cfg.set_main_option("path_separator", "space")
    return cfg


#: the PostgreSQL advisory-lock key every cloudgov process takes to migrate ("cloudgov")
MIGRATION_LOCK_KEY = int.from_bytes(b"cloudgov", "big") & 0x7FFF_FFFF_FFFF_FFFF


def _at_heads(conn: Any, cfg: Any) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    return set(MigrationContext.configure(conn).get_current_heads()) == heads


def migrate(engine: Engine) -> None:
    """Upgrade every migration branch to its head, one process at a time.

    Processes that open a new database together would each run the migrations (on
    PostgreSQL the losers died on UniqueViolation, on SQLite on "table already exists"). The
    upgrade runs under a lock — PostgreSQL: a transaction-scoped advisory lock; SQLite: an
    exclusive transaction — and re-checks the revision once it holds it, so the others wait
    and then find nothing to do. A database already at its heads takes no lock at all.
    """
    from alembic import command

    cfg = _alembic_config(engine)
    with engine.connect() as conn:
        if _at_heads(conn, cfg):
            return
        conn.rollback()
        backend = engine.dialect.name
        if backend == "sqlite":
            conn.exec_driver_sql("BEGIN EXCLUSIVE")  # waits busy_timeout for other writers
        elif backend == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        if not _at_heads(conn, cfg):
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
        conn.commit()


#: how often a writer tries a transaction the database refused for a transient reason
WRITE_ATTEMPTS = 8


def _transient(e: Exception, *, conflicts: bool) -> bool:
    """SQLite busy/locked, PostgreSQL serialization failure or deadlock — and, for writers
    that are idempotent (``conflicts``), a unique violation from a concurrent twin."""
    from sqlalchemy.exc import IntegrityError

    orig = getattr(e, "orig", None)
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state in ("40001", "40P01", "55P03"):
        return True
    if isinstance(e, IntegrityError):
        return conflicts and (state == "23505" or "UNIQUE constraint failed" in str(orig))
    text_ = str(orig or e).lower()
    return "database is locked" in text_ or "database table is locked" in text_ or "busy" in text_


def write_with_retry(engine: Engine, work: Callable[[Session], T], *, conflicts: bool = True) -> T:
    """Run ``work(session)`` in one transaction, again (with jittered back-off) when the
    database refuses it for a transient reason. ``work`` must be safe to repeat: it is
    rolled back entirely before each new attempt."""
    import random
    import time

    from sqlalchemy.exc import DBAPIError

    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            with session_scope(engine) as session:
                return work(session)
        except DBAPIError as e:
            if attempt == WRITE_ATTEMPTS or not _transient(e, conflicts=conflicts):
                raise
            time.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + random.random()))
    raise AssertionError("unreachable")  # pragma: no cover


def open_db(url: str | None = None) -> Engine:
    """The engine for ``url`` (resolved as above), migrated to the newest schema."""
    resolved = resolve_url(url)
    with _lock:
        engine = _engines.get(resolved)
        if engine is None:
            engine = _make_engine(resolved)
            try:
                migrate(engine)
            except DatabaseError as e:  # unreachable, locked, or a file that is not a database
                raise InputError(
                    f"cannot open the database {engine.url.render_as_string(hide_password=True)}: "
                    f"{str(e.orig).strip().splitlines()[0]}"
                ) from None
            _engines[resolved] = engine
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        with session.begin():
            yield session
