"""Network exposure (ETG 8: only necessary ports) and conditions on access from the internet
(ETG 8.2.2). Rule dicts are the canonical shape of ``network.firewall.ingress_rules``
(scanner/vocabulary.yaml; docs/model.md, "Firewall rules")."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from policies.base import Context, Outcome, failed, not_applicable, passed, unknown
from scanner.model import Resource

#: sources that mean "any address on the internet" (CIDRs, Azure service tags / wildcards)
ANY_SOURCE = frozenset({"0.0.0.0/0", "::/0", "*", "any", "internet", "0.0.0.0"})
_PORT_PROTOCOLS = frozenset({"tcp", "udp", "all"})


def _from_anywhere(rule: Mapping[str, Any]) -> bool:
    return any(str(s).strip().lower() in ANY_SOURCE for s in rule.get("sources") or ())


def _covers(rule: Mapping[str, Any], port: int) -> bool | None:
    """Whether the rule's protocol and ports reach ``port`` (None: its ports are unreadable)."""
    if str(rule.get("protocol", "")).lower() not in _PORT_PROTOCOLS:
        return False
    if rule.get("ports_unknown"):
        return None
    ranges = rule.get("ports")
    if ranges is None:
        return True
    return any(int(lo) <= port <= int(hi) for lo, hi in ranges)


def _label(rule: Mapping[str, Any]) -> str:
    return str(rule.get("name") or rule.get("id") or "rule")


def _ports(ctx: Context) -> dict[int, str]:
    return {int(p): str(name) for p, name in (ctx.params.get("ports") or {}).items()}


def _shadowing_denies(r: Resource, ctx: Context, priority: int | None, targets: Any) -> list[Mapping[str, Any]]:
    """GCP: deny rules of the same network that take precedence over a rule of ``priority``
    (same or better, since deny wins a tie) and reach every instance it does."""
    network = r.prop("network")
    out: list[Mapping[str, Any]] = []
    if network is None or priority is None:
        return out
    for other in ctx.inventory.of_kind("network.firewall"):
        if other.id == r.id or other.provider != r.provider or other.prop("network") != network or other.prop("disabled"):
            continue
        for rule in other.prop("ingress_rules") or ():
            p = rule.get("priority")
            if rule.get("action") != "deny" or p is None or int(p) > int(priority) or not _from_anywhere(rule):
                continue
            if rule.get("targets") and sorted(rule["targets"]) != sorted(targets or ()):
                continue  # a deny for some instances only does not close the port for the rest
            out.append({**rule, "name": rule.get("name") or other.name})
    return out


def _exposed(r: Resource, ctx: Context, rules: list[Mapping[str, Any]], model: str,
             ports: dict[int, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """(open ports with the rule that opens them, ports whose fate is unreadable)."""
    open_: list[dict[str, Any]] = []
    unreadable: list[str] = []
    inbound = [x for x in rules if _from_anywhere(x)]
    if model == "first_match":
        ordered = sorted(inbound, key=lambda x: (x.get("priority") is None, x.get("priority") or 0))
        for port, service in ports.items():
            for rule in ordered:
                hit = _covers(rule, port)
                if hit is None:
                    unreadable.append(f"{port} ({_label(rule)}: ports unreadable)")
                    break
                if hit:
                    if rule.get("action") == "allow":
                        open_.append({"port": port, "service": service, "rule": _label(rule)})
                    break
        return open_, unreadable
    for rule in inbound:
        if rule.get("action") != "allow":
            continue
        denies = _shadowing_denies(r, ctx, rule.get("priority"), rule.get("targets")) if model == "network_rules" else []
        for port, service in ports.items():
            hit = _covers(rule, port)
            if hit is None:
                unreadable.append(f"{port} ({_label(rule)}: ports unreadable)")
                continue
            if hit and not any(_covers(d, port) for d in denies):
                open_.append({"port": port, "service": service, "rule": _label(rule)})
    return open_, unreadable


def admin_ports_open(r: Resource, ctx: Context) -> Outcome:
    if r.prop("disabled") is True:
        return not_applicable("the rule is disabled: it admits nothing", disabled=True)
    rules = r.prop("ingress_rules")
    model = r.prop("rule_model")
    if rules is None:
        return unknown("the inbound rules could not be read")
    if model not in ("allow_any", "first_match", "network_rules"):
        return unknown(f"how these rules combine is unknown (rule_model {model!r})")
    ports = _ports(ctx)
    open_, unreadable = _exposed(r, ctx, list(rules), model, ports)
    if open_:
        listed = ", ".join(f"{o['port']} ({o['service']})" for o in open_[:8])
        more = f" and {len(open_) - 8} more" if len(open_) > 8 else ""
        by = ", ".join(dict.fromkeys(o["rule"] for o in open_))
        return failed(f"{len(open_)} administrative or database port(s) open to the internet: {listed}{more} (by {by})",
                      open_ports=open_)
    if unreadable:
        return unknown("rules open to the internet have port ranges that could not be read: " + ", ".join(unreadable),
                       unreadable=unreadable)
    return passed(f"no administrative or database port ({len(ports)} checked) is open to the internet",
                  rules=len(rules))


def _describe(conditions: Iterable[Mapping[str, Any]]) -> str:
    return "; ".join(f"{c.get('kind')}: {c.get('by')}" for c in conditions)


def internet_access_conditions(r: Resource, ctx: Context) -> Outcome:
    conditions = r.prop("internet_access.conditions")
    if conditions is None:
        reason = r.prop("internet_access.unread") or "no connector read the conditions on access from the internet"
        return unknown(f"whether privileged access from the internet is conditioned on device or source IP is unknown: {reason}")
    strong = [c for c in conditions if c.get("kind") in ("device", "source_ip", "location", "perimeter")]
    if strong:
        return passed("privileged access from the internet is conditioned: " + _describe(strong), conditions=list(strong))
    return failed("no condition on device or source IP restricts privileged access from the internet",
                  conditions=list(conditions))
