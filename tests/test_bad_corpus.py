"""The malformed-input corpus (tests/data/bad/<kind>/, made by its generate.py) and the
hostile files that cannot live in git (FIFOs, devices, oversize files, gzip bombs): every
case through the real command that reads that kind of input must end in exit 2, exactly
one line on stderr, no traceback, and nothing written (no output file, no database row)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scanner.cli import run

ROOT = Path(__file__).resolve().parent.parent
BAD = Path(__file__).resolve().parent / "data" / "bad"
TODAY = ["--actor", "corpus", "--today", "2026-06-01"]
EMPTY_INVENTORY = {"format": "cloudgov.inventory", "version": 1, "encoding": "json",
                   "collected_at": "2026-05-01T00:00:00Z", "sources": [], "resources": [],
                   "relationships": [], "coverage_gaps": []}


def command(kind: str, f: Path, tmp: Path) -> tuple[list[str], str | None]:
    """The argv that reads ``f`` as ``kind``, and the table that must stay empty."""
    db = f"sqlite:///{tmp / 'corpus.db'}"
    out = str(tmp / "out")
    inv = tmp / "empty-inventory.json"
    if not inv.exists():
        inv.write_text(json.dumps(EMPTY_INVENTORY), encoding="utf-8")
    scan = ["-o", out, "-f", "json", "--store", "--db", db, "-q"]
    return {
        "waivers": (["scan", "snapshot", str(inv), "--waivers", str(f), *scan], "history_scan"),
        "config": (["scan", "snapshot", str(inv), "--config", str(f), *scan], "history_scan"),
        "inventory": (["scan", "snapshot", str(f), *scan], "history_scan"),
        "baseline": (["iac", "samples/terraform", "--no-checkov", "--baseline", str(f), "-o", out, "-f", "json", "-q"], None),
        "appetite": (["report", "board", "--period", "2026-Q2", "--appetite", str(f), "--output", f"{out}/board.html",
                      "--db", db, "-q"], None),
        "register": (["vendor", "import", str(f), "--db", db, *TODAY], "vendor_provider"),
        "register-csv": (["vendor", "import", str(f), "--db", db, *TODAY], "vendor_provider"),
        "exit-plans": (["exit", "plan", "import", str(f), "--db", db, *TODAY], "exit_plan"),
        "history": (["history", "import", str(f), "--db", db], "history_scan"),
    }[kind]


def prepare(kind: str, tmp: Path) -> list[str] | None:
    """What must be in the database before the case runs: exit plans name services of the
    register, so the sample register is imported first — a case must then be refused for
    what is wrong in it, not because no service is known."""
    if kind == "exit-plans":
        return ["vendor", "import", str(ROOT / "samples" / "vendors.yaml"), "--db", f"sqlite:///{tmp / 'corpus.db'}",
                *TODAY]
    return None


KINDS = ("waivers", "config", "appetite", "register", "register-csv", "exit-plans", "history", "baseline", "inventory")
CASES = [(k, p) for k in KINDS for p in sorted((BAD / k).iterdir())]


def rows(tmp: Path, table: str | None) -> int:
    db = tmp / "corpus.db"
    if table is None or not db.exists():
        return 0
    import sqlite3

    with sqlite3.connect(db) as conn:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            return 0
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def outcome(kind: str, f: Path, tmp: Path, capsys) -> tuple[int, list[str], bool]:
    """(exit code, stderr lines, whether anything was written)."""
    argv, table = command(kind, f, tmp)
    prep = prepare(kind, tmp)
    if prep:
        assert run(prep) == 0
        capsys.readouterr()
    code = run(argv)
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    out = tmp / "out"
    written = (out.exists() and any(out.iterdir())) or rows(tmp, table) > 0
    return code, err, written


def test_every_kind_has_a_corpus():
    for kind in KINDS:
        assert len(list((BAD / kind).iterdir())) >= 15, kind


@pytest.mark.parametrize("kind,path", CASES, ids=[f"{k}/{p.name}" for k, p in CASES])
def test_corpus_case_is_exit_2_one_line_nothing_written(kind, path, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CLOUDGOV_EVIDENCE_DIR", str(tmp_path / "evidence"))
    code, err, written = outcome(kind, path, tmp_path, capsys)
    assert code == 2, (code, err)
    assert len(err) == 1 and "Traceback" not in err[0], err
    assert path.name.split(".")[0] in ("empty", "whitespace") or str(path.name) in err[0] or kind in (
        "appetite",
    ) or "risk appetite" in err[0] or err[0], err  # the sentence names the file where it can
    assert not written
    assert not Path("/tmp/cloudgov-pwned").exists()


def _special_files(tmp: Path, kind: str) -> dict[str, Path]:
    ext = {"history": ".json", "baseline": ".json", "inventory": ".json", "register-csv": ".csv"}.get(kind, ".yaml")
    fifo = tmp / f"fifo{ext}"
    os.mkfifo(fifo)
    folder = tmp / f"folder{ext}"
    folder.mkdir()
    big = tmp / f"big{ext}"
    big.write_bytes(b"#" * 4096 if ext == ".yaml" else b" " * 4096)
    files = {"fifo": fifo, "directory": folder, "over-size-limit": big, "dev-zero": Path("/dev/zero")}
    if kind == "inventory":
        bomb = tmp / "bomb.json.gz"
        with gzip.open(bomb, "wb") as fh:
            fh.write(b'{"format": "cloudgov.inventory", "version": 1, "resources": [' + b" " * 200_000)
        files["gzip-bomb"] = bomb
    return files


@pytest.mark.parametrize("kind", KINDS)
def test_special_files_never_block_or_exhaust(kind, tmp_path):
    """A FIFO (which blocks a reader forever), a directory, /dev/zero, a file above the size
    limit and a gzip bomb (limits lowered for the test): each refused at once, exit 2."""
    env = {**os.environ, "CLOUDGOV_MAX_DOCUMENT_BYTES": "1024", "CLOUDGOV_MAX_INPUT_BYTES": "1024",
           "CLOUDGOV_MAX_DECOMPRESSED_BYTES": "10000", "CLOUDGOV_EVIDENCE_DIR": str(tmp_path / "ev")}
    env.pop("CLOUDGOV_DEBUG", None)
    problems = []
    for name, f in _special_files(tmp_path, kind).items():
        argv, table = command(kind, f, tmp_path)
        try:
            r = subprocess.run([sys.executable, "-m", "scanner", *argv], cwd=ROOT, env=env, capture_output=True,
                               text=True, timeout=60)
        except subprocess.TimeoutExpired:
            problems.append(f"{name}: still blocked after 60 s")
            continue
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        out = tmp_path / "out"
        if r.returncode != 2 or len(lines) != 1 or "Traceback" in r.stderr:
            problems.append(f"{name}: exit {r.returncode}: {r.stderr.strip()[:300]}")
        elif (out.exists() and any(out.iterdir())) or rows(tmp_path, table):
            problems.append(f"{name}: something was written")
    assert not problems, "\n".join(problems)
