"""Facts computed from the register: next review due, clause status, last audit, evidence.

Pure functions over loaded model objects (no queries, no clock: ``today`` is passed in).
``cloudgov vendor list/show`` display them and ``vendor_dd.check`` turns them into the
canonical properties the ``vendor.*`` policies read. Unknown stays ``None``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from vendor_dd.domains import (
    ASSURANCE_KINDS,
    CLAUSE_STATUSES,
    CLAUSES,
    DEFAULT_CADENCE_DAYS,
)
from vendor_dd.evidence import expiry_state
from vendor_dd.models import AuditEvent, Contract, Evidence, Provider, Review, Service

__all__ = [
    "cadence_for",
    "last_completed_review",
    "open_review",
    "next_review_due",
    "review_status",
    "contracts_for",
    "contract_in_force",
    "clause_for",
    "audits_for",
    "last_real_audit",
    "declared_regions",
    "latest_evidence",
    "service_facts",
    "provider_facts",
]

_CLAUSE_RANK = {s: i for i, s in enumerate(reversed(CLAUSE_STATUSES))}  # missing < partial < present


def cadence_for(service: Service, cadence: dict[str, int] | None = None) -> int:
    """Days between reviews: the service's own cadence, else by materiality (重大性).

    A service whose materiality is not yet assessed gets the material cadence: not knowing
    is no reason to look less often.
    """
    if service.cadence_days:
        return service.cadence_days
    table = {**DEFAULT_CADENCE_DAYS, **(cadence or {})}
    return table["non_material"] if service.material is False else table["material"]


def last_completed_review(service: Service, as_of: date | None = None) -> Review | None:
    """The latest review completed (by ``as_of``, when given: a later one did not exist yet)."""
    done = [r for r in service.reviews if r.status == "completed" and r.completed_on
            and (as_of is None or r.completed_on <= as_of)]
    return max(done, key=lambda r: (r.completed_on, r.id), default=None)


def open_review(service: Service, as_of: date | None = None) -> Review | None:
    """The review in progress (on ``as_of``: started by then and not yet completed)."""
    if as_of is None:
        return next((r for r in service.reviews if r.status == "in_progress"), None)
    return next((r for r in service.reviews if r.started_on <= as_of
                 and not (r.status == "completed" and r.completed_on and r.completed_on <= as_of)), None)


def next_review_due(service: Service, cadence: dict[str, int] | None = None,
                    as_of: date | None = None) -> tuple[date | None, str | None]:
    """``(date, basis)``: basis ``override``, ``cadence`` or None when never reviewed."""
    if service.next_review_override:
        return service.next_review_override, "override"
    last = last_completed_review(service, as_of)
    if last is None or last.completed_on is None:
        return None, None
    return last.completed_on + timedelta(days=cadence_for(service, cadence)), "cadence"


def review_status(service: Service, today: date, cadence: dict[str, int] | None = None) -> str:
    """never_reviewed, overdue, due_soon (30 days), current; ``+in_progress`` when one is open."""
    due, _ = next_review_due(service, cadence, today)
    if due is None:
        status = "never_reviewed"
    elif due < today:
        status = "overdue"
    elif (due - today).days <= 30:
        status = "due_soon"
    else:
        status = "current"
    return status + ("+in_progress" if open_review(service, today) else "")


def contracts_for(service: Service) -> list[Contract]:
    """Contracts that name the service, or master agreements naming no service."""
    return [c for c in service.provider.contracts if not c.services or service in c.services]


def contract_in_force(contract: Contract, today: date) -> bool:
    start = contract.effective_on or contract.signed_on
    if start and start > today:
        return False
    return not (contract.expires_on and contract.expires_on < today)


def clause_for(service: Service, clause: str, today: date) -> dict[str, Any] | None:
    """The best record of ``clause`` across the contracts in force for the service.

    None when no contract in force covers the service (unknown, not missing); a contract
    that does not list the clause counts as ``missing``.
    """
    best: dict[str, Any] | None = None
    for c in contracts_for(service):
        if not contract_in_force(c, today):
            continue
        rec = next((cl for cl in c.clauses if cl.clause == clause), None)
        cand: dict[str, Any] = {
            "status": rec.status if rec else "missing",
            "contract": c.slug,
            "section": rec.section if rec else None,
        }
        if best is None or _CLAUSE_RANK[cand["status"]] > _CLAUSE_RANK[best["status"]]:
            best = cand
    return best


def audits_for(service: Service) -> list[AuditEvent]:
    return [a for a in service.provider.audits if not a.services or service in a.services]


def last_real_audit(service: Service, today: date) -> AuditEvent | None:
    """The latest audit that took place (a future date is only planned)."""
    real = [a for a in audits_for(service) if a.audit_date <= today]
    return max(real, key=lambda a: (a.audit_date, a.id), default=None)


def declared_regions(service: Service, as_of: date | None = None) -> list[str] | None:
    """Data locations the contract (service record) and the last completed review declare."""
    review = last_completed_review(service, as_of)
    parts = [service.declared_regions, review.declared_regions if review else None]
    known = [p for p in parts if p is not None]
    if not known:
        return None
    return sorted({r for p in known for r in p})


def latest_evidence(provider: Provider) -> list[Evidence]:
    """The newest revision of each (kind, filename)."""
    newest: dict[tuple[str, str], Evidence] = {}
    for ev in provider.evidence:
        k = (ev.kind, ev.filename)
        if k not in newest or ev.revision > newest[k].revision:
            newest[k] = ev
    return sorted(newest.values(), key=lambda e: (e.kind, e.filename))


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def service_facts(service: Service, today: date, cadence: dict[str, int] | None = None) -> dict[str, Any]:
    """The canonical properties of a ``vendor.service`` pseudo-resource (docs/vendor_dd.md)."""
    due, basis = next_review_due(service, cadence, today)
    last = last_completed_review(service, today)
    open_ = open_review(service, today)
    shortfalls = []
    if last is not None:
        for d in last.domains:
            if d.result in ("not_met", "partially_met"):
                shortfalls.append(
                    {"domain": d.domain, "result": d.result, "compensating": d.compensating or None}
                )
    contracts = contracts_for(service)
    in_force = [c.slug for c in contracts if contract_in_force(c, today)]
    audit = last_real_audit(service, today)
    overdue_findings = [
        {"audit_date": _iso(a.audit_date), "party": a.party, "description": f.description, "due": _iso(f.remediation_due)}
        for a in audits_for(service)
        for f in a.findings
        if f.status == "open" and f.remediation_due and f.remediation_due < today
    ]
    props: dict[str, Any] = {
        "provider": service.provider.slug,
        "service": service.slug,
        "service_model": service.service_model,
        "material": service.material,
        "materiality_approved_by": service.materiality_approved_by,
        "natural_person_data": service.natural_person_data,
        "core_system": service.core_system,
        "rto_hours": service.rto_hours,
        "rpo_hours": service.rpo_hours,
        "substitutability": service.substitutability,
        "scopes": [f"{s.cloud}:{s.account}" for s in service.scopes],
        "subcontractors": [s.get("name") for s in service.subcontractors or []],
        "review.status": "completed" if last else ("in_progress" if open_ else "never_reviewed"),
        "review.last_completed": _iso(last.completed_on) if last else None,
        "review.cadence_days": cadence_for(service, cadence),
        "review.next_due": _iso(due),
        "review.next_due_basis": basis,
        "review.approver": last.approver if last else None,
        "review.shortfalls": shortfalls,
        "contract.all": [c.slug for c in contracts],
        "contract.in_force": in_force,
        "audit.last_date": _iso(audit.audit_date) if audit else None,
        "audit.last_party": audit.party if audit else None,
        "audit.parties": sorted({a.party for a in audits_for(service) if a.audit_date <= today}),
        "audit.findings_overdue": overdue_findings,
        "declared_regions": declared_regions(service, today),
    }
    for clause in CLAUSES:
        rec = clause_for(service, clause, today)
        props[f"clause.{clause}"] = rec["status"] if rec else None
        if rec:
            props[f"clause.{clause}.where"] = f"{rec['contract']} §{rec['section']}" if rec["section"] else rec["contract"]
    return props


def provider_facts(provider: Provider, today: date) -> dict[str, Any]:
    """The canonical properties of a ``vendor.provider`` pseudo-resource."""
    latest = latest_evidence(provider)
    props: dict[str, Any] = {
        "provider": provider.slug,
        "legal_name": provider.legal_name,
        "headquarters_country": provider.headquarters_country,
        "ultimate_parent": provider.ultimate_parent,
        "certifications": list(provider.certifications or []),
        "services": [s.slug for s in provider.services],
        "material_services": [s.slug for s in provider.services if s.material],
    }
    for kind in ASSURANCE_KINDS:
        of_kind = [e for e in latest if e.kind == kind]
        best = max(of_kind, key=lambda e: (e.valid_until or date.max, e.revision), default=None)
        key = kind.replace("-", "_")
        props[f"evidence.{key}.valid_until"] = _iso(best.valid_until) if best else None
        props[f"evidence.{key}.on_file"] = best is not None
    flagged = []
    # per kind, the file valid longest: a newer SOC 2 report supersedes last year's
    by_kind: dict[str, Evidence] = {}
    for ev in latest:
        cur = by_kind.get(ev.kind)
        if cur is None or (ev.valid_until or date.max, ev.id or 0) > (cur.valid_until or date.max, cur.id or 0):
            by_kind[ev.kind] = ev
    for ev in by_kind.values():
        state, left = expiry_state(ev.valid_until, today)
        if state == "expired" or state.startswith("expiring"):
            flagged.append(
                {"kind": ev.kind, "file": ev.filename, "revision": ev.revision, "valid_until": _iso(ev.valid_until), "state": state, "days_left": left}
            )
    props["evidence.flagged"] = flagged
    return props
