"""More Azure in Terraform: SQL databases, the legacy single servers (``azurerm_sql_server``,
``azurerm_mysql_server``, ``azurerm_postgresql_server``), activity-log profiles, and what
feeds logs into storage accounts — NSG flow logs (firewall class) and SQL auditing (audit
class) — with the retention they set (docs/model.md).

Azure's defaults: TDE with a service-managed key; SQL database backups geo-redundant
(``storage_account_type = "Geo"``); single-server geo-redundant backups off. A retention
policy that is disabled, or 0 days, keeps records until they are deleted.
"""

from __future__ import annotations

from typing import Any

from scanner.iac.azure import _cmk, flexible_server, mssql_server
from scanner.iac.hcl import Ref, TfResource, ref_address, resolve
from scanner.iac.normalize import Ctx, Normalized, key_edges, register

__all__ = ["log_feeds"]


def mssql_database(res: TfResource, ctx: Ctx) -> Normalized:
    from scanner.iac.regions import place

    server = ctx.lookup(ref_address(res.attrs.get("server_id")) or "")
    if ctx.value(res, "transparent_data_encryption_enabled") is False:
        props: dict[str, Any] = {"encryption.enabled": False, "encryption.key_manager": "none"}
    elif "transparent_data_encryption_key_vault_key_id" in res.attrs:
        props = _cmk(ctx, res.attrs["transparent_data_encryption_key_vault_key_id"])
    else:
        if server is None:
            props = {"encryption.enabled": True}  # the server's protector decides; not in this code
        else:
            n = mssql_server(server, Ctx(server.module, ctx.prefix, ctx.now, ctx.project))
            props = {k: v for k, v in n.properties.items() if k.startswith("encryption.")}
    redundancy = ctx.value(res, "storage_account_type") if "storage_account_type" in res.attrs else "Geo"
    if isinstance(redundancy, str):
        props["geo_redundant"] = redundancy.lower() in ("geo", "geozone")
        props["replica_regions"] = None if props["geo_redundant"] else []
    # a database is where its server is
    region = place(server).region if server is not None else None
    return Normalized("database", "Microsoft.Sql/servers/databases", props, name=ctx.value(res, "name") or res.name,
                      edges=key_edges(props), region_override=region)


def log_profile(res: TfResource, ctx: Ctx) -> Normalized:
    """The legacy subscription activity-log export."""
    cats = resolve(res.attrs.get("categories"))
    locs = resolve(res.attrs.get("locations"))
    writes = None if cats is None else "Write" in cats
    props = {"enabled": writes, "management_events": writes,
             "all_regions": None if locs is None else "global" in [str(x).lower() for x in locs]}
    edges = []
    ref = ref_address(res.attrs.get("storage_account_id"))
    if ref:
        edges.append(("logs_to", ctx.id_of(ref)))
    return Normalized("log.trail", "Microsoft.Insights/logprofiles", props, edges=edges, region_override="global")


def _retention(ctx: Ctx, policy: dict[str, Any] | None, days_key: str = "days") -> dict[str, Any]:
    if policy is None:
        return {"retention_unlimited": True}
    on = resolve(policy.get("enabled"))
    days = resolve(policy.get(days_key))
    if on is False or days == 0:
        return {"retention_unlimited": True}
    if isinstance(days, int) and on is not None:
        return {"retention_days": days, "retention_unlimited": False}
    return {}


def log_feeds(ctx: Ctx) -> dict[str, dict[str, Any]]:
    """Storage accounts that receive logs → the class and retention the feeding resource sets."""
    out: dict[str, dict[str, Any]] = {}
    if ctx.project is None:
        return out
    for r in ctx.project.resources:
        if r.type == "azurerm_monitor_log_profile":
            target, props = r.attrs.get("storage_account_id"), {"log_class": "audit",
                                                                 **_retention(ctx, ctx.block(r, "retention_policy"))}
        elif r.type == "azurerm_network_watcher_flow_log":
            target, props = r.attrs.get("storage_account_id"), {"log_class": "firewall",
                                                                 **_retention(ctx, ctx.block(r, "retention_policy"))}
        elif r.type in ("azurerm_mssql_server_extended_auditing_policy", "azurerm_mssql_database_extended_auditing_policy"):
            days = resolve(r.attrs.get("retention_in_days")) if "retention_in_days" in r.attrs else 0
            retention = ({"retention_unlimited": True} if days == 0 else
                         {"retention_days": days, "retention_unlimited": False} if isinstance(days, int) else {})
            target, props = r.attrs.get("storage_endpoint"), {"log_class": "audit", **retention}
        else:
            continue
        if isinstance(target, Ref) and target.type == "azurerm_storage_account":
            rid = ctx.id_of(target.address)
            prev = out.get(rid)
            if prev is None or prev.get("retention_unlimited") or (
                    props.get("retention_days") is not None and props["retention_days"] < (prev.get("retention_days") or 1 << 30)):
                out[rid] = props
    return out


def _feeder(res: TfResource, ctx: Ctx) -> None:
    return None  # judged through the storage account it writes to (log_feeds)


register(
    {
        "azurerm_mssql_database": (mssql_database, "database"),
        "azurerm_sql_server": (mssql_server, "database"),
        "azurerm_mysql_server": (flexible_server("Microsoft.DBforMySQL/servers", "azurerm_mysql_server_key"), "database"),
        "azurerm_postgresql_server": (
            flexible_server("Microsoft.DBforPostgreSQL/servers", "azurerm_postgresql_server_key"), "database"),
        "azurerm_monitor_log_profile": (log_profile, "log.trail"),
        "azurerm_network_watcher_flow_log": (_feeder, "log.store"),
        "azurerm_mssql_server_extended_auditing_policy": (_feeder, "log.store"),
        "azurerm_mssql_database_extended_auditing_policy": (_feeder, "log.store"),
    }
)
