"""Benchmarks: evaluation time and peak memory at 10k / 100k / 1M resources, and CLI start-up.

    .venv/bin/python benchmarks/run.py [--sizes 10000,100000,1000000] [--formats json,sarif] [--startup-runs 15] [--root DIR]

Each size runs in its own process so peak RSS (ru_maxrss) belongs to that size alone.
Times are wall and CPU (the process's user + system time: what a loaded machine does not
inflate as much). Figures go to stdout as a Markdown table; benchmarks/README.md records them.
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


def one_size(n: int, formats: list[str], root: Path) -> dict:
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import synthetic_estate

    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate

    cpu = time.process_time
    t0 = time.perf_counter()
    inv = synthetic_estate(n)
    t1 = time.perf_counter()
    policies, config = load_policies(), load_config()
    t2, c2 = time.perf_counter(), cpu()
    result = evaluate(inv, policies, config)
    t3, c3 = time.perf_counter(), cpu()
    import tempfile

    from scanner.outputs import render_all

    with tempfile.TemporaryDirectory() as out:
        written = render_all(result, formats, Path(out))
        size = sum(p.stat().st_size for p in written)
    t4, c4 = time.perf_counter(), cpu()
    return {
        "resources": len(inv),
        "findings": len(result.findings),
        "generate_s": round(t1 - t0, 2),
        "evaluate_s": round(t3 - t2, 2),
        "evaluate_cpu_s": round(c3 - c2, 2),
        "output_s": round(t4 - t3, 2),
        "output_cpu_s": round(c4 - c3, 2),
        "output_mib": round(size / 2**20),
        "load": round(os.getloadavg()[0], 1),
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
    ap.add_argument("--formats", default="json")
    ap.add_argument("--root", type=Path, help="measure another checkout (the before of a change) with this environment")
    ap.add_argument("--startup-runs", type=int, default=15)
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one, args.formats.split(","), args.root or ROOT)))
        return
    print(f"| resources | findings | evaluate s (CPU s) | {args.formats} output s (CPU s) | output MiB | peak RSS MiB | load |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--one", str(n), "--formats", args.formats]
        cmd += ["--root", str(args.root)] if args.root else []
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(out.stdout)
        print(f"| {r['resources']:,} | {r['findings']:,} | {r['evaluate_s']} ({r['evaluate_cpu_s']}) | {r['output_s']} "
              f"({r['output_cpu_s']}) | {r['output_mib']:,} | {r['peak_rss_mib']:,} | {r['load']} |", flush=True)
    if args.startup_runs <= 0:
        return
    s = startup(args.startup_runs)
    print(f"\n`cloudgov --help`: median {s['median_s']} s, min {s['min_s']} s over {s['runs']} runs")


if __name__ == "__main__":
    main()
