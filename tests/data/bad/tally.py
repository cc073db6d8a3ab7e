"""Count, per input kind, how the corpus cases end: exit 2 / one line on stderr / nothing
written — through the real console entry point, so it also runs against older versions.

    .venv/bin/python tests/data/bad/tally.py                   # this checkout
    .venv/bin/python tests/data/bad/tally.py --cwd /path/to/other/checkout   # an older version
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("bad_corpus", HERE.parents[1] / "test_bad_corpus.py")
corpus = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus)  # type: ignore[union-attr]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cwd", default=str(HERE.parents[2]))
    a = ap.parse_args()
    env = {**os.environ, "CLOUDGOV_EVIDENCE_DIR": tempfile.mkdtemp(), "PYTHONPATH": a.cwd}
    env.pop("CLOUDGOV_DEBUG", None)
    print("| kind | cases | exit 2 | one line | nothing written | all three | exit 1 | exit 3 | traceback |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    total: Counter = Counter()
    for kind in corpus.KINDS:
        c: Counter = Counter()
        for f in sorted((HERE / kind).iterdir()):
            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d)
                argv, table = corpus.command(kind, f, tmp)
                prep = corpus.prepare(kind, tmp)
                if prep:
                    subprocess.run([sys.executable, "-m", "scanner", *prep], cwd=a.cwd, env=env, capture_output=True,
                                   check=True, timeout=120)
                try:
                    r = subprocess.run([sys.executable, "-m", "scanner", *argv], cwd=a.cwd, env=env,
                                       capture_output=True, text=True, timeout=120)
                    code, err = r.returncode, r.stderr
                except subprocess.TimeoutExpired:
                    code, err = -1, "timeout"
                lines = [x for x in err.splitlines() if x.strip()]
                out = tmp / "out"
                written = (out.exists() and any(out.iterdir())) or corpus.rows(tmp, table) > 0
            c["cases"] += 1
            c["exit 2"] += code == 2
            c["one line"] += len(lines) == 1 and "Traceback" not in err
            c["nothing written"] += not written
            c["all three"] += code == 2 and len(lines) == 1 and "Traceback" not in err and not written
            c["exit 1"] += code == 1
            c["exit 3"] += code == 3
            c["traceback"] += "Traceback" in err
        total += c
        print(f"| {kind} | " + " | ".join(str(c[k]) for k in
              ("cases", "exit 2", "one line", "nothing written", "all three", "exit 1", "exit 3", "traceback")) + " |")
    print("| **total** | " + " | ".join(str(total[k]) for k in
          ("cases", "exit 2", "one line", "nothing written", "all three", "exit 1", "exit 3", "traceback")) + " |")


if __name__ == "__main__":
    main()
