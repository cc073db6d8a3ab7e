"""Single edits of the register (the web pages and the JSON API), through the importer.

An edit is a fragment of the ``cloudgov.vendors`` document: the record as the exporter
writes it, with the edited fields replaced, applied by the same code ``cloudgov vendor
import`` runs. So a page validates exactly as a file does, records the same change-log
entries, and an export → import round trip of anything edited here loses nothing.
Audit findings (owner, due date, close) and materiality approval are the edits a file has
no verb for; they are here as functions, recorded in the change log the same way.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanner.errors import InputError
from scanner.records.changelog import Who, record
from scanner.schemas import Source, validate
from vendor_dd import exporter, importer
from vendor_dd.models import AuditFinding, Provider, Service
from vendor_dd.register import find_provider, find_service
from vendor_dd.schema import ContractDoc, ProviderDoc, ServiceDoc

__all__ = [
    "provider_document",
    "service_document",
    "contract_document",
    "save_provider",
    "save_service",
    "save_contract",
    "update_audit_finding",
    "approve_materiality",
]

_NO_FILES = Path("/nonexistent-evidence-root")  # fragments never name files


def provider_document(p: Provider) -> dict[str, Any]:
    return exporter._clean(p.identity())


def service_document(s: Service) -> dict[str, Any]:
    return exporter._service(s)


def contract_document(p: Provider, slug: str) -> dict[str, Any] | None:
    doc = exporter._provider(p, None)
    return next((c for c in doc.get("contracts", []) if c["id"] == slug), None)


def _slug(value: Any, what: str) -> str:
    text = str(value or "").strip()
    if not text or len(text) > 100 or not all(c.isalnum() or c in "-_." for c in text):
        raise InputError(f"{what}: {text!r} must be 1 to 100 letters, digits, '-', '_' or '.'")
    return text


def save_provider(session: Session, who: Who, values: dict[str, Any]) -> Provider:
    """Create or update a provider from its identity fields (``id``, ``legal_name``, …)."""
    slug = _slug(values.get("id"), "provider id")
    existing = session.scalar(select(Provider).where(Provider.slug == slug))
    doc = {**(provider_document(existing) if existing else {}), **values, "id": slug}
    src = Source(f"provider {slug}")
    importer._import_provider(session, who, validate(ProviderDoc, doc, src), (), src, importer.ImportReport(),
                              _NO_FILES, _NO_FILES)
    return find_provider(session, slug)


def save_service(session: Session, who: Who, provider_slug: str, values: dict[str, Any]) -> Service:
    """Create or update a service. A change to its materiality (重大性) clears the approval:
    the new decision waits for an approver (:func:`approve_materiality`)."""
    p = find_provider(session, provider_slug)
    slug = _slug(values.get("id"), "service id")
    svc = next((s for s in p.services if s.slug == slug), None)
    doc = {**(service_document(svc) if svc else {}), **values, "id": slug}
    old = (svc.material, sorted(svc.materiality_criteria or [])) if svc else None
    m = dict(doc.get("materiality") or {})
    new = (m.get("material"), sorted(m.get("criteria") or []))
    if old != new:
        m.pop("approved_by", None)
        m.pop("approved_on", None)
        doc["materiality"] = m
    d = validate(ServiceDoc, doc, Source(f"service {provider_slug}/{slug}"))
    importer._import_service(session, who, p, d, importer.ImportReport())
    return find_service(session, f"{provider_slug}/{slug}")


def save_contract(session: Session, who: Who, provider_slug: str, values: dict[str, Any]) -> None:
    """Create or update a contract and its clause checklist (``clauses: {clause: {status, section}}``)."""
    p = find_provider(session, provider_slug)
    slug = _slug(values.get("id"), "contract id")
    doc = {**(contract_document(p, slug) or {}), **values, "id": slug}
    src = Source(f"contract {provider_slug}/{slug}")
    importer._import_contract(session, who, p, validate(ContractDoc, doc, src), (), src, importer.ImportReport())


def approve_materiality(session: Session, who: Who, key: str, requested_by: str) -> Service:
    """Record the approver of a service's materiality decision (never the one who asked)."""
    svc = find_service(session, key)
    if who.actor == requested_by:
        raise InputError(f"{key}: you asked for this materiality decision; another approver must approve it")
    if svc.material is None:
        raise InputError(f"{key}: materiality is not assessed yet; there is nothing to approve")
    svc.materiality_approved_by, svc.materiality_approved_on = who.actor, who.today
    record(session, who, "approve", "materiality", key, material=svc.material,
           criteria=list(svc.materiality_criteria or []), requested_by=requested_by)
    return svc


def update_audit_finding(
    session: Session, who: Who, finding_id: int, *, owner: str | None = None, due: date | None = None,
    close: bool = False, reopen: bool = False,
) -> AuditFinding:
    """An audit finding gets an owner and a due date, and is closed (or reopened)."""
    f = session.get(AuditFinding, finding_id)
    if f is None:
        raise InputError(f"no audit finding {finding_id}")
    key = f"{f.audit.provider.slug}/{f.audit.party}/{f.audit.audit_date.isoformat()}"
    changed: dict[str, Any] = {}
    if owner is not None and (owner.strip() or None) != f.owner:
        f.owner = owner.strip()[:200] or None
        changed["owner"] = f.owner
    if due is not None and due != f.remediation_due:
        f.remediation_due = due
        changed["remediation_due"] = due
    if close and f.status != "closed":
        if not f.owner:
            raise InputError("give the finding an owner before closing it")
        f.status, f.closed_on = "closed", who.today
        changed["status"] = "closed"
    if reopen and f.status == "closed":
        f.status, f.closed_on = "open", None
        changed["status"] = "open"
    if changed:
        record(session, who, "update", "audit_finding", key, finding=f.description[:200], **changed)
    return f
