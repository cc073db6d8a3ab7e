"""Fixtures: the vendor_dd register fixture (SQLite, and PostgreSQL when
CLOUDGOV_TEST_PG_URL is set) with the sample register and exit plans loaded."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# reuse vendor_dd's backend fixture rather than copying it
_spec = importlib.util.spec_from_file_location("_vendor_dd_conftest", REPO / "tests" / "vendor_dd" / "conftest.py")
_vdd = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _vdd  # dataclasses look their module up there
_spec.loader.exec_module(_vdd)
register = _vdd.register
Register = _vdd.Register


def who(day: date = date(2026, 11, 21)):
    from scanner.records.changelog import Who

    return Who("tester", day, datetime(day.year, day.month, day.day, 12, tzinfo=UTC))


@pytest.fixture
def as_of():
    """``as_of(day)`` → the Who acting on that day (default 2026-11-21)."""
    return who


@pytest.fixture
def invoke():
    """Run ``cloudgov ...`` in-process; CloudgovError → its exit code, as scanner.cli.main does."""
    return _vdd._invoke


@pytest.fixture
def samples(tmp_path) -> Path:
    """samples/vendors.yaml, exit-plans.yaml and after-exit/ in a folder the test may change."""
    dest = tmp_path / "samples"
    shutil.copytree(REPO / "samples" / "vendor-evidence", dest / "vendor-evidence")
    shutil.copytree(REPO / "samples" / "after-exit", dest / "after-exit")
    for f in ("vendors.yaml", "exit-plans.yaml"):
        shutil.copy(REPO / "samples" / f, dest / f)
    return dest


@pytest.fixture
def loaded(register, samples):
    """The register with the sample vendors and exit plans imported."""
    from exit_plans.importer import import_document, read_document
    from vendor_dd.importer import import_document as import_vendors
    from vendor_dd.importer import read_document as read_vendors

    import exit_plans.models  # noqa: F401

    with register.session() as s:
        import_vendors(s, who(), read_vendors(samples / "vendors.yaml"), base_dir=samples,
                       evidence_root=register.evidence, source="vendors.yaml")
    with register.session() as s:
        import_document(s, who(), read_document(samples / "exit-plans.yaml"), source="exit-plans.yaml")
    return register


@pytest.fixture
def exit_cli(register):
    def run(*args: str):
        return _vdd._invoke("exit", *args, "--db", register.url)

    return run
