"""Bulk import of the register from YAML / JSON (``cloudgov.vendors`` v1) and CSV.

Import is an upsert in one transaction: providers, services, contracts and clauses named
in the file are created or updated, reviews are matched by (service, start date), audits
by (party, date), evidence files by hash; nothing absent from the file is deleted. The
same file imported twice changes nothing. The file is validated whole against its schema
(``vendor_dd.schema``) before anything is written; a file that names the same provider,
service or contract twice is refused, as is any malformed value: one sentence naming the
file, line and field, nothing written.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanner.docfile import read_text
from scanner.errors import InputError
from scanner.records.changelog import Who, record
from scanner.records.imports import ImportReport
from scanner.schemas import Source, read_model, validate_document
from vendor_dd.domains import REVIEW_DOMAINS
from vendor_dd.evidence import add_evidence
from vendor_dd.models import (
    AuditEvent,
    AuditFinding,
    Clause,
    CloudScope,
    Contract,
    Provider,
    Review,
    ReviewDomain,
    Service,
    Setting,
)
from vendor_dd.register import set_cadence
from vendor_dd.schema import (
    FORMAT,
    AuditDoc,
    ContractDoc,
    EvidenceDoc,
    ProviderDoc,
    RegisterDocument,
    ReviewDoc,
    ServiceDoc,
)

__all__ = ["FORMAT", "ImportReport", "RegisterDocument", "read_document", "import_document"]

Loc = tuple[Any, ...]


# --- reading files -----------------------------------------------------------------------------


def read_document(path: Path) -> RegisterDocument:
    """The register document from a .yaml/.yml/.json or .csv file, validated."""
    if path.suffix.lower() == ".csv":
        return _csv_document(path)
    return read_model(path, RegisterDocument, what="a vendor register", list_key="providers")


#: Columns of the per-service CSV sheet (also what ``vendor export --format csv`` writes first).
CSV_COLUMNS = (
    "provider", "legal_name", "name_en", "headquarters_country", "service", "service_name", "service_model",
    "material", "natural_person_data", "core_system", "rto_hours", "rpo_hours", "substitutability",
    "declared_regions", "scopes",
)


def _csv_document(path: Path) -> RegisterDocument:
    text = read_text(path, what="a register CSV")
    lines: dict[Loc, int] = {}
    provs: dict[str, dict[str, Any]] = {}
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)  # an unclosed quote is an error, not a swallowed file
    try:
        if reader.fieldnames and not {"provider", "service"} <= set(reader.fieldnames):
            raise InputError(f"{path}: line 1: a register CSV needs the columns provider and service")
        for row in reader:
            n = reader.line_num
            if None in row:
                raise InputError(f"{path}: line {n}: more cells than the header has columns")
            slug = (row.get("provider") or "").strip()
            if not slug:
                raise InputError(f"{path}: line {n}: the provider column is empty")
            if slug not in provs:
                lines[("providers", len(provs))] = n
            p = provs.setdefault(slug, {"id": slug, "legal_name": row.get("legal_name") or slug, "services": []})
            for k in ("name_en", "headquarters_country"):
                if row.get(k):
                    p[k] = row[k]
            if row.get("service"):
                s: dict[str, Any] = {"id": row["service"].strip(), "name": row.get("service_name") or row["service"]}
                for k in ("service_model", "natural_person_data", "core_system", "rto_hours", "rpo_hours",
                          "substitutability", "declared_regions"):
                    if row.get(k):
                        s[k] = row[k]
                if row.get("material"):
                    s["materiality"] = {"material": row["material"]}
                if row.get("scopes"):
                    s["scopes"] = [
                        dict(zip(("provider", "account"), part.strip().split(":", 1), strict=False))  # "aws" alone: no account
                        for part in row["scopes"].replace(";", ",").split(",") if part.strip()
                    ]
                lines[("providers", list(provs).index(slug), "services", len(p["services"]))] = n
                p["services"].append(s)
    except csv.Error as e:
        raise InputError(f"{path}: line {reader.line_num}: cannot read the CSV file ({e})") from None
    doc = {"format": FORMAT, "version": 1, "providers": list(provs.values())}
    return validate_document(RegisterDocument, doc, Source(path, lines=lines), what="a vendor register",
                             list_key="providers")


# --- applying the document -------------------------------------------------------------------------


def _apply(obj: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    """Set attributes; returns {name: [old, new]} for what changed."""
    diff: dict[str, list[Any]] = {}
    for k, v in values.items():
        old = getattr(obj, k)
        if old != v:
            diff[k] = [old, v]
            setattr(obj, k, v)
    return diff


def import_document(
    session: Session, who: Who, doc: RegisterDocument | dict[str, Any], *, base_dir: Path, evidence_root: Path,
    source: str,
) -> ImportReport:
    """Upsert ``doc`` (a validated document, or a mapping validated here)."""
    if not isinstance(doc, RegisterDocument):
        doc = validate_document(RegisterDocument, doc, Source(source), what="a vendor register", list_key="providers")
    rep = ImportReport()
    src = doc.source
    if doc.review_cadence_days is not None:
        existed = session.get(Setting, "review_cadence_days") is not None
        if set_cadence(session, who, doc.review_cadence_days):
            (rep.updated if existed else rep.created).append("setting review_cadence_days")
    for i, pdoc in enumerate(doc.providers):
        _import_provider(session, who, pdoc, ("providers", i), src, rep, base_dir, evidence_root)
    return rep


def _note(session: Session, who: Who, rep: ImportReport, entity: str, key: str, created: bool, diff: dict) -> None:
    if created:
        rep.created.append(f"{entity} {key}")
        record(session, who, "create", entity, key, **{k: v[1] for k, v in diff.items()})
    elif diff:
        rep.updated.append(f"{entity} {key}")
        record(session, who, "update", entity, key, **diff)


def _import_provider(session: Session, who: Who, d: ProviderDoc, loc: Loc, src: Source, rep: ImportReport,
                     base_dir: Path, root: Path) -> None:
    p = session.scalar(select(Provider).where(Provider.slug == d.id))
    created = p is None
    if p is None:
        p = Provider(slug=d.id, identifiers={}, certifications=[])
        session.add(p)
    diff = _apply(p, {
        "legal_name": d.legal_name,
        "name_en": d.name_en,
        "identifiers": dict(d.identifiers),
        "headquarters_country": d.headquarters_country,
        "ultimate_parent": d.ultimate_parent,
        "certifications": list(d.certifications or []),
    })
    session.flush()
    _note(session, who, rep, "provider", d.id, created, diff)
    for sd in d.services:
        _import_service(session, who, p, sd, rep)
    session.flush()
    for i, cd in enumerate(d.contracts):
        _import_contract(session, who, p, cd, (*loc, "contracts", i), src, rep)
    for i, ed in enumerate(d.evidence):
        _import_evidence(session, who, p, ed, (*loc, "evidence", i), src, rep, base_dir, root)
    for i, ad in enumerate(d.audits):
        _import_audit(session, who, p, ad, (*loc, "audits", i), src, rep, base_dir, root)
    for i, rd in enumerate(d.reviews):
        _import_review(session, who, p, rd, (*loc, "reviews", i), src, rep)


def _service_of(p: Provider, slug: str | None, src: Source, loc: Loc) -> Service:
    svc = next((s for s in p.services if s.slug == slug), None)
    if svc is None:
        raise src.error(loc, f"unknown service {slug!r} of provider {p.slug!r}")
    return svc


def _import_service(session: Session, who: Who, p: Provider, d: ServiceDoc, rep: ImportReport) -> None:
    svc = next((s for s in p.services if s.slug == d.id), None)
    created = svc is None
    if svc is None:
        svc = Service(slug=d.id, materiality_criteria=[], subcontractors=[])
        p.services.append(svc)
    m = d.materiality
    values = {
        "name": d.name or d.id,
        "service_model": d.service_model,
        "material": m.material if m else None,
        "materiality_criteria": list(m.criteria or []) if m else [],
        "materiality_approved_by": m.approved_by if m else None,
        "materiality_approved_on": m.approved_on if m else None,
        "natural_person_data": d.natural_person_data,
        "core_system": d.core_system,
        "rto_hours": d.rto_hours,
        "rpo_hours": d.rpo_hours,
        "substitutability": d.substitutability,
        "declared_regions": sorted(set(d.declared_regions)) if d.declared_regions is not None else None,
        "subcontractors": [s.as_dict() for s in d.subcontractors or []],
        "next_review_override": d.next_review_override,
        "cadence_days": d.review_cadence_days,
    }
    diff = _apply(svc, values)
    if "scopes" in d.model_fields_set:
        want = {(sc.provider, sc.account) for sc in d.scopes or []}
        have = {(s.cloud, s.account) for s in svc.scopes}
        if want != have:
            diff["scopes"] = [sorted(f"{c}:{a}" for c, a in have), sorted(f"{c}:{a}" for c, a in want)]
            svc.scopes = [s for s in svc.scopes if (s.cloud, s.account) in want]
            svc.scopes += [CloudScope(cloud=c, account=a) for c, a in sorted(want - have)]
    session.flush()
    _note(session, who, rep, "service", f"{p.slug}/{d.id}", created, diff)


def _import_contract(session: Session, who: Who, p: Provider, d: ContractDoc, loc: Loc, src: Source,
                     rep: ImportReport) -> None:
    c = next((x for x in p.contracts if x.slug == d.id), None)
    created = c is None
    if c is None:
        c = Contract(slug=d.id)
        p.contracts.append(c)
    services = [_service_of(p, s, src, (*loc, "services")) for s in d.services or []]
    diff = _apply(c, {
        "title": d.title,
        "signed_on": d.signed,
        "effective_on": d.effective,
        "expires_on": d.expires,
        "notice_period_days": d.notice_period_days,
        "governing_law": d.governing_law,
    })
    if sorted(s.slug for s in c.services) != sorted(s.slug for s in services):
        diff["services"] = [[s.slug for s in c.services], [s.slug for s in services]]
        c.services = services
    for name, spec in (d.clauses or {}).items():
        row = next((x for x in c.clauses if x.clause == name), None)
        if row is None:
            row = Clause(clause=name)
            c.clauses.append(row)
        cdiff = _apply(row, {"status": spec.status, "section": spec.section, "note": spec.note})
        if cdiff:
            diff[f"clause.{name}"] = [cdiff.get("status", [spec.status])[0], spec.status]
    session.flush()
    _note(session, who, rep, "contract", f"{p.slug}/{d.id}", created, diff)


def _evidence_path(name: str, base_dir: Path) -> Path:
    f = Path(name).expanduser()
    return f if f.is_absolute() else base_dir / f


def _located(src: Source, loc: Loc, e: InputError) -> InputError:
    """An error about a file the document names, placed on the document's line."""
    line = src.line(loc)
    return InputError(f"{src.path}: line {line}: {e}") if line else e


def _import_evidence(session: Session, who: Who, p: Provider, d: EvidenceDoc, loc: Loc, src: Source,
                     rep: ImportReport, base_dir: Path, root: Path) -> None:
    svc = _service_of(p, d.service, src, (*loc, "service")) if d.service else None
    try:
        ev, created = add_evidence(
            session, p, _evidence_path(d.file, base_dir), kind=d.kind, root=root, actor=who.actor, at=who.at,
            valid_from=d.valid_from, valid_until=d.valid_until, service=svc, filename=d.name,
        )
    except InputError as e:
        raise _located(src, (*loc, "file"), e) from None
    if created:
        rep.created.append(f"evidence {p.slug}/{ev.filename}#{ev.revision}")
        record(session, who, "add", "evidence", p.slug, kind=ev.kind, file=ev.filename, revision=ev.revision, sha256=ev.sha256)


def _import_audit(session: Session, who: Who, p: Provider, d: AuditDoc, loc: Loc, src: Source, rep: ImportReport,
                  base_dir: Path, root: Path) -> None:
    party, when = d.party, d.date
    assert when is not None  # the schema requires it
    a = next((x for x in p.audits if x.party == party and x.audit_date == when), None)
    created = a is None
    if a is None:
        a = AuditEvent(party=party, audit_date=when)
        p.audits.append(a)
    diff = _apply(a, {"scope": d.scope})
    services = [_service_of(p, s, src, (*loc, "services")) for s in d.services or []]
    if sorted(s.slug for s in a.services) != sorted(s.slug for s in services):
        diff["services"] = [[s.slug for s in a.services], [s.slug for s in services]]
        a.services = services
    if d.report:
        try:
            ev, _ = add_evidence(session, p, _evidence_path(d.report, base_dir), kind="audit-report", root=root,
                                 actor=who.actor, at=who.at, valid_from=when)
        except InputError as e:
            raise _located(src, (*loc, "report"), e) from None
        if a.report is not ev:
            diff["report"] = [a.report.filename if a.report else None, ev.filename]
            a.report = ev
    if "findings" in d.model_fields_set:
        want = [{"description": f.description, "severity": f.severity, "remediation_due": f.remediation_due,
                 "owner": f.owner, "status": f.status or "open", "closed_on": f.closed_on} for f in d.findings or []]
        have = [{k: getattr(f, k) for k in want[0]} for f in a.findings] if want else [1 for _ in a.findings]
        if have != want:
            diff["findings"] = [len(a.findings), len(want)]
            a.findings = [AuditFinding(**w) for w in want]
    session.flush()
    _note(session, who, rep, "audit", f"{p.slug}/{party}/{when}", created, diff)


def _import_review(session: Session, who: Who, p: Provider, d: ReviewDoc, loc: Loc, src: Source,
                   rep: ImportReport) -> None:
    svc = _service_of(p, d.service, src, (*loc, "service"))
    started = d.started
    assert started is not None  # the schema requires it
    r = next((x for x in svc.reviews if x.started_on == started), None)
    created = r is None
    if r is None:
        r = Review(started_on=started, status="in_progress")
        r.domains = [ReviewDomain(domain=k, result="pending") for k in REVIEW_DOMAINS]
        svc.reviews.append(r)
    diff = _apply(r, {
        "status": "completed" if d.completed else "in_progress",
        "completed_on": d.completed,
        "reviewer": d.reviewer,
        "approver": d.approver,
        "declared_regions": sorted(set(d.declared_regions)) if d.declared_regions is not None else None,
        "notes": d.notes,
    })
    for name, spec in (d.domains or {}).items():
        row = next(x for x in r.domains if x.domain == name)
        ddiff = _apply(row, {"result": spec.result, "finding": spec.finding, "evidence": spec.evidence,
                             "compensating": spec.compensating})
        if ddiff:
            diff[f"domain.{name}"] = ddiff.get("result", [row.result, row.result])
    if d.completed and any(x.result == "pending" for x in r.domains):
        pending = ", ".join(x.domain for x in r.domains if x.result == "pending")
        raise src.error(loc, f"a completed review needs a result for every domain (missing: {pending})")
    if d.completed and not r.approver:
        raise src.error((*loc, "approver"), "a completed review needs an approver")
    session.flush()
    _note(session, who, rep, "review", f"{p.slug}/{svc.slug}@{started}", created, diff)
