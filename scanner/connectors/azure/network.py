"""Azure transport and network settings → canonical ``transit.*`` and ``network.firewall``
properties (pure; read by the connector's normalizers and by the ARM template reader).

Meanings from the Azure REST API reference and its examples (azure-rest-api-specs):
``Microsoft.Storage/storageAccounts`` (``supportsHttpsTrafficOnly``, ``minimumTlsVersion``
TLS1_0 … TLS1_3; an account without ``minimumTlsVersion`` permits TLS 1.0, Azure Storage
docs *Enforce a minimum required version of TLS*), ``Microsoft.Sql/servers``
(``minimalTlsVersion`` "1.0" … "1.3" or "None"; Azure SQL enforces encryption on every
connection), Key Vault keys (``kty`` RSA / EC software-protected, RSA-HSM / EC-HSM / oct-HSM
in HSMs; Managed HSM pools are single-tenant), ``Microsoft.Network/networkSecurityGroups``
(``securityRules``: direction, access, priority, protocol, address and port prefixes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["storage_transit", "sql_transit", "key_protection", "nsg_rules", "TLS_NAMES"]

#: the spellings Azure uses for a TLS version
TLS_NAMES = {"tls1_0": "1.0", "tls1_1": "1.1", "tls1_2": "1.2", "tls1_3": "1.3", "1.0": "1.0", "1.1": "1.1",
             "1.2": "1.2", "1.3": "1.3", "tls": "1.0", "tls11": "1.1", "tls12": "1.2", "tls13": "1.3",
             "tlsv1_0": "1.0", "tlsv1_1": "1.1", "tlsv1_2": "1.2", "tlsv1_3": "1.3"}


def _bool(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if str(v).lower() in ("true", "false"):
        return str(v).lower() == "true"
    return None


def storage_transit(p: Mapping[str, Any], *, full: bool) -> dict[str, Any]:
    """A storage account's properties (``full``: the whole resource, so an absent field is
    the service's default)."""
    out: dict[str, Any] = {}
    https = _bool(p.get("supportsHttpsTrafficOnly"))
    if https is not None:
        out.update({"transit.tls_required": https, "transit.tls_required_by": f"supportsHttpsTrafficOnly {str(https).lower()}"})
    elif full and "supportsHttpsTrafficOnly" not in p:
        out.update({"transit.tls_required": True, "transit.tls_required_by": "supportsHttpsTrafficOnly (default true)"})
    tls = p.get("minimumTlsVersion")
    if isinstance(tls, str) and tls.lower() in TLS_NAMES:
        out.update({"transit.min_tls_version": TLS_NAMES[tls.lower()], "transit.min_tls_by": f"minimumTlsVersion {tls}"})
    elif full and tls is None:
        out.update({"transit.min_tls_version": "1.0", "transit.min_tls_by": "minimumTlsVersion not set: TLS 1.0 permitted"})
    return out


def sql_transit(p: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"transit.tls_required": True,
                           "transit.tls_required_by": "platform: Azure SQL Database enforces encryption on all connections"}
    tls = p.get("minimalTlsVersion")
    if isinstance(tls, str) and tls.lower() in TLS_NAMES:
        out.update({"transit.min_tls_version": TLS_NAMES[tls.lower()], "transit.min_tls_by": f"server minimalTlsVersion {tls}"})
    elif isinstance(tls, str) and tls.lower() == "none":
        out.update({"transit.min_tls_version": "1.0", "transit.min_tls_by": "server minimalTlsVersion None (no minimum)"})
    else:
        out["transit.min_tls_by"] = "the server's minimalTlsVersion was not read"
    return out


def key_protection(kty: Any, resource_id: str = "") -> dict[str, Any]:
    if not isinstance(kty, str) or not kty:
        return {}
    managed_hsm = "/microsoft.keyvault/managedhsms/" in resource_id.lower() or ".managedhsm." in resource_id.lower()
    level = "hsm_dedicated" if managed_hsm else "hsm" if kty.upper().endswith("-HSM") else "software"
    return {"protection_level": level, "protection_evidence": f"kty {kty}" + (" (Managed HSM)" if managed_hsm else "")}


def _ports(rule: Mapping[str, Any]) -> tuple[list[list[int]] | None, bool]:
    """(port ranges, unreadable?) from ``destinationPortRange`` / ``destinationPortRanges``."""
    texts = [rule.get("destinationPortRange")] if rule.get("destinationPortRange") else []
    texts += list(rule.get("destinationPortRanges") or [])
    out: list[list[int]] = []
    for t in texts:
        t = str(t).strip()
        if t == "*":
            return None, False
        try:
            lo, _, hi = t.partition("-")
            out.append([int(lo), int(hi or lo)])
        except ValueError:
            return [], True
    return out, False


def nsg_rules(rules: list[Any]) -> list[dict[str, Any]] | None:
    """The inbound ``securityRules`` (each ``{name, properties}``) in the canonical shape. The
    default rules are left out: none admits the internet (AllowVnetInBound,
    AllowAzureLoadBalancerInBound, DenyAllInBound)."""
    out: list[dict[str, Any]] = []
    for r in rules:
        if not isinstance(r, Mapping):
            return None
        props = r.get("properties")
        p: Mapping[str, Any] = props if isinstance(props, Mapping) else r
        if str(p.get("direction", "")).lower() != "inbound":
            continue
        ports, unreadable = _ports(p)
        sources = [p["sourceAddressPrefix"]] if p.get("sourceAddressPrefix") else []
        sources += list(p.get("sourceAddressPrefixes") or [])
        proto = str(p.get("protocol", "")).lower()
        priority: Any = p.get("priority")
        rule: dict[str, Any] = {"name": r.get("name"), "action": str(p.get("access", "")).lower(),
                                "protocol": "all" if proto in ("*", "") else proto,
                                "ports": ports, "sources": sources,
                                "priority": int(priority) if isinstance(priority, int) or str(priority).isdigit() else None}
        if unreadable:
            rule["ports_unknown"] = True
        out.append(rule)
    return out
