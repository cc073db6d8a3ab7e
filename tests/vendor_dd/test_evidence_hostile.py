"""Evidence files that are not files (a FIFO blocks a reader forever, /dev/zero never ends),
and the partial ``.incoming-*`` copies a killed ``vendor evidence add`` leaves behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scanner.records.evidence import INCOMING_STALE_SECONDS, store_file

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "directory"])
def test_evidence_that_is_not_a_regular_file_is_refused_at_once(tmp_path, kind):
    reg = tmp_path / "one.yaml"
    reg.write_text("providers:\n  - {id: acme, legal_name: Acme Cloud, services: [{id: app}]}\n", encoding="utf-8")
    src = {"fifo": tmp_path / "report.pdf", "dev-zero": Path("/dev/zero"), "directory": tmp_path / "folder"}[kind]
    if kind == "fifo":
        os.mkfifo(src)
    elif kind == "directory":
        src.mkdir()
    db = f"sqlite:///{tmp_path / 'r.db'}"
    env = {**os.environ, "CLOUDGOV_EVIDENCE_DIR": str(tmp_path / "store")}
    env.pop("CLOUDGOV_DEBUG", None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "scanner", *args, "--db", db, "--actor", "t", "--today", "2026-06-01"],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=60)

    assert cli("vendor", "import", str(reg)).returncode == 0
    r = cli("vendor", "evidence", "add", "acme", str(src), "--kind", "soc2-type2")
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    store = tmp_path / "store"
    assert not store.exists() or not [p for p in store.rglob("*") if p.is_file()]


def test_stale_incoming_copies_are_swept_and_fresh_ones_kept(tmp_path):
    root = tmp_path / "store"
    shard = root / "sha256" / "ab"
    shard.mkdir(parents=True)
    stale, fresh = shard / ".incoming-killed", shard / ".incoming-in-progress"
    stale.write_bytes(b"half a file")
    fresh.write_bytes(b"another writer, still copying")
    old = time.time() - INCOMING_STALE_SECONDS - 60
    os.utime(stale, (old, old))
    src = tmp_path / "report.pdf"
    src.write_bytes(b"the whole report")
    digest, size, rel = store_file(src, root)
    assert (root / rel).read_bytes() == b"the whole report" and size == 16
    assert not stale.exists()
    assert fresh.exists()
