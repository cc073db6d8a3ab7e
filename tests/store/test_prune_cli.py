"""`cloudgov history prune`: --dry-run deletes nothing; without a terminal it does not wait
for an answer (pipelines); on a terminal it asks (checked by hand in tmux: 'n' deletes nothing)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_cli


def _scans(db: str) -> int:
    out = run_cli("history", "--db", db, "--format", "json").stdout
    import json

    return len(json.loads(out))


def test_dry_run_then_prune(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'h.db'}"
    assert run_cli("history", "import", "samples/history/", "--db", db).returncode == 0
    assert _scans(db) == 4
    dry = run_cli("history", "prune", "--keep-days", "30", "--dry-run", "--db", db)
    assert dry.returncode == 0 and "would delete 4 scan(s)" in dry.stderr
    assert _scans(db) == 4
    done = run_cli("history", "prune", "--keep-days", "30", "--yes", "--db", db)
    assert done.returncode == 0 and "deleted 4 scan(s)" in done.stderr
    assert _scans(db) == 0
    again = run_cli("history", "prune", "--keep-days", "30", "--db", db)
    assert "nothing to delete" in again.stderr
