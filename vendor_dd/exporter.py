"""Export the register as YAML / JSON (``cloudgov.vendors`` v1, re-importable) or CSV.

The YAML is meant for review in pull requests: stable order, dates as YYYY-MM-DD, one
provider after another. CSV is one row per service with the computed facts (materiality,
next review due, status, last audit, clause statuses): the sheet vendor managers used to
keep by hand.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from vendor_dd import facts
from vendor_dd.domains import CLAUSES
from vendor_dd.evidence import expiry_state
from vendor_dd.importer import CSV_COLUMNS, FORMAT
from vendor_dd.models import Provider, Service
from vendor_dd.register import cadence, providers

__all__ = ["to_document", "render", "FORMATS"]

FORMATS = ("yaml", "json", "csv")


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _clean(d: dict[str, Any]) -> dict[str, Any]:
    """Drop unknown (None) and empty values so the file says only what is known."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def _service(s: Service) -> dict[str, Any]:
    return _clean({
        "id": s.slug,
        "name": s.name,
        "service_model": s.service_model,
        "materiality": _clean({
            "material": s.material,
            "criteria": list(s.materiality_criteria or []),
            "approved_by": s.materiality_approved_by,
            "approved_on": _d(s.materiality_approved_on),
        }),
        "natural_person_data": s.natural_person_data,
        "core_system": s.core_system,
        "rto_hours": s.rto_hours,
        "rpo_hours": s.rpo_hours,
        "substitutability": s.substitutability,
        "declared_regions": s.declared_regions,
        "scopes": [{"provider": x.cloud, "account": x.account} for x in s.scopes],
        "subcontractors": list(s.subcontractors or []),
        "review_cadence_days": s.cadence_days,
        "next_review_override": _d(s.next_review_override),
    })


def _provider(p: Provider, evidence_root: Path | None) -> dict[str, Any]:
    out = _clean({**p.identity(), "services": [_service(s) for s in p.services]})
    out["contracts"] = [
        _clean({
            "id": c.slug,
            "title": c.title,
            "services": [s.slug for s in c.services],
            "signed": _d(c.signed_on),
            "effective": _d(c.effective_on),
            "expires": _d(c.expires_on),
            "notice_period_days": c.notice_period_days,
            "governing_law": c.governing_law,
            "clauses": {cl.clause: _clean({"status": cl.status, "section": cl.section, "note": cl.note}) for cl in c.clauses},
        })
        for c in p.contracts
    ]
    out["evidence"] = [
        _clean({
            "name": e.filename,
            "kind": e.kind,
            "revision": e.revision,
            "sha256": e.sha256,
            "file": str(evidence_root / e.stored_path) if evidence_root else None,
            "service": e.service.slug if e.service else None,
            "valid_from": _d(e.valid_from),
            "valid_until": _d(e.valid_until),
            "added_by": e.added_by,
        })
        for e in p.evidence
        if e.kind != "audit-report"
    ]
    out["audits"] = [
        _clean({
            "party": a.party,
            "date": _d(a.audit_date),
            "scope": a.scope,
            "services": [s.slug for s in a.services],
            "report": str(evidence_root / a.report.stored_path) if a.report and evidence_root else None,
            "findings": [
                _clean({"description": f.description, "severity": f.severity, "remediation_due": _d(f.remediation_due),
                        "owner": f.owner, "status": f.status, "closed_on": _d(f.closed_on)})
                for f in a.findings
            ],
        })
        for a in p.audits
    ]
    out["reviews"] = [
        _clean({
            "service": s.slug,
            "started": _d(r.started_on),
            "completed": _d(r.completed_on),
            "reviewer": r.reviewer,
            "approver": r.approver,
            "declared_regions": r.declared_regions,
            "notes": r.notes,
            "domains": {d.domain: _clean({"result": d.result, "finding": d.finding, "evidence": d.evidence,
                                          "compensating": d.compensating}) for d in r.domains if d.result != "pending"},
        })
        for s in p.services
        for r in s.reviews
    ]
    return _clean(out)


def to_document(session: Session, evidence_root: Path | None = None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": 1,
        "review_cadence_days": cadence(session),
        "providers": [_provider(p, evidence_root) for p in providers(session)],
    }


def service_rows(session: Session, today: date) -> list[dict[str, Any]]:
    """One flat row per service: the register's facts as of ``today``."""
    cad = cadence(session)
    rows = []
    for p in providers(session):
        flagged = facts.provider_facts(p, today)["evidence.flagged"]
        for s in p.services:
            f = facts.service_facts(s, today, cad)
            row: dict[str, Any] = {
                "provider": p.slug,
                "legal_name": p.legal_name,
                "name_en": p.name_en or "",
                "headquarters_country": p.headquarters_country or "",
                "service": s.slug,
                "service_name": s.name,
                "service_model": s.service_model or "",
                "material": _tri(s.material),
                "natural_person_data": _tri(s.natural_person_data),
                "core_system": _tri(s.core_system),
                "rto_hours": s.rto_hours if s.rto_hours is not None else "",
                "rpo_hours": s.rpo_hours if s.rpo_hours is not None else "",
                "substitutability": s.substitutability or "",
                "declared_regions": ";".join(s.declared_regions or []),
                "scopes": ";".join(f["scopes"]),
                "review_status": facts.review_status(s, today, cad),
                "last_review": f["review.last_completed"] or "",
                "next_review_due": f["review.next_due"] or "",
                "last_audit": f["audit.last_date"] or "",
                "evidence_flagged": ";".join(f"{x['kind']}:{x['state']}" for x in flagged),
            }
            for clause in CLAUSES:
                row[f"clause.{clause}"] = f[f"clause.{clause}"] or "no contract"
            rows.append(row)
    return rows


def _tri(v: bool | None) -> str:
    return "" if v is None else ("true" if v else "false")


def render(session: Session, fmt: str, today: date, evidence_root: Path | None = None) -> str:
    if fmt == "csv":
        rows = service_rows(session, today)
        buf = io.StringIO()
        cols = list(CSV_COLUMNS) + [k for k in (rows[0] if rows else {}) if k not in CSV_COLUMNS]
        w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        from scanner.outputs.escape import csv_row

        w.writerows(csv_row(r) for r in rows)
        return buf.getvalue()
    doc = to_document(session, evidence_root)
    if fmt == "json":
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    import yaml

    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def evidence_rows(session: Session, today: date, provider: str | None = None) -> list[dict[str, Any]]:
    out = []
    for p in providers(session):
        if provider and p.slug != provider:
            continue
        for e in p.evidence:
            state, left = expiry_state(e.valid_until, today)
            out.append({"provider": p.slug, "kind": e.kind, "file": e.filename, "revision": e.revision,
                        "sha256": e.sha256, "valid_until": _d(e.valid_until), "state": state, "days_left": left,
                        "added_by": e.added_by})
    return out
