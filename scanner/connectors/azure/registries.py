"""Azure Container Registry → ``compute.registry`` (ETG 8.4.1). Pure.

Tags: ACR has no registry-wide tag immutability; a tag or repository is locked with its
``writeEnabled`` attribute on the registry's data plane (``az acr repository update``), which
the connector does not read — so whether tags are immutable stays unknown, said in
``images.unread``. Content trust (``policies.trustPolicy``) and quarantine
(``policies.quarantinePolicy``) are recorded as they are.

Scanning is Microsoft Defender for Cloud's registry vulnerability assessment, a subscription
setting (``GET …/providers/Microsoft.Security/pricings``): the ``ContainerRegistriesVulnerability
Assessments`` extension of the Containers or the CloudPosture (Defender CSPM) plan on the
Standard tier, or the retired ContainerRegistry plan on Standard. It scans images when pushed
and rescans those pulled recently, so both scan properties follow it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.connectors.azure.common import make_resource, props_of
from scanner.connectors.values import flag
from scanner.model import Kind

__all__ = ["container_registry", "defender_registry_scan", "ACR_TAGS_UNREAD", "VA_EXTENSION"]

ACR_TAGS_UNREAD = ("Azure Container Registry has no registry-wide tag immutability; tag locks (writeEnabled) are set per "
                   "repository and tag on the registry's data plane, which cloudgov does not read")
VA_EXTENSION = "ContainerRegistriesVulnerabilityAssessments"


def _status(policy: Any) -> bool | None:
    s = str((policy or {}).get("status") or "").lower() if isinstance(policy, Mapping) else ""
    return {"enabled": True, "disabled": False}.get(s)


def defender_registry_scan(plans: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The ``images.scan_*`` properties a subscription's Defender plans give its registries
    (None: the plans were not read)."""
    if plans is None:
        return {"images.unread": "the subscription's Defender for Cloud plans (Microsoft.Security/pricings) were not read"}
    by_name = {str(p.get("name") or str(p.get("id", "")).rsplit("/", 1)[-1]).lower(): props_of(p) for p in plans}
    unknown = []
    for plan in ("Containers", "CloudPosture"):
        p = by_name.get(plan.lower())
        if p is None or str(p.get("pricingTier") or "").lower() != "standard":
            continue
        ext = next((e for e in p.get("extensions") or [] if str(e.get("name")) == VA_EXTENSION), None)
        state = flag(ext, "isEnabled") if ext else None
        if state is True:
            return {"images.scan_on_push": True, "images.scan_continuous": True,
                    "images.scan_by": f"Defender for Cloud {plan} plan (Standard, {VA_EXTENSION} on)"}
        if state is None:
            unknown.append(plan)
    legacy = by_name.get("containerregistry")
    if legacy is not None and str(legacy.get("pricingTier") or "").lower() == "standard":
        return {"images.scan_on_push": True, "images.scan_continuous": True,
                "images.scan_by": "Defender for container registries (ContainerRegistry plan, Standard)"}
    if unknown:
        return {"images.unread": f"the {VA_EXTENSION} extension's state is not in the {', '.join(unknown)} plan's answer"}
    return {"images.scan_on_push": False, "images.scan_continuous": False,
            "images.scan_by": f"no Defender plan with {VA_EXTENSION} on the Standard tier (Containers, CloudPosture, ContainerRegistry)"}


def container_registry(row: dict[str, Any], ctx: Any) -> list[tuple[Any, list[tuple[str, str]]]]:
    p = props_of(row)
    sku = (row.get("sku") or {}).get("name") if isinstance(row.get("sku"), Mapping) else None
    props: dict[str, Any] = {"sku": sku, "created": p.get("creationDate")}
    raw_policies = p.get("policies")
    policies: Mapping[str, Any] = raw_policies if isinstance(raw_policies, Mapping) else {}
    props["images.content_trust"] = _status(policies.get("trustPolicy"))
    props["images.quarantine"] = _status(policies.get("quarantinePolicy"))
    sub = str(row.get("subscriptionId") or str(row.get("id", "")).split("/")[2]).lower()
    plans = next((v for k, v in ctx.raw.pricings.items() if k.lower() == sub), None)
    scan = defender_registry_scan(plans)
    code = next((g.code for g in ctx.raw.gaps if str(g.account).lower() == sub and "pricings" in g.service), None)
    if plans is None and code:
        scan["images.unread"] += f" ({code})"
    unread = [x for x in (ACR_TAGS_UNREAD, scan.pop("images.unread", None)) if x]
    props.update(scan)
    props["images.unread"] = "; ".join(unread)
    return [(make_resource(row, Kind.REGISTRY, {k: v for k, v in props.items() if v is not None}), [])]
