"""Waiver problems as the scan stored them (English sentences) → catalogue keys with fields.

The engine records a problem as one English sentence (scanner/waivers.py); the report reads
the few shapes it writes and says them in the report's language from the catalogue. A shape
it does not know becomes ``waiver_problem.other`` with the original sentence kept for a
footnote, never printed into the zh-TW text.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["parse_problem", "WAIVER_FIELDS"]

#: waiver fields the engine may name as missing, in the order the catalogue lists them
WAIVER_FIELDS = ("id", "policy", "resources", "reason", "compensating_control", "owner", "approver", "expires")

_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("missing", re.compile(r"^waiver (?P<id>\S+): missing (?P<fields>[\w, ]+); ignored")),
    ("expired", re.compile(r"^(?:waiver )?(?P<id>\S+): expired on (?P<date>\d{4}-\d{2}-\d{2}); it no longer waives (?P<policy>\S+)")),
    ("not_mapping", re.compile(r"^waiver (?P<id>\S+): not a mapping")),
    ("resources", re.compile(r"^waiver (?P<id>\S+): resources must be")),
    ("bare_glob", re.compile(r"^waiver (?P<id>\S+): (?:a bare '\*'|the glob .* would waive too much)")),
    ("not_text", re.compile(r"^waiver (?P<id>\S+): (?:(?P<fields>[\w, ]+) must be text|id must be text|policy must be)")),
    ("bad_date", re.compile(r"^waiver (?P<id>\S+): expires")),
)


def parse_problem(text: str) -> dict[str, Any]:
    """``{"kind", "id", "fields", "date", "policy", "raw"}`` for one stored waiver problem."""
    for kind, rx in _SHAPES:
        m = rx.match(text.strip())
        if m:
            g = m.groupdict()
            fields = [f.strip() for f in (g.get("fields") or "").split(",") if f.strip()]
            return {"kind": kind, "id": g.get("id", "").lstrip("#"), "fields": fields,
                    "date": g.get("date"), "policy": g.get("policy"), "raw": text}
    m = re.match(r"^(?:waiver )?(?P<id>[^:\s]+):", text)
    return {"kind": "other", "id": m["id"] if m else "", "fields": [], "date": None, "policy": None, "raw": text}
