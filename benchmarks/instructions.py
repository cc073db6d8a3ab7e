"""Instruction counts of evaluation and of the JSON writer, repeatable on a shared machine.

    valgrind --tool=callgrind --toggle-collect=functools_reduce --callgrind-out-file=/dev/null \
        .venv/bin/python benchmarks/instructions.py 5000 eval      # or: json

callgrind counts instructions only inside the one ``functools.reduce`` call below, which runs
``evaluate`` (or renders the compact JSON document to /dev/null) once, after a warm-up
evaluation: imports, the policy registry and the estate's generation are outside. Read the
"Collected" line valgrind prints. The load of the machine does not change the count (the
kernel's share of writing the file is not counted). ``PYTHONPATH`` picks the checkout.
"""

from __future__ import annotations

import functools
import gc
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synth import synthetic_estate  # noqa: E402

from policies.registry import load_policies  # noqa: E402
from scanner.config import load_config  # noqa: E402
from scanner.engine import evaluate  # noqa: E402
from scanner.outputs import json_doc  # noqa: E402


def main() -> None:
    n, what = int(sys.argv[1]), sys.argv[2]
    inv = synthetic_estate(n)
    policies, config = load_policies(), load_config()
    result = evaluate(inv, policies, config)  # warm-up: imports, caches

    def run_json() -> None:
        gc.disable()
        with open("/dev/null", "w", encoding="utf-8", newline="") as fh:
            json_doc.render(result, fh)

    run = (lambda: evaluate(inv, policies, config)) if what == "eval" else run_json
    functools.reduce(lambda _a, _b: run(), [0, 0])  # the only reduce call: callgrind's window


if __name__ == "__main__":
    main()
