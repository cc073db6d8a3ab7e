"""Defender for Cloud plans → ``monitor.detector``; activity-log alert rules → ``monitor.alert``
(pure). The alert's operations are matched against the CIS Microsoft Azure Foundations
Benchmark's activity-log alerts (v2.1 §5.2.1–5.2.10, one per operation): a rule serves an
operation's event when its ``condition.allOf`` names it (``field: operationName``), with
category Administrative or none."""

from __future__ import annotations

from typing import Any

from scanner.connectors.azure.common import make_resource, props_of
from scanner.connectors.azure.raw import PROVIDER
from scanner.connectors.values import flag
from scanner.model import Kind, Resource

__all__ = ["defender_plans", "activity_log_alert", "CIS_OPERATIONS"]

#: operation (lower case) → its event name (the policy's required list for Azure)
CIS_OPERATIONS: dict[str, str] = {
    "microsoft.authorization/policyassignments/write": "policy_assignment_write",
    "microsoft.authorization/policyassignments/delete": "policy_assignment_delete",
    "microsoft.network/networksecuritygroups/write": "security_group_write",
    "microsoft.network/networksecuritygroups/delete": "security_group_delete",
    "microsoft.security/securitysolutions/write": "security_solution_write",
    "microsoft.security/securitysolutions/delete": "security_solution_delete",
    "microsoft.sql/servers/firewallrules/write": "db_firewall_write",
    "microsoft.sql/servers/firewallrules/delete": "db_firewall_delete",
    "microsoft.network/publicipaddresses/write": "public_ip_write",
    "microsoft.network/publicipaddresses/delete": "public_ip_delete",
}


def defender_plans(sub_id: str, rows: list[dict[str, Any]]) -> list[Resource]:
    """``GET /subscriptions/{id}/providers/Microsoft.Security/pricings``: one detector per plan.
    Standard is on; Free is off; a tier the API does not name stays unknown."""
    out = []
    for row in rows:
        name = str(row.get("name") or str(row.get("id", "")).rsplit("/", 1)[-1])
        tier = props_of(row).get("pricingTier")
        enabled = {"standard": True, "free": False}.get(str(tier).lower()) if tier else None
        rid = f"/subscriptions/{sub_id}/providers/Microsoft.Security/pricings/{name}"
        props: dict[str, Any] = {"service": "defender", "plan": name, "tier": tier, "enabled": enabled}
        on = [str(e.get("name")) for e in props_of(row).get("extensions") or [] if flag(e, "isEnabled") is True]
        off = [str(e.get("name")) for e in props_of(row).get("extensions") or [] if flag(e, "isEnabled") is False]
        props.update({"features_on": on, "features_off": off})
        out.append(Resource(PROVIDER, sub_id, "global", Kind.DETECTOR, "Microsoft.Security/pricings", rid, name, {},
                            {k: v for k, v in props.items() if v is not None}, {"properties": props_of(row)}))
    return out


def _operations(condition: dict[str, Any]) -> tuple[set[str], bool]:
    """(operation names the rule matches, whether its category allows Administrative events)."""
    ops: set[str] = set()
    category_ok = True
    for leaf in condition.get("allOf") or []:
        if not isinstance(leaf, dict):
            continue
        leaves = [leaf, *(x for x in leaf.get("anyOf") or [] if isinstance(x, dict))]
        for x in leaves:
            field = str(x.get("field") or "").lower()
            values = [x["equals"]] if x.get("equals") else list(x.get("containsAny") or [])
            if field == "operationname":
                ops |= {str(v).lower() for v in values}
            elif field == "category" and values and "administrative" not in {str(v).lower() for v in values}:
                category_ok = False
    return ops, category_ok


def activity_log_alert(row: dict[str, Any], ctx: Any) -> list[tuple[Resource, list[tuple[str, str]]]]:
    p = props_of(row)
    ops, category_ok = _operations(p.get("condition") or {})
    events = sorted({CIS_OPERATIONS[op] for op in ops if op in CIS_OPERATIONS}) if category_ok else []
    groups = (p.get("actions") or {}).get("actionGroups")
    props: dict[str, Any] = {"events": events, "enabled": flag(p, "enabled", True), "alarm": str(row["id"]),
                             "notifies": bool(groups) if isinstance(groups, list) else None,
                             "filter": "; ".join(sorted(ops)) or None}
    res = make_resource(row, Kind.ALERT, {k: v for k, v in props.items() if v is not None}, "Microsoft.Insights/activityLogAlerts")
    return [(res, [])]
