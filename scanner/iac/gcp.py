"""Google Cloud Terraform types → canonical kinds and properties (docs/model.md).

Google encrypts everything with Google-managed keys unless a Cloud KMS key (CMEK) is
named, so an absent key argument means ``provider``.
"""

from __future__ import annotations

from scanner.iac.hcl import TfResource, resolve
from scanner.iac.normalize import Ctx, Normalized, key_edges, key_props, log_class, register, tags_of

#: GCS multi-regions and predefined dual-regions: data kept in more than one region.
_MULTI = {"ASIA", "EU", "US", "ASIA1", "EUR4", "EUR5", "EUR7", "EUR8", "NAM4"}


def _cmk(ctx: Ctx, key_value) -> dict:
    if key_value is None:
        return {"encryption.enabled": True, "encryption.key_manager": "provider"}
    manager, key = ctx.key_ref(key_value, aws_alias_prefix="")
    if manager is None and isinstance(key, str) and "/cryptoKeys/" in key:
        manager = "customer"  # a Cloud KMS key name is always customer-managed
    return key_props(manager, key)


def storage_bucket(res: TfResource, ctx: Ctx) -> Normalized:
    enc = ctx.block(res, "encryption")
    props = _cmk(ctx, enc.get("default_kms_key_name") if enc else None)
    props["replica_regions"] = []  # GCS has no replication of its own; multi-region is the location
    loc = ctx.value(res, "location")
    if isinstance(loc, str):
        custom = ctx.block(res, "custom_placement_config")
        if custom:
            locs = resolve(custom.get("data_locations"), ctx.module)
            props["data_locations"] = locs
            props["geo_redundant"] = True
            props["secondary_regions"] = locs
        else:
            props["geo_redundant"] = loc.upper() in _MULTI
    days: list[int] = []
    age_unknown = False
    for rule in ctx.blocks(res.attrs, "lifecycle_rule"):
        action = ctx.block(rule, "action")
        cond = ctx.block(rule, "condition")
        if action and resolve(action.get("type"), ctx.module) == "Delete" and cond and "age" in cond:
            age = resolve(cond.get("age"), ctx.module)
            if not isinstance(age, int):
                age_unknown = True
                break
            days.append(age)
    if age_unknown:
        pass  # a deletion age the code does not fix: retention unknown
    elif days:
        props["retention_days"] = min(days)
    else:
        props["retention_unlimited"] = True
    props["log_class"] = log_class(tags_of(res, ctx, "labels"))
    from scanner.connectors.gcp.resources import GCS_TRANSIT

    props["transit.tls_required_by"] = props["transit.min_tls_by"] = GCS_TRANSIT
    return Normalized("storage.object", "storage.googleapis.com/Bucket", props,
                      name=ctx.value(res, "name") or res.name, edges=key_edges(props))


def logging_bucket(res: TfResource, ctx: Ctx) -> Normalized:
    cmek = ctx.block(res, "cmek_settings")
    props = _cmk(ctx, cmek.get("kms_key_name") if cmek else None)
    days = ctx.value(res, "retention_days")
    if "retention_days" not in res.attrs:
        props["retention_days"] = 30  # Cloud Logging's default for user-defined buckets
    elif isinstance(days, int):
        props["retention_days"] = days
    # log buckets carry no labels; the class comes from the bucket id by configuration
    # rules, or from a `cloudgov:log-class` description marker
    locked = ctx.value(res, "locked") if "locked" in res.attrs else False  # unset: not locked
    if isinstance(locked, bool):
        props["locked"] = locked
    desc = ctx.value(res, "description")
    if isinstance(desc, str) and "cloudgov:log-class=" in desc:
        props["log_class"] = desc.split("cloudgov:log-class=", 1)[1].split()[0]
    return Normalized("log.store", "logging.googleapis.com/LogBucket", props,
                      name=ctx.value(res, "bucket_id") or res.name, edges=key_edges(props))


def kms_crypto_key(res: TfResource, ctx: Ctx) -> Normalized:
    period = ctx.value(res, "rotation_period")
    props: dict = {"key_manager": "customer", "state": "enabled", "policy_public": _public_binding(res, ctx)}
    if "rotation_period" not in res.attrs:
        props["rotation_enabled"] = False
    elif isinstance(period, str) and period.endswith("s"):
        props["rotation_enabled"] = True
        props["rotation_period_days"] = int(float(period[:-1]) // 86400)
    template = ctx.block(res, "version_template")
    level = resolve(template.get("protection_level"), ctx.module) if template else "SOFTWARE"  # the API's default
    from scanner.connectors.gcp.resources import PROTECTION_LEVELS

    if level in PROTECTION_LEVELS:
        props.update({"protection_level": PROTECTION_LEVELS[level], "protection_evidence": f"protection_level {level}"})
    return Normalized("kms.key", "cloudkms.googleapis.com/CryptoKey", props)


def _public_binding(res: TfResource, ctx: Ctx) -> bool:
    """IAM bindings in this code that grant the key to everyone. (Bindings made outside
    this code are not visible; the live scan sees those.)"""
    for t in ("google_kms_crypto_key_iam_member", "google_kms_crypto_key_iam_binding"):
        for b in ctx.attached(res, (t,), ("crypto_key_id",)):
            members = resolve(b.attrs.get("member"), ctx.module) or resolve(b.attrs.get("members"), ctx.module) or []
            members = [members] if isinstance(members, str) else members
            if any(m in ("allUsers", "allAuthenticatedUsers") for m in members):
                return True
    return False


def compute_disk(res: TfResource, ctx: Ctx) -> Normalized:
    dek = ctx.block(res, "disk_encryption_key")
    key = (dek.get("kms_key_self_link") or dek.get("kms_key_name")) if dek else None
    props = _cmk(ctx, key)
    supplied = [resolve(dek.get(k)) for k in ("raw_key", "rsa_encrypted_key") if k in dek] if dek else []
    if key is None and any(supplied):
        props["encryption.key_manager"] = "customer"  # customer-supplied key (CSEK)
    elif key is None and supplied and all(v == "" for v in supplied):
        pass  # raw_key = "": no key supplied, Google-managed encryption
    elif key is None and supplied:
        props["encryption.key_manager"] = None  # a supplied key we cannot read
    return Normalized("storage.block", "compute.googleapis.com/Disk", props, edges=key_edges(props))


def sql_instance(res: TfResource, ctx: Ctx) -> Normalized:
    props = _cmk(ctx, res.attrs.get("encryption_key_name"))
    settings = ctx.block(res, "settings")
    ip = ctx.block(settings, "ip_configuration") if settings else None
    from scanner.connectors.gcp.resources import cloudsql_transit

    props.update(cloudsql_transit({"sslMode": resolve(ip.get("ssl_mode"), ctx.module) if ip else None,
                                   "requireSsl": resolve(ip.get("require_ssl"), ctx.module) if ip else None}))
    return Normalized("database", "sqladmin.googleapis.com/Instance", props,
                      name=ctx.value(res, "name") or res.name, edges=key_edges(props))


def bigquery_dataset(res: TfResource, ctx: Ctx) -> Normalized:
    cfg = ctx.block(res, "default_encryption_configuration")
    props = _cmk(ctx, cfg.get("kms_key_name") if cfg else None)
    from scanner.connectors.gcp.resources import API_TRANSIT

    props["transit.tls_required_by"] = props["transit.min_tls_by"] = API_TRANSIT.format("BigQuery")
    loc = ctx.value(res, "location")
    if isinstance(loc, str):
        props["geo_redundant"] = loc.upper() in ("US", "EU")
    return Normalized("database", "bigquery.googleapis.com/Dataset", props,
                      name=ctx.value(res, "dataset_id") or res.name, edges=key_edges(props))


def pubsub_topic(res: TfResource, ctx: Ctx) -> Normalized:
    props = _cmk(ctx, res.attrs.get("kms_key_name"))
    policy = ctx.block(res, "message_storage_policy")
    if policy:
        regions = resolve(policy.get("allowed_persistence_regions"), ctx.module)
        if isinstance(regions, list):
            props["data_locations"] = regions
    return Normalized("messaging.queue", "pubsub.googleapis.com/Topic", props, edges=key_edges(props))


def _osconfig(value) -> bool | None:
    if value is None:
        return None
    return str(value).strip().lower() in ("true", "1", "yes", "y")


def compute_instance(res: TfResource, ctx: Ctx) -> Normalized:
    """VM Manager (ETG 8.4.2): ``enable-osconfig`` in the instance's ``metadata``, else in the
    project metadata this code sets (``google_compute_project_metadata``,
    ``google_compute_project_metadata_item``); the project's metadata set elsewhere is not in
    the code, so an instance without its own setting is then unknown. ``desired_status``
    TERMINATED / SUSPENDED is a stopped VM (default RUNNING)."""
    from scanner.connectors.gcp.compute import KEY

    status = ctx.value(res, "desired_status") if ctx.has(res, "desired_status") else "RUNNING"
    props: dict = {"state": {"RUNNING": "running", "TERMINATED": "stopped", "SUSPENDED": "stopped"}.get(str(status).upper())}
    meta = ctx.value(res, "metadata") if ctx.has(res, "metadata") else {}
    if not isinstance(meta, dict):
        props["managed.unread"] = "the instance's metadata has no value in the code"
    elif KEY in meta:
        own = _osconfig(resolve(meta.get(KEY)))
        if own is None:
            props["managed.unread"] = f"the instance's {KEY} has no value in the code"
        else:
            props.update({"managed.agent": own, "managed.detail": f"{KEY} {'TRUE' if own else 'FALSE'} in the instance's metadata"})
    else:
        project = [resolve(r.attrs.get("value")) for r in ctx.of_type("google_compute_project_metadata_item")
                   if resolve(r.attrs.get("key")) == KEY]
        project += [m.get(KEY) for r in ctx.of_type("google_compute_project_metadata")
                    if isinstance(m := ctx.value(r, "metadata"), dict) and KEY in m]
        known = [v for v in (_osconfig(resolve(x)) for x in project) if v is not None]
        if known:
            props.update({"managed.agent": known[0],
                          "managed.detail": f"{KEY} {'TRUE' if known[0] else 'FALSE'} in the project metadata this code sets"})
        else:
            props["managed.unread"] = (f"the instance sets no {KEY} and the project's metadata is not set in this code "
                                       "(it is judged on a scan of the project)")
    if props.get("managed.agent") is True:
        props["managed.by"] = "osconfig"
    return Normalized("compute.instance", "compute.googleapis.com/Instance", props, name=ctx.value(res, "name") or res.name)


register(
    {
        "google_compute_instance": (compute_instance, "compute.instance"),
        "google_storage_bucket": (storage_bucket, "storage.object"),
        "google_logging_project_bucket_config": (logging_bucket, "log.store"),
        "google_kms_crypto_key": (kms_crypto_key, "kms.key"),
        "google_compute_disk": (compute_disk, "storage.block"),
        "google_sql_database_instance": (sql_instance, "database"),
        "google_bigquery_dataset": (bigquery_dataset, "database"),
        "google_pubsub_topic": (pubsub_topic, "messaging.queue"),
    }
)
