"""Where a resource of a snapshot or export file is written: the file and the line of its id.

SARIF consumers (GitHub code scanning) need a physical location for every result; for a
scan of files the honest one is the file the resource was read from, at the line where its
id appears. One pass over each file: every JSON string on a line is compared with the ids
still looked for.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["locate_findings", "resource_pseudo_path"]

_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def _lines(path: Path) -> Iterable[str]:
    opener: Any = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            yield from fh
    except (OSError, EOFError):  # unreadable now: those findings keep the fallback location
        return


def _display(path: Path) -> str:
    """The path relative to the working directory (a repository-relative URI in CI), or an
    absolute file URI when it is elsewhere."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_uri()


def find_lines(files: Iterable[Path], wanted: set[str]) -> dict[str, tuple[str, int]]:
    """For each wanted string, the first (file, line) where it appears as a JSON string."""
    found: dict[str, tuple[str, int]] = {}
    left = set(wanted)
    for path in files:
        if not left:
            break
        shown = _display(path)
        for number, line in enumerate(_lines(path), 1):
            if '"' not in line:
                continue
            for m in _STRING.finditer(line):
                text = m.group(1)
                if "\\" in text:
                    try:
                        text = json.loads(f'"{text}"')
                    except ValueError:
                        continue
                if text in left:
                    found[text] = (shown, number)
                    left.discard(text)
    return found


def locate_findings(findings: Iterable[Any], files: list[Path]) -> int:
    """Give each finding without a file location the file and line of its resource (its id,
    else its name); returns how many were located."""
    todo = [f for f in findings if not (f.location and f.location.get("file"))]
    if not todo or not files:
        return 0
    keys = {id(f): _keys(f) for f in todo}
    found = find_lines(files, {k for ks in keys.values() for k in ks})
    located = 0
    for f in todo:
        hit = next((found[k] for k in keys[id(f)] if k in found), None)
        if hit is None:
            continue
        f.location = {"file": hit[0], "start_line": hit[1], "end_line": hit[1]}
        located += 1
    return located


def _keys(f: Any) -> list[str]:
    """What identifies the finding's resource in its file, most precise first: the id, the
    coverage gap's message (a gap is an entry of ``coverage_gaps``, not a resource), the name."""
    keys = [f.resource.id]
    gap = (f.evidence or {}).get("coverage_gap") if isinstance(f.evidence, dict) else None
    if isinstance(gap, dict) and gap.get("message"):
        keys.append(str(gap["message"]))
    if f.resource.name and not gap:
        keys.append(f.resource.name)
    return keys


def resource_pseudo_path(resource: Any) -> str:
    """A stable, per-resource path for a result with no file (a live scan): provider, account,
    region and the id, so the same resource keeps the same location from run to run."""
    from urllib.parse import quote

    parts = [resource.provider or "unknown", resource.account or "-", resource.region or "global"]
    return "cloudgov-resources/" + "/".join(quote(str(p), safe="") for p in parts) + "/" + quote(resource.id, safe="")
