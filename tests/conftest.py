"""Shared fixtures. Tests run offline: no cloud, no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, input: str | None = None):
    """Run the real console entry point in a subprocess (exit codes and stderr as a user sees them)."""
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "scanner", *args],
        cwd=cwd or ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )


@pytest.fixture
def cli():
    return run_cli


PG_URL = os.environ.get("CLOUDGOV_TEST_PG_URL")
DB_BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(params=DB_BACKENDS)
def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, and (when CLOUDGOV_TEST_PG_URL is set) a new
    PostgreSQL schema dropped afterwards, so the same test runs on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cloudgov.db'}"
        return
    import uuid

    from scanner.store import db
    from scanner.store.db import resolve_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        engine = db._engines.pop(resolve_url(url), None)
        if engine is not None:
            engine.dispose()
        _pg_admin(f"DROP SCHEMA {schema} CASCADE")
