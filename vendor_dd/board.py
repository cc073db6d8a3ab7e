"""The vendor register's section of the board report, as of one day (the period's last).

The report composes this section; it never reads the register's ORM models itself. Every
figure is the register as it stood on ``as_of``: a review started, an audit held, evidence
valid from or a finding closed after that day did not exist yet (or was still open).
Names are the register's own (legal names, service names as registered); slugs are kept
beside them only as ``key`` for links and footnotes. Plain data, language-neutral.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from vendor_dd import facts
from vendor_dd.domains import REVIEW_DOMAINS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from vendor_dd.models import Provider, Service

__all__ = ["board_section", "service_links", "in_use", "EXPIRY_BUCKETS"]

EXPIRY_BUCKETS = (30, 60, 90)


def _service(s: Service) -> dict[str, Any]:
    return {"key": s.key, "name": s.name, "provider": s.provider.legal_name, "provider_en": s.provider.name_en,
            "material": s.material, "natural_person_data": s.natural_person_data}


def in_use(s: Service, as_of: date) -> bool:
    """Whether the service was in use on ``as_of``: not when every contract for it starts later
    (a service with no dated contract counts as in use: not knowing is no reason to leave it out)."""
    starts = [d for c in facts.contracts_for(s) if (d := c.effective_on or c.signed_on)]
    return not starts or min(starts) <= as_of


def service_links(session: Session, as_of: date | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """(cloud, account) → the registered service running there (names, materiality (重大性)),
    among the services in use on ``as_of`` when given."""
    from vendor_dd.register import providers

    links: dict[tuple[str, str], dict[str, Any]] = {}
    for p in providers(session):
        for s in p.services:
            if as_of is not None and not in_use(s, as_of):
                continue
            for sc in s.scopes:
                links[(sc.cloud, sc.account)] = _service(s)
    return links


def _evidence(provs: list[Provider], as_of: date) -> list[dict[str, Any]]:
    out = []
    for p in provs:
        for ev in facts.latest_evidence(p):
            if ev.valid_until is None or (ev.valid_from and ev.valid_from > as_of):
                continue
            left = (ev.valid_until - as_of).days
            if left <= EXPIRY_BUCKETS[-1]:
                bucket = "expired" if left < 0 else next(f"{b}" for b in EXPIRY_BUCKETS if left <= b)
                out.append({"provider": p.legal_name, "provider_key": p.slug, "kind": ev.kind, "file": ev.filename,
                            "valid_until": ev.valid_until.isoformat(), "days_left": left, "bucket": bucket})
    return sorted(out, key=lambda e: e["days_left"])


def _audit_findings(provs: list[Provider], as_of: date) -> list[dict[str, Any]]:
    """Findings of audits held by ``as_of`` and still open on that day: each with its due date."""
    out = []
    for p in provs:
        for a in p.audits:
            if a.audit_date > as_of:
                continue
            for f in a.findings:
                if f.status == "closed" and f.closed_on and f.closed_on <= as_of:
                    continue
                services = a.services or [s for s in p.services if in_use(s, as_of)]
                out.append({
                    "provider": p.legal_name, "provider_key": p.slug, "party": a.party,
                    "audit_date": a.audit_date.isoformat(), "description": f.description,
                    "severity": f.severity or "medium",
                    "due": f.remediation_due.isoformat() if f.remediation_due else None,
                    "overdue": bool(f.remediation_due and f.remediation_due < as_of),
                    "services": [_service(s) for s in services],
                    "material": any(s.material for s in services),
                })
    return sorted(out, key=lambda x: (x["due"] or "9999", x["description"]))


def _shortfalls(s: Service, as_of: date) -> list[dict[str, Any]]:
    last = facts.last_completed_review(s, as_of)
    if last is None:
        return []
    out = []
    for d in last.domains:
        if d.result not in ("not_met", "partially_met"):
            continue
        term = REVIEW_DOMAINS.get(d.domain)
        out.append({
            **_service(s), "domain": d.domain,
            "domain_zh": term.title_zh if term else d.domain, "domain_en": term.title_en if term else d.domain,
            "result": d.result, "finding": d.finding, "compensating": d.compensating or None,
            "review_started": last.started_on.isoformat(),
            "review_completed": last.completed_on.isoformat() if last.completed_on else None,
            "approver": last.approver,
        })
    return out


def board_section(session: Session, as_of: date) -> dict[str, Any] | None:
    """Register hygiene on ``as_of``: reviews overdue, evidence expiring, audits and their findings,
    due-diligence shortfalls (with their 補償性措施). None when the register holds nothing."""
    from vendor_dd.register import cadence, providers

    # providers whose services were all contracted later were not yet the firm's providers
    provs = [p for p in providers(session) if not p.services or any(in_use(s, as_of) for s in p.services)]
    if not provs:
        return None
    cad = cadence(session)
    services, overdue, shortfalls = [], [], []
    for p in provs:
        for s in p.services:
            if not in_use(s, as_of):
                continue
            state = facts.review_status(s, as_of, cad)
            due, _ = facts.next_review_due(s, cad, as_of)
            row = {**_service(s), "state": state.split("+")[0], "in_progress": state.endswith("+in_progress"),
                   "next_due": due.isoformat() if due else None}
            services.append(row)
            if row["state"] in ("overdue", "never_reviewed"):
                overdue.append(row)
            shortfalls += _shortfalls(s, as_of)
    expiring = _evidence(provs, as_of)
    year_ago = as_of - timedelta(days=365)
    by_party: Counter[str] = Counter()
    planned: Counter[str] = Counter()
    for p in provs:
        for a in p.audits:
            if year_ago < a.audit_date <= as_of:
                by_party[a.party] += 1
            elif a.audit_date > as_of:
                planned[a.party] += 1
    findings = _audit_findings(provs, as_of)
    return {
        "as_of": as_of.isoformat(),
        "providers": len(provs),
        "provider_names": [p.legal_name for p in provs],
        "services": services,
        "material": sum(1 for s in services if s["material"]),
        "overdue": overdue,
        "expiring": expiring,
        "expiring_counts": {b: sum(1 for e in expiring if e["bucket"] == b) for b in ("expired", *map(str, EXPIRY_BUCKETS))},
        "audits_by_party": dict(sorted(by_party.items())),
        "audits_planned": dict(sorted(planned.items())),
        "audit_findings": findings,
        "audit_findings_overdue": sum(1 for f in findings if f["overdue"]),
        "never_audited": [p.legal_name for p in provs if not any(a.audit_date <= as_of for a in p.audits)],
        "shortfalls": shortfalls,
    }
