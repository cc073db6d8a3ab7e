"""Compliance matrix of ETG chapter 2 (Art. 4–9): each requirement's status and evidence source.

One row per item (ETG:4.1 … ETG:9.6) under its article, rolled up over the item and every
sub-item beneath it. The status comes from the findings of the policies citing them —
scans for Art. 8, the vendor register for Art. 5–7, exit plans for Art. 9 — and when the
evidence source holds no data, the row says which source is missing (never "met").
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from scanner.report.posture import Posture

__all__ = ["compliance_matrix", "ARTICLES"]

ARTICLES = ("4", "5", "6", "7", "8", "9")


def _status(counts: Counter) -> str | None:
    if counts.get("FAIL"):
        return "gap"
    if counts.get("ERROR"):
        return "unknown"
    if counts.get("WAIVED"):
        return "accepted"
    if counts.get("PASS"):
        return "met"
    if counts.get("NOT_APPLICABLE"):
        return "not_applicable"
    return None


def compliance_matrix(posture: Posture, gov_findings: list[Any], has_vendor: bool, has_exit: bool) -> list[dict[str, Any]]:
    from policies.registry import load_policies

    policies = load_policies()
    catalogue = policies.catalogue
    controls_of = {p.id: set(p.controls) for p in policies}
    for pid, meta in posture.policies.items():
        controls_of.setdefault(pid, set(meta.get("controls") or ()))
    scan_counts: dict[str, Counter] = {}
    for pid, c in posture.status_counts("policy").items():
        scan_counts[pid] = c
    gov_counts: dict[str, Counter] = {}
    for f in gov_findings:
        gov_counts.setdefault(f.policy, Counter())[f.status.value] += 1
        controls_of.setdefault(f.policy, set(f.controls))
    etg = [c for c in catalogue if c.regulation == "ETG" and c.id.split(":")[1].split(".")[0] in ARTICLES]
    rows: list[dict[str, Any]] = []
    for c in etg:
        path = c.id.split(":")[1]
        if path.count(".") > 1:
            continue
        family = {x.id for x in etg if x.id == c.id or x.id.startswith(c.id + ".")}
        if "." not in path:
            rows.append({"id": c.id, "article": True, "title_en": c.title_en, "title_zh": c.text_zh})
            continue
        sources = sorted({x.evidence for x in etg if x.id in family})
        counts: Counter = Counter()
        served = []
        for pid, ctrls in controls_of.items():
            if ctrls & family:
                got = scan_counts.get(pid) or gov_counts.get(pid)
                if got is not None:
                    counts.update(got)
                served.append(pid)
        status = _status(counts)
        if status is None:
            if "vendor_dd" in sources and not has_vendor:
                status = "no_vendor_data"
            elif "exit_plan" in sources and not has_exit:
                status = "no_exit_plans"
            elif "automated" in sources and posture.empty:
                status = "no_scans"
            else:
                status = "manual"
        rows.append({
            "id": c.id,
            "article": False,
            "title_en": c.title_en,
            "title_zh": c.text_zh if len(c.text_zh) <= 48 else c.text_zh[:46] + "…",
            "sources": sources,
            "policies": sorted(served),
            "status": status,
            "counts": {k: counts.get(k, 0) for k in ("PASS", "FAIL", "ERROR", "WAIVED")},
        })
    return rows
