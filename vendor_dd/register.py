"""The service layer: look-ups, reviews, audits, evidence and the register's change log.

Every function works inside the caller's transaction (``scanner.store.db.session_scope``)
and records what it changed in ``vendor_change`` (who, when, what), so a failed command
leaves nothing half-written and every change has an author.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scanner.errors import InputError
from scanner.records.changelog import Who, changes, record
from scanner.records.doc import choice
from vendor_dd.domains import AUDIT_PARTIES, DEFAULT_CADENCE_DAYS, DOMAIN_RESULTS, REVIEW_DOMAINS
from vendor_dd.evidence import add_evidence
from vendor_dd.models import (
    AuditEvent,
    AuditFinding,
    Contract,
    Evidence,
    Provider,
    Review,
    ReviewDomain,
    Service,
    Setting,
)

__all__ = [
    "Who",
    "record",
    "providers",
    "find_provider",
    "find_service",
    "cadence",
    "set_cadence",
    "start_review",
    "record_domain",
    "complete_review",
    "add_audit",
    "add_evidence_file",
    "changes",
]

T = TypeVar("T")


def providers(session: Session) -> list[Provider]:
    """Every provider with everything the facts need, loaded in a few queries."""
    stmt = (
        select(Provider)
        .order_by(Provider.slug)
        .options(
            selectinload(Provider.services).selectinload(Service.scopes),
            selectinload(Provider.services).selectinload(Service.reviews).selectinload(Review.domains),
            selectinload(Provider.contracts).selectinload(Contract.clauses),
            selectinload(Provider.contracts).selectinload(Contract.services),
            selectinload(Provider.audits).selectinload(AuditEvent.findings),
            selectinload(Provider.evidence),
        )
    )
    return list(session.scalars(stmt))


def find_provider(session: Session, slug: str) -> Provider:
    p = session.scalar(select(Provider).where(Provider.slug == slug))
    if p is None:
        known = session.scalars(select(Provider.slug).order_by(Provider.slug)).all()
        hint = f" (known: {', '.join(known)})" if known else " (the register is empty; run `cloudgov vendor import`)"
        raise InputError(f"unknown provider {slug!r}{hint}")
    return p


def find_service(session: Session, key: str) -> Service:
    """A service by ``provider/service``."""
    if key.count("/") != 1:
        raise InputError(f"{key!r}: name a service as provider/service, e.g. aws-tw/core-trading")
    p_slug, s_slug = key.split("/")
    provider = find_provider(session, p_slug)
    svc = next((s for s in provider.services if s.slug == s_slug), None)
    if svc is None:
        known = ", ".join(f"{p_slug}/{s.slug}" for s in provider.services) or "none"
        raise InputError(f"unknown service {key!r} (services of {p_slug}: {known})")
    return svc


def cadence(session: Session) -> dict[str, int]:
    row = session.get(Setting, "review_cadence_days")
    return {**DEFAULT_CADENCE_DAYS, **(row.value if row and row.value else {})}


def set_cadence(session: Session, who: Who, values: dict[str, int]) -> bool:
    for k, v in values.items():
        choice(k, tuple(DEFAULT_CADENCE_DAYS), "materiality class in review_cadence_days")
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise InputError(f"review_cadence_days.{k}: {v!r} is not a positive number of days")
    row = session.get(Setting, "review_cadence_days")
    new = {**(row.value if row and row.value else {}), **values}
    if row is not None and row.value == new:
        return False
    if row is None:
        session.add(Setting(key="review_cadence_days", value=new))
    else:
        row.value = new
    record(session, who, "update", "setting", "review_cadence_days", value=new)
    return True


# --- due-diligence reviews (ETG 5.1) ------------------------------------------------------


def start_review(session: Session, who: Who, key: str, reviewer: str | None = None) -> Review:
    svc = find_service(session, key)
    if any(r.status == "in_progress" for r in svc.reviews):
        raise InputError(f"{key}: a review is already in progress; complete it first")
    review = Review(service=svc, status="in_progress", started_on=who.today, reviewer=reviewer or who.actor)
    review.domains = [ReviewDomain(domain=d, result="pending") for d in REVIEW_DOMAINS]
    session.add(review)
    record(session, who, "start", "review", key, reviewer=review.reviewer)
    return review


def _open_review(session: Session, key: str) -> Review:
    svc = find_service(session, key)
    review = next((r for r in svc.reviews if r.status == "in_progress"), None)
    if review is None:
        raise InputError(f"{key}: no review in progress; start one with `cloudgov vendor review start {key}`")
    return review


def record_domain(
    session: Session,
    who: Who,
    key: str,
    domain: str,
    result: str,
    *,
    finding: str | None = None,
    evidence: str | None = None,
    compensating: str | None = None,
) -> ReviewDomain:
    try:
        domain = choice(domain, REVIEW_DOMAINS, "review domain")
        result = choice(result, DOMAIN_RESULTS[1:], "result")
    except ValueError as e:
        raise InputError(str(e)) from None
    review = _open_review(session, key)
    row = next(d for d in review.domains if d.domain == domain)
    row.result, row.finding, row.evidence, row.compensating = result, finding, evidence, compensating
    record(session, who, "update", "review", key, domain=domain, result=result, finding=finding,
           evidence=evidence, compensating=compensating)
    return row


def complete_review(
    session: Session, who: Who, key: str, approver: str, *, declared_regions: list[str] | None = None,
    next_review: date | None = None,
) -> Review:
    review = _open_review(session, key)
    pending = [d.domain for d in review.domains if d.result == "pending"]
    if pending:
        raise InputError(f"{key}: cannot complete the review, domains without a result: {', '.join(pending)}")
    if not approver.strip():
        raise InputError(f"{key}: a completed review needs an approver (--approver)")
    review.status, review.completed_on, review.approver = "completed", who.today, approver
    if declared_regions is not None:
        review.declared_regions = sorted(set(declared_regions))
    svc = review.service
    # a new completed review replaces an old override unless a new one is given
    svc.next_review_override = next_review
    record(session, who, "complete", "review", key, approver=approver, next_review_override=next_review,
           declared_regions=review.declared_regions)
    return review


# --- audits (ETG Art. 6) ------------------------------------------------------------------


def add_audit(
    session: Session,
    who: Who,
    provider_slug: str,
    *,
    party: str,
    audit_date: date,
    scope: str | None = None,
    services: Sequence[str] = (),
    report: Path | None = None,
    findings: Sequence[tuple[str, date | None]] = (),
    evidence_root: Path | None = None,
) -> AuditEvent:
    try:
        party = choice(party, AUDIT_PARTIES, "audit party")
    except ValueError as e:
        raise InputError(str(e)) from None
    provider = find_provider(session, provider_slug)
    svcs = [find_service(session, s if "/" in s else f"{provider_slug}/{s}") for s in services]
    audit = AuditEvent(provider=provider, party=party, audit_date=audit_date, scope=scope, services=svcs)
    session.add(audit)
    if report is not None:
        assert evidence_root is not None
        ev, _ = add_evidence(session, provider, report, kind="audit-report", root=evidence_root,
                             actor=who.actor, at=who.at, valid_from=audit_date)
        audit.report = ev
    audit.findings = [AuditFinding(description=d, remediation_due=due, status="open") for d, due in findings]
    record(session, who, "add", "audit", provider_slug, party=party, date=audit_date, scope=scope,
           services=[s.slug for s in svcs], report=report.name if report else None,
           findings=[{"description": d, "remediation_due": due} for d, due in findings])
    return audit


# --- evidence -----------------------------------------------------------------------------


def add_evidence_file(
    session: Session,
    who: Who,
    provider_slug: str,
    path: Path,
    *,
    kind: str,
    root: Path,
    valid_from: date | None = None,
    valid_until: date | None = None,
    service: str | None = None,
) -> tuple[Evidence, bool]:
    provider = find_provider(session, provider_slug)
    svc = find_service(session, service if "/" in service else f"{provider_slug}/{service}") if service else None
    ev, created = add_evidence(session, provider, path, kind=kind, root=root, actor=who.actor, at=who.at,
                               valid_from=valid_from, valid_until=valid_until, service=svc)
    if created:
        record(session, who, "add", "evidence", provider_slug, kind=kind, file=ev.filename, revision=ev.revision,
               sha256=ev.sha256, valid_from=valid_from, valid_until=valid_until)
    return ev, created

