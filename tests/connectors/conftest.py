"""Shared by the connectors' tests: scan files with `cloudgov scan snapshot` in-process."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def scan_snapshot(paths: Sequence[Path], out: Path, extra: Sequence[str] = (), key: str = "name") -> dict[Any, Any]:
    """findings.json of a scan, as {(policy, resource[key]): finding} plus {("coverage_gap", service): gap}."""
    from typer.testing import CliRunner

    from scanner.cli import app

    result = CliRunner().invoke(app, ["scan", "snapshot", *map(str, paths), "-f", "json", "-o", str(out), "-q", *extra])
    assert result.exit_code in (0, 1), result.output
    doc = json.loads((out / "findings.json").read_text())
    found: dict[Any, Any] = {(f["policy"], f["resource"][key]): f for f in doc["findings"]}
    found.update({("coverage_gap", g["service"]): g for g in doc["coverage_gaps"]})
    return found
