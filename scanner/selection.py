"""Choosing what runs: ``--policy``, ``--skip-policy``, ``--area``, ``--min-severity``.

Policy ids may be globs (``residency.*``); every pattern must name at least one policy, and
every area must exist, so a typo stops the run (exit 2) instead of silently checking less.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from scanner.errors import UsageError

if TYPE_CHECKING:
    from policies.registry import PolicySet

__all__ = ["select_policies", "split_values"]


def split_values(values: Iterable[str] | None) -> list[str]:
    """Repeatable options that also take comma-separated lists."""
    return [v.strip() for item in values or () for v in item.split(",") if v.strip()]


def select_policies(
    policies: PolicySet,
    *,
    include: Collection[str] = (),
    skip: Collection[str] = (),
    areas: Collection[str] | None = None,
    min_severity: str | None = None,
) -> PolicySet:
    from policies.registry import PolicySet
    from scanner.model import Severity

    chosen = list(policies)
    ids = [p.id for p in chosen]
    for option, patterns in (("--policy", include), ("--skip-policy", skip)):
        for pattern in patterns:
            if not any(fnmatch.fnmatchcase(i, pattern) for i in ids):
                raise UsageError(f"{option} {pattern}: no such policy (`cloudgov policies` lists them)")
    if include:
        chosen = [p for p in chosen if any(fnmatch.fnmatchcase(p.id, pat) for pat in include)]
    if skip:
        chosen = [p for p in chosen if not any(fnmatch.fnmatchcase(p.id, pat) for pat in skip)]
    if areas:
        known = sorted({p.area for p in policies})
        unknown = [a for a in areas if a not in known]
        if unknown:
            raise UsageError(f"--area {', '.join(unknown)}: no such area; use one of {', '.join(known)}")
        chosen = [p for p in chosen if p.area in areas]
    if min_severity:
        try:
            floor = Severity.parse(min_severity)
        except ValueError as e:
            raise UsageError(f"--min-severity: {e}") from None
        chosen = [p for p in chosen if p.severity.rank >= floor.rank]
    if not chosen:
        raise UsageError("no policy is left to run with these --policy / --skip-policy / --area / --min-severity")
    if len(chosen) == len(policies):
        return policies
    return PolicySet(chosen, policies.catalogue)
