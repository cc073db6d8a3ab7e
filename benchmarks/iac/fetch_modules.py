"""Lay out the public module repositories of the IaC benchmark (modules.tsv): every ``.tf``
file of each repository at the listed commit, as the repository has it (module code, its
sub-modules, wrappers and examples calling them by relative path). Their code is never
committed here.

    python benchmarks/iac/fetch_modules.py /tmp/iac-modules                 # git clone (network)
    python benchmarks/iac/fetch_modules.py /tmp/iac-modules --mirrors DIR   # DIR/<owner>+<name>/repo bare clones
    .venv/bin/python benchmarks/iac/run.py /tmp/iac-modules --repeat 5
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import tarfile
import tempfile
from pathlib import Path

MANIFEST = Path(__file__).with_name("modules.tsv")


def git_dir(repo: str, mirrors: Path | None, tmp: Path) -> Path:
    if mirrors is not None:
        return mirrors / repo.replace("/", "+") / "repo"
    dest = tmp / repo.replace("/", "+")
    subprocess.run(["git", "clone", "--bare", "--filter=blob:none", f"https://github.com/{repo}.git", str(dest)],
                   check=True)
    return dest


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--mirrors", type=Path)
    args = ap.parse_args()
    out = Path(args.out)
    with tempfile.TemporaryDirectory() as tmp, MANIFEST.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            gd = git_dir(row["repository"], args.mirrors, Path(tmp))
            names = subprocess.run(["git", "--git-dir", str(gd), "ls-tree", "-r", "--name-only", row["commit"]],
                                   check=True, capture_output=True, text=True).stdout.split()
            tf = [n for n in names if n.endswith(".tf")]
            blob = subprocess.run(["git", "--git-dir", str(gd), "archive", row["commit"], *tf],
                                  check=True, capture_output=True).stdout
            dest = out / row["repository"].split("/", 1)[1]
            with tarfile.open(fileobj=io.BytesIO(blob)) as t:
                t.extractall(dest, filter="data")
            print(f"{row['repository']}@{row['commit'][:12]}: {len(tf)} .tf files → {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
