"""Re-create the real-world Terraform tree of the IaC benchmark (needs network access).

    python benchmarks/iac/fetch_realworld.py /tmp/realworld-tf
    .venv/bin/python benchmarks/iac/run.py /tmp/realworld-tf --copies 12

realworld.tsv lists each file (repository, path, the commit of the stored version that
was read, its length in characters). The files come from different commits of their
repositories (the copies available offline were not one snapshot), so each is fetched
at its own commit from raw.githubusercontent.com and checked against its length. Their
code is never committed here. With a clone instead: `git -C <clone> show <commit>:<path>`.
"""

from __future__ import annotations

import csv
import sys
import urllib.request
from pathlib import Path

MANIFEST = Path(__file__).with_name("realworld.tsv")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    out = Path(sys.argv[1])
    missing = 0
    with MANIFEST.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            url = f"https://raw.githubusercontent.com/{row['repository']}/{row['commit']}/{row['path']}"
            try:
                with urllib.request.urlopen(url, timeout=30) as resp:
                    text = resp.read().decode("utf-8")
            except OSError as e:
                print(f"missing: {url} ({e})", file=sys.stderr)
                missing += 1
                continue
            if len(text) != int(row["chars"]):
                print(f"length differs: {url} ({len(text)} != {row['chars']})", file=sys.stderr)
            dest = out / row["repository"] / row["path"]
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8", newline="")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
