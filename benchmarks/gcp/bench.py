"""Calls and time for a recorded organisation of ~10,000 assets (GCP connector).

The recorded, scrubbed assets in tests/data/gcp are cloned across 100 projects (names and
numbers renumbered) and served by the local replay endpoint the tests use; the real
google-cloud-asset client collects them, then they are normalized and evaluated.

    .venv/bin/python benchmarks/gcp/bench.py [--projects 100] [--workers 4]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "connectors" / "gcp"))

from asset_api_server import AssetApi  # noqa: E402

DATA = ROOT / "tests" / "data" / "gcp"
ORG = "organizations/100000000001"


def _lines(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


def _clone(item: dict, i: int) -> dict:
    text = json.dumps(item)
    text = text.replace("trading-prod", f"trading-p{i:03d}").replace("audit-logs", f"audit-l{i:03d}")
    text = text.replace("200000000001", f"2{i:05d}00001").replace("200000000002", f"2{i:05d}00002")
    return json.loads(text)


def build(projects: int) -> tuple[list[dict], list[dict]]:
    base = [a for a in _lines("org-export.ndjson") if not a["asset_type"].endswith("/Organization")]
    org = [a for a in _lines("org-export.ndjson") if a["asset_type"].endswith("/Organization")]
    table = next(a for a in base if a["asset_type"] == "bigquery.googleapis.com/Table" and "VIEW" not in json.dumps(a))
    resources, policies = list(org), []
    iam = _lines("iam-export.ndjson")
    policies.append(iam[0])  # the organization's policy
    for i in range(projects):
        resources.extend(_clone(a, i) for a in base)
        for t in range(66):  # BigQuery tables dominate real estates
            extra = copy.deepcopy(_clone(table, i))
            extra["name"] = extra["name"].replace("/tables/positions", f"/tables/t{t:03d}")
            resources.append(extra)
        policies.extend(_clone(p, i) for p in iam[1:])
    return resources, policies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--projects", type=int, default=100)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()

    from scanner.config import load_config
    from scanner.connectors.gcp.collect import collect, make_client
    from scanner.connectors.gcp.enrich import enrich
    from scanner.connectors.gcp.normalize import normalize
    from scanner.engine import evaluate
    from policies.registry import load_policies

    resources, policies = build(args.projects)
    groups = {p.name[: -len(".json")]: json.loads(p.read_text()) for p in (DATA / "groups").glob("*.json")}
    api = AssetApi(resources, policies, groups=groups)
    url = api.start()
    try:
        t0 = time.perf_counter()
        got = collect([ORG], make_client(endpoint=url), workers=args.workers)
        t_assets = time.perf_counter()
        extra = enrich([ORG], got.records, read_groups=True, endpoint=url)
        t1 = time.perf_counter()
        inv = normalize([*got.records, *extra.records], coverage=got.coverage, gaps=[*got.gaps, *extra.gaps],
                        groups=extra.groups, activity=extra.activity)
        t2 = time.perf_counter()
        result = evaluate(inv, load_policies(), load_config(None), None, source="bench")
        t3 = time.perf_counter()
    finally:
        api.stop()
    n_policies = len(policies)
    print(json.dumps({
        "projects": args.projects,
        "assets": len(resources),
        "iam_policies": n_policies,
        "api_calls": got.calls,
        "enrich_calls": extra.calls,
        "expected_calls_assets_over_500_plus_policies_over_500": round(len(resources) / 500 + n_policies / 500, 1),
        "calls_by_route": {r: api.calls(r) for r in ("list:RESOURCE", "list:IAM_POLICY", "search")},
        "collect_seconds": round(t_assets - t0, 2),
        "enrich_seconds": round(t1 - t_assets, 2),
        "normalize_seconds": round(t2 - t1, 2),
        "evaluate_seconds": round(t3 - t2, 2),
        "resources": len(inv),
        "findings": len(result.findings),
    }, indent=1))


if __name__ == "__main__":
    main()
