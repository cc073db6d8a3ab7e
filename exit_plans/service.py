"""The service layer: plans, tests, sightings, terminations and verifications.

Every function works inside the caller's transaction (``scanner.store.db.session_scope``)
and writes what it changed to the register's change log (``vendor_dd.register.record``),
so exit plans share one audit trail with the vendor register.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from exit_plans.models import ExitPlan, ExitTest, Sighting, Termination, Verification
from exit_plans.vocab import DELETION_SCOPES, SCENARIOS, TEST_KINDS, TEST_RESULTS
from scanner.errors import InputError
from scanner.records.changelog import Who, record
from scanner.records.doc import choice
from vendor_dd.evidence import add_evidence
from vendor_dd.models import Provider, Service
from vendor_dd.register import find_service, providers

__all__ = [
    "plan_for",
    "termination_for",
    "sighting_for",
    "services",
    "add_test",
    "note_sightings",
    "terminate",
    "record_verification",
    "parse_scope_list",
]


def plan_for(session: Session, service: Service) -> ExitPlan | None:
    return session.scalar(
        select(ExitPlan).where(ExitPlan.service_id == service.id).options(selectinload(ExitPlan.tests))
    )


def termination_for(session: Session, service: Service) -> Termination | None:
    return session.scalar(
        select(Termination)
        .where(Termination.service_id == service.id)
        .options(selectinload(Termination.verifications), selectinload(Termination.certificate))
    )


def sighting_for(session: Session, service: Service) -> Sighting | None:
    return session.get(Sighting, service.id)


def services(session: Session) -> list[tuple[Service, ExitPlan | None, Termination | None, Sighting | None]]:
    """Every service of the register with its plan, termination and first sighting."""
    plans = {p.service_id: p for p in session.scalars(select(ExitPlan).options(selectinload(ExitPlan.tests)))}
    terms = {
        t.service_id: t
        for t in session.scalars(
            select(Termination).options(selectinload(Termination.verifications), selectinload(Termination.certificate))
        )
    }
    seen = {s.service_id: s for s in session.scalars(select(Sighting))}
    out = []
    for p in providers(session):  # vendor_dd loads contracts and scopes with it
        for s in p.services:
            out.append((s, plans.get(s.id), terms.get(s.id), seen.get(s.id)))
    return out


def add_test(
    session: Session,
    who: Who,
    key: str,
    *,
    tested_on: date,
    kind: str,
    result: str,
    scenario: str | None = None,
    evidence: str | None = None,
    notes: str | None = None,
    next_test_due: date | None = None,
) -> ExitTest:
    try:
        kind = choice(kind, tuple(TEST_KINDS), "test kind")
        result = choice(result, TEST_RESULTS, "test result")
        if scenario is not None:
            scenario = choice(scenario, SCENARIOS, "scenario")
    except ValueError as e:
        raise InputError(str(e)) from None
    if tested_on > who.today:
        raise InputError(f"{key}: test date {tested_on} is in the future (today is {who.today})")
    svc = find_service(session, key)
    plan = plan_for(session, svc)
    if plan is None:
        raise InputError(f"{key}: no exit plan on record; import one first (cloudgov exit plan import FILE)")
    if any(t.tested_on == tested_on and t.kind == kind for t in plan.tests):
        raise InputError(f"{key}: a {kind} test on {tested_on} is already recorded")
    test = ExitTest(tested_on=tested_on, kind=kind, result=result, scenario=scenario, evidence=evidence, notes=notes)
    plan.tests.append(test)
    if next_test_due is not None:
        plan.next_test_due = next_test_due
    record(session, who, "add", "exit_test", key, date=tested_on, kind=kind, result=result, scenario=scenario,
           evidence=evidence, next_test_due=next_test_due)
    return test


def note_sightings(session: Session, who: Who, scans, source: str = "") -> list[str]:
    """Remember the first day a scan saw each service's cloud scopes (its observed go-live).

    ``scans`` is an Inventory; its ``collected_at`` is the day. Returns the keys updated.
    """
    from policies.base import parse_time

    when = parse_time(scans.collected_at)
    if when is None:
        return []
    day = when.date()
    accounts = set(scans.accounts())
    updated = []
    for p in session.scalars(select(Provider).options(selectinload(Provider.services).selectinload(Service.scopes))):
        for s in p.services:
            if not any((sc.cloud, sc.account) in accounts for sc in s.scopes):
                continue
            row = session.get(Sighting, s.id)
            if row is None:
                session.add(Sighting(service_id=s.id, first_seen=day, source=source or None))
            elif day < row.first_seen:
                row.first_seen, row.source = day, source or None
            else:
                continue
            updated.append(s.key)
            record(session, who, "update", "exit_sighting", s.key, first_seen=day, source=source)
    return updated


def parse_scope_list(values: Iterable[str], what: str = "--scope") -> list[str]:
    """``aws:222222222222`` style cloud scopes; anything else → InputError."""
    out = []
    for v in values:
        cloud, sep, account = v.partition(":")
        if not sep or not cloud.strip() or not account.strip():
            raise InputError(f"{what}: {v!r} is not a cloud scope like aws:222222222222")
        out.append(f"{cloud.strip()}:{account.strip()}")
    return out


def terminate(
    session: Session,
    who: Who,
    key: str,
    *,
    certificate: Path | None,
    evidence_root: Path,
    terminated_on: date | None = None,
    scope: list[str] | None = None,
    issued_by: str | None = None,
    issued_on: date | None = None,
    reason: str | None = None,
    extra_scopes: Sequence[str] = (),
) -> Termination:
    """Record the end of a service and its deletion certificate (ETG 9.6).

    The certificate is hashed and stored in vendor_dd's evidence store (kind
    ``deletion-certificate``); recording again with a certificate updates the termination.
    """
    svc = find_service(session, key)
    chosen = list(DELETION_SCOPES) if scope is None else scope
    for s in chosen:
        try:
            choice(s, tuple(DELETION_SCOPES), "deletion scope")
        except ValueError as e:
            raise InputError(f"--scope-covers: {e}") from None
    extra = parse_scope_list(extra_scopes, "--also-scope")
    day = terminated_on or who.today
    if day > who.today:
        raise InputError(f"{key}: termination date {day} is in the future (today is {who.today})")
    term = termination_for(session, svc)
    created = term is None
    if term is None:
        term = Termination(service=svc, terminated_on=day, scope=sorted(set(chosen)), recorded_by=who.actor,
                           recorded_at=who.at, extra_scopes=extra)
        session.add(term)
    else:
        term.terminated_on, term.scope = day, sorted(set(chosen))
        term.extra_scopes = sorted(set(term.extra_scopes or []) | set(extra))
    term.reason = reason or term.reason
    if certificate is not None:
        ev, _ = add_evidence(session, svc.provider, certificate, kind="deletion-certificate", root=evidence_root,
                             actor=who.actor, at=who.at, valid_from=issued_on, service=svc)
        term.certificate, term.certificate_sha256 = ev, ev.sha256
        term.certificate_issued_by = issued_by or term.certificate_issued_by
        term.certificate_issued_on = issued_on or term.certificate_issued_on
    session.flush()
    record(session, who, "create" if created else "update", "termination", key, terminated_on=day,
           scope=term.scope, extra_scopes=term.extra_scopes,
           certificate=certificate.name if certificate else None, sha256=term.certificate_sha256)
    return term


def record_verification(session: Session, who: Who, term: Termination, outcome) -> Verification:
    """Keep the result of ``verify.verify_exit`` against the termination."""
    v = Verification(
        verified_on=who.today,
        collected_at=outcome.collected_at,
        result=outcome.result,
        leftovers=[x.to_dict() for x in outcome.leftovers],
        gaps=list(outcome.gaps) + [f"{s}: not in the scan" for s in outcome.scopes_missing],
        recorded_by=who.actor,
    )
    term.verifications.append(v)
    record(session, who, "verify", "termination", term.service.key, result=v.result, leftovers=len(v.leftovers),
           collected_at=v.collected_at)
    return v
