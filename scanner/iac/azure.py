"""Azure (azurerm) Terraform types → canonical kinds and properties (docs/model.md).

Azure encrypts storage, disks and databases with Microsoft-managed keys unless a
customer-managed key is configured, so an absent key block means ``provider``.
"""

from __future__ import annotations

from scanner.iac.hcl import Ref, TfResource, ref_address, resolve
from scanner.iac.normalize import Ctx, Normalized, key_edges, key_props, log_class, register, tags_of

#: Replication types that copy data to the paired region (outside Taiwan for taiwannorth).
_GEO = {"GRS", "RAGRS", "GZRS", "RAGZRS"}


def _cmk(ctx: Ctx, key_value) -> dict:
    return key_props(*ctx.key_ref(key_value, aws_alias_prefix=""))


def storage_account(res: TfResource, ctx: Ctx) -> Normalized:
    inline = ctx.block(res, "customer_managed_key")
    separate = ctx.attached(res, ("azurerm_storage_account_customer_managed_key",), ("storage_account_id",))
    if inline:
        props = _cmk(ctx, inline.get("key_vault_key_id"))
    elif separate:
        props = _cmk(ctx, separate[0].attrs.get("key_vault_key_id") or separate[0].attrs.get("key_name"))
        if props["encryption.key_manager"] is None and ref_address(separate[0].attrs.get("key_name")):
            props["encryption.key_manager"] = "customer"
    else:
        props = {"encryption.enabled": True, "encryption.key_manager": "provider"}
    rep = ctx.value(res, "account_replication_type")
    if isinstance(rep, str):
        props["geo_redundant"] = rep.upper() in _GEO
        props["replica_regions"] = None if props["geo_redundant"] else []
    props["log_class"] = log_class(tags_of(res, ctx))
    # azurerm: https_traffic_only_enabled (v4; enable_https_traffic_only in v3) defaults to
    # true, min_tls_version to TLS1_2
    https = next((ctx.value(res, k) for k in ("https_traffic_only_enabled", "enable_https_traffic_only") if k in res.attrs), True)
    if isinstance(https, bool):
        props.update({"transit.tls_required": https, "transit.tls_required_by": "https_traffic_only_enabled"})
    tls = ctx.value(res, "min_tls_version") if "min_tls_version" in res.attrs else "TLS1_2"
    if isinstance(tls, str) and tls.upper().startswith("TLS1_"):
        props.update({"transit.min_tls_version": "1." + tls[-1], "transit.min_tls_by": f"min_tls_version {tls}"})
    return Normalized("storage.object", "Microsoft.Storage/storageAccounts", props,
                      name=ctx.value(res, "name") or res.name, edges=key_edges(props))


def managed_disk(res: TfResource, ctx: Ctx) -> Normalized:
    if "disk_encryption_set_id" in res.attrs:
        ref = ref_address(res.attrs["disk_encryption_set_id"])
        # a disk encryption set always wraps a customer-managed key vault key
        props = {"encryption.enabled": True, "encryption.key_manager": "customer"}
        edges = [("encrypted_by", ctx.id_of(ref))] if ref else []
    else:
        props, edges = {"encryption.enabled": True, "encryption.key_manager": "provider"}, []
    return Normalized("storage.block", "Microsoft.Compute/disks", props, edges=edges)


def mssql_server(res: TfResource, ctx: Ctx) -> Normalized:
    tde = ctx.attached(res, ("azurerm_mssql_server_transparent_data_encryption",), ("server_id",))
    if tde and "key_vault_key_id" in tde[0].attrs:
        props = _cmk(ctx, tde[0].attrs["key_vault_key_id"])
    elif "transparent_data_encryption_key_vault_key_id" in res.attrs:
        props = _cmk(ctx, res.attrs["transparent_data_encryption_key_vault_key_id"])
    else:
        props = {"encryption.enabled": True, "encryption.key_manager": "provider"}
    props.update({"transit.tls_required": True,
                  "transit.tls_required_by": "platform: Azure SQL Database enforces encryption on all connections"})
    tls = ctx.value(res, "minimum_tls_version") if "minimum_tls_version" in res.attrs else "1.2"  # azurerm default
    if tls in ("1.0", "1.1", "1.2", "1.3"):
        props.update({"transit.min_tls_version": tls, "transit.min_tls_by": f"minimum_tls_version {tls}"})
    return Normalized("database", "Microsoft.Sql/servers", props, name=ctx.value(res, "name") or res.name,
                      edges=key_edges(props))


def flexible_server(native: str, key_type: str | None = None):
    """A PostgreSQL/MySQL server: flexible (inline ``customer_managed_key``) or the legacy
    single server (a separate ``key_type`` resource naming it by ``server_id``)."""
    def fn(res: TfResource, ctx: Ctx) -> Normalized:
        keys = ctx.attached(res, (key_type,), ("server_id",)) if key_type else []
        cmk = keys[0].attrs if keys else ctx.block(res, "customer_managed_key")
        props = _cmk(ctx, cmk.get("key_vault_key_id")) if cmk else {
            "encryption.enabled": True, "encryption.key_manager": "provider"}
        geo = ctx.value(res, "geo_redundant_backup_enabled")
        if "geo_redundant_backup_enabled" not in res.attrs:
            props["geo_redundant"] = False
        elif isinstance(geo, bool):
            props["geo_redundant"] = geo
        return Normalized("database", native, props, name=ctx.value(res, "name") or res.name, edges=key_edges(props))
    return fn


def log_analytics_workspace(res: TfResource, ctx: Ctx) -> Normalized:
    props: dict = {"encryption.enabled": True, "encryption.key_manager": "provider"}
    # CMK comes from a dedicated cluster (azurerm_log_analytics_cluster_customer_managed_key)
    if ctx.of_type("azurerm_log_analytics_cluster_customer_managed_key"):
        props["encryption.key_manager"] = None  # depends on cluster linkage, not resolved here
    days = ctx.value(res, "retention_in_days")
    if "retention_in_days" not in res.attrs:
        props["retention_days"] = 30  # the service default
    elif isinstance(days, int):
        props["retention_days"] = days
    props["log_class"] = log_class(tags_of(res, ctx))
    return Normalized("log.store", "Microsoft.OperationalInsights/workspaces", props,
                      name=ctx.value(res, "name") or res.name)


def key_vault_key(res: TfResource, ctx: Ctx) -> Normalized:
    pol = ctx.block(res, "rotation_policy")
    auto = ctx.block(pol, "automatic") if pol else None
    props: dict = {"key_manager": "customer", "rotation_enabled": bool(auto)}
    if auto:
        after = resolve(auto.get("time_after_creation"), ctx.module)
        if isinstance(after, str) and after.startswith("P") and after.endswith("D"):
            try:
                props["rotation_period_days"] = int(after[1:-1])
            except ValueError:
                pass
    props["state"] = "enabled"
    props["policy_public"] = False  # Key Vault keys have no resource policy: access is vault RBAC
    from scanner.connectors.azure.network import key_protection

    props.update(key_protection(ctx.value(res, "key_type")))
    return Normalized("kms.key", "Microsoft.KeyVault/vaults/keys", props)


def diagnostic_setting(res: TfResource, ctx: Ctx) -> Normalized | None:
    """Subscription activity-log export: the Azure control-plane audit trail."""
    target = ctx.value(res, "target_resource_id")
    raw_target = res.attrs.get("target_resource_id")
    is_sub = (isinstance(target, str) and target.count("/") == 2 and target.startswith("/subscriptions/")) or (
        isinstance(raw_target, Ref) and raw_target.type == "azurerm_subscription"
    )
    if not is_sub:
        return None
    cats = set()
    for log in ctx.blocks(res.attrs, "enabled_log") + ctx.blocks(res.attrs, "log"):
        c = resolve(log.get("category"), ctx.module)
        if isinstance(c, str):
            cats.add(c)
    props = {"enabled": "Administrative" in cats, "all_regions": True, "management_events": "Administrative" in cats}
    edges = []
    for arg in ("log_analytics_workspace_id", "storage_account_id"):
        ref = ref_address(res.attrs.get(arg))
        if ref:
            edges.append(("logs_to", ctx.id_of(ref)))
    return Normalized("log.trail", "Microsoft.Insights/diagnosticSettings", props, edges=edges,
                      region_override="global")


def virtual_machine(windows: bool):
    """``azurerm_linux_virtual_machine`` / ``azurerm_windows_virtual_machine``: Update Manager's
    periodic assessment (ETG 8.4.2) from ``patch_assessment_mode`` (default ImageDefault) and
    ``patch_mode`` (default ImageDefault on Linux, AutomaticByOS on Windows), as the provider
    sends them in ``osProfile.*Configuration.patchSettings``. Code declares a VM to run: state
    running (the provider has no power-state argument)."""

    def normalize(res: TfResource, ctx: Ctx) -> Normalized:
        from scanner.connectors.azure.compute import management

        settings: dict = {}
        unread = []
        for arg, api, default in (("patch_assessment_mode", "assessmentMode", "ImageDefault"),
                                  ("patch_mode", "patchMode", "AutomaticByOS" if windows else "ImageDefault")):
            settings[api] = ctx.value(res, arg) if ctx.has(res, arg) else default
            if settings[api] is None:
                unread.append(arg)
        if unread:
            props = {"managed.unread": f"{', '.join(unread)} has no value in the code (a variable or an expression)"}
        else:
            props = management(settings)
            props["managed.detail"] = (f"patch_assessment_mode {settings['assessmentMode']}, "
                                       f"patch_mode {settings['patchMode']}")
        props.update({"state": "running", "platform": "Windows" if windows else "Linux"})
        return Normalized("compute.instance", "Microsoft.Compute/virtualMachines", props,
                          name=ctx.value(res, "name") or res.name)

    return normalize


register(
    {
        "azurerm_linux_virtual_machine": (virtual_machine(False), "compute.instance"),
        "azurerm_windows_virtual_machine": (virtual_machine(True), "compute.instance"),
        "azurerm_storage_account": (storage_account, ("storage.object", "log.store")),
        "azurerm_managed_disk": (managed_disk, "storage.block"),
        "azurerm_mssql_server": (mssql_server, "database"),
        "azurerm_postgresql_flexible_server": (flexible_server("Microsoft.DBforPostgreSQL/flexibleServers"), "database"),
        "azurerm_mysql_flexible_server": (flexible_server("Microsoft.DBforMySQL/flexibleServers"), "database"),
        "azurerm_log_analytics_workspace": (log_analytics_workspace, "log.store"),
        "azurerm_key_vault_key": (key_vault_key, "kms.key"),
        "azurerm_monitor_diagnostic_setting": (diagnostic_setting, "log.trail"),
    }
)
