"""Benchmark: board report over a history of N scans of M resources (default 20 × 100,000).

Step 1 stores the history (synthetic findings documents in the cloudgov.findings/1 shape,
through the same store_document path as `cloudgov history import`), timing each scan.
Step 2 runs `cloudgov report board` for the last quarter, HTML and PDF, each in a fresh
process, and reports wall time and peak RSS (ru_maxrss of the child).

    .venv/bin/python benchmarks/report/bench_report.py [--scans 20] [--resources 100000] [--db PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

KINDS = [("storage.object", ["encryption.object_storage_cmk", "residency.data_location"]),
         ("storage.block", ["encryption.block_storage_cmk", "residency.data_location"]),
         ("database", ["encryption.database_cmk", "residency.data_location", "residency.replica_location"]),
         ("identity.user", ["mfa.privileged_users", "mfa.privileged_access_keys"]),
         ("log.store", ["logging.retention_minimum", "encryption.log_store_cmk"])]
REGIONS = {"aws": ["ap-east-2", "ap-northeast-1", "ap-southeast-1"], "azure": ["taiwannorth", "eastasia"],
           "gcp": ["asia-east1", "asia-northeast1"]}
SEVERITY = {"residency.data_location": "high", "mfa.privileged_users": "high"}


def document(i: int, n_resources: int, start: dt.datetime, rng: random.Random):
    at = start + dt.timedelta(days=18 * i)
    fail_share = 0.08 - 0.003 * i  # improving over time
    accounts = [(p, f"{p}-acct-{a:02d}") for p in REGIONS for a in range(4)]
    head = {
        "schema": "cloudgov.findings/1",
        "evaluated_at": at.isoformat().replace("+00:00", "Z"),
        "source": f"bench scan {i}",
        "scope": {"accounts": [{"provider": p, "account": a} for p, a in accounts]},
        "summary": {"resources": n_resources},
        "policies": [],
        "coverage_gaps": [],
        "waiver_problems": [],
    }

    def findings():
        for r in range(n_resources):
            provider, account = accounts[r % len(accounts)]
            region = REGIONS[provider][0] if r % 10 else REGIONS[provider][r % len(REGIONS[provider])]
            kind, policies = KINDS[r % len(KINDS)]
            ref = {"id": f"{provider}:{account}:{kind}:{r}", "provider": provider, "account": account, "region": region,
                   "kind": kind, "native_type": kind, "name": f"res-{r}"}
            for pid in policies:
                status = "FAIL" if rng.random() < fail_share else "PASS"
                yield {"id": f"{pid}:{r}" if status != "PASS" else "", "policy": pid, "status": status,
                       "severity": SEVERITY.get(pid, "medium"), "area": pid.split(".")[0], "controls": ["ETG:8.2"],
                       "resource": ref, "message": "synthetic" if status != "PASS" else "", "evidence": None, "waiver": None}

    return head, findings()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", type=int, default=20)
    ap.add_argument("--resources", type=int, default=100_000)
    ap.add_argument("--db", default="/tmp/cloudgov-bench-report.db")
    args = ap.parse_args()
    db_path = Path(args.db)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"

    import scanner.store.models_history  # noqa: F401
    from scanner.store.db import open_db, session_scope
    from scanner.store.history import store_document

    engine = open_db(url)
    rng = random.Random(7)
    start = dt.datetime(2025, 10, 1, 2, tzinfo=dt.timezone.utc)
    store_times = []
    findings_total = 0
    for i in range(args.scans):
        head, findings = document(i, args.resources, start, rng)
        t = time.perf_counter()
        with session_scope(engine) as s:
            scan, _ = store_document(s, head, findings, origin=f"bench:{i}")
            findings_total += scan.finding_count
        store_times.append(time.perf_counter() - t)
    last = start + dt.timedelta(days=18 * (args.scans - 1))
    period = f"{last.year}-Q{(last.month - 1) // 3 + 1}"
    results = {"scans": args.scans, "resources_per_scan": args.resources, "findings_stored": findings_total,
               "store_seconds_per_scan": round(sum(store_times) / len(store_times), 2),
               "db_megabytes": round(sum(Path(str(db_path) + x).stat().st_size for x in ("", "-wal") if Path(str(db_path) + x).exists()) / 1e6, 1), "period": period, "report": {}}
    env = {**os.environ, "CLOUDGOV_DB": url}
    for fmt in ("html", "pdf"):
        out = Path(f"/tmp/cloudgov-bench-board.{fmt}")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "scanner", "report", "board", "--period", period, "--format", fmt,
                        "--output", str(out), "-q"], cwd=ROOT, env=env, check=True)
        wall = time.perf_counter() - t
        # ru_maxrss of children is the largest child so far (html runs first, so each figure is its own or larger)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB → MiB (Linux)
        results["report"][fmt] = {"seconds": round(wall, 2), "peak_rss_mib": round(peak), "bytes": out.stat().st_size}
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
