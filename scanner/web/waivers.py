"""Waivers (例外) as a workflow: a cloud engineer asks, an approver — never the same person —
approves or rejects, and an approved waiver stops waiving the day after it expires.

Approved waivers are exported in the waiver-file format (``scanner.waivers``) for scans:
``GET /waivers.yaml`` and :func:`waiver_document`; the same parser validates a request.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanner.errors import ConfigError, InputError
from scanner.records.changelog import Who, record
from scanner.web.models import WaiverRequest

__all__ = ["request_waiver", "decide", "state", "waiver_document", "WAIVER_PREFIX"]

WAIVER_PREFIX = "W-WEB-"


def _known_policies() -> Any:
    from policies.registry import load_policies

    return load_policies()


def state(w: WaiverRequest, today: date) -> str:
    """requested / approved / rejected / expired (an approved waiver past its date)."""
    if w.status == "approved" and w.expires < today:
        return "expired"
    return w.status


def request_waiver(
    session: Session, who: Who, *, policy: str, resources: list[str], reason: str, compensating_control: str,
    owner: str, expires: date | None,
) -> WaiverRequest:
    from scanner.waivers import parse_waivers

    if expires is None:
        raise InputError("a waiver needs an expiry date")
    if expires < who.today:
        raise InputError(f"expiry {expires} is in the past")
    raw = {"id": "new", "policy": policy, "resources": resources, "reason": reason,
           "compensating_control": compensating_control, "owner": owner, "approver": "pending", "expires": expires}
    try:
        parsed = parse_waivers({"waivers": [raw]}, _known_policies(), source="waiver request")
    except ConfigError as e:
        raise InputError(str(e)) from None
    if parsed.problems:
        raise InputError(parsed.problems[0].replace("waiver new: ", "").replace("; ignored (it waives nothing)", "")
                         .replace("; ignored", ""))
    w = WaiverRequest(policy=policy, resources=list(resources), reason=reason, compensating_control=compensating_control,
                      owner=owner, expires=expires, status="requested", requested_by=who.actor, requested_at=who.at)
    session.add(w)
    session.flush()
    record(session, who, "request", "waiver", f"{WAIVER_PREFIX}{w.id}", policy=policy, resources=list(resources),
           owner=owner, expires=expires)
    return w


class SelfApproval(InputError):
    """Separation of duties: the one who asked for a waiver cannot approve it."""


def decide(session: Session, who: Who, waiver_id: int, approve: bool, note: str | None = None) -> WaiverRequest:
    w = session.get(WaiverRequest, waiver_id)
    if w is None:
        raise InputError(f"no waiver request {waiver_id}")
    if w.status != "requested":
        raise InputError(f"{WAIVER_PREFIX}{w.id} is {w.status} already")
    if w.requested_by == who.actor:
        raise SelfApproval(f"{WAIVER_PREFIX}{w.id}: you asked for this waiver; another approver must decide (separation of duties)")
    w.status = "approved" if approve else "rejected"
    w.decided_by, w.decided_at, w.decision_note = who.actor, who.at, note
    record(session, who, "approve" if approve else "reject", "waiver", f"{WAIVER_PREFIX}{w.id}",
           requested_by=w.requested_by, note=note)
    return w


def waiver_document(session: Session) -> dict[str, Any]:
    """Approved waivers as a waiver file (expired ones included: a scan reports them as expired)."""
    rows = session.scalars(select(WaiverRequest).where(WaiverRequest.status == "approved").order_by(WaiverRequest.id))
    return {"waivers": [
        {"id": f"{WAIVER_PREFIX}{w.id}", "policy": w.policy, "resources": list(w.resources), "reason": w.reason,
         "compensating_control": w.compensating_control, "owner": w.owner, "approver": w.decided_by,
         "expires": w.expires.isoformat()}
        for w in rows
    ]}
