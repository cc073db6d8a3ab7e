"""Scan history: findings files and ScanResults stored alike, imported once, pruned by age."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest

from scanner.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "samples" / "history"


@pytest.fixture
def db(database_url) -> str:
    """SQLite, and PostgreSQL when CLOUDGOV_TEST_PG_URL is set (tests/conftest.py)."""
    return database_url


def _session(db):
    import scanner.store.models_history  # noqa: F401
    from scanner.store.db import open_db, session_scope

    return session_scope(open_db(db))


def test_import_folder_stores_each_quarter_once(db):
    from sqlalchemy import func, select

    from scanner.store.history import import_paths
    from scanner.store.models_history import Rollup, Scan, StoredFinding, StoredGap

    first = import_paths([HISTORY], db)
    assert [o.created for o in first] == [True] * 4
    again = import_paths([HISTORY], db)
    assert [o.created for o in again] == [False] * 4
    assert [o.scan_id for o in again] == [o.scan_id for o in first]
    with _session(db) as s:
        assert s.scalar(select(func.count()).select_from(Scan)) == 4
        q3 = s.scalar(select(Scan).where(Scan.origin == "import:findings-2026-Q3.json"))
        doc = json.loads((HISTORY / "findings-2026-Q3.json").read_text(encoding="utf-8"))
        # every finding counted (passing ones as counts), non-passing ones stored in full
        assert q3.summary["by_status"] == doc["summary"]["by_status"]
        total = s.scalar(select(func.sum(Rollup.count)).where(Rollup.scan_id == q3.id))
        assert total == doc["summary"]["total"] == len(doc["findings"])
        non_passing = [f for f in doc["findings"] if f["status"] in ("FAIL", "ERROR", "WAIVED")]
        stored = s.scalars(select(StoredFinding).where(StoredFinding.scan_id == q3.id)).all()
        assert sorted(f.fingerprint for f in stored) == sorted(f["id"] for f in non_passing)
        waived = [f for f in stored if f.status == "WAIVED"]
        assert waived and all(f.waiver["compensating_control"] for f in waived)
        gaps = s.scalars(select(StoredGap).where(StoredGap.scan_id == q3.id)).all()
        assert [(g.service, g.code) for g in gaps] == [("dynamodb", "AccessDenied")]
        assert q3.resource_count == 305 and len(q3.accounts) == 9
        assert q3.waiver_problems == doc["waiver_problems"]


def test_record_scan_and_import_of_its_json_are_the_same_scan(db, tmp_path):
    """--store on a scan and `history import` of the same scan's findings.json give one row."""
    import io

    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate
    from scanner.inventory import load, merge
    from scanner.outputs import json_doc
    from scanner.store.history import import_paths, record_scan

    inv = merge(load(p) for p in sorted((ROOT / "samples" / "estate").glob("*.json")))
    result = evaluate(inv, load_policies(), load_config(None), source="snapshot:samples/estate/")
    scan_id = record_scan(result, db_url=db)
    buf = io.StringIO()
    json_doc.render(result, buf)
    path = tmp_path / "findings.json"
    path.write_text(buf.getvalue(), encoding="utf-8")
    [outcome] = import_paths([path], db)
    assert outcome.scan_id == scan_id and not outcome.created


def test_not_a_findings_document_is_one_sentence(db, tmp_path):
    from scanner.store.history import import_paths

    bad = tmp_path / "inventory.json"
    bad.write_text(json.dumps({"format": "cloudgov.inventory", "version": 1}), encoding="utf-8")
    with pytest.raises(InputError, match="not a cloudgov findings document"):
        import_paths([bad], db)
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match="malformed JSON at line 1"):
        import_paths([broken], db)
    with pytest.raises(InputError, match="no such file"):
        import_paths([tmp_path / "missing.json"], db)


def test_folder_skips_other_json_files_and_says_so(db, tmp_path):
    from scanner.store.history import import_paths

    folder = tmp_path / "h"
    folder.mkdir()
    shutil.copy(HISTORY / "findings-2026-Q1.json", folder)
    (folder / "notes.json").write_text("[]", encoding="utf-8")
    outcomes = import_paths([folder], db)
    assert [(o.path.name, o.created) for o in outcomes] == [("findings-2026-Q1.json", True), ("notes.json", False)]
    assert "skipped" in outcomes[1].note


def test_prune_deletes_old_scans_and_their_rows(db):
    from sqlalchemy import func, select

    from scanner.store.history import import_paths, prune
    from scanner.store.models_history import Rollup, Scan, StoredFinding

    import_paths([HISTORY], db)
    with _session(db) as s:
        n = prune(s, 120, now=dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc))
    assert n == 2  # 2025-12-15 and 2026-03-20 are more than 120 days before 2026-10-01
    with _session(db) as s:
        kept = s.scalars(select(Scan.origin).order_by(Scan.evaluated_at)).all()
        assert kept == ["import:findings-2026-Q2.json", "import:findings-2026-Q3.json"]
        ids = s.scalars(select(Scan.id)).all()
        assert s.scalar(select(func.count()).select_from(Rollup).where(Rollup.scan_id.not_in(ids))) == 0
        assert s.scalar(select(func.count()).select_from(StoredFinding).where(StoredFinding.scan_id.not_in(ids))) == 0


def test_retention_setting_applies_on_import(db, monkeypatch):
    from sqlalchemy import func, select

    from scanner.store.history import import_paths
    from scanner.store.models_history import Scan

    monkeypatch.setenv("CLOUDGOV_HISTORY_RETENTION_DAYS", "36500")
    import_paths([HISTORY], db)
    with _session(db) as s:
        assert s.scalar(select(func.count()).select_from(Scan)) == 4
    monkeypatch.setenv("CLOUDGOV_HISTORY_RETENTION_DAYS", "soon")
    with pytest.raises(InputError, match="whole number of days"):
        import_paths([HISTORY / "findings-2026-Q3.json"], db)


def test_scan_store_and_history_commands(cli, tmp_path):
    env = {"CLOUDGOV_DB": f"sqlite:///{tmp_path / 'c.db'}"}
    scan = cli("scan", "snapshot", "samples/estate/", "--store", "--format", "json", "--output-dir", str(tmp_path), "-q", env=env)
    assert scan.returncode == 1, scan.stderr  # high-severity failures in the sample estate
    imp = cli("history", "import", "samples/history/", env=env)
    assert imp.returncode == 0, imp.stderr
    assert imp.stderr.count("imported") == 4
    listed = cli("history", "--format", "json", env=env)
    rows = json.loads(listed.stdout)
    assert [r["evaluated_at"][:10] for r in rows] == ["2026-11-01", "2026-09-15", "2026-06-15", "2026-03-20", "2025-12-15"]
    assert rows[1]["pass_rate"]["mfa"] == pytest.approx(52 / 64, abs=1e-4)
    table = cli("history", env=env)
    assert table.returncode == 0 and "2026-09-15" in table.stdout
    bad = cli("history", "import", "samples/estate/aws.json", env=env)
    assert bad.returncode == 2 and "not a cloudgov findings document" in bad.stderr and "Traceback" not in bad.stderr
    pr = cli("history", "prune", env=env)
    assert pr.returncode == 2 and "--keep-days" in pr.stderr
