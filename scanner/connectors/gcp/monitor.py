"""Log-based metrics and alert policies → ``monitor.alert`` (pure). An alert policy serves an
event class of the CIS Google Cloud Platform Foundation Benchmark (v3.0 §2.4–2.11) when one of
its conditions reads a log-based metric (``metric.type="logging.googleapis.com/user/NAME"``)
whose filter names every term of the benchmark's filter, or is a log-match condition whose
own filter does. A metric no policy alerts on is emitted too, with ``alarm`` null."""

from __future__ import annotations

import re
from typing import Any

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.context import Context
from scanner.connectors.gcp.resources import emit
from scanner.connectors.values import flag
from scanner.inventory import Inventory
from scanner.model import Kind

__all__ = ["alert_policy", "log_metric", "filter_events", "CIS_FILTERS", "LOG_METRIC", "ALERT_POLICY"]

LOG_METRIC = "logging.googleapis.com/LogMetric"
ALERT_POLICY = "monitoring.googleapis.com/AlertPolicy"

#: event class → the terms the benchmark's filter names (every one must appear)
CIS_FILTERS: dict[str, tuple[str, ...]] = {
    "owner_change": ("cloudresourcemanager.googleapis.com", "bindingDeltas", "roles/owner"),
    "audit_trail_change": ("SetIamPolicy", "auditConfigDeltas"),
    "custom_role_change": ("iam_role", "google.iam.admin.v1.CreateRole", "google.iam.admin.v1.DeleteRole",
                           "google.iam.admin.v1.UpdateRole"),
    "security_group_change": ("gce_firewall_rule", "compute.firewalls.patch", "compute.firewalls.insert",
                              "compute.firewalls.delete"),
    "route_table_change": ("gce_route", "compute.routes.delete", "compute.routes.insert"),
    "vpc_change": ("gce_network", "compute.networks.insert", "compute.networks.patch", "compute.networks.delete",
                   "compute.networks.removePeering", "compute.networks.addPeering"),
    "storage_policy_change": ("gcs_bucket", "storage.setIamPermissions"),
    "db_config_change": ("cloudsql.instances.update",),
}

_USER_METRIC = re.compile(r'metric\.type\s*=\s*"logging\.googleapis\.com/user/([^"]+)"')


def filter_events(text: str | None) -> list[str]:
    if not text:
        return []
    return [cls for cls, terms in CIS_FILTERS.items() if all(t in text for t in terms)]


def _metrics(ctx: Context) -> dict[tuple[str, str], dict[str, Any]]:
    """(project, metric name) → the metric's data."""
    out = {}
    for rec in ctx.by_type.get(LOG_METRIC, []):
        d = rec.data or {}
        name = str(d.get("name") or rec.name.rsplit("/", 1)[-1])
        out[(ctx.account_of(rec), name)] = d
    return out


def alert_policy(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    project = ctx.account_of(rec)
    metrics = _metrics(ctx)
    events: list[str] = []
    filters: list[str] = []
    for cond in d.get("conditions") or []:
        if not isinstance(cond, dict):
            continue
        matched = (cond.get("conditionMatchedLog") or {}).get("filter")
        if matched:
            filters.append(str(matched))
            events += filter_events(str(matched))
        for key in ("conditionThreshold", "conditionAbsent"):
            m = _USER_METRIC.search(str((cond.get(key) or {}).get("filter") or ""))
            if m and (project, m.group(1)) in metrics:
                text = str(metrics[(project, m.group(1))].get("filter") or "")
                filters.append(text)
                events += filter_events(text)
    channels = d.get("notificationChannels")
    props: dict[str, Any] = {"events": sorted(set(events)), "alarm": rec.name,
                             "enabled": flag(d, "enabled", True),
                             "notifies": bool(channels) if rec.deep or channels is not None else None,
                             "filter": " | ".join(filters) or None}
    emit(inv, ctx, rec, Kind.ALERT, "global", {k: v for k, v in props.items() if v is not None},
         name=str(d.get("displayName") or rec.name.rsplit("/", 1)[-1]))


def log_metric(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    """A CIS metric no alert policy reads: named, so the finding can say it raises nothing."""
    d = rec.data or {}
    name = str(d.get("name") or rec.name.rsplit("/", 1)[-1])
    events = filter_events(str(d.get("filter") or ""))
    if not events:
        return
    project = ctx.account_of(rec)
    for pol in ctx.by_type.get(ALERT_POLICY, []):
        if ctx.account_of(pol) != project:
            continue
        for cond in (pol.data or {}).get("conditions") or []:
            for key in ("conditionThreshold", "conditionAbsent"):
                m = _USER_METRIC.search(str(((cond or {}).get(key) or {}).get("filter") or ""))
                if m and m.group(1) == name:
                    return  # the policy's resource carries it
    emit(inv, ctx, rec, Kind.ALERT, "global", {"events": events, "alarm": None, "filter": d.get("filter"),
                                                "metric": f"logging.googleapis.com/user/{name}"}, name=name)
