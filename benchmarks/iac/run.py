"""Wall time and peak memory: `cloudgov iac` against checkov alone, on the same Terraform.

    .venv/bin/python benchmarks/iac/run.py [TERRAFORM_DIR] [--copies N]

Without a directory it builds a tree of N copies of samples/terraform (each its own root).
Each command runs in a fresh process; peak memory is the child's max RSS (getrusage).
checkov alone runs with the same check selection cloudgov requests.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def measure(cmd: list[str], env: dict) -> tuple[float, float]:
    code = (
        "import resource,subprocess,sys,time;t=time.perf_counter();"
        "subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code, *cmd], capture_output=True, text=True, env=env).stdout.split()
    return float(out[0]), int(out[1]) / 1024  # seconds, MiB (peak of the largest child)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?")
    ap.add_argument("--copies", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from scanner.iac.checkov import CHECKS_DIR, find_checkov
    from scanner.iac.mapping import requested_checks

    tmp = None
    if args.path:
        target = Path(args.path).resolve()
    else:
        tmp = Path(tempfile.mkdtemp())
        for i in range(args.copies):
            shutil.copytree(ROOT / "samples" / "terraform", tmp / f"copy{i:03d}")
        target = tmp
    exe = str(find_checkov())
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE")
    checkov_cmd = [exe, "-d", str(target), "--framework", "terraform", "-o", "json", "--skip-download", "--compact",
                   "--external-checks-dir", str(CHECKS_DIR), "--check", ",".join(requested_checks())]
    ours = [sys.executable, "-m", "scanner", "iac", str(target), "-f", "json", "-o", str(Path(tempfile.mkdtemp())), "-q"]
    rows = []
    for name, cmd in (("checkov alone", checkov_cmd), ("cloudgov iac", ours), ("cloudgov iac --no-checkov", ours + ["--no-checkov"])):
        runs = [measure(cmd, env) for _ in range(args.repeat)]
        best = min(r[0] for r in runs)
        mem = max(r[1] for r in runs)
        rows.append((name, best, mem))
    tf = sum(1 for _ in target.rglob("*.tf"))
    print(f"{tf} .tf files under {target}")
    print(f"{'command':28} {'best wall s':>12} {'peak MiB':>9}")
    for name, t, m in rows:
        print(f"{name:28} {t:12.2f} {m:9.0f}")
    print(f"overhead of cloudgov over checkov: {100 * (rows[1][1] / rows[0][1] - 1):+.1f}%")
    if tmp:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
