"""Which regions to scan: the ones asked for, among the ones the account has enabled."""

from __future__ import annotations

import re

from scanner.errors import UsageError

__all__ = ["parse_regions", "plan_regions"]

_REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")


def parse_regions(text: str | None) -> list[str] | None:
    """``all`` / empty → None (every enabled region); else a validated list."""
    if text is None or text.strip().lower() in ("", "all"):
        return None
    regions = [r.strip() for r in text.split(",") if r.strip()]
    bad = [r for r in regions if not _REGION_RE.match(r)]
    if bad:
        raise UsageError(f"--regions: {', '.join(bad)} is not an AWS region name (e.g. ap-east-2); use a comma-separated list or 'all'.")
    return list(dict.fromkeys(regions))


def plan_regions(wanted: list[str] | None, enabled: list[str] | None) -> tuple[list[str], list[str]]:
    """(regions to scan, requested regions that are not enabled). ``enabled=None`` means
    the enabled list could not be read: scan what was asked (or nothing for 'all')."""
    if enabled is None:
        return list(wanted or []), []
    if wanted is None:
        return sorted(enabled), []
    on = set(enabled)
    return [r for r in wanted if r in on], [r for r in wanted if r not in on]
