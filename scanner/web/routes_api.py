"""The JSON API (``/api/…``, OpenAPI document at ``/api/openapi.json``): what the pages do,
through the same service functions, authenticated by the session cookie (with the CSRF
header for changes) or by a scoped API token (``Authorization: Bearer cgt_…``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from scanner.store import queries
from scanner.web import services
from scanner.web.access import allow
from scanner.web.app import CurrentIdentity, DbSession, Denied, RowId
from scanner.web.services import who

router = APIRouter(prefix="/api", tags=["api"])

_Text = Field(default=None, max_length=2000)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProviderIn(_In):
    legal_name: str = Field(min_length=1, max_length=300)
    name_en: str | None = Field(default=None, max_length=300)
    headquarters_country: str | None = Field(default=None, min_length=2, max_length=2)
    ultimate_parent: str | None = Field(default=None, max_length=300)
    identifiers: dict[str, str] = Field(default_factory=dict, max_length=20)
    certifications: list[str] = Field(default_factory=list, max_length=50)


class MaterialityIn(_In):
    material: bool | None = None
    criteria: list[str] = Field(default_factory=list, max_length=50)


class ScopeIn(_In):
    provider: str = Field(pattern="^(aws|azure|gcp)$")
    account: str = Field(min_length=1, max_length=200)


class ServiceIn(_In):
    name: str = Field(min_length=1, max_length=300)
    service_model: str | None = Field(default=None, pattern="^(IaaS|PaaS|SaaS)$")
    materiality: MaterialityIn = Field(default_factory=MaterialityIn)
    natural_person_data: bool | None = None
    core_system: bool | None = None
    rto_hours: float | None = Field(default=None, ge=0, le=1e6)
    rpo_hours: float | None = Field(default=None, ge=0, le=1e6)
    substitutability: str | None = Field(default=None, pattern="^(easy|moderate|difficult|impossible)$")
    declared_regions: list[str] | None = Field(default=None, max_length=100)
    scopes: list[ScopeIn] = Field(default_factory=list, max_length=500)


class DomainIn(_In):
    result: str = Field(pattern="^(met|partially_met|not_met|not_applicable)$")
    finding: str | None = _Text
    evidence: str | None = _Text
    compensating: str | None = _Text


class WaiverIn(_In):
    policy: str = Field(min_length=1, max_length=100)
    resources: list[str] = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)
    compensating_control: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    expires: date


class Decision(_In):
    approve: bool
    note: str | None = _Text


def _iso(v: Any) -> Any:
    return v.isoformat() if hasattr(v, "isoformat") else v


def _finding(r: Any) -> dict[str, Any]:
    return {k: _iso(getattr(r, k)) for k in ("id", "scan_id", "fingerprint", "policy", "area", "status", "severity",
                                             "resource_id", "provider", "account", "region", "kind", "name",
                                             "message", "controls", "waiver", "evidence")}


def _waiver(w: Any, today: date) -> dict[str, Any]:
    from scanner.web.waivers import WAIVER_PREFIX, state

    return {"id": w.id, "key": f"{WAIVER_PREFIX}{w.id}", "policy": w.policy, "resources": list(w.resources),
            "reason": w.reason, "compensating_control": w.compensating_control, "owner": w.owner,
            "expires": w.expires.isoformat(), "status": state(w, today), "requested_by": w.requested_by,
            "decided_by": w.decided_by}


def _today() -> date:
    from scanner.records import clock

    return clock.today()


@router.get("/me", **allow("self"))
def me(*, ident: CurrentIdentity) -> dict[str, Any]:
    return {"username": ident.name, "roles": list(ident.me.roles) if ident.me else [], "via": ident.via,
            "permissions": sorted(ident.permissions)}


# --- register ----------------------------------------------------------------------------


@router.get("/providers", **allow("register.read"))
def providers(*, s: DbSession) -> list[dict[str, Any]]:
    from scanner.web.services import provider_rows

    return [{k: v for k, v in r.items() if k != "flagged"} for r in provider_rows(s)]


@router.get("/providers/{slug}", **allow("register.read"))
def provider(*, slug: str, s: DbSession) -> dict[str, Any]:
    from vendor_dd.views import provider_view

    return provider_view(s, slug, _today())


@router.put("/providers/{slug}", **allow("register.edit"))
def provider_put(*, slug: str, body: ProviderIn, ident: CurrentIdentity, s: DbSession) -> dict[str, Any]:
    from vendor_dd import edit

    p = edit.save_provider(s, who(ident.name), {**body.model_dump(), "id": slug})
    return p.identity()


@router.put("/providers/{slug}/services/{service}", **allow("register.edit"))
def service_put(*, slug: str, service: str, body: ServiceIn, ident: CurrentIdentity, s: DbSession) -> dict[str, Any]:
    from vendor_dd.edit import service_document

    svc = services.save_service(s, ident.name, slug, {**body.model_dump(), "id": service})
    return service_document(svc)


@router.post("/providers/{slug}/services/{service}/review", **allow("register.edit"))
def review_start(*, slug: str, service: str, ident: CurrentIdentity, s: DbSession) -> dict[str, Any]:
    from vendor_dd import register as reg

    r = reg.start_review(s, who(ident.name), f"{slug}/{service}", reviewer=ident.name)
    return {"service": f"{slug}/{service}", "status": r.status, "reviewer": r.reviewer}


@router.put("/providers/{slug}/services/{service}/review/{domain}", **allow("register.edit"))
def review_domain(*, slug: str, service: str, domain: str, body: DomainIn, ident: CurrentIdentity,
                  s: DbSession) -> dict[str, Any]:
    from scanner.errors import InputError
    from vendor_dd.domains import REVIEW_DOMAINS

    if domain not in REVIEW_DOMAINS:
        raise InputError(f"unknown review domain {domain!r} (use one of: {', '.join(REVIEW_DOMAINS)})")
    services.record_domains(s, ident.name, f"{slug}/{service}", {domain: body.model_dump()})
    return {"domain": domain, **body.model_dump()}


@router.post("/providers/{slug}/services/{service}/review/submit", **allow("register.edit"))
def review_submit(*, slug: str, service: str, ident: CurrentIdentity, s: DbSession) -> dict[str, Any]:
    a = services.submit_review(s, ident.name, f"{slug}/{service}")
    return {"approval": a.id, "status": a.status}


@router.get("/approvals", **allow("register.approve"))
def approvals(*, s: DbSession) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from scanner.web.models import Approval

    rows = s.scalars(select(Approval).order_by(Approval.id.desc()).limit(500))
    return [{"id": a.id, "kind": a.kind, "subject": a.subject, "status": a.status, "requested_by": a.requested_by,
             "decided_by": a.decided_by, "payload": a.payload} for a in rows]


@router.post("/approvals/{approval_id}", **allow("register.approve"))
def approval_decide(*, approval_id: RowId, body: Decision, ident: CurrentIdentity, s: DbSession) -> dict[str, Any]:
    try:
        a = services.decide_approval(s, ident.name, approval_id, body.approve)
    except services.SeparationOfDuties as e:
        raise Denied(403, str(e)) from None
    return {"id": a.id, "status": a.status, "decided_by": a.decided_by}


@router.get("/changes", **allow("changes.read"))
def changes(*, s: DbSession, key: str | None = Query(default=None, max_length=300),
            limit: int = Query(default=100, ge=1, le=1000)) -> list[dict[str, Any]]:
    from vendor_dd import register as reg

    return [{"at": c.at.isoformat(), "actor": c.actor, "action": c.action, "entity": c.entity, "key": c.key,
             "details": c.details} for c in reg.changes(s, limit=limit, key=key)]


# --- scans -------------------------------------------------------------------------------


@router.get("/scans", **allow("scans.read"))
def scans(*, s: DbSession, limit: int = Query(default=100, ge=1, le=1000)) -> list[dict[str, Any]]:
    return queries.scan_rows(s, limit)


@router.get("/scans/{scan_id}/findings", **allow("scans.read"))
def findings(
    *, request: Request, scan_id: RowId, s: DbSession,
    area: str | None = Query(default=None, max_length=30), policy: str | None = Query(default=None, max_length=100),
    severity: str | None = Query(default=None, max_length=10), status: str | None = Query(default=None, max_length=16),
    provider: str | None = Query(default=None, max_length=20), account: str | None = Query(default=None, max_length=200),
    control: str | None = Query(default=None, max_length=100), vendor: str | None = Query(default=None, max_length=100),
    q: str | None = Query(default=None, max_length=200), page: int = Query(default=1, ge=1, le=100000),
    per_page: int = Query(default=50, ge=1, le=500),
    after: str | None = Query(default=None, max_length=24, description="the `next` cursor of the previous page (keyset paging; `page` is then ignored)"),
) -> dict[str, Any]:
    from scanner.web.routes_scans import finding_filter

    f = finding_filter(request.query_params, s)
    rows, total = queries.findings(s, scan_id, f)
    more = len(rows) == f.per_page
    return {"scan": scan_id, "total": total, "page": None if f.after else f.page, "per_page": f.per_page,
            "next": queries.cursor(rows[-1]) if rows and more else None,
            "findings": [_finding(r) for r in rows]}


@router.get("/scans/{scan_id}/diff/{other_id}", **allow("scans.read"))
def diff(*, scan_id: RowId, other_id: RowId, s: DbSession) -> dict[str, Any]:
    d = queries.diff(s, other_id, scan_id)
    return {"from": other_id, "to": scan_id, **{k: [_finding(r) for r in v] for k, v in d.items()}}


@router.get("/scans/{scan_id}/gaps", **allow("scans.read"))
def gaps(*, scan_id: RowId, s: DbSession) -> list[dict[str, Any]]:
    return [{k: getattr(g, k) for k in ("provider", "account", "region", "service", "kinds", "code", "message")}
            for g in queries.gaps(s, scan_id)]


@router.get("/waivers", **allow("scans.read"))
def waivers(*, s: DbSession) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from scanner.web.models import WaiverRequest

    today = _today()
    return [_waiver(w, today) for w in s.scalars(select(WaiverRequest).order_by(WaiverRequest.id))]


@router.post("/waivers", **allow("waivers.request"), status_code=201)
def waiver_request(*, body: WaiverIn, ident: CurrentIdentity, s: DbSession) -> dict[str, Any]:
    from scanner.web.waivers import request_waiver

    w = request_waiver(s, who(ident.name), **body.model_dump())
    return _waiver(w, _today())


@router.post("/waivers/{waiver_id}", **allow("waivers.approve"))
def waiver_decide(*, waiver_id: RowId, body: Decision, ident: CurrentIdentity, s: DbSession) -> dict[str, Any]:
    from scanner.web.waivers import SelfApproval, decide

    try:
        w = decide(s, who(ident.name), waiver_id, body.approve, note=body.note)
    except SelfApproval as e:
        raise Denied(403, str(e)) from None
    return _waiver(w, _today())


# --- board -------------------------------------------------------------------------------


@router.get("/board", **allow("board.read"))
def board(*, s: DbSession, period: str | None = Query(default=None, max_length=20)) -> dict[str, Any]:
    from scanner.web.routes_board import board_data, default_period

    return board_data(s, period or default_period())
