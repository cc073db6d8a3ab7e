"""The register as pages: providers, services (重大性), contracts and clauses, due-diligence
reviews (submit → approve), audits and their findings, evidence, exit plans, the change log."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from scanner.errors import InputError
from scanner.web import services
from scanner.web.access import allow
from scanner.web.app import (
    CurrentIdentity,
    DbSession,
    Denied,
    RowId,
    redirect,
    render,
)
from scanner.web.forms import (
    FormFields,
    day,
    number,
    save_upload,
    text,
    texts,
    tri,
    uploads,
)
from scanner.web.services import who
from vendor_dd import edit
from vendor_dd import register as reg
from vendor_dd.domains import (
    AUDIT_PARTIES,
    CLAUSE_STATUSES,
    CLAUSES,
    DOMAIN_RESULTS,
    EVIDENCE_KINDS,
    REVIEW_DOMAINS,
    SERVICE_MODELS,
    SUBSTITUTABILITY,
)

router = APIRouter(include_in_schema=False)  # pages: not part of the API document

VOCAB: dict[str, Any] = {
    "CLAUSES": CLAUSES, "CLAUSE_STATUSES": CLAUSE_STATUSES, "REVIEW_DOMAINS": REVIEW_DOMAINS,
    "DOMAIN_RESULTS": DOMAIN_RESULTS, "AUDIT_PARTIES": AUDIT_PARTIES, "SERVICE_MODELS": SERVICE_MODELS,
    "SUBSTITUTABILITY": SUBSTITUTABILITY, "EVIDENCE_KINDS": EVIDENCE_KINDS,
}


def _today():
    from scanner.records import clock

    return clock.today()


@router.get("/providers", **allow("register.read"))
def providers(*, request: Request, s: DbSession) -> Response:
    return render(request, "providers.html", rows=services.provider_rows(s), **VOCAB)


@router.post("/providers", **allow("register.edit"))
def provider_save(*, ident: CurrentIdentity, f: FormFields, s: DbSession) -> Response:
    values: dict[str, Any] = {
        "id": text(f, "id", 100), "legal_name": text(f, "legal_name", 300), "name_en": text(f, "name_en", 300),
        "headquarters_country": text(f, "headquarters_country", 2), "ultimate_parent": text(f, "ultimate_parent", 300),
        "certifications": texts(f, "certifications"),
    }
    ubn = text(f, "tw_ubn", 20)
    if ubn is not None or "tw_ubn" in f:
        values["identifiers"] = {"tw_ubn": ubn} if ubn else {}
    p = edit.save_provider(s, who(ident.name), values)
    return redirect(f"/providers/{p.slug}")


def _provider_page(request: Request, s: Session, slug: str, **extra) -> Response:
    from exit_plans import service as exits
    from scanner.records.evidence import expiry_state
    from vendor_dd import facts

    p = reg.find_provider(s, slug)
    today = _today()
    cad = reg.cadence(s)
    services = [(sv, facts.review_status(sv, today, cad), facts.service_facts(sv, today, cad), exits.plan_for(s, sv))
                for sv in p.services]
    evidence = [(e, expiry_state(e.valid_until, today)) for e in p.evidence]
    return render(request, "provider.html", p=p, services=services, evidence=evidence, today=today,
                  ubn=(p.identifiers or {}).get("tw_ubn"), **VOCAB, **extra)


@router.get("/providers/{slug}", **allow("register.read"))
def provider(*, request: Request, slug: str, s: DbSession) -> Response:
    return _provider_page(request, s, slug)


def service_values(f: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": text(f, "id", 100), "name": text(f, "name", 300), "service_model": text(f, "service_model", 10),
        "materiality": {"material": tri(f, "material"), "criteria": texts(f, "materiality_criteria")},
        "natural_person_data": tri(f, "natural_person_data"), "core_system": tri(f, "core_system"),
        "rto_hours": number(f, "rto_hours"), "rpo_hours": number(f, "rpo_hours"),
        "substitutability": text(f, "substitutability", 20),
        "declared_regions": texts(f, "declared_regions") or None,
        "scopes": [],
    }
    for x in texts(f, "scopes"):
        cloud, sep, account = x.partition(":")
        if not sep or not account:
            raise InputError(f"scopes: {x!r} must be cloud:account, e.g. aws:123456789012")
        values["scopes"].append({"provider": cloud, "account": account})
    return values


@router.post("/providers/{slug}/services", **allow("register.edit"))
def service_save(*, slug: str, ident: CurrentIdentity, f: FormFields, s: DbSession) -> Response:
    svc = services.save_service(s, ident.name, slug, service_values(f))
    return redirect(f"/providers/{slug}/services/{svc.slug}")


@router.get("/providers/{slug}/services/{service}", **allow("register.read"))
def service_page(*, request: Request, slug: str, service: str, s: DbSession) -> Response:
    from exit_plans import service as exits
    from scanner.web.models import Approval
    from vendor_dd import facts

    svc = reg.find_service(s, f"{slug}/{service}")
    today = _today()
    pending = list(s.scalars(select(Approval).where(Approval.subject == svc.key, Approval.status == "pending")))
    return render(request, "service.html", p=svc.provider, svc=svc, facts=facts.service_facts(svc, today, reg.cadence(s)),
                  state=facts.review_status(svc, today, reg.cadence(s)), open_review=facts.open_review(svc),
                  pending=pending, plan=exits.plan_for(s, svc), **VOCAB)


@router.post("/providers/{slug}/contracts", **allow("register.edit"))
def contract_save(*, 
    slug: str, ident: CurrentIdentity, f: FormFields, s: DbSession,
) -> Response:
    clauses = {}
    for c in CLAUSES:
        status = text(f, f"clause.{c}", 10)
        if status:
            clauses[c] = {"status": status, "section": text(f, f"section.{c}", 100)}
    values = {
        "id": text(f, "id", 100), "title": text(f, "title", 300), "services": texts(f, "services"),
        "signed": text(f, "signed", 10), "effective": text(f, "effective", 10), "expires": text(f, "expires", 10),
        "notice_period_days": text(f, "notice_period_days", 10), "governing_law": text(f, "governing_law", 100),
        "clauses": clauses,
    }
    edit.save_contract(s, who(ident.name), slug, values)
    return redirect(f"/providers/{slug}#contracts")


@router.get("/providers/{slug}/contracts/{contract}", **allow("register.read"))
def contract_page(*, request: Request, slug: str, contract: str, s: DbSession) -> Response:
    p = reg.find_provider(s, slug)
    c = next((x for x in p.contracts if x.slug == contract), None)
    if c is None and contract != "new":
        raise InputError(f"unknown contract {slug}/{contract}")
    return render(request, "contract.html", p=p, c=c, have={x.clause: x for x in c.clauses} if c else {}, **VOCAB)


# --- due-diligence reviews ---------------------------------------------------------------


@router.post("/providers/{slug}/services/{service}/review/start", **allow("register.edit"))
def review_start(*, slug: str, service: str, ident: CurrentIdentity, s: DbSession) -> Response:
    reg.start_review(s, who(ident.name), f"{slug}/{service}", reviewer=ident.name)
    return redirect(f"/providers/{slug}/services/{service}/review")


@router.get("/providers/{slug}/services/{service}/review", **allow("register.read"))
def review_page(*, request: Request, slug: str, service: str, s: DbSession) -> Response:
    from scanner.web.models import Approval
    from vendor_dd import facts

    svc = reg.find_service(s, f"{slug}/{service}")
    review = facts.open_review(svc) or facts.last_completed_review(svc)
    if review is None:
        raise InputError(f"{svc.key}: no review yet")
    pending = s.scalar(select(Approval).where(Approval.kind == "review", Approval.subject == svc.key,
                                              Approval.status == "pending"))
    return render(request, "review.html", p=svc.provider, svc=svc, review=review, pending=pending, **VOCAB)


@router.post("/providers/{slug}/services/{service}/review", **allow("register.edit"))
def review_save(*, slug: str, service: str, ident: CurrentIdentity, f: FormFields, s: DbSession) -> Response:
    results = {dom: {"result": text(f, f"result.{dom}", 20), "finding": text(f, f"finding.{dom}"),
                     "evidence": text(f, f"evidence.{dom}"), "compensating": text(f, f"compensating.{dom}")}
               for dom in REVIEW_DOMAINS}
    services.record_domains(s, ident.name, f"{slug}/{service}", results)
    return redirect(f"/providers/{slug}/services/{service}/review")


@router.post("/providers/{slug}/services/{service}/review/submit", **allow("register.edit"))
def review_submit(*, slug: str, service: str, ident: CurrentIdentity, s: DbSession) -> Response:
    services.submit_review(s, ident.name, f"{slug}/{service}")
    return redirect(f"/providers/{slug}/services/{service}/review")


@router.get("/approvals", **allow("register.approve"))
def approvals(*, request: Request, s: DbSession) -> Response:
    from scanner.web.models import Approval, WaiverRequest

    rows = list(s.scalars(select(Approval).order_by(Approval.status != "pending", Approval.id.desc()).limit(200)))
    waivers = list(s.scalars(select(WaiverRequest).where(WaiverRequest.status == "requested").order_by(WaiverRequest.id)))
    return render(request, "approvals.html", rows=rows, waivers=waivers)


@router.post("/approvals/{approval_id}/{decision}", **allow("register.approve"))
def approval_decide(*, approval_id: RowId, decision: str, ident: CurrentIdentity, s: DbSession) -> Response:
    if decision not in ("approve", "reject"):
        raise InputError(f"unknown decision {decision!r}")
    try:
        services.decide_approval(s, ident.name, approval_id, decision == "approve")
    except services.SeparationOfDuties as e:
        raise Denied(403, str(e)) from None
    return redirect("/approvals")


# --- audits ------------------------------------------------------------------------------


@router.post("/providers/{slug}/audits", **allow("register.edit"))
def audit_add(*, slug: str, ident: CurrentIdentity, f: FormFields, s: DbSession) -> Response:
    when = day(f, "date")
    if when is None:
        raise InputError("date: required")
    findings = [(line, day(f, "due")) for line in (text(f, "findings", 20000) or "").splitlines() if line.strip()]
    reg.add_audit(s, who(ident.name), slug, party=text(f, "party", 20) or "", audit_date=when,
                  scope=text(f, "scope"), findings=findings)
    return redirect(f"/providers/{slug}#audits")


@router.post("/audit-findings/{finding_id}", **allow("register.edit"))
def audit_finding_update(*, 
    request: Request, finding_id: RowId, ident: CurrentIdentity, f: FormFields,
    s: DbSession,
) -> Response:
    action = text(f, "action", 10)
    row = edit.update_audit_finding(s, who(ident.name), finding_id, owner=text(f, "owner", 200) if "owner" in f else None,
                                    due=day(f, "due"), close=action == "close", reopen=action == "reopen")
    return redirect(f"/providers/{row.audit.provider.slug}#audits")


# --- evidence ----------------------------------------------------------------------------


@router.post("/providers/{slug}/evidence", **allow("register.edit"))
def evidence_upload(*, 
    request: Request, slug: str, upload: Annotated[UploadFile, File()], ident: CurrentIdentity,
    f: FormFields, s: DbSession,
) -> Response:
    with tempfile.TemporaryDirectory(prefix="cloudgov-upload-") as tmp:
        dest = save_upload(upload, Path(tmp), request.app.state.settings.max_upload_bytes)
        kind = text(f, "kind", 50) or "other"
        ev, created = reg.add_evidence_file(
            s, who(ident.name), slug, dest, kind=kind, root=request.app.state.settings.evidence_root,
            valid_from=day(f, "valid_from"), valid_until=day(f, "valid_until"), service=text(f, "service", 100),
        )
    return redirect(f"/providers/{slug}?evidence={'added' if created else 'same'}#evidence")


@router.get("/evidence/{evidence_id}/download", **allow("register.read"))
def evidence_download(*, request: Request, evidence_id: RowId, s: DbSession) -> Response:
    from vendor_dd.evidence import stored_file
    from vendor_dd.models import Evidence

    ev = s.get(Evidence, evidence_id)
    if ev is None:
        raise InputError(f"no evidence {evidence_id}")
    path = stored_file(request.app.state.settings.evidence_root, ev)
    if not path.is_file():
        raise InputError(f"evidence {ev.filename} #{ev.revision}: the stored file is missing from the evidence store")
    # always a download, never rendered by the browser (an uploaded file is not our page)
    return FileResponse(path, media_type="application/octet-stream", filename=ev.filename,
                        headers={"X-Evidence-SHA256": ev.sha256})


# --- exit plans, change log, export ------------------------------------------------------


@router.get("/exit-plans", **allow("register.read"))
def exit_plans_page(*, request: Request, s: DbSession) -> Response:
    from exit_plans import facts as xfacts
    from exit_plans import service as exits

    today = _today()
    rows = []
    for svc, plan, term, seen in exits.services(s):
        rows.append({"svc": svc, "plan": plan, "term": term,
                     "facts": xfacts.plan_facts(svc, plan, seen, today) if plan else None})
    from exit_plans.vocab import TEST_KINDS, TEST_RESULTS

    return render(request, "exit_plans.html", rows=rows, TEST_KINDS=TEST_KINDS, TEST_RESULTS=TEST_RESULTS)


@router.post("/exit-plans/{slug}/{service}/tests", **allow("register.edit"))
def exit_test_add(*, 
    slug: str, service: str, ident: CurrentIdentity, f: FormFields, s: DbSession,
) -> Response:
    from exit_plans import service as exits

    tested = day(f, "tested_on")
    if tested is None:
        raise InputError("tested_on: required")
    exits.add_test(s, who(ident.name), f"{slug}/{service}", tested_on=tested, kind=text(f, "kind", 30) or "",
                   result=text(f, "result", 30) or "", scenario=text(f, "scenario", 20), evidence=text(f, "evidence"),
                   notes=text(f, "notes"), next_test_due=day(f, "next_test_due"))
    return redirect("/exit-plans")


@router.get("/exit-plans/{slug}/{service}", **allow("register.read"))
def exit_service(*, request: Request, slug: str, service: str, s: DbSession) -> Response:
    """One service's exit: its plan and tests, the termination and deletion certificate (ETG
    9.6), and each verification of a post-exit scan with what was left over."""
    from exit_plans import service as exits
    from exit_plans.vocab import DELETION_SCOPES, TEST_KINDS, TEST_RESULTS

    svc = reg.find_service(s, f"{slug}/{service}")
    return render(request, "termination.html", svc=svc, plan=exits.plan_for(s, svc), term=exits.termination_for(s, svc),
                  scopes=[f"{x.cloud}:{x.account}" for x in svc.scopes], today=_today(),
                  DELETION_SCOPES=DELETION_SCOPES, TEST_KINDS=TEST_KINDS, TEST_RESULTS=TEST_RESULTS)


@router.post("/exit-plans/{slug}/{service}/termination", **allow("register.edit"))
def termination_record(*, request: Request, slug: str, service: str, ident: CurrentIdentity, f: FormFields,
                       s: DbSession) -> Response:
    """Record (or update) the termination and its deletion certificate, hashed into the evidence store."""
    from exit_plans import service as exits

    settings = request.app.state.settings
    with tempfile.TemporaryDirectory(prefix="cloudgov-upload-") as tmp:
        chosen = uploads(f, "certificate")
        certificate = save_upload(chosen[0], Path(tmp), settings.max_upload_bytes) if chosen else None
        exits.terminate(s, who(ident.name), f"{slug}/{service}", certificate=certificate,
                        evidence_root=settings.evidence_root, terminated_on=day(f, "terminated_on"),
                        scope=[str(v) for v in f.getlist("scope")], issued_by=text(f, "issued_by", 300),
                        issued_on=day(f, "issued_on"), reason=text(f, "reason"), extra_scopes=texts(f, "also_scope"))
    return redirect(f"/exit-plans/{slug}/{service}#termination")


@router.post("/exit-plans/{slug}/{service}/verification", **allow("register.edit"))
def termination_verify(*, request: Request, slug: str, service: str, ident: CurrentIdentity, f: FormFields,
                       s: DbSession) -> Response:
    """Check uploaded post-exit export files against the termination (``cloudgov exit verify``):
    pass, fail (data or usable keys left) or incomplete (a scope not scanned, a coverage gap)."""
    from exit_plans import service as exits
    from exit_plans.verify import verify_exit
    from scanner.connectors.offline import load_paths

    key = f"{slug}/{service}"
    svc = reg.find_service(s, key)
    term = exits.termination_for(s, svc)
    if term is None:
        raise InputError(f"{key}: no termination is recorded; record it first")
    scopes = [f"{x.cloud}:{x.account}" for x in svc.scopes] + list(term.extra_scopes or [])
    if not scopes:
        raise InputError(f"{key}: no cloud scopes are linked to the service; add one to the termination")
    chosen = uploads(f, "files")
    if not chosen:
        raise InputError("choose one or more export files (cloudgov snapshots, AWS Config, az graph query, gcloud asset export)")
    with tempfile.TemporaryDirectory(prefix="cloudgov-verify-") as tmp:
        for u in chosen:
            save_upload(u, Path(tmp), request.app.state.settings.max_upload_bytes, check=False)
        inventory = load_paths([Path(tmp)])
    exits.record_verification(s, who(ident.name), term, verify_exit(inventory, scopes))
    return redirect(f"/exit-plans/{slug}/{service}#verifications")


@router.get("/changes", **allow("changes.read"))
def changes(*, request: Request, key: str | None = None, s: DbSession) -> Response:
    return render(request, "changes.html", rows=reg.changes(s, limit=300, key=key), key=key)


@router.get("/export/register.yaml", **allow("export"))
def export_register(*, request: Request, s: DbSession) -> Response:
    from vendor_dd.exporter import render as export_render

    body = export_render(s, "yaml", _today(), request.app.state.settings.evidence_root)
    return Response(body, media_type="application/yaml",
                    headers={"Content-Disposition": 'attachment; filename="vendors.yaml"'})


