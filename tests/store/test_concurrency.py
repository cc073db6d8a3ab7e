"""Concurrent first use: several processes writing to a database nobody has migrated yet.

Before the migration lock, the losers of the race died on "table alembic_version already
exists" (SQLite) or UniqueViolation (PostgreSQL) and their writes were lost; two imports of
the same register failed on a unique constraint. The full figures (N writers of every kind)
come from benchmarks/reliability/concurrent_writers.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, text

from scanner.store.db import resolve_url

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 5


def _finding_doc(i: int) -> dict:
    return {
        "schema": "cloudgov.findings/1",
        "evaluated_at": f"2026-03-{1 + i:02d}T00:00:00Z",
        "source": f"stress-{i}",
        "findings": [{
            "id": f"f{i}", "policy": "mfa.root_account", "status": "FAIL", "severity": "critical",
            "area": "mfa", "resource": {"id": "arn:aws:iam::1:root", "provider": "aws", "account": "1"},
            "message": "m", "controls": [], "waiver": None, "evidence": {},
        }],
    }


def _parallel(argvs: list[list[str]], url: str) -> list[subprocess.CompletedProcess]:
    env = {**os.environ, "CLOUDGOV_DB": url}
    env.pop("CLOUDGOV_DEBUG", None)

    def one(argv: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "scanner", *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=300)

    with ThreadPoolExecutor(max_workers=len(argvs)) as pool:
        return list(pool.map(one, argvs))


def _count(url: str, table: str) -> int:
    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar())
    finally:
        engine.dispose()


def test_concurrent_history_imports_on_a_fresh_database_lose_nothing(database_url, tmp_path):
    files = []
    for i in range(WRITERS + 1):
        p = tmp_path / f"f{i}.json"
        p.write_text(json.dumps(_finding_doc(i)), encoding="utf-8")
        files.append(p)
    shared = files[-1]  # every process imports it too: stored once, no one fails
    results = _parallel([["history", "import", str(files[i]), str(shared)] for i in range(WRITERS)], database_url)
    problems = [(r.returncode, r.stderr) for r in results if r.returncode != 0 or "Traceback" in r.stderr]
    assert not problems, problems
    assert _count(database_url, "history_scan") == WRITERS + 1


def test_concurrent_imports_of_the_same_register_all_succeed(database_url):
    argv = ["vendor", "import", "samples/vendors.yaml", "--actor", "t", "--today", "2026-06-01"]
    results = _parallel([argv] * WRITERS, database_url)
    problems = [(r.returncode, r.stderr) for r in results if r.returncode != 0 or "Traceback" in r.stderr]
    assert not problems, problems
    assert _count(database_url, "vendor_provider") == 3
