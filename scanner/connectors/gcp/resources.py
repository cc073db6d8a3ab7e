"""Data-bearing GCP resources and KMS keys → the normalized model (pure).

Every handler reads only the record and the context, and writes resources and edges into
the inventory. A field the record does not carry stays out (unknown); a field absent from
*full* resource data (``rec.deep``) means "not set" and is written as such.
"""

from __future__ import annotations

from typing import Any

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.context import PROJECT, Context
from scanner.connectors.gcp.locations import (
    cloudsql_default_backup_location,
    is_multi_location,
    kms_key_name,
    kms_key_resource,
    location_from_name,
    normalize_location,
    self_link_to_resource,
    spanner_config_location,
)
from scanner.connectors.values import flag, strict_int
from scanner.inventory import Inventory
from scanner.model import Kind, RelType, Resource

__all__ = ["emit", "bucket", "disk", "snapshot", "sql_instance", "bq_dataset", "bq_table", "spanner_database",
           "crypto_key", "pubsub_topic", "project", "cloudsql_transit", "PROTECTION_LEVELS", "GCS_TRANSIT", "API_TRANSIT"]

#: Cloud Storage, BigQuery and Spanner are reached through Google's APIs; none has a setting
#: on the bucket, dataset or database that refuses plain HTTP or old TLS
GCS_TRANSIT = "not configurable: Cloud Storage has no bucket setting that refuses plain HTTP or old TLS"
API_TRANSIT = "not configurable: {} has no per-resource transport setting (reached through Google APIs)"


def cloudsql_transit(ip: dict[str, Any]) -> dict[str, Any]:
    """``transit.*`` of a Cloud SQL instance from ``settings.ipConfiguration`` (a full
    resource: an absent field is the default). ``sslMode`` ENCRYPTED_ONLY or
    TRUSTED_CLIENT_CERTIFICATE_REQUIRED refuses plain connections, ALLOW_UNENCRYPTED_AND_ENCRYPTED
    (the default) accepts them; without ``sslMode`` the legacy ``requireSsl`` decides
    (Cloud SQL Admin API, IpConfiguration)."""
    mode, legacy = ip.get("sslMode"), ip.get("requireSsl")
    out: dict[str, Any] = {"transit.min_tls_by": "Cloud SQL: no minimum TLS version is read"}
    if mode in ("ENCRYPTED_ONLY", "TRUSTED_CLIENT_CERTIFICATE_REQUIRED"):
        out.update({"transit.tls_required": True, "transit.tls_required_by": f"sslMode {mode}"})
    elif mode == "ALLOW_UNENCRYPTED_AND_ENCRYPTED":
        out.update({"transit.tls_required": False, "transit.tls_required_by": f"sslMode {mode}"})
    elif mode in (None, ""):
        required = legacy is True or str(legacy).lower() == "true"
        out.update({"transit.tls_required": required,
                    "transit.tls_required_by": f"requireSsl {str(required).lower()}" + ("" if legacy is not None else " (not set)")})
    else:
        out["transit.tls_required_by"] = f"unrecognised sslMode {mode!r}"
    return out

def _dual_region_members(loc: str | None) -> list[str]:
    """The regions of a predefined dual-region, from the jurisdiction table (empty otherwise)."""
    from scanner.config import default_jurisdictions

    return list(default_jurisdictions().members("gcp", loc)) if loc else []


def emit(
    inv: Inventory,
    ctx: Context,
    rec: AssetRecord,
    kind: str,
    region: str | None,
    props: dict[str, Any],
    *,
    name: str | None = None,
) -> Resource:
    account = ctx.account_of(rec)
    tags = dict(rec.labels)
    tags.update(rec.tags)
    r = Resource(
        provider="gcp",
        account=account,
        region=region,
        kind=kind,
        native_type=rec.asset_type,
        id=rec.name,
        name=name or rec.display_name or rec.name.rsplit("/", 1)[-1],
        tags=tags,
        properties={k: v for k, v in props.items() if v is not None},
        raw=_raw(rec),
    )
    inv.add(r)
    if rec.asset_type != PROJECT:
        project_rec = ctx.project_record(account)
        if project_rec is not None:
            inv.relate(r.id, RelType.IN_ACCOUNT, project_rec.name)
    return r


def _raw(rec: AssetRecord) -> dict[str, Any]:
    raw: dict[str, Any] = {"asset_type": rec.asset_type}
    if rec.data is not None:
        raw["data"] = rec.data
    if rec.location:
        raw["location"] = rec.location
    if rec.kms_keys is not None:
        raw["kms_keys"] = rec.kms_keys
    return raw


def _encryption(props: dict[str, Any], rels: list[str], key_ref: str | None, rec: AssetRecord) -> None:
    """CMEK when a Cloud KMS key is named; Google default encryption when full data names none."""
    if key_ref is None and rec.kms_keys:
        key_ref = rec.kms_keys[0]
    short = kms_key_name(key_ref)
    if short:
        props["encryption.enabled"] = True
        props["encryption.key_manager"] = "customer"
        props["encryption.key_id"] = short
        rels.append(kms_key_resource(short))  # type: ignore[arg-type]
    elif rec.deep or rec.kms_keys == []:
        # Google encrypts all data at rest; without a key the keys are Google-managed.
        props["encryption.enabled"] = True
        props["encryption.key_manager"] = "provider"


def _finish(inv: Inventory, r: Resource, key_rels: list[str]) -> None:
    for key in key_rels:
        inv.relate(r.id, RelType.ENCRYPTED_BY, key)


def bucket(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    loc = normalize_location(d.get("location") or rec.location)
    props: dict[str, Any] = {}
    keys: list[str] = []
    _encryption(props, keys, (d.get("encryption") or {}).get("defaultKmsKeyName"), rec)
    placement = [normalize_location(x) for x in (d.get("customPlacementConfig") or {}).get("dataLocations") or []]
    placement = [x for x in placement if x]
    loc_type = str(d.get("locationType") or "").lower()
    if placement:
        props["data_locations"] = placement
        props["geo_redundant"] = True
        props["secondary_regions"] = placement
    elif loc_type in ("multi-region", "dual-region") or is_multi_location(loc):
        props["geo_redundant"] = True
        if _dual_region_members(loc):
            props["secondary_regions"] = _dual_region_members(loc)
    elif loc and (loc_type == "region" or rec.deep):
        props["geo_redundant"] = False
    if rec.deep:
        props["replica_regions"] = []  # a bucket has no replication setting beyond its location
        props["location_type"] = loc_type or None
        props.update(_bucket_retention(d))
        rp = d.get("retentionPolicy")  # bucket lock (CSM CC-18000 (4)c): only a locked policy binds
        props["immutability"] = "none" if not rp else "locked" if flag(rp, "isLocked") is True else "unlocked"
    props["transit.tls_required_by"] = props["transit.min_tls_by"] = GCS_TRANSIT
    _finish(inv, emit(inv, ctx, rec, Kind.STORAGE_OBJECT, loc, props), keys)


#: lifecycle conditions that only ever select noncurrent (overwritten or deleted) versions
_NONCURRENT = ("numNewerVersions", "daysSinceNoncurrentTime", "noncurrentTimeBefore")


def _bucket_retention(d: dict[str, Any]) -> dict[str, Any]:
    """How long a bucket keeps its (log) objects: the shortest lifecycle Delete age of live
    objects, never shorter than a retention policy's period; no such rule → kept until
    removed by hand. A Delete rule on live objects without an age (createdBefore, custom
    time) makes the period unknown (nothing is written)."""
    period = strict_int((d.get("retentionPolicy") or {}).get("retentionPeriod"))  # seconds, int64 as a string
    floor = period // 86400 if period else 0
    ages: list[int] = []
    for rule in (d.get("lifecycle") or {}).get("rule") or []:
        if str((rule.get("action") or {}).get("type") or "") != "Delete":
            continue
        cond = rule.get("condition") or {}
        if flag(cond, "isLive") is False or any(k in cond for k in _NONCURRENT):
            continue  # only noncurrent versions: the live log objects stay
        age = strict_int(cond.get("age"))
        if age is None:
            return {}
        ages.append(age)
    if not ages:
        return {"retention_unlimited": True}
    return {"retention_days": max(min(ages), floor)}


def disk(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    loc = normalize_location(rec.location) or location_from_name(rec.name)
    props: dict[str, Any] = {}
    keys: list[str] = []
    dek = d.get("diskEncryptionKey") or {}
    _encryption(props, keys, dek.get("kmsKeyName"), rec)
    if not dek.get("kmsKeyName") and (dek.get("sha256") or dek.get("rsaEncryptedKey")):
        props.update({"encryption.enabled": True, "encryption.key_manager": "customer"})
        props["encryption.customer_supplied"] = True  # CSEK: the key never reaches Google KMS
    zones = [location_from_name(z) for z in d.get("replicaZones") or []]
    if zones:
        props["data_locations"] = [z for z in zones if z]
    if rec.deep:
        props["replica_regions"] = []  # regional disks replicate within their region only
        props["geo_redundant"] = False
    if d.get("resourcePolicies"):
        props["backup.enabled"] = True  # a disk's resource policy is a snapshot schedule (ETG 9.3)
    _finish(inv, emit(inv, ctx, rec, Kind.STORAGE_BLOCK, loc, props), keys)


def snapshot(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    stored = [normalize_location(x) for x in d.get("storageLocations") or []]
    stored = [x for x in stored if x]
    props: dict[str, Any] = {}
    keys: list[str] = []
    _encryption(props, keys, (d.get("snapshotEncryptionKey") or {}).get("kmsKeyName"), rec)
    if stored:
        props["data_locations"] = stored
        props["geo_redundant"] = any(is_multi_location(x) for x in stored)
        region = stored[0]
    else:
        region = normalize_location(rec.location)
        if region == "global":
            region = None  # a snapshot's real place is storageLocations; "global" says nothing
    if rec.deep:
        props["replica_regions"] = []  # a snapshot's copies are its storageLocations
    source = self_link_to_resource(d.get("sourceDisk"))
    if source:
        props["source_id"] = source
    if d.get("creationTimestamp"):
        props["created"] = str(d["creationTimestamp"])
    r = emit(inv, ctx, rec, Kind.BACKUP, region, props)
    _finish(inv, r, keys)
    if source:
        inv.relate(r.id, RelType.BACKUP_OF, source)


def sql_instance(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    region = normalize_location(d.get("region") or rec.location)
    props: dict[str, Any] = {"engine": d.get("databaseVersion")}
    keys: list[str] = []
    _encryption(props, keys, (d.get("diskEncryptionConfiguration") or {}).get("kmsKeyName"), rec)
    copies: list[str] | None = [] if rec.deep else None
    backup = ((d.get("settings") or {}).get("backupConfiguration") or {}) if rec.deep else {}
    backup_on = flag(backup, "enabled", False)
    if backup_on:
        where = normalize_location(backup.get("location"))
        props["backup.enabled"] = True
        if where:
            props["backup.location"] = where
        else:
            where = cloudsql_default_backup_location(region)
            props["backup.location_default"] = True  # "the closest multi-region" (Cloud SQL docs)
            if where:
                props["backup.location"] = where
        if where and copies is not None:
            copies.append(where)
        elif not where:
            copies = None
    elif rec.deep and backup_on is False:
        props["backup.enabled"] = False
    elif rec.deep:
        copies = None  # backupConfiguration.enabled is not a boolean: where backups go is unknown
    if copies is not None:
        for replica in _sql_replicas(ctx, rec):
            if replica is None:
                copies = None  # a replica we did not see: its region is unknown
                break
            if replica not in copies:
                copies.append(replica)
    if copies is not None:
        props["replica_regions"] = copies
    if rec.deep:
        props["geo_redundant"] = False  # HA standby stays in-region; copies are listed above
    if d.get("masterInstanceName"):
        props["primary"] = d.get("masterInstanceName")
    if rec.deep:
        props.update(cloudsql_transit(((d.get("settings") or {}).get("ipConfiguration")) or {}))
    _finish(inv, emit(inv, ctx, rec, Kind.DATABASE, region, props), keys)


def _sql_replicas(ctx: Context, rec: AssetRecord) -> list[str | None]:
    d = rec.data or {}
    names = list(d.get("replicaNames") or [])
    if not names:
        return []
    project = ctx.project_of(rec)
    seen = {}
    for other in ctx.by_type.get(rec.asset_type, []):
        od = other.data or {}
        if od.get("name") and ctx.project_of(other) == project:
            seen[str(od["name"])] = normalize_location(od.get("region") or other.location)
    return [seen.get(n.split(":")[-1]) for n in names]


def bq_dataset(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    loc = normalize_location(d.get("location") or rec.location)
    if loc is None and rec.data is not None:
        loc = "us"  # a dataset created without a location is in the US multi-region (BigQuery docs)
    _bigquery(inv, ctx, rec, (d.get("defaultEncryptionConfiguration") or {}).get("kmsKeyName"), loc)


def bq_table(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    if str(d.get("type") or "").upper() == "VIEW":
        return  # a view holds no data of its own
    loc = normalize_location(d.get("location") or rec.location)
    if loc is None:
        # a table lives where its dataset is: //bigquery.googleapis.com/projects/p/datasets/d/tables/t
        dataset = ctx.records.get(rec.name.split("/tables/", 1)[0])
        if dataset is not None:
            dd = dataset.data or {}
            loc = normalize_location(dd.get("location") or dataset.location)
            if loc is None and dataset.data is not None:
                loc = "us"
    _bigquery(inv, ctx, rec, (d.get("encryptionConfiguration") or {}).get("kmsKeyName"), loc)


def _bigquery(inv: Inventory, ctx: Context, rec: AssetRecord, key_ref: str | None, loc: str | None) -> None:
    props: dict[str, Any] = {}
    keys: list[str] = []
    _encryption(props, keys, key_ref, rec)
    if loc:
        # BigQuery multi-regions (US, EU) keep a copy in a second region of the area
        props["geo_redundant"] = is_multi_location(loc)
    if rec.deep:
        props["replica_regions"] = []
    props["transit.tls_required_by"] = props["transit.min_tls_by"] = API_TRANSIT.format("BigQuery")
    _finish(inv, emit(inv, ctx, rec, Kind.DATABASE, loc, props), keys)


def spanner_placement(config: str | None) -> tuple[str | None, list[str] | None, bool | None]:
    """(location, data regions, multi-region?) of a Spanner instance configuration:
    ``regional-asia-east1`` is its region; a base multi-region configuration (``nam3``,
    ``nam-eur-asia1``, ``asia1``) spans the regions the jurisdiction table lists for it,
    witness included; anything else (custom configurations, unlisted names) is unknown
    and keeps its own name, so the finding names it."""
    from scanner.config import default_jurisdictions

    name = str(config).rstrip("/").rsplit("/", 1)[-1].lower() if config else ""
    if name.startswith("custom-"):
        return name, None, None  # base regions plus read-only replicas of the customer's choosing
    loc, multi = spanner_config_location(config)
    if loc is None or multi is False:
        return loc, None, multi
    juris = default_jurisdictions()
    if juris.countries("gcp", loc) and not juris.is_multi("gcp", loc):
        return loc, None, False  # a search result's location is the region itself (us-central1)
    regions = juris.spanner_regions(loc)
    if regions is None:
        return name, None, None
    return loc, list(regions), True


def _config_record_placement(ctx: Context, config: str | None) -> tuple[str, list[str], bool] | None:
    """An exported spanner.googleapis.com/InstanceConfig names its replicas' regions: the
    only way to place a custom configuration (base regions plus read-only replicas)."""
    if not config:
        return None
    short = str(config).split("//spanner.googleapis.com/", 1)[-1]
    cfg = ctx.records.get(f"//spanner.googleapis.com/{short}")
    replicas = (cfg.data or {}).get("replicas") if cfg is not None else None
    regions: list[str] = []
    for rep in replicas or []:
        where = normalize_location(rep.get("location")) if isinstance(rep, dict) else None
        if where and where not in regions:
            regions.append(where)
    if not regions:
        return None
    name = short.rsplit("/", 1)[-1].lower()
    if len(regions) == 1:
        return regions[0], regions, False
    return name, regions, True


def _spanner_instance_of(ctx: Context, rec: AssetRecord) -> AssetRecord | None:
    return ctx.records.get(rec.name.split("/databases/", 1)[0])


def spanner_database(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    inst = _spanner_instance_of(ctx, rec)
    config = (inst.data or {}).get("config") if inst is not None and inst.data else None
    loc, regions, multi = _config_record_placement(ctx, config) or spanner_placement(config or rec.location)
    props: dict[str, Any] = {}
    keys: list[str] = []
    enc = d.get("encryptionConfig") or {}
    names = [n for n in [enc.get("kmsKeyName"), *(enc.get("kmsKeyNames") or [])] if n]
    _encryption(props, keys, names[0] if names else None, rec)
    for extra in names[1:]:  # a multi-region CMEK database names one key per region
        ref = kms_key_resource(extra)
        if ref and ref not in keys:
            keys.append(ref)
    if not names:
        infos = [str(i.get("encryptionType") or "") for i in d.get("encryptionInfo") or [] if isinstance(i, dict)]
        if "CUSTOMER_MANAGED_ENCRYPTION" in infos:
            props.update({"encryption.enabled": True, "encryption.key_manager": "customer"})
    if regions:
        props["data_locations"] = regions
        props["secondary_regions"] = regions  # the configuration's replicas are its geo copies
    if multi is not None:
        props["geo_redundant"] = multi
    if rec.deep:
        props["replica_regions"] = []  # a database's replicas are its instance configuration's
    props["transit.tls_required_by"] = props["transit.min_tls_by"] = API_TRANSIT.format("Spanner")
    _finish(inv, emit(inv, ctx, rec, Kind.DATABASE, loc, props), keys)


def pubsub_topic(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    """A topic keeps its messages (retention) in the regions its message storage policy
    allows; without one, Pub/Sub stores them in the region nearest the publisher, so the
    place stays the asset's own ("global"), which no table places: ERROR with that reason."""
    d = rec.data or {}
    props: dict[str, Any] = {}
    keys: list[str] = []
    _encryption(props, keys, d.get("kmsKeyName"), rec)
    allowed = [normalize_location(x) for x in (d.get("messageStoragePolicy") or {}).get("allowedPersistenceRegions") or []]
    allowed = [x for x in allowed if x]
    region = normalize_location(rec.location)
    if allowed:
        props["data_locations"] = allowed
        region = allowed[0] if len(allowed) == 1 else region
    _finish(inv, emit(inv, ctx, rec, Kind.QUEUE, region, props), keys)


_KEY_STATES = {
    "ENABLED": "enabled",
    "DISABLED": "disabled",
    "DESTROY_SCHEDULED": "pending_deletion",
    "DESTROYED": "destroyed",
}


#: Cloud KMS protection levels (CryptoKeyVersionTemplate.protectionLevel): HSM keys live in
#: Cloud HSM (FIPS 140-2 Level 3), single-tenant Cloud HSM in the firm's own partition,
#: EXTERNAL / EXTERNAL_VPC keys in an external key manager outside Google
PROTECTION_LEVELS = {"SOFTWARE": "software", "HSM": "hsm", "HSM_SINGLE_TENANT": "hsm_dedicated",
               "EXTERNAL": "external", "EXTERNAL_VPC": "external"}


def crypto_key(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    props: dict[str, Any] = {"key_manager": "customer"}  # every Cloud KMS key is the customer's
    if rec.deep:
        period = _seconds(d.get("rotationPeriod"))
        props["rotation_enabled"] = period is not None
        if period is not None:
            props["rotation_period_days"] = round(period / 86400)
        purpose = str(d.get("purpose") or "")
        if purpose and purpose != "ENCRYPT_DECRYPT":
            props["rotation_supported"] = False  # only symmetric keys rotate automatically
        state = _KEY_STATES.get(str((d.get("primary") or {}).get("state") or ""))
        if state:
            props["state"] = state
        level = str((d.get("versionTemplate") or {}).get("protectionLevel") or "")
        if level in PROTECTION_LEVELS:
            props["protection_level"] = PROTECTION_LEVELS[level]
            props["protection_evidence"] = f"versionTemplate.protectionLevel {level}"
    public = ctx.key_public(rec.name)
    if public is not None:
        props["policy_public"] = public
    emit(inv, ctx, rec, Kind.KMS_KEY, location_from_name(rec.name) or normalize_location(rec.location), props)


def project(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    props: dict[str, Any] = {}
    org = ctx.organization_of(rec)
    if org:
        props["organization_id"] = org
    if d.get("projectNumber"):
        props["project_number"] = str(d["projectNumber"])
    if d.get("lifecycleState"):
        props["lifecycle_state"] = str(d["lifecycleState"]).lower()
    from scanner.connectors.gcp.network import project_internet_access

    props.update(project_internet_access(ctx, props.get("project_number")))
    pid = ctx.account_of(rec)
    emit(inv, ctx, rec, Kind.ACCOUNT, "global", props, name=pid)


def _seconds(value: Any) -> float | None:
    """``"7776000s"`` (JSON Duration) or ``{"seconds": 7776000}`` → seconds."""
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        return float(value.get("seconds") or 0) + float(value.get("nanos") or 0) / 1e9
    text = str(value).strip()
    try:
        return float(text[:-1] if text.endswith("s") else text)
    except ValueError:
        return None
