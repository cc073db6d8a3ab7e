"""Benchmark: page and API latency of ``cloudgov serve`` for the findings browser and the
register, at 100,000 stored findings and 200 providers.

1. builds a SQLite database (or uses ``--db``): one stored scan of ``--findings`` non-passing
   findings (through ``store_document``, as ``cloudgov history import`` stores them) and
   ``--providers`` providers with two services, a contract with its clause checklist and an
   audit each (through ``vendor_dd.importer``, as ``cloudgov vendor import``);
2. starts ``cloudgov serve --db …`` as a second process on 127.0.0.1;
3. from this process, a bounded load (``--requests`` per endpoint, ``--concurrency``
   clients, httpx over loopback) against each endpoint, signed in as an auditor (session
   cookie for pages, a scoped API token for the API); reports p50 / p95 / max per endpoint.

    .venv/bin/python benchmarks/web/run.py [--findings 100000] [--providers 200] [--requests 200] [--concurrency 4]
    .venv/bin/python benchmarks/web/run.py --build-into postgresql://postgres@127.0.0.1:5432/cloudgov_bench_web
    .venv/bin/python benchmarks/web/run.py --db sqlite:////tmp/bench.db    # a database built before

``--build-into`` builds into the (empty) database given; ``--db`` reuses one built before.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

POLICIES = [("encryption.object_storage_cmk", "encryption", "storage.object", "high", ["ETG:8.1.1"]),
            ("residency.data_location", "residency", "storage.object", "high", ["ETG:8.6.3.1"]),
            ("mfa.privileged_users", "mfa", "identity.user", "high", ["ETG:8.2.3", "CSM:CC-17020.b.e"]),
            ("logging.retention_minimum", "logging", "log.store", "medium", ["CSM:CC-18000.4.c"]),
            ("encryption.key_rotation", "encryption", "kms.key", "medium", ["ETG:8.7.3"])]
CLOUDS = {"aws": "ap-east-2", "azure": "taiwannorth", "gcp": "asia-east1"}


def build(db_url: str, n_findings: int, n_providers: int) -> int:
    import exit_plans.models  # noqa: F401
    import scanner.store.models_history  # noqa: F401
    import scanner.web.models  # noqa: F401
    import vendor_dd.models  # noqa: F401
    from scanner.store.db import open_db, session_scope
    from scanner.store.history import store_document
    from scanner.web.services import who
    from vendor_dd.importer import import_document

    rng = random.Random(17)
    accounts = [(c, f"{c}-acct-{i:03d}") for c in CLOUDS for i in range(40)]
    head = {"schema": "cloudgov.findings/1", "evaluated_at": "2026-11-01T02:00:00Z", "source": "benchmark",
            "scope": {"accounts": [{"provider": c, "account": a} for c, a in accounts]},
            "summary": {"resources": n_findings}, "coverage_gaps": [], "waiver_problems": [],
            "policies": [{"id": p, "area": a, "title_en": p, "title_zh": p, "severity": s, "controls": c}
                         for p, a, _, s, c in POLICIES]}

    def findings():
        for i in range(n_findings):
            pid, area, kind, sev, controls = POLICIES[i % len(POLICIES)]
            cloud, account = accounts[i % len(accounts)]
            yield {"id": f"fp{i:08d}", "policy": pid, "area": area, "severity": sev,
                   "status": "ERROR" if rng.random() < 0.1 else "FAIL", "controls": controls,
                   "resource": {"id": f"{cloud}:{account}:{kind}:res-{i}", "provider": cloud, "account": account,
                                "region": CLOUDS[cloud], "kind": kind, "name": f"res-{i}"},
                   "message": f"finding {i} of {pid}", "evidence": {"encryption.key_manager": "provider"}, "waiver": None}

    engine = open_db(db_url)
    t = time.perf_counter()
    with session_scope(engine) as s:
        scan, _ = store_document(s, head, findings(), origin="benchmark")
        scan_id = scan.id
    print(f"stored {n_findings:,} findings in {time.perf_counter() - t:.1f} s")
    clauses = {c: {"status": "present", "section": "1"} for c in ("audit_right_firm", "audit_right_regulator",
                                                                    "data_location", "deletion_certificate")}
    providers = []
    for i in range(n_providers):
        cloud, account = accounts[i % len(accounts)]
        providers.append({
            "id": f"vendor-{i:03d}", "legal_name": f"供應商 {i} 股份有限公司", "headquarters_country": "TW",
            "services": [{"id": f"svc-{j}", "name": f"Service {j}", "materiality": {"material": j == 0},
                          "scopes": [{"provider": cloud, "account": account}]} for j in range(2)],
            "contracts": [{"id": "msa", "title": "Master agreement", "expires": "2029-12-31", "clauses": clauses}],
            "audits": [{"party": "firm", "date": "2026-06-01", "findings": [{"description": "a finding", "remediation_due": "2026-12-31"}]}],
        })
    t = time.perf_counter()
    with session_scope(engine) as s:
        import_document(s, who("benchmark"), {"format": "cloudgov.vendors", "version": 1, "providers": providers},
                        base_dir=ROOT, evidence_root=Path(tempfile.mkdtemp()), source="benchmark")
    print(f"imported {n_providers} providers in {time.perf_counter() - t:.1f} s")
    return scan_id


def credentials(db_url: str) -> tuple[str, str]:
    """(session cookie, API token) of an auditor (read-only everything; no second factor needed)."""
    from scanner.store.db import open_db, session_scope
    from scanner.web import auth

    with session_scope(open_db(db_url)) as s:
        user = auth.create_user(s, f"bench-{os.getpid()}", "Bench-mark-2026-x", ["auditor"])
        cookie = auth.open_session(s, user, mfa_passed=True)
        _, token = auth.issue_token(s, user, "bench", ["register.read", "scans.read"])
    return cookie, token


def measure(base: str, path: str, headers: dict[str, str], cookies: dict[str, str], n: int, conc: int) -> list[float]:
    import httpx

    def one(_: int) -> float:
        with httpx.Client(base_url=base, headers=headers, cookies=cookies, timeout=60) as c:
            t = time.perf_counter()
            r = c.get(path)
            took = time.perf_counter() - t
        if r.status_code != 200:
            raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:300]}")
        return took

    one(0)  # warm-up
    with ThreadPoolExecutor(conc) as pool:
        return list(pool.map(one, range(n)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--findings", type=int, default=100_000)
    ap.add_argument("--providers", type=int, default=200)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--db", default=None, help="an existing benchmark database (skips building)")
    ap.add_argument("--build-into", default=None, help="build the benchmark data into this empty database")
    args = ap.parse_args()
    if args.db:
        db_url = args.db
        from scanner.store.db import open_db, session_scope
        from scanner.store.models_history import Scan

        with session_scope(open_db(db_url)) as s:
            scan_id = max(s.query(Scan.id).all())[0]
    else:
        db_url = args.build_into or f"sqlite:///{Path(tempfile.mkdtemp(prefix='cloudgov-bench-web-')) / 'bench.db'}"
        scan_id = build(db_url, args.findings, args.providers)
        print(f"database: {db_url}")
    cookie, token = credentials(db_url)
    server = subprocess.Popen([sys.executable, "-m", "scanner", "serve", "--db", db_url, "--port", str(args.port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        import httpx

        for _ in range(200):
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start: " + server.stderr.read().decode()[:500] if server.stderr else "")
        page = ({}, {"cg_session": cookie})
        api = ({"Authorization": f"Bearer {token}"}, {})
        cases = [
            ("page", f"/scans/{scan_id}", page),
            ("page", f"/scans/{scan_id}?area=mfa&status=FAIL", page),
            ("page", f"/scans/{scan_id}?control=ETG:8.2.3&page=20", page),
            ("page", f"/scans/{scan_id}?q=res-9999", page),
            ("page", "/providers", page),
            ("page", "/providers/vendor-123", page),
            ("api", f"/api/scans/{scan_id}/findings?per_page=50", api),
            ("api", f"/api/scans/{scan_id}/findings?severity=high&provider=aws&page=100", api),
            ("api", "/api/providers", api),
        ]
        print(f"\n{args.requests} requests per endpoint, {args.concurrency} concurrent clients, loopback")
        print("| kind | endpoint | p50 (ms) | p95 (ms) | max (ms) |\n|---|---|---:|---:|---:|")
        for kind, path, (headers, cookies) in cases:
            times = sorted(measure(base, path, headers, cookies, args.requests, args.concurrency))
            p50 = statistics.median(times) * 1000
            p95 = times[max(0, int(len(times) * 0.95) - 1)] * 1000
            print(f"| {kind} | `{path}` | {p50:.0f} | {p95:.0f} | {times[-1] * 1000:.0f} |", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)


if __name__ == "__main__":
    main()
