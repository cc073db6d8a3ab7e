"""Fixtures: every register test runs on SQLite, and on PostgreSQL when CLOUDGOV_TEST_PG_URL is set.

Each PostgreSQL test gets a fresh schema (dropped afterwards) via ``search_path`` in the
URL, so runs are isolated and the migrations run from empty every time.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "vendors.yaml"
PG_URL = os.environ.get("CLOUDGOV_TEST_PG_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@dataclass
class Register:
    url: str
    evidence: Path
    backend: str

    def engine(self):
        import vendor_dd.models  # noqa: F401
        from scanner.store.db import open_db

        return open_db(self.url)

    def session(self):
        from scanner.store.db import session_scope

        return session_scope(self.engine())


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(params=BACKENDS)
def register(request, tmp_path, monkeypatch) -> Iterator[Register]:
    evidence = tmp_path / "evidence"
    monkeypatch.setenv("CLOUDGOV_EVIDENCE_DIR", str(evidence))
    monkeypatch.setenv("CLOUDGOV_ACTOR", "tester")
    monkeypatch.setenv("CLOUDGOV_TODAY", "2026-11-21")
    monkeypatch.delenv("CLOUDGOV_DB", raising=False)
    if request.param == "sqlite":
        yield Register(f"sqlite:///{tmp_path / 'cloudgov.db'}", evidence, "sqlite")
        return
    schema = f"vdd_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE SCHEMA {schema}")
    reg = Register(_pg_schema_url(schema), evidence, "postgresql")
    try:
        yield reg
    finally:
        from scanner.store import db

        from scanner.store.db import resolve_url

        engine = db._engines.pop(resolve_url(reg.url), None)
        if engine is not None:
            engine.dispose()
        _pg_admin(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def sample_copy(tmp_path) -> Path:
    """samples/vendors.yaml with its evidence files, in a folder the test may change."""
    dest = tmp_path / "samples"
    shutil.copytree(REPO / "samples" / "vendor-evidence", dest / "vendor-evidence")
    shutil.copy(SAMPLE, dest / "vendors.yaml")
    return dest / "vendors.yaml"


def _invoke(*args: str):
    from typer.testing import CliRunner

    from scanner.cli import app
    from scanner.errors import CloudgovError

    result = CliRunner().invoke(app, list(args), catch_exceptions=True)
    if isinstance(result.exception, CloudgovError):
        result.exit_code = result.exception.exit_code  # what scanner.cli.main does
    return result


@pytest.fixture
def vendor_cli(register):
    """``cloudgov vendor ...`` in-process against the test's register."""

    def run(*args: str):
        return _invoke("vendor", *args, "--db", register.url) if args and args[0] != "--" else _invoke(*args[1:])

    return run
