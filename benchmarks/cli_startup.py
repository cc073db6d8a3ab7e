"""`cloudgov --help` start-up, measured round-robin against two references so the figure
can be read on a loaded machine: bare interpreter start-up and `import typer` (the floor
the CLI cannot go under). Median and min of N runs each.

    .venv/bin/python benchmarks/cli_startup.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXE = Path(sys.executable)
COMMANDS = {
    "python -c pass": [str(EXE), "-c", "pass"],
    "python -c 'import typer'": [str(EXE), "-c", "import typer"],
    "cloudgov --help": [str(EXE.with_name("cloudgov")), "--help"],
    "cloudgov scan --help": [str(EXE.with_name("cloudgov")), "scan", "--help"],
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            t = time.perf_counter()
            subprocess.run(cmd, capture_output=True, check=True)
            times[name].append(time.perf_counter() - t)
    print(f"{'command':28} {'median s':>9} {'min s':>7}  ({args.runs} runs each, round-robin)")
    for name, ts in times.items():
        print(f"{name:28} {statistics.median(ts):9.3f} {min(ts):7.3f}")


if __name__ == "__main__":
    main()
