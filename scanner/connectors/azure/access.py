"""ETG 8.2.2 on Azure: Conditional Access policies that condition administrators' access from
the internet on the device or the location (pure).

A policy counts when it is enabled (report-only enforces nothing), covers administrators
(``includeUsers: All`` or directory roles in ``includeRoles``), applies to all cloud apps or
to Azure management, and either requires a compliant or hybrid-joined device (alone, or
together with other controls under ``AND``: ``OR`` with MFA lets a user skip the device), or
blocks every location except named / trusted ones. Shapes: Microsoft Graph v1.0
``conditionalAccessPolicy`` (``conditions.users``, ``conditions.applications``,
``conditions.locations``, ``grantControls``) and its documented examples.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["internet_access"]

_APPS = {"all", "797f4846-ba00-4fd7-ba43-dac1f8f63013", "microsoftadminportals"}  # Azure Service Management
_DEVICE = {"compliantdevice", "domainjoineddevice"}


def _lower(values: Iterable[Any] | None) -> set[str]:
    return {str(v).lower() for v in values or ()}


def _condition(policy: Mapping[str, Any]) -> dict[str, str] | None:
    if str(policy.get("state", "")).lower() != "enabled":
        return None
    cond = policy.get("conditions") or {}
    users = cond.get("users") or {}
    if "all" not in _lower(users.get("includeUsers")) and not users.get("includeRoles"):
        return None
    if not _lower((cond.get("applications") or {}).get("includeApplications")) & _APPS:
        return None
    grant = policy.get("grantControls") or {}
    controls = _lower(grant.get("builtInControls"))
    name = policy.get("displayName") or policy.get("id")
    locations = cond.get("locations") or {}
    if "block" in controls and "all" in _lower(locations.get("includeLocations")) and locations.get("excludeLocations"):
        return {"kind": "location", "by": f"Conditional Access '{name}' blocks sign-in from outside "
                                          f"{', '.join(map(str, locations['excludeLocations']))}"}
    device = controls & _DEVICE
    if device and (str(grant.get("operator", "OR")).upper() == "AND" or controls <= _DEVICE):
        return {"kind": "device", "by": f"Conditional Access '{name}' requires {' and '.join(sorted(device))}"}
    return None


def internet_access(ca_policies: Sequence[Mapping[str, Any]] | None, error: str | None) -> dict[str, Any]:
    """The tenant's conditions, as ``account`` properties of each of its subscriptions."""
    if ca_policies is None:
        return {"internet_access.unread": error or "Conditional Access policies were not read"}
    found = [c for c in (_condition(p) for p in ca_policies if isinstance(p, Mapping)) if c]
    return {"internet_access.conditions": found}
