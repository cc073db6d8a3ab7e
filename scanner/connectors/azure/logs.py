"""Key Vault keys (kms.key), the subscription activity-log export (log.trail), and the
retention of storage accounts that receive logs (pure functions)."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from scanner.connectors.azure.common import (
    LOG_CLASS_TAG,
    STORAGE,
    Context,
    props_of,
    row_type,
    tags_of,
)
from scanner.connectors.azure.raw import PROVIDER, AzureRaw
from scanner.connectors.values import flag, strict_int
from scanner.inventory import Inventory
from scanner.model import Kind, Resource

__all__ = ["key_resources", "activity_log_trail", "mark_log_storage", "iso_days"]

_ISO = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$", re.I)


def iso_days(duration: str | None) -> int | None:
    """Days in an ISO 8601 period such as ``P90D``, ``P1Y``, ``P3M`` (month = 30 days)."""
    m = _ISO.match(str(duration or "").strip())
    if not m or not any(m.groups()):
        return None
    y, mo, w, d = (int(g or 0) for g in m.groups())
    return y * 365 + mo * 30 + w * 7 + d


def key_resources(raw: AzureRaw, ctx: Context):
    for vault_id, keys in raw.vault_keys.items():
        vault = ctx.by_id.get(vault_id, {})
        for row in keys:
            yield _key(row, vault)


def _key(row: dict[str, Any], vault: dict[str, Any]) -> Resource:
    p = props_of(row)
    attrs = p.get("attributes") or {}
    props: dict[str, Any] = {
        "key_manager": "customer",  # a Key Vault key is the customer's by definition
        # Key Vault authorises only named Entra principals (access policies or RBAC): there is
        # no anonymous / "everyone" grant a key policy could carry.
        "policy_public": False,
    }
    if p.get("keyUri"):
        props["key_uri"] = p["keyUri"]
    from scanner.connectors.azure.network import key_protection

    props.update(key_protection(p.get("kty"), str(row.get("id", ""))))
    enabled = flag(attrs, "enabled")
    if enabled is not None:
        props["state"] = "enabled" if enabled else "disabled"
    policy = p.get("rotationPolicy")
    if isinstance(policy, dict):
        rotate = [a for a in policy.get("lifetimeActions") or []
                  if str((a.get("action") or {}).get("type", "")).lower() == "rotate"]
        props["rotation_enabled"] = bool(rotate)
        if rotate:
            trigger = rotate[0].get("trigger") or {}
            days = iso_days(trigger.get("timeAfterCreate"))
            if days is None:
                expiry = iso_days((policy.get("attributes") or {}).get("expiryTime"))
                before = iso_days(trigger.get("timeBeforeExpiry"))
                if expiry is not None and before is not None:
                    days = expiry - before
            if days is not None:
                props["rotation_period_days"] = days
    else:
        # The ARM key read (api-version 2021-06-01-preview and later) carries rotationPolicy
        # whenever one is set; its absence means the key has no automatic rotation.
        props["rotation_enabled"] = False
    rid = str(row["id"])
    return Resource(PROVIDER, rid.split("/")[2], row.get("location") or vault.get("location"), Kind.KMS_KEY,
                    "Microsoft.KeyVault/vaults/keys", rid, str(row.get("name", "")), tags_of(row), props,
                    {"properties": {k: v for k, v in p.items() if k in ("kty", "keyUri", "attributes", "rotationPolicy")}})


def activity_log_trail(sub_id: str, settings: list[dict[str, Any]], ctx: Context) -> tuple[Resource, list[str]]:
    """The subscription's activity log, exported (or not) by diagnostic settings: one trail."""
    admin_settings = []
    for s in settings:
        logs = props_of(s).get("logs") or []
        if any(_covers_administrative(entry) for entry in logs):
            admin_settings.append(s)
    targets: list[str] = []
    for s in admin_settings:
        p = props_of(s)
        for key in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId"):
            if p.get(key):
                targets.append(p[key])
    props: dict[str, Any] = {
        "enabled": bool(targets),  # the list was read: no Administrative export means not logging
        "all_regions": True,  # the activity log is global to the subscription
        "organization": False,
        "management_events": bool(admin_settings),
    }
    tenant = ctx.tenant_of_sub.get(sub_id.lower())
    if tenant:
        props["organization_id"] = tenant
    trail = Resource(PROVIDER, sub_id, "global", Kind.LOG_TRAIL, "Microsoft.Insights/diagnosticSettings",
                     f"/subscriptions/{sub_id}/providers/Microsoft.Insights/diagnosticSettings",
                     "activity log export", {}, props,
                     {"diagnosticSettings": [{"name": s.get("name"), "properties": props_of(s)} for s in settings]})
    return trail, targets


def _covers_administrative(entry: dict[str, Any]) -> bool:
    if flag(entry, "enabled") is not True:
        return False
    return str(entry.get("category", "")).lower() == "administrative" or str(
        entry.get("categoryGroup", "")).lower() in ("alllogs", "audit")


def mark_log_storage(inv: Inventory, raw: AzureRaw, ctx: Context) -> None:
    """Storage accounts that receive logs (or are tagged with a log class) get retention fields."""
    for row in raw.resources:
        if row_type(row) != STORAGE:
            continue
        rid = str(row["id"])
        tagged = LOG_CLASS_TAG in tags_of(row)
        if rid.lower() not in ctx.log_targets and not tagged:
            continue
        res = inv.get(rid)
        if res is None:
            continue
        props = dict(res.properties)
        if tagged:
            props["log_class"] = tags_of(row)[LOG_CLASS_TAG]
        if rid.lower() in raw.lifecycle:
            days = _lifecycle_delete_days(raw.lifecycle[rid.lower()])
            if days is None:
                props["retention_unlimited"] = True  # no delete rule: blobs are kept until removed by hand
            else:
                props["retention_days"] = days
        if props.get("immutability") != "locked" and rid.lower() in raw.blob_containers:
            state = containers_immutability(raw.blob_containers[rid.lower()])
            if state is not None:  # an account-level policy short of locked is overruled by locked containers
                props["immutability"] = state
        inv.add(dataclasses.replace(res, properties=props))


def log_containers(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The containers Azure Monitor writes to (``insights-activity-logs``, ``insights-logs-*``);
    all of them when the account holds none of those (a tagged evidence store)."""
    ours = [c for c in items if str(c.get("name") or "").startswith("insights-")]
    return ours or list(items)


def containers_immutability(items: list[dict[str, Any]]) -> str | None:
    """``locked`` when every log container has a locked time-based retention policy,
    ``unlocked`` when one can still be lifted (an unlocked policy, a legal hold only),
    ``none`` when one has neither; None (unknown) when a state is missing or no container
    exists yet."""
    states: list[str | None] = []
    for c in log_containers(items):
        p = props_of(c)
        policy_state = str(((p.get("immutabilityPolicy") or {}).get("properties") or {}).get("state") or "").lower()
        has_policy, hold = flag(p, "hasImmutabilityPolicy"), flag(p, "hasLegalHold")
        if policy_state == "locked":
            states.append("locked")
        elif policy_state == "unlocked" or (has_policy is False and hold is True):
            states.append("unlocked")  # a legal hold is cleared at will
        elif has_policy is False and hold is False:
            states.append("none")
        else:
            states.append(None)
    if not states:
        return None
    if "none" in states:
        return "none"
    if None in states:
        return None
    return "unlocked" if "unlocked" in states else "locked"


def _lifecycle_delete_days(policy: dict[str, Any] | None) -> int | None:
    """Shortest delete age of enabled lifecycle rules that reach the log containers."""
    if not policy:
        return None
    days: list[int] = []
    for rule in (props_of(policy).get("policy") or {}).get("rules") or []:
        if flag(rule, "enabled", True) is not True:  # disabled, or not a boolean: it deletes nothing we can rely on
            continue
        definition = rule.get("definition") or {}
        prefixes = (definition.get("filters") or {}).get("prefixMatch") or []
        if prefixes and not any(str(p).startswith("insights-") or "/" not in str(p) and "insights-".startswith(str(p))
                                for p in prefixes):
            continue  # the rule targets other containers
        delete = ((definition.get("actions") or {}).get("baseBlob") or {}).get("delete") or {}
        for key in ("daysAfterModificationGreaterThan", "daysAfterCreationGreaterThan"):
            if strict_int(delete.get(key)) is not None:
                days.append(strict_int(delete.get(key)))  # type: ignore[arg-type]
    return min(days) if days else None
