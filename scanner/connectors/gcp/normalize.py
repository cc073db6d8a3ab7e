"""Cloud Asset records → Inventory (pure: no I/O, the same for live scans and export files)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.connectors.gcp.assets import AssetRecord, to_record
from scanner.connectors.gcp.audit import trails
from scanner.connectors.gcp.context import Context, Coverage
from scanner.connectors.gcp.facts import Activity, Groups
from scanner.connectors.gcp.identities import Directory, identities
from scanner.connectors.gcp.scc import SERVICES_TYPE as SCC_SERVICES
from scanner.connectors.gcp.services import HANDLERS, kinds_of
from scanner.inventory import Inventory
from scanner.model import CoverageGap, Kind
from scanner.source import Source

__all__ = ["normalize", "normalize_dicts", "Coverage", "Directory", "Groups", "Activity"]


def normalize(
    records: Iterable[AssetRecord],
    *,
    coverage: Coverage | None = None,
    directory: Directory | None = None,
    groups: Groups | None = None,
    activity: Activity | None = None,
    gaps: Iterable[CoverageGap] = (),
    collected_at: str | None = None,
    source: Source | Mapping[str, Any] | None = None,
) -> Inventory:
    """Build the normalized inventory from asset records of any shape.

    ``coverage`` says what the source holds in full (see :class:`Coverage`); when None it
    is inferred from the records (a type with full data present counts as listed, IAM
    policies count as read when any record carries one). ``groups`` (Cloud Identity
    memberships) and ``activity`` (Policy Analyzer key use) are None when not read.
    """
    records = list(records)
    if coverage is None:
        coverage = Coverage(
            resource_types=frozenset(r.asset_type for r in records if r.deep),
            iam_policies=any(r.iam_policy is not None for r in records),
        )
    ctx = Context.build(records, coverage)
    inv = Inventory(collected_at=collected_at)
    if source:
        inv.sources.append(source if isinstance(source, Source) else Source.from_dict(source))
    for asset_type, recs in ctx.by_type.items():
        handler = HANDLERS.get(asset_type)
        if handler is None:
            continue
        for rec in recs:
            handler(inv, ctx, rec)
    trails(inv, ctx)
    all_gaps = list(gaps)
    # Security Command Center: read live per project (scanner.connectors.gcp.scc) or refused
    # (its gap is among ``gaps``); an export does not hold it, so it is unknown there
    answered = {r.account for r in inv.of_kind(Kind.DETECTOR) if r.native_type == SCC_SERVICES}
    answered |= {g.account for g in all_gaps if g.service == "securitycenter"}
    for acct in sorted({r.account for r in inv.of_kind(Kind.ACCOUNT)} - answered):
        all_gaps.append(CoverageGap("gcp", acct, None, "securitycenter", kinds_of("securitycenter"), "NotRead",
                                    "Security Command Center's services are not in Cloud Asset Inventory exports; "
                                    "a live scan reads them from the Security Center Management API"))
    identities(inv, ctx, directory, all_gaps, groups, activity)
    for g in all_gaps:
        inv.gap(g)
    return inv


def normalize_dicts(items: Iterable[Mapping[str, Any]], **kwargs: Any) -> Inventory:
    """Same, from raw JSON objects (export lines, list / search output)."""
    recs = (to_record(d) for d in items)
    return normalize((r for r in recs if r is not None), **kwargs)
