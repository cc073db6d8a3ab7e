"""Audit logging: audit configs → ``log.trail``, log buckets → ``log.store``, sinks → edges (pure).

Admin Activity audit logs are always written and cannot be turned off, so every project
(and the organisation) has a trail that is enabled and records management events. What the
IAM policy's ``auditConfigs`` adds is Data Access logging, kept as ``data_access_logs``.
A folder's audit config applies to every project below it, so a folder seen (as an asset
or through its IAM policy) is a trail too, with ``folder_id`` and ``covered_accounts``.
The trail ``logs_to`` the ``_Required`` bucket (where Admin Activity lands) and to every
sink destination whose filter lets audit logs through.
"""

from __future__ import annotations

import re
from typing import Any

from scanner.connectors.gcp.assets import AssetRecord, get
from scanner.connectors.gcp.context import FOLDER, ORGANIZATION, PROJECT, Context
from scanner.connectors.gcp.locations import (
    kms_key_name,
    kms_key_resource,
    location_from_name,
)
from scanner.connectors.gcp.resources import emit
from scanner.connectors.values import flag, strict_int
from scanner.inventory import Inventory
from scanner.model import Kind, RelType, Resource

__all__ = ["log_bucket", "trails", "LOG_BUCKET", "LOG_SINK", "LOG_CLASS_KEYS"]

LOG_BUCKET = "logging.googleapis.com/LogBucket"
LOG_SINK = "logging.googleapis.com/LogSink"
#: labels cannot hold ':' and log buckets have no labels at all, so the class may also be
#: written in the bucket's description as ``cloudgov-log-class=audit``.
LOG_CLASS_KEYS = ("cloudgov:log-class", "cloudgov-log-class")
_CLASS_IN_TEXT = re.compile(r"cloudgov[:-]log-class\s*[=:]\s*([a-z_]+)", re.I)


def _log_class(rec: AssetRecord) -> str | None:
    for source in (rec.tags, rec.labels):
        for key in LOG_CLASS_KEYS:
            if source.get(key):
                return source[key].strip().lower()
    m = _CLASS_IN_TEXT.search(str((rec.data or {}).get("description") or ""))
    return m.group(1).lower() if m else None


def log_bucket(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    props: dict[str, Any] = {}
    days = strict_int(d.get("retentionDays"))
    if days is not None:
        props["retention_days"] = days  # a value that is no number stays unknown (ERROR), never a crash
    props["locked"] = flag(d, "locked", False) if rec.deep else None
    cls = _log_class(rec)
    if cls:
        props["log_class"] = cls
    key = kms_key_name((d.get("cmekSettings") or {}).get("kmsKeyName"))
    if key:
        props.update({"encryption.enabled": True, "encryption.key_manager": "customer", "encryption.key_id": key})
    elif rec.deep:
        props.update({"encryption.enabled": True, "encryption.key_manager": "provider"})
    region = location_from_name(rec.name)
    r = emit(inv, ctx, rec, Kind.LOG_STORE, region, props, name=rec.name.rsplit("/", 1)[-1])
    if key:
        inv.relate(r.id, RelType.ENCRYPTED_BY, kms_key_resource(key))  # type: ignore[arg-type]


def _destination(dest: str) -> str | None:
    """Sink destination → the full resource name of what receives the logs."""
    if not dest:
        return None
    dest = dest.strip()
    if dest.startswith("//"):
        return dest
    return "//" + dest if re.match(r"^[a-z]+\.googleapis\.com/", dest) else None


def _carries_audit_logs(sink: dict[str, Any]) -> bool:
    if flag(sink, "disabled", False) is not False:  # disabled, or "disabled" is no boolean
        return False
    flt = str(sink.get("filter") or "").strip()
    if not flt:
        return True  # no filter: everything, audit logs included
    lowered = flt.lower()
    if "cloudaudit.googleapis.com" in lowered or "protopayload" in lowered:
        return not lowered.startswith("not ")
    return False


def _data_access(policy: dict[str, Any] | None) -> list[str] | None:
    if policy is None:
        return None
    services = []
    for cfg in get(policy, "audit_configs") or []:
        types = {str(get(c, "log_type") or "") for c in get(cfg, "audit_log_configs") or []}
        if types & {"DATA_READ", "DATA_WRITE"}:
            services.append(str(cfg.get("service") or ""))
    return sorted(services)


def trails(inv: Inventory, ctx: Context) -> None:
    """One trail per project and per organisation seen, with edges to its log destinations."""
    holders: dict[str, list[str]] = {}  # trail id → destinations
    aggregating: set[str] = set()  # organisations / folders with a sink that includes their children
    for rec in ctx.by_type.get(LOG_SINK, []):
        d = rec.data or {}
        dest = _destination(str(d.get("destination") or ""))
        if not dest or not _carries_audit_logs(d):
            continue
        owner = _owner_name(ctx, rec)
        if owner:
            holders.setdefault(owner, []).append(dest)
            if flag(d, "includeChildren", False) is True:
                aggregating.add(owner)
    nodes = [r for t in (PROJECT, FOLDER, ORGANIZATION) for r in ctx.by_type.get(t, [])]
    known = {r.name for r in nodes}
    for name, rec in ctx.policy_records.items():  # nodes known only from their IAM policy
        if rec.asset_type in (PROJECT, FOLDER, ORGANIZATION) and name not in known:
            nodes.append(rec)
            known.add(name)
    for rec in nodes:
        is_org = rec.asset_type == ORGANIZATION
        is_folder = rec.asset_type == FOLDER
        account = ctx.account_of(rec)
        org = ctx.organization_of(rec)
        policy = ctx.policies.get(rec.name)
        if policy is None and ctx.coverage.iam_policies:
            policy = {}
        trail_id = f"{rec.name}/auditConfigs"
        props: dict[str, Any] = {
            "enabled": True,  # Admin Activity audit logs cannot be disabled
            "all_regions": True,  # audit logs are global
            "management_events": True,
            "organization": is_org,
            "organization_id": org,
            "admin_activity": True,
            "data_access_logs": _data_access(policy),
        }
        if is_org or is_folder:  # ETG 8.3.4: one sink collects every project's audit logs below it
            props["aggregated"] = rec.name in aggregating
        if is_folder:
            props["folder_id"] = account
            props["covered_accounts"] = _projects_below(ctx, f"folders/{account}")
        inv.add(
            Resource(
                provider="gcp",
                account=account,
                region="global",
                kind=Kind.LOG_TRAIL,
                native_type="cloudaudit.googleapis.com/AuditConfig",
                id=trail_id,
                name=f"audit logs of {'organization' if is_org else 'folder' if is_folder else 'project'} {account}",
                properties={k: v for k, v in props.items() if v is not None},
                raw={"auditConfigs": get(policy, "audit_configs")} if policy else None,
            )
        )
        dests = holders.get(rec.name, [])
        if not is_org and not is_folder:
            dests = [_required_bucket(ctx, account), *dests]
        for dest in dict.fromkeys(dests):
            inv.relate(trail_id, RelType.LOGS_TO, dest)


def _projects_below(ctx: Context, folder: str) -> list[str]:
    """Project ids whose ancestry (as Cloud Asset reported it) passes through ``folder``."""
    found = set()
    for rec in [*ctx.by_type.get(PROJECT, []), *ctx.policy_records.values()]:
        if rec.asset_type == PROJECT and folder in rec.ancestors:
            pid = ctx.project_of(rec)
            if pid:
                found.add(pid)
    return sorted(found)


def _required_bucket(ctx: Context, project_id: str) -> str:
    for rec in ctx.by_type.get(LOG_BUCKET, []):
        if rec.name.endswith("/buckets/_Required") and ctx.account_of(rec) == project_id:
            return rec.name
    return f"//logging.googleapis.com/projects/{project_id}/locations/global/buckets/_Required"


def _owner_name(ctx: Context, sink: AssetRecord) -> str | None:
    """The project / organisation asset name a sink belongs to."""
    m = re.search(r"logging\.googleapis\.com/(projects|organizations|folders)/([^/]+)/sinks/", sink.name)
    if not m:
        return None
    kind, ident = m.groups()
    if kind == "organizations":
        return f"//cloudresourcemanager.googleapis.com/organizations/{ident}"
    if kind == "folders":
        return f"//cloudresourcemanager.googleapis.com/folders/{ident}"
    if kind == "projects":
        pid = ctx.project_id(ident)
        rec = ctx.project_record(pid) if pid else None
        return rec.name if rec else None
    return None
