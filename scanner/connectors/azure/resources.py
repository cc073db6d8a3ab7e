"""Data-bearing Azure resources → storage.object, storage.block, database, backup,
log.store and messaging.queue (pure functions over Resource Graph rows + targeted ARM reads)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from scanner.connectors.azure.common import (
    BACKUP_INSTANCE,
    GEO_SKU,
    LOCAL_SKU,
    PROTECTED_ITEM,
    SNAPSHOT,
    key_ref,
    make_resource,
    paired,
    props_of,
    row_type,
    set_replicas,
)
from scanner.connectors.azure.network import TLS_NAMES, nsg_rules, sql_transit, storage_transit
from scanner.connectors.azure.raw import PROVIDER, AzureRaw
from scanner.connectors.values import flag, strict_int
from scanner.inventory import Inventory
from scanner.model import Kind, RelType, Resource

__all__ = ["storage", "disk", "sql_database", "cosmos", "flexible_server", "workspace", "backup_vault",
           "messaging"]

# --- resources -------------------------------------------------------------------------------


def _has_properties(row: dict[str, Any]) -> bool:
    """The row carries the resource's properties (`az resource list` gives "properties": null):
    only then does a missing key setting mean the platform key."""
    return isinstance(row.get("properties"), dict)


def storage(row, ctx):
    p = props_of(row)
    props: dict[str, Any] = {}
    rels: list[tuple[str, str]] = []
    enc = p.get("encryption")
    if isinstance(enc, dict):
        props["encryption.enabled"] = True  # Azure Storage encrypts at rest always (SSE cannot be off)
        source = str(enc.get("keySource", "")).lower()
        if source == "microsoft.keyvault":
            props["encryption.key_manager"] = "customer"
            kv = enc.get("keyvaultproperties") or enc.get("keyVaultProperties") or {}
            uri, name = kv.get("keyvaulturi") or kv.get("keyVaultUri"), kv.get("keyname") or kv.get("keyName")
            if uri and name:
                rels += key_ref(props, f"{uri.rstrip('/')}/keys/{name}", ctx)
        elif source == "microsoft.storage":
            props["encryption.key_manager"] = "provider"
    sku = str((row.get("sku") or {}).get("name") or "")
    geo = True if GEO_SKU.search(sku) else False if LOCAL_SKU.search(sku) else None
    secondary = [p["secondaryLocation"]] if p.get("secondaryLocation") else paired(row.get("location"), ctx)
    set_replicas(props, geo, secondary)
    # account-level version-level immutability (CSM CC-18000 (4)c); container-level policies
    # are not in the row, so anything short of an account-level policy stays unknown
    policy = (p.get("immutableStorageWithVersioning") or {}).get("immutabilityPolicy") or {}
    state = str(policy.get("state") or "").lower()
    if state in ("locked", "unlocked"):
        props["immutability"] = state
    props.update(storage_transit(p, full=_has_properties(row)))
    return [(make_resource(row, Kind.STORAGE_OBJECT, props), rels)]


_CUSTOMER_DISK_TYPES = ("encryptionatrestwithcustomerkey", "encryptionatrestwithplatformandcustomerkeys",
                        "confidentialvmencryptedwithcustomerkey")


def disk(row, ctx):
    p = props_of(row)
    props: dict[str, Any] = {}
    rels: list[tuple[str, str]] = []
    enc = p.get("encryption") or {}
    etype = str(enc.get("type", "")).lower()
    des_id = str(enc.get("diskEncryptionSetId") or "")
    if etype or des_id:
        props["encryption.enabled"] = True
    if etype == "encryptionatrestwithplatformkey" and not des_id:
        props["encryption.key_manager"] = "provider"
    elif etype in _CUSTOMER_DISK_TYPES or (des_id and not etype):
        # A disk encryption set always holds a customer key; ARM examples and older API
        # versions name the set without encryption.type
        props["encryption.key_manager"] = "customer"
        des = ctx.by_id.get(des_id.lower())
        key_url = ((props_of(des).get("activeKey") or {}).get("keyUrl")) if des else None
        rels += key_ref(props, key_url, ctx)
        if des_id and des is None:
            props["encryption.key_id"] = des_id  # the set, when its key cannot be seen
    props["replica_regions"] = []  # managed disks are LRS/ZRS only: no platform copy elsewhere
    kind = Kind.BACKUP if row_type(row) == SNAPSHOT else Kind.STORAGE_BLOCK
    if kind == Kind.BACKUP:
        src = (p.get("creationData") or {}).get("sourceResourceId")
        if src:
            props["source_id"] = src
            rels.append((RelType.BACKUP_OF, src))
    if p.get("managedBy"):
        rels.append((RelType.ATTACHED_TO, p["managedBy"]))
    elif row.get("managedBy"):
        rels.append((RelType.ATTACHED_TO, row["managedBy"]))
    return [(make_resource(row, kind, props), rels)]


def sql_database(row, ctx):
    if str(row.get("name", "")).lower() == "master":
        return []  # the system database; it holds no customer data of its own
    rid = str(row["id"])
    server_id = rid.lower().split("/databases/")[0]
    props: dict[str, Any] = {}
    rels: list[tuple[str, str]] = []
    protector = ctx.raw.sql_protectors.get(server_id)
    if protector is not None:
        pp = props_of(protector)
        if str(pp.get("serverKeyType", "")).lower() == "azurekeyvault":
            props["encryption.key_manager"] = "customer"
            rels += key_ref(props, pp.get("uri"), ctx)
        elif str(pp.get("serverKeyType", "")).lower() == "servicemanaged":
            props["encryption.key_manager"] = "provider"
    p = props_of(row)
    # Geo-replicas are separate databases (their own rows); backup storage redundancy is here.
    bsr = str(p.get("currentBackupStorageRedundancy") or p.get("requestedBackupStorageRedundancy") or "").lower()
    if bsr:
        # geo backups go to the paired region; the row names it too (defaultSecondaryLocation,
        # "North Europe" in Microsoft's example) when no locations file gives the pairs
        secondary = paired(row.get("location"), ctx)
        if secondary is None and p.get("defaultSecondaryLocation"):
            secondary = [str(p["defaultSecondaryLocation"]).replace(" ", "").lower()]
        set_replicas(props, bsr in ("geo", "geozone"), secondary)
    props["backup.enabled"] = True  # Azure SQL Database keeps automated backups for point-in-time restore, always
    server = ctx.by_id.get(server_id)
    props.update(sql_transit(props_of(server) if server is not None else {}))
    return [(make_resource(row, Kind.DATABASE, props), rels)]


def cosmos(row, ctx):
    p = props_of(row)
    props: dict[str, Any] = {"encryption.enabled": True}  # Cosmos DB data is always encrypted at rest
    rels: list[tuple[str, str]] = []
    if p.get("keyVaultKeyUri"):
        props["encryption.key_manager"] = "customer"
        rels += key_ref(props, p["keyVaultKeyUri"], ctx)
    elif _has_properties(row):
        props["encryption.key_manager"] = "provider"
    places = _cosmos_locations(p)
    if places:
        # the data is in every region of locations / failoverPolicies / read and write
        # locations; the account's own `location` is only where its metadata lives
        props["data_locations"] = places
        props["replica_regions"] = []  # its replicas are these data locations (data_location judges them)
    bsr = _cosmos_backup_redundancy(p)
    if bsr is not None:  # periodic backups with Geo redundancy go to the write region's pair
        set_replicas(props, bsr == "geo", paired(next(iter(places), None) or row.get("location"), ctx))
        props["backup.enabled"] = True  # a backup policy (periodic or continuous) is always in force
    # Cosmos DB serves its APIs over TLS only; minimalTlsVersion Tls / Tls11 / Tls12
    props.update({"transit.tls_required": True, "transit.tls_required_by": "platform: Cosmos DB accepts TLS connections only"})
    tls = str(p.get("minimalTlsVersion") or "").lower()
    if tls in TLS_NAMES:
        props.update({"transit.min_tls_version": TLS_NAMES[tls], "transit.min_tls_by": f"minimalTlsVersion {p['minimalTlsVersion']}"})
    return [(make_resource(row, Kind.DATABASE, props), rels)]


def _cosmos_locations(p: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for key in ("writeLocations", "locations", "failoverPolicies", "readLocations"):
        for entry in p.get(key) or []:
            if not isinstance(entry, dict):
                continue
            name = str(entry.get("locationName") or "").replace(" ", "").lower()
            if name and name not in out:
                out.append(name)
    return out


def _cosmos_backup_redundancy(p: dict[str, Any]) -> str | None:
    """geo / local / zone for periodic backups (Geo is the service default); continuous
    backups stay in the account's own regions (local)."""
    policy = p.get("backupPolicy")
    if not isinstance(policy, dict):
        return None
    kind = str(policy.get("type") or "").lower()
    if kind == "continuous":
        return "local"
    if kind == "periodic":
        red = str((policy.get("periodicModeProperties") or {}).get("backupStorageRedundancy") or "geo").lower()
        return red if red in ("geo", "local", "zone") else None
    return None


def flexible_server(row, ctx):
    p = props_of(row)
    props: dict[str, Any] = {"encryption.enabled": True}
    rels: list[tuple[str, str]] = []
    de = p.get("dataEncryption") or {}
    dtype = str(de.get("type", "")).lower()
    if dtype == "azurekeyvault":
        props["encryption.key_manager"] = "customer"
        rels += key_ref(props, de.get("primaryKeyURI") or de.get("primaryKeyUri"), ctx)
    elif dtype == "systemmanaged" or (not de and _has_properties(row)):
        # the whole resource without dataEncryption (MySQL's Get answers so): the service's key,
        # since a customer-managed key is always configured there
        props["encryption.key_manager"] = "provider"
    geo = str((p.get("backup") or {}).get("geoRedundantBackup", "")).lower()
    if geo in ("enabled", "disabled"):
        set_replicas(props, geo == "enabled", paired(row.get("location"), ctx))
    days = strict_int((p.get("backup") or {}).get("backupRetentionDays"))
    if days is not None:  # automated backups, 7 to 35 days: always on
        props.update({"backup.enabled": days > 0, "backup.retention_days": days})
    # require_secure_transport and tls_version are server parameters (configurations), not read
    props["transit.tls_required_by"] = props["transit.min_tls_by"] = "the server parameters require_secure_transport / tls_version are not read"
    return [(make_resource(row, Kind.DATABASE, props), rels)]


def nsg(row, ctx):
    """A network security group: its inbound securityRules, taken in priority order."""
    p = props_of(row)
    props: dict[str, Any] = {"rule_model": "first_match"}
    if _has_properties(row):
        rules = nsg_rules(list(p.get("securityRules") or []))
        if rules is not None:
            props["ingress_rules"] = rules
    return [(make_resource(row, Kind.FIREWALL, props), [])]


#: Application Gateway predefined TLS policies and their minimum protocol (Application
#: Gateway docs, "TLS policy overview": AppGwSslPolicy20150501 TLSv1_0, 20170401 TLSv1_1,
#: 20170401S / 20220101 / 20220101S TLSv1_2)
APPGW_POLICIES = {"appgwsslpolicy20150501": "1.0", "appgwsslpolicy20170401": "1.1", "appgwsslpolicy20170401s": "1.2",
                  "appgwsslpolicy20220101": "1.2", "appgwsslpolicy20220101s": "1.2"}


def app_gateway(row, ctx):
    """An Application Gateway: its HTTPS listeners and TLS policy (``sslPolicy``; without one,
    ``defaultPredefinedSslPolicy`` when the answer carries it)."""
    p = props_of(row)
    props: dict[str, Any] = {}
    if _has_properties(row):
        listeners = [x for x in p.get("httpListeners") or []
                     if str(props_of(x).get("protocol") or x.get("protocol") or "").lower() == "https"]
        props["tls.listeners"] = len(listeners)
        policy = p.get("sslPolicy") or {}
        name = policy.get("policyName") or (p.get("defaultPredefinedSslPolicy") if not policy else None)
        minimum = str(policy.get("minProtocolVersion") or "").lower()
        props["tls.policies"] = [str(name)] if name else []
        if minimum in TLS_NAMES:
            props.update({"transit.min_tls_version": TLS_NAMES[minimum],
                          "transit.min_tls_by": f"sslPolicy minProtocolVersion {policy['minProtocolVersion']}"})
        elif name and str(name).lower() in APPGW_POLICIES:
            props.update({"transit.min_tls_version": APPGW_POLICIES[str(name).lower()],
                          "transit.min_tls_by": f"TLS policy {name}" + ("" if policy else " (the gateway's default)")})
        elif listeners:
            props["transit.min_tls_by"] = "no sslPolicy: the default depends on the API version the gateway was made with"
    return [(make_resource(row, Kind.LOAD_BALANCER, props), [])]


def workspace(row, ctx):
    p = props_of(row)
    props: dict[str, Any] = {"encryption.enabled": True}
    rels: list[tuple[str, str]] = []
    retention = strict_int(p.get("retentionInDays"))
    if retention is not None:
        props["retention_days"] = retention
    cluster_id = ((p.get("features") or {}).get("clusterResourceId") or "").lower()
    if not cluster_id:
        props["encryption.key_manager"] = "provider"  # no dedicated cluster: Microsoft-managed keys
    elif cluster_id in ctx.by_id:
        kvp = props_of(ctx.by_id[cluster_id]).get("keyVaultProperties") or {}
        if kvp.get("keyName") and kvp.get("keyVaultUri"):
            props["encryption.key_manager"] = "customer"
            rels += key_ref(props, f"{kvp['keyVaultUri'].rstrip('/')}/keys/{kvp['keyName']}", ctx)
        else:
            props["encryption.key_manager"] = "provider"
    ws = make_resource(row, Kind.LOG_STORE, props)
    out = [(ws, rels)]
    for table in ctx.raw.workspace_tables.get(ws.id.lower(), []):
        t = _table(table, ws)
        if t is not None:
            out.append((t, rels))
    return out


def _table(row: dict[str, Any], ws: Resource) -> Resource | None:
    """A table whose retention differs from its workspace's default is a log store of its own."""
    p = props_of(row)
    total, interactive = strict_int(p.get("totalRetentionInDays")), strict_int(p.get("retentionInDays"))
    # "False" (a string, as some exports write it) is false: bool("False") would drop the table
    if flag(p, "totalRetentionInDaysAsDefault", True) is True and flag(p, "retentionInDaysAsDefault", True) is True:
        return None
    days = total if isinstance(total, int) and total > 0 else interactive
    if not isinstance(days, int):
        return None
    props = {k: v for k, v in ws.properties.items() if k.startswith("encryption.") or k == "log_class"}
    props["retention_days"] = days
    return Resource(PROVIDER, ws.account, ws.region, Kind.LOG_STORE,
                    "Microsoft.OperationalInsights/workspaces/tables", str(row["id"]),
                    f"{ws.name}/{row.get('name')}", dict(ws.tags), props, {"properties": p})


def backup_vault(row, ctx):
    p = props_of(row)
    props: dict[str, Any] = {"encryption.enabled": True}
    rels: list[tuple[str, str]] = []
    enc = p.get("encryption") or {}
    kv = enc.get("keyVaultProperties") or {}
    if kv.get("keyUri"):
        props["encryption.key_manager"] = "customer"
        rels += key_ref(props, kv["keyUri"], ctx)
    elif _has_properties(row) and not str(enc.get("state") or "").lower() == "enabled":
        props["encryption.key_manager"] = "provider"
    red = (p.get("redundancySettings") or {}).get("standardTierStorageRedundancy")
    if red is None:
        red = next((s.get("type") for s in p.get("storageSettings") or [] if s.get("type")), None)
    if red:
        set_replicas(props, str(red).lower() == "georedundant", paired(row.get("location"), ctx))
    props["backup_vault"] = True
    if _has_properties(row):  # immutable vault (ETG 9.3): Locked cannot be undone; Unlocked can be turned off
        state = str(((p.get("securitySettings") or {}).get("immutabilitySettings") or {}).get("state") or "disabled").lower()
        props["immutability"] = {"locked": "locked", "unlocked": "unlocked"}.get(state, "none")
    return [(make_resource(row, Kind.BACKUP, props), rels)]


def messaging(row, ctx):
    p = props_of(row)
    props: dict[str, Any] = {"encryption.enabled": True}
    rels: list[tuple[str, str]] = []
    enc = p.get("encryption") or {}
    if str(enc.get("keySource", "")).lower() == "microsoft.keyvault":
        props["encryption.key_manager"] = "customer"
        kvs = enc.get("keyVaultProperties") or []
        if kvs and kvs[0].get("keyVaultUri") and kvs[0].get("keyName"):
            rels += key_ref(props, f"{kvs[0]['keyVaultUri'].rstrip('/')}/keys/{kvs[0]['keyName']}", ctx)
    elif _has_properties(row):
        props["encryption.key_manager"] = "provider"
    return [(make_resource(row, Kind.QUEUE, props), rels)]


def backup_items(inv: Inventory, raw: AzureRaw) -> None:
    """The vaults' protected items and backup instances as backups (ETG 9.3): each a
    ``backup`` of the resource it protects (a VM's item backs up its disks, which
    policies/backup.py follows through ``attached_to``), held in its vault — whose
    encryption and redundancy it shares — with its last backup time as ``created``.
    ``cloudgov backups`` lists them in the backup inventory (備份清冊)."""
    vaults = {v.id.lower(): v for v in inv.of_kind(Kind.BACKUP)}  # ARM ids differ in case between APIs
    for row in raw.backup_items or []:
        t, rid = row_type(row), str(row.get("id") or "")
        p = props_of(row)
        if t == PROTECTED_ITEM:
            source = p.get("sourceResourceId") or p.get("virtualMachineId") or (p.get("dataSourceInfo") or {}).get("resourceID")
            vault_id = re.split("/backupFabrics/", rid, maxsplit=1, flags=re.I)[0]
            when = p.get("lastBackupTime") or p.get("lastRecoveryPoint")
            state = p.get("protectionState") or p.get("currentProtectionState")
            status = p.get("lastBackupStatus")
        elif t == BACKUP_INSTANCE:
            source = (p.get("dataSourceInfo") or {}).get("resourceID")
            vault_id = re.split("/backupInstances/", rid, maxsplit=1, flags=re.I)[0]
            when = None  # an instance carries no backup time (its recovery points are not read)
            state = p.get("currentProtectionState") or (p.get("protectionStatus") or {}).get("status")
            status = None
        else:
            continue
        vault = vaults.get(vault_id.lower())
        props: dict[str, Any] = {"backup_vault": False, "source_id": source, "vault": vault.id if vault else vault_id,
                                 "protection_state": state, "last_backup_status": status or None,
                                 "created": _backup_time(when)}
        for key in ("encryption.enabled", "encryption.key_manager", "encryption.key_id", "replica_regions",
                    "geo_redundant", "secondary_regions"):
            if vault is not None and vault.prop(key) is not None:
                props[key] = vault.prop(key)
        res = make_resource(row, Kind.BACKUP, {k: v for k, v in props.items() if v is not None})
        if res.region is None and vault is not None:
            res = dataclasses.replace(res, region=vault.region)
        inv.add(res)
        inv.relate(res.id, RelType.IN_ACCOUNT, f"/subscriptions/{res.account}")
        # an instance whose protection is not configured (NotProtected, ProtectionError) backs
        # nothing up; an item whose protection stopped still holds its (ageing) recovery points
        if source and (t == PROTECTED_ITEM or str(state or "").lower() == "protectionconfigured"):
            inv.relate(res.id, RelType.BACKUP_OF, str(source))
        for rel in (inv.outgoing(vault.id, RelType.ENCRYPTED_BY) if vault is not None else ()):
            inv.relate(res.id, RelType.ENCRYPTED_BY, rel.target)


def _backup_time(value: Any) -> str | None:
    """The last backup's time; Azure Backup writes 2001-01-01 (or 0001-01-01) before the first one."""
    text = str(value or "")
    if not text or text.startswith(("0001-", "2001-01-01")):
        return None
    return text
