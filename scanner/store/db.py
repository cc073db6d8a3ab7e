"""One database for the scan history, the vendor register and exit plans.

The URL comes from ``--db``, else ``CLOUDGOV_DB``, else a SQLite file under the user's data
directory. Schema changes go through alembic migrations, one branch per component (its own
base revision and ``branch_labels``), so the parts evolve independently:

* ``history``    — ``scanner/store/migrations/versions``
* ``vendor_dd``  — ``vendor_dd/migrations``
* ``exit_plans`` — ``exit_plans/migrations`` (``depends_on`` vendor_dd's revisions)

:func:`open_db` upgrades every branch to its head before returning the engine.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import ArgumentError, DatabaseError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from scanner.errors import InputError

__all__ = ["Base", "resolve_url", "parse_url", "open_db", "session_scope", "default_url", "MIGRATION_LOCATIONS"]

_ROOT = Path(__file__).resolve().parents[2]
MIGRATION_LOCATIONS = [
    Path(__file__).resolve().parent / "migrations" / "versions",
    _ROOT / "vendor_dd" / "migrations",
    _ROOT / "exit_plans" / "migrations",
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
    except (ArgumentError, ModuleNotFoundError) as e:
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


def migrate(engine: Engine) -> None:
    """Upgrade every migration branch to its head."""
    from alembic import command

    cfg = _alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")


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
