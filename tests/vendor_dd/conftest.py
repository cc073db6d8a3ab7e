"""Fixtures: every register test runs on SQLite, and on PostgreSQL when CLOUDGOV_TEST_PG_URL is set.

Each PostgreSQL test gets a fresh schema (dropped afterwards) via ``search_path`` in the
URL, so runs are isolated and the migrations run from empty every time.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "vendors.yaml"


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


@pytest.fixture
def register(database_url, tmp_path, monkeypatch) -> Iterator[Register]:
    """The register on a fresh database: SQLite, and PostgreSQL when CLOUDGOV_TEST_PG_URL
    is set (tests/conftest.py's database_url gives each test a schema of its own)."""
    evidence = tmp_path / "evidence"
    monkeypatch.setenv("CLOUDGOV_EVIDENCE_DIR", str(evidence))
    monkeypatch.setenv("CLOUDGOV_ACTOR", "tester")
    monkeypatch.setenv("CLOUDGOV_TODAY", "2026-11-21")
    monkeypatch.delenv("CLOUDGOV_DB", raising=False)
    backend = "postgresql" if database_url.startswith("postgres") else "sqlite"
    yield Register(database_url, evidence, backend)


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
