"""cloudgov's own parse + evaluation of a tree, timed inside one fresh process (imports and
interpreter start-up excluded): what issue 20's target calls cloudgov's own time.

    .venv/bin/python benchmarks/iac/own.py TREE      # prints seconds, resources, findings
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate
    from scanner.iac import scan_iac

    policies, config = load_policies(), load_config(None)
    import tfparse  # noqa: F401  (its import, like ours, is start-up, not evaluation)

    start = time.perf_counter()
    scan = scan_iac(sys.argv[1], use_checkov=False)
    result = evaluate(scan.inventory, policies, config, source="bench")
    seconds = time.perf_counter() - start
    print(f"{seconds:.3f} {len(scan.inventory)} {len(result.findings)}")


if __name__ == "__main__":
    main()
