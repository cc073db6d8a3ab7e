"""Where the time goes: top-10 tables for benchmarks/README.md.

    .venv/bin/python benchmarks/profiles.py snapshot --resources 100000 [--formats json,sarif]
    .venv/bin/python benchmarks/profiles.py aws --resources 1000 [--py-spy PATH]

``snapshot``: a synthetic estate (benchmarks/synth.py) evaluated through every policy and
rendered, under cProfile (one thread), top 10 by own time. ``aws``: ``cloudgov scan aws``
against a seeded moto server (benchmarks/aws/run.py's mix), sampled by py-spy with
``--gil`` (the thread holding the GIL: Python's CPU, not threads waiting on sockets; the
start-up's imports included), top 10 functions by own samples plus the share
of samples under imports, the authorization-details parse and the privilege decision.
``--pythonpath DIR`` profiles another checkout (the "before" of a change) with this
environment. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def snapshot_child(n: int, formats: list[str]) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from synth import synthetic_estate

    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate
    from scanner.outputs import render_all

    inv = synthetic_estate(n)
    policies, config = load_policies(), load_config()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    result = evaluate(inv, policies, config)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as out:
        render_all(result, formats, Path(out))
    prof.disable()
    t2 = time.perf_counter()
    print(f"{len(inv):,} resources, {len(result.findings):,} findings: evaluate {t1 - t0:.2f} s, "
          f"{'+'.join(formats)} {t2 - t1:.2f} s (under cProfile)\n")
    stats = pstats.Stats(prof, stream=io.StringIO())
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:10]  # type: ignore[attr-defined]
    print("| function | calls | own s | own % | cumulative s |")
    print("|---|---:|---:|---:|---:|")
    for (file, line, name), (_cc, nc, tt, ct, _callers) in rows:
        where = f"{Path(file).name}:{line}" if line else "built-in"
        print(f"| `{name}` ({where}) | {nc:,} | {tt:.2f} | {100 * tt / total:.0f} | {ct:.2f} |")


#: what a sampled stack is counted under, by a frame it contains (first match wins)
GROUPS = [
    ("imports", ("_find_and_load (", "_call_with_frames_removed (")),
    ("privilege decision", ("Context.privileged (", "Context._privileged_uncached (")),
    ("authorization details: call and parse", ("_authorization_details (",)),
    ("IAM normalize", (";identities (",)),
    ("other normalizers", ("normalize_account (",)),
    ("evaluation (other)", (";evaluate (",)),
    ("outputs", ("render_all (",)),
    ("botocore: loading service models, creating clients", ("create_client (", "_load_service_model (")),
    ("botocore: sending requests, parsing answers", ("_make_api_call (", "_make_request (")),
]


def read_raw(path: Path) -> tuple[Counter, Counter, int]:
    """py-spy's raw (collapsed) stacks → (own samples by frame, samples by group, total)."""
    own: Counter = Counter()
    groups: Counter = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for name, marks in GROUPS:
            if any(m in stack for m in marks):
                groups[name] += n
                break
        else:
            groups["other"] += n
    return own, groups, total


def aws(n: int, py_spy: Path, pythonpath: str | None, rate: int, keep: Path | None) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks" / "aws"))
    import run  # the seed mix and the moto server of benchmarks/aws/run.py

    server, url = run.start_server()
    try:
        run.seed(url, n)
        with tempfile.TemporaryDirectory() as d:
            raw = Path(d) / "stacks.txt"
            env = run.env()
            if pythonpath:
                env["PYTHONPATH"] = pythonpath
            cmd = [str(py_spy), "record", "--gil", "-r", str(rate), "-f", "raw", "-o", str(raw), "--", sys.executable, "-m",
                   "scanner", "scan", "aws", "--endpoint-url", url, "--regions", ",".join(run.REGIONS), "--format",
                   "json", "--output-dir", d, "--quiet"]
            t0 = time.monotonic()
            proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
            wall = time.monotonic() - t0
            if not raw.exists():
                raise SystemExit(proc.stderr[-3000:])
            own, groups, total = read_raw(raw)
            if keep:
                keep.write_text(raw.read_text())
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"`cloudgov scan aws` at ~{n} resources: {wall:.1f} s wall under py-spy, {total:,} samples at {rate} Hz "
          f"(the GIL holder)\n")
    print_aws(own, groups, total)


def print_aws(own: Counter, groups: Counter, total: int) -> None:
    print("| where | samples | % |")
    print("|---|---:|---:|")
    for name, k in groups.most_common():
        print(f"| {name} | {k:,} | {100 * k / total:.0f} |")
    print("\n| function (own samples) | samples | % |")
    print("|---|---:|---:|")
    for frame, k in own.most_common(10):
        print(f"| `{frame}` | {k:,} | {100 * k / total:.0f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["snapshot", "aws"])
    ap.add_argument("--resources", type=int, default=100000)
    ap.add_argument("--formats", default="json")
    ap.add_argument("--pythonpath", help="profile this checkout instead (PYTHONPATH for the child)")
    ap.add_argument("--py-spy", type=Path, default=Path("/work/bench/tools-venv/bin/py-spy"))
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--keep-raw", type=Path, help="aws: keep py-spy's raw stacks here")
    ap.add_argument("--from-raw", type=Path, help="aws: only summarise raw stacks kept earlier")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.mode == "snapshot":
        if args.child:
            snapshot_child(args.resources, args.formats.split(","))
            return
        env = dict(os.environ)
        if args.pythonpath:
            env["PYTHONPATH"] = args.pythonpath
        cmd = [sys.executable, __file__, "snapshot", "--child", "--resources", str(args.resources), "--formats", args.formats]
        raise SystemExit(subprocess.run(cmd, env=env, cwd=args.pythonpath or ROOT).returncode)
    if args.from_raw:
        print_aws(*read_raw(args.from_raw))
        return
    aws(args.resources, args.py_spy, args.pythonpath, args.rate, args.keep_raw)


if __name__ == "__main__":
    main()
