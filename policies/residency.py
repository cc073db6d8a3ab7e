"""In-country data residency (ETG 8.6.3, 4.1.5): primary location, copies, geo-redundancy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policies.base import Context, Outcome, failed, not_applicable, passed, unknown
from scanner.model import RelType, Resource


def _locations(r: Resource) -> list[str | None]:
    placed = r.prop("data_locations")
    return list(placed) if placed else [r.region]


def _judge(ctx: Context, provider: str, locations: Sequence[str | None]) -> tuple[bool | None, list[str]]:
    """All allowed → True; any outside → False; else None. With one reason per location."""
    verdict: bool | None = True
    reasons = []
    for loc in locations:
        ok, why = ctx.location_allowed(provider, loc)
        reasons.append(why)
        if ok is False:
            verdict = False
        elif ok is None and verdict is True:
            verdict = None
    return verdict, reasons


def data_location(r: Resource, ctx: Context) -> Outcome:
    locations = _locations(r)
    ok, reasons = _judge(ctx, r.provider, locations)
    evidence = {"locations": locations, "allowed": sorted(ctx.config.allowed_countries)}
    if ok is None:
        return unknown("; ".join(reasons), **evidence)
    if ok:
        return passed("; ".join(reasons), **evidence)
    return failed("data stored outside the allowed jurisdiction: " + "; ".join(reasons), **evidence)


def _copy_regions(r: Resource, ctx: Context) -> tuple[list[str] | None, list[str]]:
    """Regions of replicas and backup copies, and edges whose target region is unknown."""
    declared = r.prop("replica_regions")
    regions = list(declared) if declared is not None else []
    unresolved = []
    edges = ctx.inventory.outgoing(r.id, RelType.REPLICATES_TO)
    for rel in edges:
        target = ctx.inventory.get(rel.target)
        region = (target.region if target else None) or rel.properties.get("region")
        if region:
            if region not in regions:
                regions.append(region)
        else:
            unresolved.append(rel.target)
    if declared is None and not edges:
        return None, unresolved
    return regions, unresolved


def _own_places(r: Resource, ctx: Context) -> set[str]:
    """The resource's own locations and the regions its multi-/dual-region locations span."""
    own: set[str] = set()
    for loc in _locations(r):
        if loc:
            own.add(loc.lower())
            own.update(ctx.config.jurisdictions.members(r.provider, loc))
    return own


def _owned_elsewhere(r: Resource, ctx: Context) -> set[str]:
    """Locations another policy already judges for this resource (one fact, one finding):
    its own data locations (residency.data_location) and the secondaries the platform picks
    for geo-redundant storage (residency.geo_redundant_storage)."""
    owned = _own_places(r, ctx)
    if r.prop("geo_redundant"):
        owned |= {s.lower() for s in r.prop("secondary_regions") or ()}
    return owned


def replica_location(r: Resource, ctx: Context) -> Outcome:
    regions, unresolved = _copy_regions(r, ctx)
    if regions is None:
        if r.native_type in ctx.params.get("separate_copies", ()):
            # a snapshot replicates nothing by itself: a copy is another snapshot, in its own
            # region, judged there by residency.data_location
            return not_applicable(f"{r.native_type} has no replication of its own: each copy is a separate "
                                  "snapshot, judged by residency.data_location where it is")
        return unknown("replication and copy configuration could not be read")
    owned = _owned_elsewhere(r, ctx)
    regions = [x for x in regions if x.lower() not in owned]
    evidence = {"replica_regions": regions, "allowed": sorted(ctx.config.allowed_countries)}
    if not regions and not unresolved:
        return passed("no replicas or cross-region copies", **evidence)
    ok, reasons = _judge(ctx, r.provider, regions) if regions else (True, [])
    if ok is False:
        return failed("a replica or copy leaves the allowed jurisdiction: " + "; ".join(reasons), **evidence)
    if unresolved or ok is None:
        why = reasons + [f"replica {t} has no known region" for t in unresolved]
        return unknown("; ".join(why), **evidence)
    return passed("replicas and copies stay in the allowed jurisdiction: " + "; ".join(reasons), **evidence)


def geo_redundant_storage(r: Resource, ctx: Context) -> Outcome:
    """The platform's own geo copy (Azure GRS/GZRS pair, GCP multi-/dual-region). Owns the
    secondary the platform picks; the resource's own locations belong to data_location."""
    geo = r.prop("geo_redundant")
    platform = ctx.params.get("platform_geo_replication", ())
    if geo is None:
        if r.provider not in platform:
            return not_applicable(f"{r.provider} does not geo-replicate this storage by itself")
        return unknown("whether the platform replicates this storage to another region is unknown")
    if not geo:
        return passed("storage is not geo-replicated by the platform", geo_redundant=False)
    own = _locations(r)
    secondaries = r.prop("secondary_regions")
    evidence = {"geo_redundant": True, "secondary_regions": secondaries, "locations": own}
    if not secondaries:
        # A multi-/dual-region location replicates inside itself: the copy is somewhere in
        # the countries the location spans, which is what data_location judges.
        if not all(loc and ctx.config.jurisdictions.is_multi(r.provider, loc) for loc in own):
            return unknown("geo-redundant, but the secondary region is unknown", **evidence)
        return _within_own(ctx, r, own, evidence)
    owned = _own_places(r, ctx)
    extra = [s for s in secondaries if s.lower() not in owned]
    if not extra:
        return _within_own(ctx, r, own, evidence)
    ok, reasons = _judge(ctx, r.provider, extra)
    if ok is None:
        return unknown("; ".join(reasons), **evidence)
    if ok:
        return passed("geo-redundant copy stays in the allowed jurisdiction: " + "; ".join(reasons), **evidence)
    return failed("geo-redundant copy leaves the allowed jurisdiction: " + "; ".join(reasons), **evidence)


def _within_own(ctx: Context, r: Resource, own: list[str | None], evidence: dict[str, Any]) -> Outcome:
    """The geo copies lie within the resource's own locations: judged by their countries."""
    ok, reasons = _judge(ctx, r.provider, own)
    if ok:
        return passed("geo-redundant copies stay within the location's own countries: " + "; ".join(reasons),
                      **evidence)
    return not_applicable("the geo-redundant copies stay within the resource's own location, which "
                          "residency.data_location judges (one fact, one finding): " + "; ".join(reasons), **evidence)


def offshore_without_local_backup(r: Resource, ctx: Context) -> Outcome:
    """ETG 8.6.3.3: offshore customer data of a material natural-person customer system keeps
    an in-country backup, unless the regulator (主管機關) approved the offshore location. A
    waiver of residency.data_location (the firm's own acceptance) is not that approval."""
    ok, reasons = _judge(ctx, r.provider, _locations(r))
    if ok is None:
        return not_applicable("location unknown: see residency.data_location")
    if ok:
        return not_applicable("stored in the allowed jurisdiction")
    rules = ctx.config.offshore
    evidence: dict = {"locations": _locations(r)}
    in_scope, how = rules.scope(r.id, r.account, r.tags)
    if in_scope is None:
        # the register's materiality decision for the account's service (scan --register);
        # the engine has already set aside accounts the register places outside the scope
        reg = ctx.scope_of(r)
        if reg.in_scope("material_natural_person"):
            in_scope, how = True, f"the register: {', '.join(reg.services)} is material with natural-person data"
    evidence["material_natural_person"], evidence["scope_from"] = in_scope, how
    if in_scope is False:
        return not_applicable(f"not customer data of a material natural-person customer system ({how})", **evidence)
    if in_scope is None:
        return unknown("offshore, and whether it holds customer data of a material natural-person customer system "
                       f"(重大性自然人客戶業務資訊系統) is unknown: {how}", **evidence)
    approval = rules.approval(r.id, r.tags)
    if approval:
        evidence["regulator_approval"] = approval
        return not_applicable(f"the regulator (主管機關) approved this offshore location: {approval}; "
                              "no in-country backup is required", **evidence)
    copies = [ctx.inventory.get(rel.source) for rel in ctx.inventory.incoming(r.id, RelType.BACKUP_OF)]
    copies += [ctx.inventory.get(rel.target) for rel in ctx.inventory.outgoing(r.id, RelType.REPLICATES_TO)]
    local = [c.id for c in copies if c is not None and ctx.location_allowed(c.provider, c.region)[0]]
    evidence["in_country_copies"] = local
    if local:
        return passed(f"offshore customer data of a material natural-person system ({how}) has an in-country backup: "
                      f"{', '.join(local)}", **evidence)
    if any(c is None for c in copies):
        return unknown("offshore customer data of a material natural-person system: a backup or replica is outside "
                       "the inventory, so whether one is in the country is unknown", **evidence)
    waived = ctx.is_waived("residency.data_location", r)
    note = (" (its residency.data_location waiver is the firm's acceptance, not the regulator's approval)"
            if waived else "")
    return failed(f"offshore customer data of a material natural-person system ({how}), not approved by the regulator, "
                  f"has no backup in the allowed jurisdiction{note}", **evidence)


def offshore_transfer_encrypted(r: Resource, ctx: Context) -> Outcome:
    """ETG 8.6.2: a store outside the allowed jurisdiction receives data across the border, so
    it must refuse unencrypted connections; an in-country store is not a cross-border transfer."""
    from policies.encryption import tls_required

    locations = _locations(r)
    ok, reasons = _judge(ctx, r.provider, locations)
    if ok is True:
        return not_applicable("stored in the allowed jurisdiction: no cross-border transfer", locations=locations)
    if ok is None:
        return unknown("whether the data crosses the border is unknown: " + "; ".join(reasons), locations=locations)
    transit = tls_required(r, ctx)
    where = "; ".join(reasons)
    return transit._replace(message=f"offshore ({where}); {transit.message}",
                            evidence={**transit.evidence, "locations": locations})
