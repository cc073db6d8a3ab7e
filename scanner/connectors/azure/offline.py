"""Azure export files, read without the SDK: ``az graph query -o json`` output, ``az role
assignment list`` JSON, Microsoft Graph JSON pages (including applications, service principals
and PIM eligibility), ``az account list-locations`` and ARM JSON from ``az rest`` (diagnostic
settings, workspace tables, vault keys, TDE protectors, storage lifecycle policies, PIM
``roleEligibilityScheduleInstances``).

All Azure files of one run belong together (users meet their MFA registration, role
assignments meet role definitions), so they form one format, ``azure-export``, loaded as a
single :class:`AzureRaw` and normalized once. What the files do not contain is recorded as a
coverage gap (code ``NotInExport``), never read as a pass.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from scanner.connectors.azure.common import BACKUP_INSTANCE, BACKUP_VAULT, PROTECTED_ITEM, RSV, native_type_of
from scanner.connectors.azure.raw import AzureRaw, gap
from scanner.connectors.azure.services import NORMALIZED_TYPES
from scanner.connectors.offline import FileFormat
from scanner.errors import InputError
from scanner.inventory import Inventory
from scanner.model import Kind
from scanner.source import Source

__all__ = ["FORMATS", "read_exports"]

_ARG_OBJECT = re.compile(r'^\s*\{[^\[]*?"(count|data|skip_token|total_records)"\s*:', re.S)
_ARM_TYPE = re.compile(r'"type"\s*:\s*"microsoft\.[a-z]+/', re.I)
_TABLE_ID = re.compile(r"/providers/microsoft\.operationalinsights/workspaces/[^/]+/tables/[^/]+$", re.I)
#: parents whose child rows are reported when cloudgov does not read them
_PARENTS = frozenset(NORMALIZED_TYPES)
#: an ARM id naming a resource (ARM examples and `az rest` bodies may omit "type")
_ARM_ID = re.compile(r'"id"\s*:\s*"/subscriptions/[^"]*/providers/microsoft\.[a-z]+/', re.I)
#: a subscription's diagnostic setting: ARM answers with "type": null, provider
#: microsoft.insights or AzureResourceManager, and sometimes no leading slash
_SUB_DIAG_ID = re.compile(r"^/?subscriptions/([^/]+)/providers/(?:microsoft\.insights|azureresourcemanager)/"
                          r"diagnosticsettings/[^/]+$", re.I)
_GRAPH = re.compile(r'"@odata\.context"\s*:\s*"https://graph\.microsoft\.com/')


def _sniff(path: Path, head: str) -> bool:
    text = head.lstrip()
    if not text.startswith(("{", "[")):
        return False
    if _GRAPH.search(head[:2048]):
        return True
    if '"pairedRegion"' in head and '"regionType"' in head:
        return True  # az account list-locations
    if '"roleDefinitionName"' in head and '"principalId"' in head:
        return True  # az role assignment list
    if _ARG_OBJECT.match(head) and ('"skip_token"' in head or '"total_records"' in head
                                    or re.search(r'"data"\s*:\s*\[', head) and _ARM_ID.search(head)):
        return True  # az graph query -o json (skip_token / total_records may come after the rows)
    if _ARM_ID.search(head) or re.search(r'"/?subscriptions/[^"/]+/providers/[^"/]+/diagnosticSettings/', head, re.I):
        return True  # ARM JSON without "type" (REST examples, some `az rest` bodies)
    if _TABLE_ID.search(head.split('"id"', 2)[1].split('"', 2)[1] if head.count('"id"') else ""):
        return True  # workspace tables (ARM omits "type" on them)
    return bool(_ARM_TYPE.search(head) and '"/subscriptions/' in head.replace("\\/", "/")
                or _ARM_TYPE.search(head) and '"/providers/' in head)


def _read_json(path: Path) -> Any:
    from scanner.connectors.offline import read_export
    from scanner.docfile import parse_json

    return parse_json(read_export(path, what="an Azure export file"), path)


def read_exports(paths: list[Path]) -> AzureRaw:
    """Classify every file's content into one AzureRaw."""
    raw = AzureRaw()
    seen = {"arg": False, "diag": False, "graph_users": False, "registration": False, "locations": False}
    role_names: dict[str, str] = {}
    for path in paths:
        doc = _read_json(path)
        if isinstance(doc, dict) and "@odata.context" in doc:
            _graph_page(doc, raw, seen, path)
        elif isinstance(doc, dict) and ("total_records" in doc or "skip_token" in doc) and "data" in doc:
            _arg_rows(doc.get("data") or [], raw, seen)
        elif isinstance(doc, list) and doc and isinstance(doc[0], dict) and "roleDefinitionName" in doc[0]:
            _role_assignment_list(doc, raw, role_names)
        elif isinstance(doc, list) and doc and isinstance(doc[0], dict) and "pairedRegion" in (doc[0].get("metadata") or {}):
            raw.locations = (raw.locations or []) + doc
            seen["locations"] = True
        else:
            items = doc.get("value") if isinstance(doc, dict) and isinstance(doc.get("value"), list) else doc
            items = items if isinstance(items, list) else [items]
            if items and isinstance(items[0], dict) and "pairedRegion" in (items[0].get("metadata") or {}):
                raw.locations = (raw.locations or []) + items
                seen["locations"] = True
                continue
            _arm_items(items, raw, seen, path)
    if role_names:
        known = {str(r.get("name", "")).lower() for r in raw.authorization or []
                 if str(r.get("type", "")).lower() == "microsoft.authorization/roledefinitions"}
        raw.authorization = raw.authorization or []
        for guid, name in role_names.items():
            if guid not in known:  # built-in or custom unknown: the name alone (no actions)
                raw.authorization.append({"type": "microsoft.authorization/roledefinitions", "name": guid,
                                          "properties": {"roleName": name}})
    raw.tenant_id = next((r.get("tenantId") for r in raw.containers + raw.resources if r.get("tenantId")), None)
    _missing(raw, seen)
    subs = sorted({str(r.get("subscriptionId")) for r in raw.containers + raw.resources if r.get("subscriptionId")})
    raw.sources.append(Source(connector="azure", mode="offline", accounts=tuple(subs),
                              details={"files": [str(p) for p in paths]}))
    return raw


def _graph_page(doc: dict[str, Any], raw: AzureRaw, seen: dict[str, bool], path: Path) -> None:
    entity = str(doc["@odata.context"]).split("#", 1)[-1]
    values = doc.get("value") if isinstance(doc.get("value"), list) else None
    if entity.startswith("users"):
        raw.users = (raw.users or []) + (values or [])
        seen["graph_users"] = True
    elif entity.startswith("directoryRoles"):
        raw.directory_roles = (raw.directory_roles or []) + (values or [])
    elif entity.startswith("reports/authenticationMethods/userRegistrationDetails"):
        raw.registration = (raw.registration or []) + (values or [])
        seen["registration"] = True
    elif entity.startswith("identity/conditionalAccess/policies"):
        raw.ca_policies = (raw.ca_policies or []) + (values or [])
    elif entity.startswith("policies/identitySecurityDefaultsEnforcementPolicy"):
        raw.security_defaults = doc
    elif entity.startswith("roleManagement/directory/roleEligibilityScheduleInstances"):
        raw.directory_eligibility = (raw.directory_eligibility or []) + (values or [])
    elif entity.startswith("applications") and values is not None:
        raw.applications = (raw.applications or []) + values
    elif entity.startswith("servicePrincipals") and values is not None:
        raw.service_principals = (raw.service_principals or []) + values
        raw.directory_objects.extend({"@odata.type": "#microsoft.graph.servicePrincipal", **v} for v in values)
    elif entity.startswith(("directoryObjects", "groups")) and values is not None:
        raw.directory_objects.extend(values)
    else:
        raise InputError(f"{path}: a Microsoft Graph page of {entity.split('(')[0]!r}, which cloudgov does not read "
                         "(users, directoryRoles, userRegistrationDetails, conditionalAccess policies, "
                         "security defaults, directoryObjects, applications, servicePrincipals, "
                         "roleEligibilityScheduleInstances)")


def _arg_rows(rows: list[dict[str, Any]], raw: AzureRaw, seen: dict[str, bool]) -> None:
    seen["arg"] = True
    for row in rows:
        t = str(row.get("type", "")).lower()
        if t.startswith("microsoft.resources/subscriptions"):
            if t == "microsoft.resources/subscriptions":
                raw.containers.append(row)
        elif t.startswith("microsoft.authorization/role"):
            raw.authorization = (raw.authorization or []) + [row]
        elif _child_row(row, raw, seen):
            continue  # a child resource (protector, table, setting, key, policy) read like its ARM form
        elif t not in _PARENTS and t.count("/") > 1 and t.rsplit("/", 1)[0] in _PARENTS:
            rid = str(row.get("id") or "")
            raw.gaps.append(gap(str(row.get("subscriptionId") or _sub_of(rid) or "unknown"), f"export:row:{rid}", (),
                                "NotRead", f"a {row.get('type')} row is a child resource cloudgov does not read; "
                                "its parent is judged from its own row and the child files cloudgov reads"))
        else:
            raw.resources.append(row)


def _sub_of(rid: str) -> str:
    parts = rid.split("/")
    return parts[2] if len(parts) > 2 and parts[1].lower() == "subscriptions" else ""


def _child_row(item: dict[str, Any], raw: AzureRaw, seen: dict[str, bool]) -> bool:
    """Route a child resource (from `az rest` ARM JSON or an `az graph query` row) to what
    reads it; False when it is none of them."""
    t, rid = str(item.get("type") or "").lower(), str(item.get("id") or "")
    low = rid.lower()
    diag = _SUB_DIAG_ID.match(rid)
    if diag:
        raw.diagnostic_settings.setdefault(diag.group(1), []).append(item)
        seen["diag"] = True
    elif t.endswith("workspaces/tables") or _TABLE_ID.search(low):
        raw.workspace_tables.setdefault(low.split("/tables/")[0], []).append(item)
    elif t == "microsoft.keyvault/vaults/keys":
        raw.vault_keys.setdefault(low.split("/keys/")[0], []).append(item)
    elif t == "microsoft.sql/servers/encryptionprotector":
        raw.sql_protectors[low.split("/encryptionprotector")[0]] = item
    elif t in (PROTECTED_ITEM, BACKUP_INSTANCE):  # what a vault backs up (ETG 9.3)
        raw.backup_items = (raw.backup_items or []) + [item]
    elif t == "microsoft.storage/storageaccounts/managementpolicies":
        raw.lifecycle[low.split("/managementpolicies")[0]] = item
    elif t == "microsoft.storage/storageaccounts/blobservices/containers":
        raw.blob_containers.setdefault(low.split("/blobservices/")[0], []).append(item)
    elif t == "microsoft.storage/storageaccounts/blobservices/containers/immutabilitypolicies":
        container = low.split("/immutabilitypolicies")[0]
        for c in raw.blob_containers.get(low.split("/blobservices/")[0], []):
            if str(c.get("id") or "").lower() == container:
                c.setdefault("properties", {})["immutabilityPolicy"] = {"properties": item.get("properties") or {}}
    elif t == "microsoft.authorization/roleeligibilityscheduleinstances":
        rows = {str(r.get("id", "")).lower() for r in raw.rbac_eligibility or []}
        if low not in rows:  # the same instance seen from two scopes' exports
            raw.rbac_eligibility = (raw.rbac_eligibility or []) + [item]
    else:
        return False
    return True


def _role_assignment_list(items: list[dict[str, Any]], raw: AzureRaw, role_names: dict[str, str]) -> None:
    """`az role assignment list` → Resource Graph shaped role assignments (+ role names)."""
    rows = raw.authorization if raw.authorization is not None else []
    for a in items:
        guid = str(a.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
        if a.get("roleDefinitionName"):
            role_names[guid] = a["roleDefinitionName"]
        rows.append({"id": a.get("id"), "name": a.get("name"), "type": "microsoft.authorization/roleassignments",
                     "properties": {k: a.get(k) for k in ("principalId", "principalType", "roleDefinitionId", "scope")}})
    raw.authorization = rows


def _arm_items(items: list[Any], raw: AzureRaw, seen: dict[str, bool], path: Path) -> None:
    matched = False
    for item in items:
        if not isinstance(item, dict):
            continue
        if not item.get("type") and item.get("id"):
            inferred = native_type_of(str(item["id"]))
            if inferred:  # REST examples and some bodies omit "type": the id says it
                item = {**item, "type": inferred}
        if _child_row(item, raw, seen):
            matched = True
        elif str(item.get("type") or "").lower().startswith("microsoft.") and "properties" in item:
            _arg_rows([item], raw, seen)  # `az resource show/list` rows look like Resource Graph rows
            matched = True
    if not matched:
        raise InputError(f"{path}: JSON with no Azure resources, settings or Graph objects cloudgov can read")


def _missing(raw: AzureRaw, seen: dict[str, bool]) -> None:
    """What the export does not contain is unknown: one NotInExport gap per missing source."""
    tenant = raw.tenant_id or "unknown-tenant"
    subs = sorted({str(r.get("subscriptionId")) for r in raw.containers + raw.resources if r.get("subscriptionId")})
    vault_subs = {str(r.get("subscriptionId") or _sub_of(str(r.get("id") or ""))) for r in raw.resources
                  if str(r.get("type") or "").lower() in (RSV, BACKUP_VAULT)}
    for sub in subs:
        if sub in vault_subs and raw.backup_items is None:
            raw.gaps.append(gap(sub, "export:recoveryservicesresources", (Kind.BACKUP,), "NotInExport",
                                "the export has vaults but none of what they back up (az graph query on "
                                "recoveryservicesresources: protected items, backup instances)"))
        if sub not in raw.diagnostic_settings:
            raw.gaps.append(gap(sub, "export:diagnosticSettings", (Kind.LOG_TRAIL,), "NotInExport",
                                "the export has no subscription diagnostic settings (activity-log export)"))
        if sub not in raw.pricings:
            raw.gaps.append(gap(sub, "export:pricings", (Kind.DETECTOR,), "NotInExport",
                                "the export has no Defender for Cloud plans (az security pricing list)"))
    if raw.users is None and (raw.authorization is not None or seen["arg"]):
        raw.gaps.append(gap(tenant, "export:graph-users", (Kind.IDENTITY_USER,), "NotInExport",
                            "the export has no Microsoft Graph users page"))
    if raw.users is not None and not seen["registration"] and raw.ca_policies is None and raw.security_defaults is None:
        raw.registration_error = "userRegistrationDetails not in the export"
        raw.gaps.append(gap(tenant, "export:userRegistrationDetails", (Kind.IDENTITY_USER,), "NotInExport",
                            "the export has no MFA registration report or Conditional Access policies"))
    if raw.users is not None and raw.directory_roles is None:
        raw.gaps.append(gap(tenant, "export:directoryRoles", (Kind.IDENTITY_USER,), "NotInExport",
                            "the export has no directory roles page: directory-role privilege is unknown"))
    if raw.users is not None and raw.directory_eligibility is None:
        raw.gaps.append(gap(tenant, "export:roleEligibilityScheduleInstances",
                            (Kind.IDENTITY_USER, Kind.IDENTITY_GROUP), "NotInExport",
                            "the export has no PIM eligible directory roles page (roleManagement/directory/"
                            "roleEligibilityScheduleInstances): who can activate a privileged role is unknown"))
    if raw.authorization is not None and raw.rbac_eligibility is None:
        raw.gaps.append(gap(tenant, "export:arm-roleEligibilityScheduleInstances",
                            (Kind.IDENTITY_USER, Kind.IDENTITY_GROUP), "NotInExport",
                            "the export has no Azure PIM eligibility (Microsoft.Authorization/"
                            "roleEligibilityScheduleInstances): eligible Owner / Contributor holders are unknown"))
    sps = any(str((r.get("properties") or {}).get("principalType", "")).lower() == "serviceprincipal"
              for r in raw.authorization or [])
    if sps and (raw.applications is None or raw.service_principals is None):
        raw.credentials_error = "applications / servicePrincipals pages not in the export"
        raw.gaps.append(gap(tenant, "export:applications", (Kind.IDENTITY_USER,), "NotInExport",
                            "the export has no applications and servicePrincipals pages with passwordCredentials / "
                            "keyCredentials: long-lived credentials of service principals stay unknown"))
    geo = any(str((r.get("sku") or {}).get("name", "")).upper().endswith(("GRS", "GZRS")) for r in raw.resources)
    if geo and raw.locations is None:
        raw.gaps.append(gap(tenant, "export:locations", (), "NotInExport",
                            "no `az account list-locations` file: secondaries of geo-redundant storage stay unknown"))


def _load(paths: list[Path]) -> Inventory:
    from scanner.connectors.azure.normalize import normalize

    return normalize(read_exports(paths))


FORMATS = [FileFormat(
    "azure-export",
    "Azure exports: az graph query / az role assignment list / az account list-locations JSON, "
    "Microsoft Graph JSON pages, ARM JSON from az rest",
    _sniff,
    _load,
)]
