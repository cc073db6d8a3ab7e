"""GCP network exposure and TLS front ends (pure): VPC firewall rules → ``network.firewall``,
target HTTPS / SSL proxies with their SSL policies → ``network.load_balancer``, and VPC
Service Controls perimeters as the projects' conditions on access from the internet
(ETG 8.2.2).

Shapes: Compute Engine v1 ``Firewall`` (``direction``, ``priority``, ``sourceRanges``,
``allowed[].IPProtocol`` / ``ports``, ``denied``, ``targetTags``, ``disabled``),
``TargetHttpsProxy`` / ``TargetSslProxy`` (``sslPolicy``), ``SslPolicy`` (``minTlsVersion``
TLS_1_0 … TLS_1_2, ``profile``), Access Context Manager ``ServicePerimeter``
(``status.resources``) as Cloud Asset Inventory gives them (policy-library and
cloud-foundation-toolkit fixtures use the same ``resource.data``)."""

from __future__ import annotations

from typing import Any

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.context import Context
from scanner.connectors.gcp.locations import self_link_to_resource
from scanner.inventory import Inventory
from scanner.model import Kind

__all__ = ["firewall", "target_proxy", "project_internet_access", "FIREWALL", "SSL_POLICY", "ACCESS_POLICY",
           "PERIMETER", "HTTPS_PROXY", "SSL_PROXY"]

FIREWALL = "compute.googleapis.com/Firewall"
SSL_POLICY = "compute.googleapis.com/SslPolicy"
HTTPS_PROXY = "compute.googleapis.com/TargetHttpsProxy"
SSL_PROXY = "compute.googleapis.com/TargetSslProxy"
ACCESS_POLICY = "accesscontextmanager.googleapis.com/AccessPolicy"
PERIMETER = "accesscontextmanager.googleapis.com/ServicePerimeter"

_TLS = {"TLS_1_0": "1.0", "TLS_1_1": "1.1", "TLS_1_2": "1.2", "TLS_1_3": "1.3"}
_PROTOCOLS = {"6": "tcp", "17": "udp", "1": "icmp"}


def _ports(entry: dict[str, Any]) -> tuple[list[list[int]] | None, bool]:
    texts = entry.get("ports") or []
    if not texts:
        return None, False  # every port of the protocol
    out: list[list[int]] = []
    for t in texts:
        lo, _, hi = str(t).partition("-")
        try:
            out.append([int(lo), int(hi or lo)])
        except ValueError:
            return [], True
    return out, False


def firewall(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    """One VPC firewall rule (ingress; egress rules admit nothing from the internet and are
    not emitted). A rule with no source at all applies to 0.0.0.0/0 (VPC firewall rules docs)."""
    from scanner.connectors.gcp.resources import emit

    d = rec.data or {}
    if str(d.get("direction") or "INGRESS").upper() != "INGRESS":
        return
    props: dict[str, Any] = {"rule_model": "network_rules"}
    network = self_link_to_resource(d.get("network")) if d.get("network") else None
    if network:
        props["network"] = network
    if rec.deep:
        props["disabled"] = d.get("disabled") is True
        sources = list(d.get("sourceRanges") or [])
        if not sources and not d.get("sourceTags") and not d.get("sourceServiceAccounts"):
            sources = ["0.0.0.0/0"]
        sources += [f"tag:{t}" for t in d.get("sourceTags") or []]
        targets = list(d.get("targetTags") or []) + [f"sa:{s}" for s in d.get("targetServiceAccounts") or []]
        priority = d.get("priority", 1000)
        rules = []
        for action, key in (("allow", "allowed"), ("deny", "denied")):
            for entry in d.get(key) or []:
                proto = str(entry.get("IPProtocol", "")).lower()
                ports, unreadable = _ports(entry) if proto in ("tcp", "udp", "sctp", "6", "17") else (None, False)
                rule: dict[str, Any] = {"name": d.get("name") or rec.name.rsplit("/", 1)[-1], "action": action,
                                        "protocol": _PROTOCOLS.get(proto, proto), "ports": ports, "sources": sources,
                                        "priority": int(priority) if str(priority).isdigit() else None,
                                        "targets": targets or None}
                if unreadable:
                    rule["ports_unknown"] = True
                rules.append(rule)
        props["ingress_rules"] = rules
    emit(inv, ctx, rec, Kind.FIREWALL, "global", props)


def target_proxy(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    """A target HTTPS or SSL proxy terminates TLS; its minimum is its SSL policy's, or — with
    none attached — Google's default policy (COMPATIBLE profile, TLS 1.0; "SSL policies
    overview")."""
    from scanner.connectors.gcp.resources import emit

    d = rec.data or {}
    props: dict[str, Any] = {"tls.listeners": 1}
    if rec.deep:
        link = d.get("sslPolicy")
        name = self_link_to_resource(link) if link else None
        props["tls.policies"] = [name.rsplit("/", 1)[-1]] if name else []
        if not link:
            props.update({"transit.min_tls_version": "1.0",
                          "transit.min_tls_by": "no SSL policy: Google's default (COMPATIBLE, TLS 1.0)"})
        else:
            policy = ctx.records.get(name or "")
            version = _TLS.get(str((policy.data or {}).get("minTlsVersion") or "TLS_1_0")) if policy and policy.data else None
            if version:
                props.update({"transit.min_tls_version": version,
                              "transit.min_tls_by": f"SSL policy {name.rsplit('/', 1)[-1] if name else link}"})
            else:
                props["transit.min_tls_by"] = f"SSL policy {link} was not read"
    emit(inv, ctx, rec, Kind.LOAD_BALANCER, "global", props)


def project_internet_access(ctx: Context, project_number: str | None) -> dict[str, Any]:
    """``internet_access.*`` of a project: the VPC Service Controls perimeters holding it.
    Perimeters live in the organisation's access policy: only a scan that listed the access
    policies in full knows that none holds the project."""
    if ACCESS_POLICY not in ctx.coverage.resource_types and not ctx.by_type.get(ACCESS_POLICY):
        return {"internet_access.unread": "no VPC Service Controls access policy was read (scan the organization: "
                                          "perimeters and access levels belong to it)"}
    found = []
    for p in ctx.by_type.get(PERIMETER, []):
        status = (p.data or {}).get("status") or {}
        if project_number and f"projects/{project_number}" in (status.get("resources") or []):
            levels = [str(x).rsplit("/", 1)[-1] for x in status.get("accessLevels") or []]
            found.append({"kind": "perimeter",
                          "by": f"VPC Service Controls perimeter {(p.data or {}).get('title') or p.name.rsplit('/', 1)[-1]}"
                                + (f" (access levels {', '.join(levels)})" if levels else " (no access level: inside only)")})
    return {"internet_access.conditions": found}
