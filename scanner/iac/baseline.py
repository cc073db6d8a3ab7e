"""Baselines: only failures that are new since a previous findings JSON count.

The baseline is the ``findings.json`` (schema ``cloudgov.findings/1``) of an earlier run.
A finding is *known* when the baseline has a FAIL or ERROR finding with the same
fingerprint (policy + resource id; for IaC the resource id is the Terraform address, so
moving a block within a file keeps it known). Known findings stay in every output,
unchanged; they are only left out of the exit code, and the run says how many.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.errors import InputError

__all__ = ["load_baseline", "apply_baseline"]


def load_baseline(path: str | Path) -> set[str]:
    from scanner.docfile import max_input_bytes, parse_json, read_text
    from scanner.schemas import FindingsDocument, validate

    path = Path(path)
    doc = parse_json(read_text(path, limit=max_input_bytes(), what="a baseline findings document"), path)
    if not isinstance(doc, dict) or not str(doc.get("schema", "")).startswith("cloudgov.findings/"):
        raise InputError(f"{path}: not a cloudgov findings JSON (write one with --format json)")
    validate(FindingsDocument, doc, path)
    return {
        f["id"]
        for f in doc.get("findings") or []
        if isinstance(f, dict) and f.get("id") and f.get("status") in ("FAIL", "ERROR")
    }


def apply_baseline(result: Any, known: set[str], source: str) -> dict[str, int]:
    """Leave known failures out of ``result``'s exit code; record the counts in ``extra``."""
    from scanner.model import Status

    bad = {Status.FAIL, Status.ERROR}
    failing = [f.fingerprint for f in result.findings if f.status in bad]
    suppressed = {fp for fp in failing if fp in known}
    new = sum(1 for fp in failing if fp not in suppressed)
    result.exit_code_exempt |= suppressed
    counts: dict[str, Any] = {"file": source, "suppressed": len(suppressed), "new": new}
    result.extra["baseline"] = counts
    return counts
