"""The worst problems of a period, ranked by severity × materiality (重大性) of what they touch.

A risk is one policy's failing (or unknown) findings, one open audit finding, or a service
without an exit plan. Its score is its worst single finding: the severity weight times the
materiality weight of the registered service the resource belongs to (an unknown finding
weighs ``unknown_weight`` of a proven failure). So one critical finding on a material system
outranks any number of low ones; the count only breaks ties.

Each risk carries an owner, a remediation and a target date when the data names them:
``report.owners`` in cloudgov.yaml (by policy id or area), else the waiver that covered the
policy in the period (its owner, its expiry), else the audit finding's own due date.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

__all__ = ["rank_risks", "finding_score"]


def _materiality(link: dict[str, Any] | None) -> str:
    if link is None or link.get("material") is None:
        return "unknown"
    return "material" if link["material"] else "non_material"


def finding_score(severity: str, materiality: str, status: str, weights: dict[str, Any]) -> float:
    sev = weights["severity"].get(severity, 1)
    mat = weights["materiality"].get(materiality, 1)
    return sev * mat * (1.0 if status == "FAIL" else float(weights["unknown_weight"]))


def _likelihood(n: int, bins: list[int]) -> int:
    return max((i + 1 for i, lo in enumerate(bins) if n >= lo), default=1)


def _owner(pid: str, area: str, owners: dict[str, Any], waivers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec = owners.get(pid) or owners.get(area)
    if isinstance(spec, str):
        spec = {"owner": spec}
    if spec:
        return {"owner": spec.get("owner"), "owner_source": "config", "due": spec.get("due"),
                "due_source": "config" if spec.get("due") else None,
                "remediation_zh": spec.get("remediation_zh"), "remediation_en": spec.get("remediation_en")}
    w = waivers.get(pid)
    if w:
        return {"owner": w.get("owner"), "owner_source": "waiver", "due": w.get("expires"), "due_source": "waiver",
                "waiver": w.get("id")}
    return {"owner": None, "owner_source": None, "due": None, "due_source": None}


def _policy_risks(posture: Any, prev: Any, links: dict, meta: dict[str, dict[str, Any]], appetite: dict,
                  streak: dict[str, int], owners: dict[str, Any]) -> list[dict[str, Any]]:
    weights, hm = appetite["ranking"], appetite["heat_map"]
    by_policy: dict[str, list[dict[str, Any]]] = defaultdict(list)
    waivers: dict[str, dict[str, Any]] = {}
    for f in posture.findings:
        if f["status"] in ("FAIL", "ERROR"):
            by_policy[f["policy"]].append(f)
        elif f["status"] == "WAIVED" and f.get("waiver"):
            waivers.setdefault(f["policy"], f["waiver"])
    before: dict[str, set[str]] = defaultdict(set)
    for f in prev.findings:
        if f["status"] in ("FAIL", "ERROR"):
            before[f["policy"]].add(f["fingerprint"])
    risks = []
    for pid, found in by_policy.items():
        m = meta.get(pid) or {}
        area = m.get("area") or pid.split(".", 1)[0]
        scored = []
        for f in found:
            link = links.get((f["provider"], f["account"]))
            mat = _materiality(link)
            scored.append((finding_score(f["severity"], mat, f["status"], weights), mat, link, f))
        scored.sort(key=lambda x: (-x[0], x[3]["name"] or x[3]["resource_id"]))
        top = scored[0][0]
        severity = max((f["severity"] for f in found), key=lambda s: weights["severity"].get(s, 0))
        ids = {f["fingerprint"] for f in found}
        services = []
        for _, _, link, _ in scored:
            if link and link["name"] not in services:
                services.append(link["name"])
        likelihood = _likelihood(len(ids), hm["likelihood_bins"])
        if streak.get(pid, 0) >= hm["persistent_periods"]:
            likelihood = min(5, likelihood + 1)
        risks.append({
            "kind": "policy", "id": pid, "area": area,
            "title_zh": m.get("title_zh") or pid, "title_en": m.get("title_en") or pid,
            "severity": severity, "score": top,
            "at_top": sum(1 for s in scored if s[0] == top),
            "material": any(s[1] == "material" for s in scored),
            "materiality": scored[0][1],
            "services": services,
            "fail": sum(1 for f in found if f["status"] == "FAIL"),
            "error": sum(1 for f in found if f["status"] == "ERROR"),
            "resources": len(ids),
            "new": len(ids - before.get(pid, set())) if not prev.empty else None,
            "resolved": len(before.get(pid, set()) - ids) if not prev.empty else None,
            "periods_failing": streak.get(pid, 1),
            "likelihood": likelihood, "impact": hm["impact"].get(severity, 3),
            "controls": list(m.get("controls") or ()),
            "remediation_zh": m.get("remediation_zh") or "", "remediation_en": m.get("remediation_en") or "",
            "findings": [{"name": f["name"] or f["resource_id"], "resource_id": f["resource_id"], "provider": f["provider"],
                          "account": f["account"], "region": f["region"], "status": f["status"], "severity": f["severity"],
                          "message": f["message"], "service": link["name"] if link else None, "score": s}
                         for s, _, link, f in scored],
            **_owner(pid, area, owners, waivers),
        })
    return risks


def _register_risks(vendors: dict[str, Any] | None, exits: dict[str, Any] | None, appetite: dict) -> list[dict[str, Any]]:
    weights = appetite["ranking"]
    out: list[dict[str, Any]] = []
    for i, a in enumerate((vendors or {}).get("audit_findings") or ()):
        mat = "material" if a["material"] else ("unknown" if any(s["material"] is None for s in a["services"]) else "non_material")
        sev = a["severity"] if a["severity"] in weights["severity"] else "medium"
        out.append({
            "kind": "audit_finding", "id": f"audit-{i + 1}", "area": "vendor", "severity": sev,
            "score": finding_score(sev, mat, "FAIL", weights), "at_top": 1, "material": mat == "material",
            "materiality": mat, "services": [s["name"] for s in a["services"]], "provider": a["provider"],
            "description": a["description"], "party": a["party"], "audit_date": a["audit_date"],
            "overdue": a["overdue"], "resources": 1, "fail": 1, "error": 0, "controls": ["ETG:6.3"],
            "owner": None, "owner_source": None, "due": a["due"], "due_source": "audit" if a["due"] else None,
            "findings": [], "likelihood": 0, "impact": 0, "new": None, "resolved": None, "periods_failing": 1,
        })
    for x in (exits or {}).get("without_plan") or ():
        mat = _materiality(x)
        out.append({
            "kind": "exit_plan", "id": f"exit-{x['key']}", "area": "exit", "severity": "high",
            "score": finding_score("high", mat, "FAIL", weights), "at_top": 1, "material": mat == "material",
            "materiality": mat, "services": [x["name"]], "provider": x["provider"], "resources": 1, "fail": 1,
            "error": 0, "controls": ["ETG:9.5"], "owner": None, "owner_source": None, "due": None, "due_source": None,
            "findings": [], "likelihood": 0, "impact": 0, "new": None, "resolved": None, "periods_failing": 1,
        })
    return out


def rank_risks(posture: Any, prev: Any, *, links: dict, meta: dict[str, dict[str, Any]], appetite: dict,
               streak: dict[str, int], owners: dict[str, Any], vendors: dict[str, Any] | None = None,
               exits: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every open risk of the period, worst first."""
    risks = _policy_risks(posture, prev, links, meta, appetite, streak, owners) if not posture.empty else []
    risks += _register_risks(vendors, exits, appetite)
    risks.sort(key=lambda r: (-r["score"], -r["at_top"], -r["resources"], r["id"]))
    for i, r in enumerate(risks, 1):
        r["rank"] = i
        r["anchor"] = f"risk-{i}"
    return risks
