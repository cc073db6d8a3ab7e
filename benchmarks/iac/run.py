"""Wall time and peak memory: `cloudgov iac` against checkov alone, on the same Terraform.

    .venv/bin/python benchmarks/iac/run.py [TERRAFORM_DIR] [--copies N] [--repeat R]

TERRAFORM_DIR is scanned as it is (``--copies 1``) or as N copies side by side (a
monorepo of that code); without it the tree is N copies of samples/terraform. Each
command runs R times in a fresh process under ``/usr/bin/time -v``; the figures are the
median wall time and the highest "Maximum resident set size" (the largest single process
of the tree: for `cloudgov iac` that is checkov's, while ours waits for it).

checkov alone runs with exactly the command line and environment cloudgov gives it
(:func:`scanner.iac.checkov.command`, ``BC_SKIP_MAPPING=TRUE`` and the others, from the
scanned directory), so the difference is our layer: parse, normalization, evaluation,
outputs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TIME = "/usr/bin/time"


def measure(cmd: list[str], env: dict, cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, max RSS MiB, exit code) of one run under GNU time."""
    proc = subprocess.run([TIME, "-v", *cmd], capture_output=True, text=True, env=env, cwd=cwd)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if not wall or not rss:
        raise SystemExit(f"no figures from {TIME} for {cmd[:3]}: {proc.stderr[-500:]}")
    h, m, s = wall.groups()
    seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    return seconds, int(rss.group(1)) / 1024, proc.returncode


def build_tree(source: Path, copies: int) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix="iac-bench-"))
    for i in range(copies):
        shutil.copytree(source, tmp / f"copy{i:03d}", ignore=shutil.ignore_patterns(".git", ".terraform"))
    return tmp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", help="Terraform tree (default: copies of samples/terraform)")
    ap.add_argument("--copies", type=int, default=None, help="copies side by side (default 1 with PATH, 50 without)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from scanner.iac.checkov import command, find_checkov
    from scanner.iac.mapping import requested_checks

    source = Path(args.path).resolve() if args.path else ROOT / "samples" / "terraform"
    copies = args.copies if args.copies is not None else (1 if args.path else 50)
    tmp = build_tree(source, copies) if copies > 1 or not args.path else None
    target = tmp or source
    out_dir = Path(tempfile.mkdtemp(prefix="iac-bench-out-"))

    # the environment run_checkov gives checkov (scanner/iac/checkov.py)
    env = dict(os.environ, BC_SKIP_MAPPING="TRUE", CHECKOV_RUN_SCA_PACKAGE_SCAN_V2="false", LOG_LEVEL="ERROR")
    env.pop("BC_API_KEY", None)
    checkov_cmd = command(find_checkov(), target, requested_checks())
    ours = [sys.executable, "-m", "scanner", "iac", str(target), "--format", "json", "--output-dir", str(out_dir), "-q"]
    commands = (
        ("checkov alone", checkov_cmd, target),
        ("cloudgov iac", ours, ROOT),
        ("cloudgov iac --no-checkov", ours + ["--no-checkov"], ROOT),
    )
    # round-robin, so a burst of load elsewhere on the machine hits every command alike
    runs: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _, _ in commands}
    own: list[float] = []
    own_cmd = [sys.executable, str(Path(__file__).with_name("own.py")), str(target)]
    for _ in range(args.repeat):
        for name, cmd, cwd in commands:
            runs[name].append(measure(cmd, env, cwd))
        proc = subprocess.run(own_cmd, capture_output=True, text=True, cwd=ROOT)
        if proc.returncode != 0:
            raise SystemExit(f"own.py failed: {proc.stderr[-500:]}")
        own.append(float(proc.stdout.split()[0]))
    rows = []
    for name, rs in runs.items():
        rows.append((name, statistics.median(r[0] for r in rs), min(r[0] for r in rs),
                     max(r[1] for r in rs), sorted({r[2] for r in rs})))
    tf = sum(1 for _ in target.rglob("*.tf"))
    print(f"{tf} .tf files under {target} ({copies} cop{'y' if copies == 1 else 'ies'} of {source}), {args.repeat} runs each")
    print(f"{'command':28} {'median s':>9} {'best s':>7} {'peak MiB':>9}  exit")
    for name, med, best, mem, codes in rows:
        print(f"{name:28} {med:9.2f} {best:7.2f} {mem:9.0f}  {','.join(map(str, codes))}")
    print(f"overhead of cloudgov over checkov alone (median): {100 * (rows[1][1] / rows[0][1] - 1):+.1f}%"
          f" (target: cloudgov + checkov <= 1.1x checkov alone: {rows[1][1] / rows[0][1]:.2f}x)")
    med_own = statistics.median(own)
    print(f"cloudgov's own parse + evaluation, in process (median of {len(own)}): {med_own:.2f} s = "
          f"{100 * med_own / rows[0][1]:.1f}% of checkov alone (target <= 10%)")
    shutil.rmtree(out_dir, ignore_errors=True)
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
