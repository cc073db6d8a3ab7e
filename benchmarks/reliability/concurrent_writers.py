"""N concurrent writers of each kind against a fresh SQLite file and a fresh PostgreSQL
database: first use (every process finds no schema), then the writes themselves.

Kinds (each starts on its own fresh database, so the migrations race every time):

* ``store``          N × ``cloudgov scan snapshot inventory-i.json --store`` (the sample estate
  collected at N different times): N scans expected
* ``history-import`` N × ``cloudgov history import`` of distinct findings files, plus every
  process importing one shared file too: N + 1 scans expected (the shared one once)
* ``vendor-import``  N × ``cloudgov vendor import samples/vendors.yaml``: the register once
* ``plan-import``    N × ``cloudgov exit plan import samples/exit-plans.yaml`` after one
  vendor import: the plans once

Reported per backend and kind: exit codes, lost writes (expected rows missing, or a
non-zero exit), tracebacks on stderr. Target: 0 lost, 0 tracebacks.

    .venv/bin/python benchmarks/reliability/concurrent_writers.py            # N=8
    .venv/bin/python benchmarks/reliability/concurrent_writers.py -n 16 --pg postgresql://postgres@127.0.0.1:5432/test

PostgreSQL is used when ``--pg`` or ``CLOUDGOV_TEST_PG_URL`` names a server (a database is
created and dropped per kind); otherwise only SQLite runs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("store", "history-import", "vendor-import", "plan-import")


@dataclass
class Outcome:
    backend: str
    kind: str
    writers: int
    expected: int
    found: int
    exits: Counter = field(default_factory=Counter)
    tracebacks: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def lost(self) -> int:
        """Writes that did not happen: rows missing, or writers refused, whichever is more."""
        return max(self.expected - self.found, sum(n for code, n in self.exits.items() if code != 0), 0)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def _parallel(argvs: list[list[str]], env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    with ThreadPoolExecutor(max_workers=len(argvs)) as pool:
        return list(pool.map(lambda a: _cli(a, env), argvs))


def _count(url: str, sql: str) -> int:
    from sqlalchemy import create_engine, text

    from scanner.store.db import resolve_url

    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def _findings_files(tmp: Path, n: int, env: dict[str, str]) -> list[Path]:
    """n findings documents that differ (distinct evaluated_at), from one real scan."""
    r = _cli(["scan", "snapshot", "samples/estate/", "--format", "json", "-q"], env)
    base = json.loads(r.stdout)
    out = []
    for i in range(n):
        doc = dict(base, evaluated_at=f"2026-01-{1 + i % 28:02d}T{i // 28:02d}:00:00Z")
        p = tmp / f"findings-{i}.json"
        p.write_text(json.dumps(doc), encoding="utf-8")
        out.append(p)
    return out


def _inventories(tmp: Path, n: int, env: dict[str, str]) -> list[Path]:
    """n inventory snapshots of the sample estate collected at different times (a scan of
    the same inventory at the same time is the same scan, stored once by design)."""
    saved = tmp / "estate.json"
    if not saved.exists():
        _cli(["scan", "snapshot", "samples/estate/", "--save-inventory", str(saved), "-q", "--format", "json"], env)
    base = json.loads(saved.read_text(encoding="utf-8"))
    out = []
    for i in range(n):
        p = tmp / f"inventory-{i}.json"
        p.write_text(json.dumps(dict(base, collected_at=f"2026-02-{1 + i % 28:02d}T{i // 28:02d}:00:00Z")),
                     encoding="utf-8")
        out.append(p)
    return out


def run_kind(kind: str, backend: str, url: str, n: int, tmp: Path, env: dict[str, str]) -> Outcome:
    env = {**env, "CLOUDGOV_DB": url, "CLOUDGOV_EVIDENCE_DIR": str(tmp / f"evidence-{backend}-{kind}")}
    today = ["--actor", "stress", "--today", "2026-06-01"]
    if kind == "store":
        inventories = _inventories(tmp, n, env)
        results = _parallel([["scan", "snapshot", str(p), "--store", "-q", "--format", "json"] for p in inventories], env)
        expected, sql = n, "SELECT count(*) FROM history_scan"
    elif kind == "history-import":
        files = _findings_files(tmp, n + 1, env)
        shared = files[-1]
        results = _parallel([["history", "import", str(files[i]), str(shared)] for i in range(n)], env)
        expected, sql = n + 1, "SELECT count(*) FROM history_scan"
    elif kind == "vendor-import":
        results = _parallel([["vendor", "import", "samples/vendors.yaml", *today]] * n, env)
        expected, sql = 3, "SELECT count(*) FROM vendor_provider"
    else:
        first = _cli(["vendor", "import", "samples/vendors.yaml", *today], env)
        results = [first] + _parallel([["exit", "plan", "import", "samples/exit-plans.yaml", *today]] * n, env)
        expected, sql = _plans_in_sample(), "SELECT count(*) FROM exit_plan"
    out = Outcome(backend, kind, n, expected, 0)
    for r in results:
        code = r.returncode
        out.exits[code if code != 1 or kind != "store" else 0] += 1  # a scan's findings exit 1
        if "Traceback" in r.stderr:
            out.tracebacks += 1
        if code not in (0, 1) or (code == 1 and kind != "store"):
            out.errors.append(r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {code}")
    try:
        out.found = _count(url, sql)
    except Exception as e:  # noqa: BLE001 (reported, not raised: the table may be missing)
        out.errors.append(f"count failed: {type(e).__name__}: {str(e).splitlines()[0]}")
    return out


def _plans_in_sample() -> int:
    import yaml

    return len(yaml.safe_load((ROOT / "samples" / "exit-plans.yaml").read_text(encoding="utf-8"))["plans"])


def _pg_database(admin_url: str):
    """A context manager: a fresh PostgreSQL database's URL, dropped afterwards."""
    from contextlib import contextmanager

    import psycopg

    @contextmanager
    def fresh():
        name = f"cg_stress_{uuid.uuid4().hex[:10]}"
        plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        base = plain.rsplit("/", 1)[0]
        try:
            yield f"{base}/{name}"
        finally:
            with psycopg.connect(plain, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return fresh


def run(n: int, pg: str | None, kinds: tuple[str, ...] = KINDS) -> list[Outcome]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("CLOUDGOV_DEBUG", None)
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="cloudgov-stress-") as d:
        tmp = Path(d)
        for kind in kinds:
            outcomes.append(run_kind(kind, "sqlite", f"sqlite:///{tmp / f'{kind}.db'}", n, tmp, env))
            if pg:
                with _pg_database(pg)() as url:
                    outcomes.append(run_kind(kind, "postgresql", url, n, tmp, env))
    return outcomes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=8, help="concurrent writers per kind (default 8)")
    ap.add_argument("--pg", default=os.environ.get("CLOUDGOV_TEST_PG_URL"), help="PostgreSQL admin URL")
    ap.add_argument("--kinds", default=",".join(KINDS))
    a = ap.parse_args()
    outcomes = run(a.n, a.pg, tuple(k for k in a.kinds.split(",") if k))
    print("| backend | kind | writers | expected rows | found | exits | lost writes | tracebacks |")
    print("|---|---|---:|---:|---:|---|---:|---:|")
    for o in outcomes:
        exits = ", ".join(f"{c}×{n}" for c, n in sorted(o.exits.items()))
        print(f"| {o.backend} | {o.kind} | {o.writers} | {o.expected} | {o.found} | {exits} | {o.lost} | {o.tracebacks} |")
    for o in outcomes:
        for e in sorted(set(o.errors)):
            print(f"  {o.backend} {o.kind}: {e}")
    sys.exit(1 if any(o.lost or o.tracebacks for o in outcomes) else 0)


if __name__ == "__main__":
    main()
