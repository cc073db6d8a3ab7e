"""Regions as a board paper names them: zones folded into their region, the provider's own name.

The jurisdiction tables (policies/jurisdictions/) know each region's country and its name
as the provider publishes it (``Asia Pacific (Taipei)``); concentration counts a zone
(``asia-east1-b``) with its region, never beside it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

__all__ = ["fold", "region_name"]


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, str]]:
    from scanner.config import JURISDICTIONS_DIR
    from scanner.docfile import yaml_load

    out: dict[str, dict[str, str]] = {}
    for f in sorted(JURISDICTIONS_DIR.glob("*.yaml")):
        t = yaml_load(f.read_text(encoding="utf-8"))
        names = out.setdefault(t["provider"], {})
        for section in ("regions", "multi_regions"):
            for key, entry in (t.get(section) or {}).items():
                if isinstance(entry, dict) and entry.get("name"):
                    names[str(key).lower()] = str(entry["name"])
    return out


def fold(jurisdictions: Any, provider: str, location: str | None) -> str | None:
    """The region a location belongs to: a zone's region, else the location itself (lower case)."""
    if not location:
        return None
    return jurisdictions.region_of_zone(provider, location) or location.strip().lower()


def region_name(provider: str, region: str | None) -> str | None:
    """The provider's own name of a region or multi-region, when the table has one."""
    return _names().get(provider, {}).get((region or "").lower())
