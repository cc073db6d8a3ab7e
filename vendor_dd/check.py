"""The register as an Inventory of pseudo-resources, for the shared policy engine.

``cloudgov vendor check`` calls :func:`build_inventory` and hands the result to
``scanner.pipeline.run`` with ``areas={"vendor"}``, so waivers, outputs and exit
codes work exactly as for scans. Resources:

* ``vendor.provider`` — id ``vendor:<provider>``; evidence validity (SOC 2, ISO 27001).
* ``vendor.service``  — id ``vendor:<provider>/<service>``; materiality, review due date,
  clause status, last audit, declared and observed regions.

Linked scan inventories (``--inventory``) fill ``observed_regions`` from the data-bearing
resources in the service's scopes; each linked account gets an ``operated_by`` edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from scanner.inventory import Inventory
from scanner.model import DATA_BEARING_KINDS, RelType, Resource
from scanner.source import Source
from vendor_dd import facts
from vendor_dd.models import Provider, Service
from vendor_dd.register import cadence, providers

__all__ = ["build_inventory", "observed_regions", "service_resource_id", "provider_resource_id"]

PROVIDER = "cloudgov"


def service_resource_id(service: Service) -> str:
    return f"vendor:{service.provider.slug}/{service.slug}"


def provider_resource_id(provider: Provider) -> str:
    return f"vendor:{provider.slug}"


def observed_regions(scans: Inventory, cloud: str, account: str) -> tuple[set[str], bool, list[str]]:
    """(regions holding data, whether the scope is in the scans at all, coverage gaps there)."""
    regions: set[str] = set()
    present = False
    data_kinds = {str(k) for k in DATA_BEARING_KINDS}
    for r in scans:
        if r.provider != cloud or r.account != account:
            continue
        present = True
        if r.kind not in data_kinds:
            continue
        if r.region and r.region != "global":
            regions.add(r.region)
        for key in ("replica_regions", "secondary_regions", "data_locations"):
            regions.update(x for x in r.prop(key) or () if x)
    gaps = [
        f"{g.region or 'global'} {g.service}: {g.code}"
        for g in scans.coverage_gaps
        if g.provider == cloud and g.account == account and data_kinds & set(g.kinds)
    ]
    return regions, present or bool(gaps), gaps


def _observed(service: Service, scans: Inventory | None) -> dict[str, Any]:
    if scans is None:
        return {"observed.checked": False}
    regions: set[str] = set()
    missing, gaps = [], []
    for s in service.scopes:
        found, present, scope_gaps = observed_regions(scans, s.cloud, s.account)
        if not present:
            missing.append(f"{s.cloud}:{s.account}")
        regions |= found
        gaps += [f"{s.cloud}:{s.account} {g}" for g in scope_gaps]
    scanned = len(service.scopes) - len(missing)
    return {
        "observed.checked": True,
        "observed_regions": sorted(regions) if scanned else None,
        "observed.scopes_missing": missing,
        "observed.gaps": gaps,
    }


def build_inventory(session: Session, today: date, scans: Inventory | None = None) -> Inventory:
    """Pseudo-resources for every provider and service in the register, as of ``today``."""
    inv = Inventory(
        collected_at=datetime.combine(today, time(0, 0), tzinfo=UTC).isoformat().replace("+00:00", "Z"),
        sources=[Source(connector="vendor_dd", mode="register", details={"as_of": today.isoformat()})],
    )
    cad = cadence(session)
    everyone = providers(session)
    # ETG 4.1.4 (風險適度分散): how the register's material services spread over providers
    assessed_material = sum(1 for p in everyone for s in p.services if s.material)
    unassessed = sum(1 for p in everyone for s in p.services if s.material is None)
    for p in everyone:
        props = facts.provider_facts(p, today)
        props["concentration.material_services"] = sum(1 for s in p.services if s.material)
        props["concentration.material_total"] = assessed_material
        props["concentration.unassessed_total"] = unassessed
        inv.add(
            Resource(
                provider=PROVIDER,
                account=p.slug,
                region=None,
                kind="vendor.provider",
                native_type="cloudgov::vendor::Provider",
                id=provider_resource_id(p),
                name=p.name_en or p.legal_name,
                properties=props,
            )
        )
        for s in p.services:
            props = facts.service_facts(s, today, cad)
            props.update(_observed(s, scans))
            rid = service_resource_id(s)
            inv.add(
                Resource(
                    provider=PROVIDER,
                    account=p.slug,
                    region=None,
                    kind="vendor.service",
                    native_type="cloudgov::vendor::Service",
                    id=rid,
                    name=s.name,
                    properties=props,
                )
            )
            for scope in s.scopes:
                inv.relate(f"{scope.cloud}:{scope.account}", RelType.OPERATED_BY, rid)
    return inv


def load_scans(paths: Iterable[Any]) -> Inventory | None:
    """Merge the given snapshot files (``--inventory``); None when none were given."""
    from scanner.inventory import load, merge

    paths = list(paths)
    if not paths:
        return None
    return merge(load(p) for p in paths)
