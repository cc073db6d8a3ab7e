"""Azure Resource Manager (ARM) JSON templates — and Bicep, once ``az bicep build`` has
compiled it to one — normalized like :mod:`scanner.iac.azure` normalizes azurerm Terraform.

Resources nested in ``resources`` arrays are flattened to their full type and name
(``Microsoft.KeyVault/vaults/keys`` + ``kv/signing``); languageVersion 2.0 templates (an
object of symbolic names) are read the same way. A resource's id is
``<file>#<namespace>/<type>/<name>[/<child type>/<child name>]``, like an Azure resource id
without the subscription and resource group a deployment decides.

``location`` may be a literal, a parameter with a default, or ``resourceGroup().location``:
the last is decided at deployment, so it is unknown unless ``cloudgov iac --location`` gives
it, and residency is then ERROR with that reason, never PASS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.connectors.azure.common import GEO_SKU, LOCAL_SKU
from scanner.connectors.azure.logs import iso_days
from scanner.iac.arm_expr import ResourceRef, Unknown, evaluate
from scanner.iac.normalize import Normalized, declare, log_class

__all__ = ["ArmResource", "ArmTemplate", "normalize_template", "TYPES"]

RG_LOCATION = ("resourceGroup().location: the resource group's location is decided at deployment "
               "(give `cloudgov iac --location`)")


@dataclass
class ArmResource:
    type: str  # full type, e.g. Microsoft.Sql/servers/encryptionProtector
    name: str  # full name path, e.g. sql1/current (an unresolved segment stays as written)
    body: dict[str, Any]
    lines: tuple[int, int]
    parent: ArmResource | None = None
    children: list[ArmResource] = field(default_factory=list)

    @property
    def path(self) -> str:
        """``Microsoft.Sql/servers/sql1/encryptionProtector/current``."""
        namespace, *types = self.type.split("/")
        names = self.name.split("/")
        parts = [namespace]
        for i, t in enumerate(types):
            parts += [t, names[i] if i < len(names) else "?"]
        return "/".join(parts)


class ArmTemplate:
    def __init__(self, doc: dict[str, Any], location: str | None, id_prefix: str) -> None:
        self.doc = doc
        self.location = location
        self.prefix = id_prefix
        self._params = {k.lower(): v for k, v in (doc.get("parameters") or {}).items()} if isinstance(
            doc.get("parameters"), dict) else {}
        self._vars = {k.lower(): v for k, v in (doc.get("variables") or {}).items()} if isinstance(
            doc.get("variables"), dict) else {}
        self.resources: list[ArmResource] = []
        self._flatten(doc.get("resources"), None)

    # --- the expression scope -----------------------------------------------------------------

    def parameter(self, name: str) -> Any:
        p = self._params.get(name.lower())
        if not isinstance(p, dict) or "defaultValue" not in p:
            return Unknown(f"parameter {name!r} has no default: its value is given at deployment")
        return p["defaultValue"]

    def variable(self, name: str) -> Any:
        return self._vars[name.lower()] if name.lower() in self._vars else Unknown(f"no variable {name!r}")

    def resource_group_location(self) -> Any:
        return self.location if self.location else Unknown(RG_LOCATION)

    # --- resources ----------------------------------------------------------------------------

    def _flatten(self, items: Any, parent: ArmResource | None) -> None:
        if isinstance(items, dict):  # languageVersion 2.0: symbolic name → resource
            items = list(items.values())
        for body in items if isinstance(items, list) else []:
            if not isinstance(body, dict) or not isinstance(body.get("type"), str) or body.get("existing"):
                continue
            rtype = body["type"]
            if parent is not None and "/" not in rtype:
                rtype = f"{parent.type}/{rtype}"
            name = self.text(body.get("name"))
            depth = len(rtype.split("/")) - 1
            if parent is not None and len(name.split("/")) < depth:
                name = f"{parent.name}/{name}"
            r = ArmResource(rtype, name, body, getattr(body, "lines", (0, 0)), parent)
            if parent is not None:
                parent.children.append(r)
            self.resources.append(r)
            self._flatten(body.get("resources"), r)

    def text(self, v: Any) -> str:
        """A name as a string: its value when certain, else the expression as written."""
        out = self.value(v)
        return str(out) if isinstance(out, (str, int)) else str(v)

    def id_of(self, r: ArmResource) -> str:
        return f"{self.prefix}{r.path}"

    def value(self, v: Any) -> Any:
        """The certain value (None when unknown)."""
        out = evaluate(v, self)
        return None if isinstance(out, Unknown) else _strip_unknown(out)

    def get(self, r: ArmResource, path: str) -> Any:
        """``properties.encryption.keySource`` → evaluated value (None when absent or unknown)."""
        cur: Any = r.body
        for key in path.split("."):
            cur = evaluate(cur, self) if isinstance(cur, str) else cur
            if not isinstance(cur, dict):
                return None
            match = next((k for k in cur if k.lower() == key.lower()), None)
            if match is None:
                return None
            cur = cur[match]
        return self.value(cur)

    def raw(self, r: ArmResource, path: str) -> Any:
        """The value as written (None when absent)."""
        cur: Any = r.body
        for key in path.split("."):
            if not isinstance(cur, dict):
                return None
            cur = next((v for k, v in cur.items() if k.lower() == key.lower()), None)
        return cur

    def has(self, r: ArmResource, path: str) -> bool:
        return self.raw(r, path) is not None

    def related(self, r: ArmResource, child_type: str) -> list[ArmResource]:
        """Descendants of ``r`` of ``child_type`` (nested, or top level with the name prefix)."""
        prefix = r.name + "/"
        return [o for o in self.resources if o.type.lower() == child_type.lower()
                and (_descends(o, r) or o.name.startswith(prefix))]

    def find(self, ref: Any) -> ArmResource | None:
        """The resource a ``resourceId(...)`` value names, when it is in this template."""
        out = evaluate(ref, self)
        if isinstance(out, ResourceRef):
            return next((o for o in self.resources if o.type.lower() == out.type.lower() and o.name == out.name), None)
        return None

    def place(self, r: ArmResource) -> tuple[str | None, str]:
        node: ArmResource | None = r
        while node is not None:
            loc = next((v for k, v in node.body.items() if k.lower() == "location"), None)
            if loc is not None:
                out = evaluate(loc, self)
                if isinstance(out, Unknown):
                    return None, out.why
                if isinstance(out, str) and out:
                    how = "location" if node is r else f"location of parent {node.path}"
                    return out.replace(" ", "").lower(), how
                return None, f"location {loc!r} is not a region name"
            node = node.parent
        return None, "no location in the template"


def _descends(o: ArmResource, r: ArmResource) -> bool:
    p = o.parent
    while p is not None:
        if p is r:
            return True
        p = p.parent
    return False


def _strip_unknown(v: Any) -> Any:
    if isinstance(v, Unknown):
        return None
    if isinstance(v, dict):
        return {k: _strip_unknown(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_strip_unknown(x) for x in v]
    return str(v) if isinstance(v, ResourceRef) else v


# --- types -------------------------------------------------------------------------------------

_PROVIDER_KEY = {"encryption.enabled": True, "encryption.key_manager": "provider"}


def storage_account(r: ArmResource, t: ArmTemplate) -> Normalized:
    source = t.get(r, "properties.encryption.keySource") if t.has(r, "properties.encryption.keySource") else "Microsoft.Storage"
    props: dict[str, Any] = {"encryption.enabled": True}
    edges = []
    if isinstance(source, str) and source.lower() == "microsoft.keyvault":
        props["encryption.key_manager"] = "customer"
        kv = t.get(r, "properties.encryption.keyvaultproperties") or {}
        uri, name = kv.get("keyvaulturi") or kv.get("keyVaultUri"), kv.get("keyname") or kv.get("keyName")
        if uri and name:
            props["encryption.key_id"] = f"{str(uri).rstrip('/')}/keys/{name}"
            edges.append(("encrypted_by", props["encryption.key_id"]))
    elif isinstance(source, str) and source.lower() == "microsoft.storage":
        props["encryption.key_manager"] = "provider"
    sku = t.get(r, "sku.name")
    if isinstance(sku, str) and (GEO_SKU.search(sku) or LOCAL_SKU.search(sku)):
        props["geo_redundant"] = bool(GEO_SKU.search(sku))
        props["replica_regions"] = None if props["geo_redundant"] else []  # the paired region is not in code
    props["log_class"] = log_class(_tags(r, t))
    from scanner.connectors.azure.network import storage_transit

    props.update(storage_transit({k: t.get(r, f"properties.{k}") for k in ("supportsHttpsTrafficOnly", "minimumTlsVersion")
                                  if t.has(r, f"properties.{k}")}, full=True))
    return Normalized("storage.object", "Microsoft.Storage/storageAccounts", props, edges=edges)


def disk(r: ArmResource, t: ArmTemplate) -> Normalized:
    des = t.raw(r, "properties.encryption.diskEncryptionSetId")
    manager: str | None
    if not t.has(r, "properties.encryption.type"):
        manager = "customer" if des is not None else "provider"
    else:
        etype = t.get(r, "properties.encryption.type")
        manager = None if not isinstance(etype, str) else ("customer" if "customerkey" in etype.lower() else "provider")
    props: dict[str, Any] = {"encryption.enabled": True, "encryption.key_manager": manager}
    target = t.find(des) if des is not None and manager == "customer" else None
    edges = [("encrypted_by", t.id_of(target))] if target is not None else []
    props["replica_regions"] = []  # managed disks are LRS/ZRS only
    return Normalized("storage.block", "Microsoft.Compute/disks", props, edges=edges)


def sql_server(r: ArmResource, t: ArmTemplate) -> Normalized:
    props: dict[str, Any] = dict(_PROVIDER_KEY)  # TDE with a service-managed key by default
    for p in t.related(r, "Microsoft.Sql/servers/encryptionProtector"):
        kind = t.get(p, "properties.serverKeyType")
        props["encryption.key_manager"] = (
            "customer" if str(kind).lower() == "azurekeyvault" else "provider" if str(kind).lower() == "servicemanaged"
            else None)
    off = [d.name for d in t.related(r, "Microsoft.Sql/servers/databases/transparentDataEncryption")
           if str(t.get(d, "properties.state")).lower() == "disabled"]
    if off:  # a database with TDE off stores its data unencrypted
        props = {"encryption.enabled": False, "encryption.key_manager": "none", "tde_disabled": off}
    # backups of each database: geo-redundant (the paired region) unless Local / Zone is requested
    redundancy = [t.get(d, "properties.requestedBackupStorageRedundancy") if t.has(
        d, "properties.requestedBackupStorageRedundancy") else "Geo"
        for d in t.related(r, "Microsoft.Sql/servers/databases")]
    if redundancy and all(isinstance(x, str) for x in redundancy):
        props["geo_redundant"] = any(x.lower() in ("geo", "geozone") for x in redundancy)
        props["replica_regions"] = None if props["geo_redundant"] else []
    from scanner.connectors.azure.network import sql_transit

    props.update(sql_transit({"minimalTlsVersion": t.get(r, "properties.minimalTlsVersion")}))
    return Normalized("database", "Microsoft.Sql/servers", props)


def flexible_server(native: str):
    def fn(r: ArmResource, t: ArmTemplate) -> Normalized:
        dtype = t.get(r, "properties.dataEncryption.type")
        if not t.has(r, "properties.dataEncryption.type") or str(dtype).lower() == "systemmanaged":
            props = dict(_PROVIDER_KEY)
        else:
            props = {"encryption.enabled": True,
                     "encryption.key_manager": "customer" if str(dtype).lower() == "azurekeyvault" else None}
        geo = t.get(r, "properties.backup.geoRedundantBackup")
        if not t.has(r, "properties.backup.geoRedundantBackup"):
            props["geo_redundant"] = False
        elif isinstance(geo, str):
            props["geo_redundant"] = geo.lower() == "enabled"
        return Normalized("database", native, props)
    return fn


def workspace(r: ArmResource, t: ArmTemplate) -> Normalized:
    props: dict[str, Any] = dict(_PROVIDER_KEY)
    if any(o.type.lower() == "microsoft.operationalinsights/clusters" for o in t.resources):
        props["encryption.key_manager"] = None  # CMK comes from a linked dedicated cluster
    if not t.has(r, "properties.retentionInDays"):
        props["retention_days"] = 30  # the service default
    else:
        days = t.get(r, "properties.retentionInDays")
        if isinstance(days, int) or (isinstance(days, str) and days.isdigit()):
            props["retention_days"] = int(days)
    props["log_class"] = log_class(_tags(r, t))
    return Normalized("log.store", "Microsoft.OperationalInsights/workspaces", props)


def key_vault_key(r: ArmResource, t: ArmTemplate) -> Normalized:
    props: dict[str, Any] = {"key_manager": "customer", "policy_public": False}  # access is vault RBAC
    if t.has(r, "properties.rotationPolicy"):
        policy = t.get(r, "properties.rotationPolicy")
        actions = policy.get("lifetimeActions") if isinstance(policy, dict) else None
        if not isinstance(actions, list):
            props["rotation_enabled"] = None
        else:
            rotate = [a for a in actions if isinstance(a, dict)
                      and str((a.get("action") or {}).get("type", "")).lower() == "rotate"]
            props["rotation_enabled"] = bool(rotate)
            if rotate:
                props["rotation_period_days"] = iso_days((rotate[0].get("trigger") or {}).get("timeAfterCreate"))
    else:
        props["rotation_enabled"] = False
    enabled = t.get(r, "properties.attributes.enabled")
    props["state"] = "disabled" if enabled is False else "enabled"
    from scanner.connectors.azure.network import key_protection

    props.update(key_protection(t.get(r, "properties.kty"), r.name if isinstance(r.name, str) else ""))
    return Normalized("kms.key", "Microsoft.KeyVault/vaults/keys", props)


def _tags(r: ArmResource, t: ArmTemplate) -> dict[str, str]:
    tags = t.value(r.body.get("tags"))
    return {str(k): str(v) for k, v in tags.items() if v is not None} if isinstance(tags, dict) else {}


def container_registry(r: ArmResource, t: ArmTemplate) -> Normalized:
    """ETG 8.4.1, read with the live connector's functions: trust and quarantine policies (off
    unless set); tag locks are data-plane (unknown); scanning from the template's
    ``Microsoft.Security/pricings`` resources, else unknown."""
    from scanner.connectors.azure.registries import ACR_TAGS_UNREAD, _status, defender_registry_scan

    def policy(name: str) -> bool | None:
        key = f"properties.policies.{name}"
        return _status({"status": t.get(r, f"{key}.status")}) if t.has(r, f"{key}.status") else False

    sku = t.value((r.body.get("sku") or {}).get("name")) if isinstance(r.body.get("sku"), dict) else None
    props: dict[str, Any] = {"sku": sku, "images.content_trust": policy("trustPolicy"), "images.quarantine": policy("quarantinePolicy")}
    plans = [o for o in t.resources if o.type.lower() == "microsoft.security/pricings"]
    pricings = [{"name": o.name, "properties": {"pricingTier": t.get(o, "properties.pricingTier"),
                                                "extensions": t.get(o, "properties.extensions") or []}} for o in plans]
    scan = defender_registry_scan(pricings) if plans else {
        "images.unread": "the subscription's Defender plans (Microsoft.Security/pricings) are not in this template"}
    unread = [ACR_TAGS_UNREAD, scan.pop("images.unread", None)]
    props.update(scan)
    props["images.unread"] = "; ".join(x for x in unread if x)
    return Normalized("compute.registry", "Microsoft.ContainerRegistry/registries", {k: v for k, v in props.items() if v is not None})


Normalizer = Callable[[ArmResource, ArmTemplate], Normalized | None]

#: ARM type (lower-cased) → normalizer, and → the canonical kinds its resources may take
TYPES: dict[str, Normalizer] = {}
KINDS: dict[str, tuple[str, ...]] = {}
declare(
    {
        "microsoft.storage/storageaccounts": (storage_account, "storage.object"),
        "microsoft.compute/disks": (disk, "storage.block"),
        "microsoft.sql/servers": (sql_server, "database"),
        "microsoft.dbforpostgresql/flexibleservers": (flexible_server("Microsoft.DBforPostgreSQL/flexibleServers"),
                                                      "database"),
        "microsoft.dbformysql/flexibleservers": (flexible_server("Microsoft.DBforMySQL/flexibleServers"), "database"),
        "microsoft.operationalinsights/workspaces": (workspace, "log.store"),
        "microsoft.keyvault/vaults/keys": (key_vault_key, "kms.key"),
        "microsoft.containerregistry/registries": (container_registry, "compute.registry"),
    },
    TYPES,
    KINDS,
)


def normalize_template(tf, inventory, *, region: str | None = None, location: str | None = None) -> None:
    """Add one ARM template's resources to ``inventory`` (account ``iac``, provider azure)."""
    from scanner.iac.templates import add_resource

    t = ArmTemplate(tf.doc, location, f"{tf.rel}#")
    for r in t.resources:
        fn = TYPES.get(r.type.lower())
        if fn is None:
            continue
        n = fn(r, t)
        if n is None:
            continue
        loc, how = t.place(r)
        source = {"format": "arm", "type": r.type, "name": r.name}
        add_resource(inventory, n, provider="azure", rid=t.id_of(r), name=r.name.rsplit("/", 1)[-1], region=loc,
                     how=how, file=tf.shown, lines=r.lines, tags=_tags(r, t), source=source)
