"""Shared helpers of the Azure normalizers: row accessors, resource construction, lookups."""

from __future__ import annotations

import re
from typing import Any

from scanner.connectors.azure.raw import PROVIDER, AzureRaw
from scanner.model import Kind, RelType, Resource

LOG_CLASS_TAG = "cloudgov:log-class"

STORAGE = "microsoft.storage/storageaccounts"
DISK = "microsoft.compute/disks"
SNAPSHOT = "microsoft.compute/snapshots"
DES = "microsoft.compute/diskencryptionsets"
SQL_SERVER = "microsoft.sql/servers"
SQL_DB = "microsoft.sql/servers/databases"
COSMOS = "microsoft.documentdb/databaseaccounts"
PG_FLEX = "microsoft.dbforpostgresql/flexibleservers"
MYSQL_FLEX = "microsoft.dbformysql/flexibleservers"
WORKSPACE = "microsoft.operationalinsights/workspaces"
LA_CLUSTER = "microsoft.operationalinsights/clusters"
VAULT = "microsoft.keyvault/vaults"
RSV = "microsoft.recoveryservices/vaults"
BACKUP_VAULT = "microsoft.dataprotection/backupvaults"
#: what a vault backs up (Resource Graph table recoveryservicesresources): a Recovery Services
#: vault's protected item (a VM, a SQL database in a VM, a file share) and a Backup vault's
#: backup instance (Azure Disk Backup, blobs, PostgreSQL)
PROTECTED_ITEM = "microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems"
BACKUP_INSTANCE = "microsoft.dataprotection/backupvaults/backupinstances"
SERVICEBUS = "microsoft.servicebus/namespaces"
EVENTHUB = "microsoft.eventhub/namespaces"
NSG = "microsoft.network/networksecuritygroups"
APP_GATEWAY = "microsoft.network/applicationgateways"

#: Resource Graph types the scan asks for (everything else is not evaluated by any policy).
NORMALIZED_TYPES = (STORAGE, DISK, SNAPSHOT, DES, SQL_SERVER, SQL_DB, COSMOS, PG_FLEX, MYSQL_FLEX,
                    WORKSPACE, LA_CLUSTER, VAULT, RSV, BACKUP_VAULT, SERVICEBUS, EVENTHUB)

GEO_SKU = re.compile(r"_(RA)?G(Z)?RS$", re.I)  # Standard_GRS, Standard_RAGRS, Standard_GZRS, Standard_RAGZRS
LOCAL_SKU = re.compile(r"_(LRS|ZRS)$", re.I)


class Context:
    """Lookups shared by the row normalizers (all keyed by lower-cased ids)."""

    def __init__(self, raw: AzureRaw):
        self.raw = raw
        self.pairs = paired_regions(raw.locations)
        self.tenant_of_sub = {
            str(r.get("subscriptionId", "")).lower(): r.get("tenantId")
            for r in raw.containers
            if row_type(r) == "microsoft.resources/subscriptions"
        }
        self.by_id = {str(r.get("id", "")).lower(): r for r in raw.resources}
        self.key_by_uri: dict[str, str] = {}
        self.log_targets: set[str] = set()


def paired_regions(locations: list[dict[str, Any]] | None) -> dict[str, list[str]] | None:
    """Region → its paired region(s), from ``GET /subscriptions/{id}/locations`` (live data)."""
    if locations is None:
        return None
    out: dict[str, list[str]] = {}
    for loc in locations:
        pairs = ((loc.get("metadata") or {}).get("pairedRegion")) or []
        out[str(loc.get("name", "")).lower()] = [str(p.get("name", "")).lower() for p in pairs if p.get("name")]
    return out


# --- helpers -------------------------------------------------------------------------------


def row_type(row: dict[str, Any]) -> str:
    return str(row.get("type") or "").lower()


def props_of(row: dict[str, Any]) -> dict[str, Any]:
    return row.get("properties") or {}


def tags_of(row: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (row.get("tags") or {}).items()}


def sub_of(resource_id: str) -> str:
    parts = resource_id.split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""


def make_resource(row: dict[str, Any], kind: str, props: dict[str, Any], native: str | None = None) -> Resource:
    rid = str(row["id"])
    tags = tags_of(row)
    if LOG_CLASS_TAG in tags and kind == Kind.LOG_STORE:
        props["log_class"] = tags[LOG_CLASS_TAG]
    return Resource(
        provider=PROVIDER,
        account=str(row.get("subscriptionId") or sub_of(rid)),
        region=row.get("location"),
        kind=kind,
        native_type=native or native_type_of(rid),
        id=rid,
        name=str(row.get("name") or rid.rsplit("/", 1)[-1]),
        tags=tags,
        properties=props,
        raw={k: row[k] for k in ("type", "sku", "kind", "properties", "location") if k in row},
    )


def native_type_of(resource_id: str) -> str:
    """`Microsoft.Storage/storageAccounts` from an ARM id (provider namespace + type chain)."""
    parts = resource_id.strip("/").split("/")
    try:
        i = [p.lower() for p in parts].index("providers")
    except ValueError:
        return ""
    rest = parts[i + 1:]
    return "/".join([rest[0]] + rest[1::2]) if rest else ""


def subscription_resource(row: dict[str, Any]) -> Resource:
    sid = str(row.get("subscriptionId") or row.get("name"))
    props: dict[str, Any] = {}
    if row.get("tenantId"):
        props["organization_id"] = row["tenantId"]
    return Resource(PROVIDER, sid, "global", Kind.ACCOUNT, "Microsoft.Resources/subscriptions",
                    f"/subscriptions/{sid}", str(row.get("properties", {}).get("displayName") or row.get("name") or sid),
                    tags_of(row), props, {"properties": props_of(row)})


def key_ref(props: dict[str, Any], key_uri: str | None, ctx: Context) -> list[tuple[str, str]]:
    """encrypted_by edge to the Key Vault key (its ARM id when we listed it, else its URI)."""
    if not key_uri:
        return []
    unversioned = re.sub(r"(/keys/[^/]+)/[^/]+$", r"\1", key_uri.rstrip("/"))
    props["encryption.key_id"] = key_uri
    return [(RelType.ENCRYPTED_BY, ctx.key_by_uri.get(unversioned.lower(), unversioned))]


def set_replicas(props: dict[str, Any], geo: bool | None, secondary: list[str] | None) -> None:
    """Platform geo-redundancy (GRS / geo backups). The paired secondary is judged by
    residency.geo_redundant_storage alone (one fact, one finding), so it is not also written
    as a replica: replica_regions lists only copies the customer configures."""
    if geo is None:
        return
    props["geo_redundant"] = geo
    props.setdefault("replica_regions", [])
    if geo and secondary is not None:
        props["secondary_regions"] = secondary


def paired(region: str | None, ctx: Context) -> list[str] | None:
    if ctx.pairs is None or not region:
        return None
    return ctx.pairs.get(region.replace(" ", "").lower())  # "West US" (display name) is westus


