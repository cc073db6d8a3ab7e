"""Two processes making small register edits at once (``exit test add``, ``vendor audit add``,
``vendor review set``) on one database — SQLite, and PostgreSQL when CLOUDGOV_TEST_PG_URL is
set — lose nothing: every command exits 0 and every edit is in the database. Each writer runs
the real CLI commands (``scanner.cli.run``), so a busy or serialization error would surface
as a non-zero exit unless the command retries it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from scanner.cli import run

ROOT = Path(__file__).resolve().parent.parent
TODAY = ["--today", "2026-06-01"]

WRITER = textwrap.dedent(
    """
    import sys
    from scanner.cli import run
    db, tag, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    codes = []
    for i in range(n):
        day = f"2026-{1 + tag:02d}-{1 + i:02d}"
        codes.append(run(["exit", "test", "add", "aws-tw/core-trading", "--date", day, "--kind", "tabletop",
                          "--result", "passed", "--db", db, "--actor", f"w{tag}", "--today", "2026-06-01"]))
        codes.append(run(["vendor", "audit", "add", "nimbus-crm", "--party", "firm", "--date", day,
                          "--finding", f"finding {tag}-{i}", "--db", db, "--actor", f"w{tag}", "--today", "2026-06-01"]))
        codes.append(run(["vendor", "review", "set", "formosa-msp/azure-ops", "backup", "--result", "met",
                          "--finding", f"w{tag} {i}", "--db", db, "--actor", f"w{tag}", "--today", "2026-06-01"]))
    bad = [c for c in codes if c != 0]
    sys.exit(1 if bad else 0)
    """
)


def _count(url: str, table: str) -> int:
    from sqlalchemy import text

    from scanner.store.db import open_db

    with open_db(url).connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_two_writers_of_small_edits_lose_nothing(database_url, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CLOUDGOV_EVIDENCE_DIR", str(tmp_path / "evidence"))
    assert run(["vendor", "import", "samples/vendors.yaml", "--db", database_url, "--actor", "setup", *TODAY]) == 0
    assert run(["exit", "plan", "import", "samples/exit-plans.yaml", "--db", database_url, "--actor", "setup", *TODAY]) == 0
    assert run(["vendor", "review", "start", "formosa-msp/azure-ops", "--db", database_url, "--actor", "setup",
                *TODAY]) == 0
    tests_before, audits_before, changes_before = (_count(database_url, t) for t in
                                                   ("exit_test", "vendor_audit", "vendor_change"))
    n = 8
    env = {**os.environ, "CLOUDGOV_EVIDENCE_DIR": str(tmp_path / "evidence"), "PYTHONPATH": str(ROOT)}
    env.pop("CLOUDGOV_DEBUG", None)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, database_url, str(tag), str(n)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in (0, 1)]
    outs = [p.communicate(timeout=300) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert "Traceback" not in err, err
    assert _count(database_url, "exit_test") == tests_before + 2 * n
    assert _count(database_url, "vendor_audit") == audits_before + 2 * n
    assert _count(database_url, "vendor_audit_finding") >= 2 * n
    assert _count(database_url, "vendor_change") == changes_before + 3 * 2 * n  # one change-log entry per edit
