"""Benchmarks: evaluation time and peak memory at 10k / 100k / 1M resources, and CLI start-up.

    .venv/bin/python benchmarks/run.py [--sizes 10000,100000,1000000] [--startup-runs 15]

Each size runs in its own process so peak RSS (ru_maxrss) belongs to that size alone.
Figures go to stdout as a Markdown table; benchmarks/README.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_size(n: int) -> dict:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import synthetic_estate

    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate

    t0 = time.perf_counter()
    inv = synthetic_estate(n)
    t1 = time.perf_counter()
    policies, config = load_policies(), load_config()
    t2 = time.perf_counter()
    result = evaluate(inv, policies, config)
    t3 = time.perf_counter()
    import tempfile

    from scanner.outputs import render_all

    with tempfile.TemporaryDirectory() as out:
        render_all(result, ["json"], Path(out))
    t4 = time.perf_counter()
    return {
        "resources": len(inv),
        "findings": len(result.findings),
        "generate_s": round(t1 - t0, 2),
        "evaluate_s": round(t3 - t2, 2),
        "json_s": round(t4 - t3, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def startup(runs: int) -> dict:
    exe = ROOT / ".venv" / "bin" / "cloudgov"
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([str(exe), "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3), "runs": runs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--startup-runs", type=int, default=15)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    print("| resources | findings | evaluate (s) | JSON output (s) | peak RSS (MiB) |")
    print("|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run([sys.executable, __file__, "--one", str(n)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(f"| {r['resources']:,} | {r['findings']:,} | {r['evaluate_s']} | {r['json_s']} | {r['peak_rss_mib']:,} |", flush=True)
    s = startup(args.startup_runs)
    print(f"\n`cloudgov --help`: median {s['median_s']} s, min {s['min_s']} s over {s['runs']} runs")


if __name__ == "__main__":
    main()
