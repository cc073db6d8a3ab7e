"""The vendor register (vendor_dd) and exit plans (exit_plans) as the board report sees them.

Both are optional: when the package is not installed, or the register holds nothing, the
section is ``None`` and the report says what is missing instead of showing a clean page.
Figures are computed as of the period's last day with the components' own fact functions,
and their ``vendor.*`` / ``exit.*`` policies are evaluated here so the compliance matrix
can show ETG Art. 5–7 and 9 from the same engine as the scans.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["vendor_section", "exit_section", "scope_links", "governance_findings"]

EXPIRY_BUCKETS = (30, 60, 90)


def _available(module: str) -> bool:
    import importlib

    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        return False
    return True


def _days(a: str | None, today: dt.date) -> int | None:
    return None if not a else (dt.date.fromisoformat(a) - today).days


def vendor_section(session: "Session", today: dt.date) -> dict[str, Any] | None:
    """Register hygiene: reviews overdue, evidence expiring in 30/60/90 days, audits by party."""
    if not _available("vendor_dd.models"):
        return None
    from vendor_dd import facts
    from vendor_dd.register import cadence, providers

    provs = providers(session)
    if not provs:
        return None
    cad = cadence(session)
    services, overdue = [], []
    for p in provs:
        for s in p.services:
            state = facts.review_status(s, today, cad)
            due, _ = facts.next_review_due(s, cad)
            row = {"key": s.key, "name": s.name, "material": s.material, "state": state,
                   "next_due": due.isoformat() if due else None,
                   "natural_person_data": s.natural_person_data}
            services.append(row)
            if state.startswith(("overdue", "never_reviewed")):
                overdue.append(row)
    expiring: list[dict[str, Any]] = []
    for p in provs:
        for ev in facts.latest_evidence(p):
            if ev.valid_until is None:
                continue
            left = (ev.valid_until - today).days
            if left <= EXPIRY_BUCKETS[-1]:
                bucket = "expired" if left < 0 else next(f"{b}" for b in EXPIRY_BUCKETS if left <= b)
                expiring.append({"provider": p.slug, "kind": ev.kind, "file": ev.filename,
                                 "valid_until": ev.valid_until.isoformat(), "days_left": left, "bucket": bucket})
    expiring.sort(key=lambda e: e["days_left"])
    year_ago = today - dt.timedelta(days=365)
    by_party: Counter = Counter()
    planned: Counter = Counter()
    findings_overdue = 0
    for p in provs:
        for a in p.audits:
            if year_ago < a.audit_date <= today:
                by_party[a.party] += 1
            elif a.audit_date > today:
                planned[a.party] += 1
            findings_overdue += sum(
                1 for f in a.findings if f.status == "open" and f.remediation_due and f.remediation_due < today
            )
    never_audited = [p.slug for p in provs if not any(a.audit_date <= today for a in p.audits)]
    return {
        "providers": len(provs),
        "services": services,
        "material": sum(1 for s in services if s["material"]),
        "overdue": overdue,
        "expiring": expiring,
        "expiring_counts": {b: sum(1 for e in expiring if e["bucket"] == b) for b in ("expired", *map(str, EXPIRY_BUCKETS))},
        "audits_by_party": dict(sorted(by_party.items())),
        "audits_planned": dict(sorted(planned.items())),
        "audit_findings_overdue": findings_overdue,
        "never_audited": never_audited,
    }


def scope_links(session: "Session") -> dict[tuple[str, str], dict[str, Any]]:
    """(cloud, account) → the register's service facts (material, natural-person data)."""
    if not _available("vendor_dd.models"):
        return {}
    from vendor_dd.register import providers

    links: dict[tuple[str, str], dict[str, Any]] = {}
    for p in providers(session):
        for s in p.services:
            for sc in s.scopes:
                links[(sc.cloud, sc.account)] = {"service": s.key, "material": s.material,
                                                 "natural_person_data": s.natural_person_data}
    return links


def exit_section(session: "Session", today: dt.date) -> dict[str, Any] | None:
    """Exit readiness per service: approved before go-live, tested in 12 months, transition vs RTO."""
    if not _available("exit_plans.check"):
        return None
    from exit_plans.check import build_inventory

    inv = build_inventory(session, today)
    if not len(inv):
        return None
    rows, outstanding = [], []
    for r in sorted(inv, key=lambda x: x.id):
        p = r.properties
        if r.kind == "exit.termination":
            if not p.get("certificate.on_file"):
                outstanding.append({"service": p.get("service"), "terminated_on": p.get("terminated_on")})
            continue
        approved, live = p.get("plan.approved_on"), p.get("go_live")
        last_pass = p.get("test.last_passing_date")
        rto, trans = p.get("rto_hours"), p.get("transition_hours")
        rows.append({
            "service": p.get("service"),
            "material": p.get("material"),
            "plan": bool(p.get("plan.exists")),
            "approved_before_go_live": None if not (approved and live) else approved <= live,
            "tested_12m": None if not p.get("plan.exists") else bool(last_pass and (_days(last_pass, today) or 0) >= -365),
            "last_test": p.get("test.last_date"),
            "transition_hours": trans,
            "rto_hours": rto,
            "fits_rto": None if trans is None or rto is None else trans <= rto,
        })
    plans = [x for x in rows if x["plan"]]
    return {
        "services": rows,
        "with_plan": len(plans),
        "without_plan": [x["service"] for x in rows if not x["plan"]],
        "approved_before_go_live": sum(1 for x in plans if x["approved_before_go_live"]),
        "tested_12m": sum(1 for x in plans if x["tested_12m"]),
        "fits_rto": sum(1 for x in plans if x["fits_rto"]),
        "certificates_outstanding": outstanding,
        "terminations": sum(1 for r in inv if r.kind == "exit.termination"),
    }


def governance_findings(session: "Session", today: dt.date, *, vendor: bool, exits: bool) -> list[Any]:
    """Findings of the vendor.* and exit.* policies as of ``today`` (empty when there is no data)."""
    from scanner.config import load_config
    from scanner.pipeline import Options, run

    out: list[Any] = []
    config = load_config(None)
    if vendor:
        from vendor_dd.check import build_inventory as vendor_inventory

        options = Options(formats=(), config=config, areas={"vendor"}, source="vendor_dd")
        out += run(vendor_inventory(session, today), options).result.findings
    if exits:
        from exit_plans.check import build_inventory as exit_inventory

        options = Options(formats=(), config=config, areas={"exit"}, source="exit_plans")
        out += run(exit_inventory(session, today), options).result.findings
    return out
