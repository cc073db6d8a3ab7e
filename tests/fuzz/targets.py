"""Coverage-guided fuzz targets (atheris, libFuzzer) — one per reader of a user's file.

Each target writes the fuzzer's bytes to a file of the reader's kind and reads it through
the same function the CLI calls. A reader may accept the bytes or refuse them with one
:class:`~scanner.errors.CloudgovError` whose message is one line; any other exception (a
crash, exit 3 at the CLI), or a refusal on several lines, is a finding: the target raises
and libFuzzer stops with the input that did it.

    .venv/bin/python tests/fuzz/targets.py waivers -max_total_time=60      # one target, by hand
    .venv/bin/python -m pytest tests/fuzz -q                                 # every target, bounded

Seeds are the valid samples and the malformed corpus (tests/data/bad/<kind>/).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BAD = ROOT / "tests" / "data" / "bad"


def _policies():
    from policies.registry import load_policies

    return load_policies()


def _readers() -> dict[str, tuple[str, Callable[[Path], object], list[Path]]]:
    """name → (file suffix, reader, seed files or folders)."""
    from exit_plans.importer import read_document as read_plans
    from scanner.config import load_config
    from scanner.iac.baseline import load_baseline
    from scanner.inventory import load as load_inventory
    from scanner.report.appetite import load_appetite
    from scanner.store.history import read_document as read_history
    from scanner.waivers import load_waivers
    from vendor_dd.importer import read_document as read_register

    policies = _policies()
    samples = ROOT / "samples"
    return {
        "waivers": (".yaml", lambda p: load_waivers(p, policies), [samples / "waivers.yaml", BAD / "waivers"]),
        "config": (".yaml", load_config, [BAD / "config"]),
        "appetite": (".yaml", load_appetite, [BAD / "appetite"]),
        "register": (".yaml", read_register, [samples / "vendors.yaml", BAD / "register"]),
        "register-csv": (".csv", read_register, [BAD / "register-csv"]),
        "exit-plans": (".yaml", read_plans, [samples / "exit-plans.yaml", BAD / "exit-plans"]),
        "history": (".json", read_history, [BAD / "history"]),
        "baseline": (".json", load_baseline, [BAD / "baseline"]),
        "inventory": (".json", load_inventory, [BAD / "inventory"]),
    }


TARGETS = ("waivers", "config", "appetite", "register", "register-csv", "exit-plans", "history", "baseline",
           "inventory")


def one_input(reader: Callable[[Path], object], path: Path, data: bytes) -> None:
    """The property every reader keeps, for one input."""
    from scanner.errors import CloudgovError

    path.write_bytes(data)
    try:
        reader(path)
    except CloudgovError as e:
        if "\n" in str(e).strip():
            raise AssertionError(f"a refusal on several lines: {str(e)[:300]!r}") from None


def seeds(target: str, folder: Path) -> None:
    """Copy the target's seed files into ``folder`` (libFuzzer's working corpus)."""
    _, _, sources = _readers()[target]
    for src in sources:
        for f in sorted(src.iterdir()) if src.is_dir() else [src]:
            if f.is_file():
                (folder / f.name).write_bytes(f.read_bytes())


def main(argv: list[str]) -> None:
    import atheris

    target, rest = argv[1], argv[2:]
    with atheris.instrument_imports(include=["scanner", "vendor_dd", "exit_plans"]):
        readers = _readers()
    suffix, reader, _ = readers[target]
    work = Path(tempfile.mkdtemp(prefix=f"cloudgov-fuzz-{target}-"))
    corpus = work / "corpus"
    corpus.mkdir()
    seeds(target, corpus)
    path = work / f"input{suffix}"
    os.environ.setdefault("CLOUDGOV_MAX_DOCUMENT_BYTES", str(1 << 20))

    def test_one_input(data: bytes) -> None:
        one_input(reader, path, data)

    atheris.Setup([argv[0], *rest, str(corpus)], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
