"""The web's service layer: who acts (always the signed-in account), waivers and approvals.

The register's own service layer is ``vendor_dd.register`` / ``vendor_dd.edit``; the pages,
the JSON API and the CLI call those functions, and every change they record carries
:func:`who` — the authenticated account's name, never text typed into a form.
"""

from __future__ import annotations

from typing import Any

from scanner.errors import InputError
from scanner.records.changelog import Who

__all__ = ["who", "provider_rows", "save_service", "record_domains", "submit_review", "decide_approval", "SeparationOfDuties"]


def who(username: str) -> Who:
    """The change-log author for an authenticated account (today from CLOUDGOV_TODAY or the clock)."""
    from scanner.records import clock

    day = clock.today()
    return Who(username, day, clock.moment(day))


# --- the providers list ------------------------------------------------------------------

_provider_rows: dict[tuple[Any, ...], list[dict[str, Any]]] = {}


def provider_rows(session: Any) -> list[dict[str, Any]]:
    """Every provider as the list page and ``/api/providers`` show it: who it is, each
    service's review state (never_reviewed / overdue / due_soon / current, ``+in_progress``)
    and the evidence that has expired or expires soon.

    Computed from the register once per register state and day: every register write adds
    to the change log, so the newest change id (one index lookup) says whether the rows
    computed before are still true — in this process or after another's write.
    """
    from sqlalchemy import func, select
    from sqlalchemy.orm import selectinload

    from scanner.records import clock
    from scanner.records.models import Change
    from vendor_dd import facts
    from vendor_dd import register as reg
    from vendor_dd.models import Provider, Service

    today, cad = clock.today(), reg.cadence(session)
    key = (str(session.get_bind().url), session.scalar(select(func.max(Change.id))), today, tuple(sorted(cad.items())))
    rows = _provider_rows.get(key)
    if rows is None:
        stmt = (select(Provider).order_by(Provider.slug)
                .options(selectinload(Provider.services).selectinload(Service.reviews), selectinload(Provider.evidence)))
        rows = []
        for p in session.scalars(stmt):
            rows.append({**p.identity(), "flagged": facts.provider_facts(p, today)["evidence.flagged"],
                         "services": [{"id": sv.slug, "name": sv.name, "material": sv.material,
                                       "review_state": facts.review_status(sv, today, cad)} for sv in p.services]})
        if len(_provider_rows) > 16:
            _provider_rows.clear()
        _provider_rows[key] = rows
    return rows


# --- register workflows that need a second person ------------------------------------------


def save_service(session: Any, actor: str, provider_slug: str, values: dict[str, Any]) -> Any:
    """Save a service; a changed materiality decision (重大性) waits for an approver."""
    from scanner.web.models import Approval
    from vendor_dd import edit
    from vendor_dd.register import find_provider

    p = find_provider(session, provider_slug)
    old = next((x for x in p.services if x.slug == values.get("id")), None)
    before = (old.material, sorted(old.materiality_criteria or [])) if old else (None, [])
    w = who(actor)
    svc = edit.save_service(session, w, provider_slug, values)
    if (svc.material, sorted(svc.materiality_criteria or [])) != before and svc.material is not None:
        session.add(Approval(kind="materiality", subject=svc.key, status="pending", requested_by=actor,
                             requested_at=w.at, payload={"material": svc.material,
                                                         "criteria": list(svc.materiality_criteria or [])}))
    return svc


def pending_review_approval(session: Any, key: str) -> Any:
    from sqlalchemy import select

    from scanner.web.models import Approval

    return session.scalar(select(Approval).where(Approval.kind == "review", Approval.subject == key,
                                                 Approval.status == "pending"))


def open_review_for_edit(session: Any, key: str) -> Any:
    from scanner.errors import InputError
    from vendor_dd import facts
    from vendor_dd.register import find_service

    review = facts.open_review(find_service(session, key))
    if review is None:
        raise InputError(f"{key}: no review in progress")
    if pending_review_approval(session, key) is not None:
        raise InputError(f"{key}: the review is waiting for approval; it cannot change now")
    return review


def record_domains(session: Any, actor: str, key: str, results: dict[str, dict[str, Any]]) -> int:
    """Set domain results of the open review: ``{domain: {result, finding, evidence, compensating}}``."""
    from vendor_dd import register as reg

    review = open_review_for_edit(session, key)
    current = {d.domain: d for d in review.domains}
    changed = 0
    for dom, v in results.items():
        result = v.get("result") or "pending"
        if result == "pending":
            continue
        vals = (v.get("finding"), v.get("evidence"), v.get("compensating"))
        row = current.get(dom)
        if row is None or (row.result, row.finding, row.evidence, row.compensating) != (result, *vals):
            reg.record_domain(session, who(actor), key, dom, result, finding=vals[0], evidence=vals[1],
                              compensating=vals[2])
            changed += 1
    return changed


def submit_review(session: Any, actor: str, key: str) -> Any:
    from scanner.errors import InputError
    from scanner.web.models import Approval
    from vendor_dd import register as reg

    review = open_review_for_edit(session, key)
    pending = [d.domain for d in review.domains if d.result == "pending"]
    if pending:
        raise InputError(f"{key}: domains without a result: {', '.join(pending)}")
    w = who(actor)
    a = Approval(kind="review", subject=key, payload={"review_id": review.id}, status="pending",
                 requested_by=actor, requested_at=w.at)
    session.add(a)
    reg.record(session, w, "submit", "review", key)
    session.flush()
    return a


class SeparationOfDuties(InputError):
    """The person who asked for (or did) the thing cannot approve it."""


def decide_approval(session: Any, actor: str, approval_id: int, approve: bool) -> Any:
    """Approve or reject a submitted review or materiality decision — never one's own."""
    from scanner.web.models import Approval
    from vendor_dd import edit, facts
    from vendor_dd import register as reg

    a = session.get(Approval, approval_id)
    if a is None or a.status != "pending":
        raise InputError(f"no pending approval {approval_id}")
    w = who(actor)
    if a.requested_by == actor:
        raise SeparationOfDuties("separation of duties: you asked for this; another approver must decide")
    if a.kind == "review":
        review = facts.open_review(reg.find_service(session, a.subject))
        if review is not None and review.reviewer == actor:
            raise SeparationOfDuties("separation of duties: you are this review's reviewer")
        if approve:
            reg.complete_review(session, w, a.subject, approver=actor)
    elif a.kind == "materiality" and approve:
        edit.approve_materiality(session, w, a.subject, a.requested_by)
    if not approve:
        reg.record(session, w, "reject", a.kind, a.subject, requested_by=a.requested_by)
    a.status, a.decided_by, a.decided_at = ("approved" if approve else "rejected"), actor, w.at
    return a
