"""Bulk import of the register from YAML / JSON (``cloudgov.vendors`` v1) and CSV.

Import is an upsert in one transaction: providers, services, contracts and clauses named
in the file are created or updated, reviews are matched by (service, start date), audits
by (party, date), evidence files by hash; nothing absent from the file is deleted. The
same file imported twice changes nothing. A file that names the same provider, service
or contract twice is refused, as is any malformed value: one sentence, nothing written.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scanner.docfile import read_versioned
from scanner.errors import InputError
from scanner.records.changelog import Who, record
from scanner.records.doc import Doc as _Doc
from scanner.records.imports import ImportReport
from vendor_dd.domains import (
    AUDIT_PARTIES,
    CLAUSE_STATUSES,
    CLAUSES,
    DOMAIN_RESULTS,
    REVIEW_DOMAINS,
    SERVICE_MODELS,
    SUBSTITUTABILITY,
    choice,
)
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

__all__ = ["FORMAT", "ImportReport", "read_document", "import_document"]

FORMAT = "cloudgov.vendors"


# --- reading files -----------------------------------------------------------------------------


def read_document(path: Path) -> dict[str, Any]:
    """The register document from a .yaml/.yml/.json or .csv file."""
    if path.suffix.lower() == ".csv":
        if not path.exists():
            raise InputError(f"{path}: no such file")
        return _csv_document(path)
    return read_versioned(path, format=FORMAT, list_key="providers", what="a vendor register")


#: Columns of the per-service CSV sheet (also what ``vendor export --format csv`` writes first).
CSV_COLUMNS = (
    "provider", "legal_name", "name_en", "headquarters_country", "service", "service_name", "service_model",
    "material", "natural_person_data", "core_system", "rto_hours", "rpo_hours", "substitutability",
    "declared_regions", "scopes",
)


def _csv_document(path: Path) -> dict[str, Any]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{path}: cannot read the CSV file ({e})") from None
    if rows and not {"provider", "service"} <= set(rows[0]):
        raise InputError(f"{path}: a register CSV needs the columns provider and service")
    provs: dict[str, dict[str, Any]] = {}
    for n, row in enumerate(rows, start=2):
        slug = (row.get("provider") or "").strip()
        if not slug:
            raise InputError(f"{path}: line {n}: the provider column is empty")
        p = provs.setdefault(slug, {"id": slug, "legal_name": row.get("legal_name") or slug, "services": []})
        for k in ("name_en", "headquarters_country"):
            if row.get(k):
                p[k] = row[k]
        if row.get("service"):
            s: dict[str, Any] = {"id": row["service"].strip(), "name": row.get("service_name") or row["service"]}
            for k in ("service_model", "natural_person_data", "core_system", "rto_hours", "rpo_hours", "substitutability"):
                if row.get(k):
                    s[k] = row[k]
            if row.get("material"):
                s["materiality"] = {"material": row["material"]}
            if row.get("declared_regions"):
                s["declared_regions"] = row["declared_regions"]
            if row.get("scopes"):
                s["scopes"] = [
                    dict(zip(("provider", "account"), part.strip().split(":", 1), strict=False))  # "aws" alone: no account
                    for part in row["scopes"].replace(";", ",").split(",") if part.strip()
                ]
            p["services"].append(s)
    return {"format": FORMAT, "version": 1, "providers": list(provs.values()), "_source": str(path)}


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
    session: Session, who: Who, doc: dict[str, Any], *, base_dir: Path, evidence_root: Path, source: str
) -> ImportReport:
    rep = ImportReport()
    top = _Doc(doc, source)
    cad = top.data.get("review_cadence_days")
    if cad is not None:
        if not isinstance(cad, dict):
            raise InputError(f"{source}.review_cadence_days: expected a mapping such as {{material: 365}}")
        existed = session.get(Setting, "review_cadence_days") is not None
        if set_cadence(session, who, cad):
            (rep.updated if existed else rep.created).append("setting review_cadence_days")
    for pdoc in top.items("providers"):
        _import_provider(session, who, pdoc, rep, base_dir, evidence_root)
    return rep


def _note(session: Session, who: Who, rep: ImportReport, entity: str, key: str, created: bool, diff: dict) -> None:
    if created:
        rep.created.append(f"{entity} {key}")
        record(session, who, "create", entity, key, **{k: v[1] for k, v in diff.items()})
    elif diff:
        rep.updated.append(f"{entity} {key}")
        record(session, who, "update", entity, key, **diff)


def _import_provider(session: Session, who: Who, d: _Doc, rep: ImportReport, base_dir: Path, root: Path) -> None:
    slug = d.text("id", required=True)
    p = session.scalar(select(Provider).where(Provider.slug == slug))
    created = p is None
    if p is None:
        p = Provider(slug=slug, identifiers={}, certifications=[])
        session.add(p)
    hq = d.text("headquarters_country")
    if hq and len(hq) != 2:
        raise InputError(f"{d.where}.headquarters_country: {hq!r} is not a two-letter country code (TW, US, SG)")
    ids = d.data.get("identifiers") or {}
    if not isinstance(ids, dict):
        raise InputError(f"{d.where}.identifiers: expected a mapping such as {{tw_ubn: '12345678', lei: ...}}")
    diff = _apply(p, {
        "legal_name": d.text("legal_name", required=True),
        "name_en": d.text("name_en"),
        "identifiers": {k: str(v) for k, v in ids.items()},
        "headquarters_country": hq.upper() if hq else None,
        "ultimate_parent": d.text("ultimate_parent"),
        "certifications": [str(c) for c in d.values("certifications") or []],
    })
    session.flush()
    _note(session, who, rep, "provider", slug, created, diff)
    for sd in d.items("services"):
        _import_service(session, who, p, sd, rep)
    session.flush()
    for cd in d.items("contracts"):
        _import_contract(session, who, p, cd, rep)
    for ed in d.items("evidence", id_key=""):
        _import_evidence(session, who, p, ed, rep, base_dir, root)
    for ad in d.items("audits", id_key=""):
        _import_audit(session, who, p, ad, rep, base_dir, root)
    for rd in d.items("reviews", id_key=""):
        _import_review(session, who, p, rd, rep)


def _service_of(p: Provider, slug: str | None, where: str) -> Service:
    svc = next((s for s in p.services if s.slug == slug), None)
    if svc is None:
        raise InputError(f"{where}: unknown service {slug!r} of provider {p.slug!r}")
    return svc


def _import_service(session: Session, who: Who, p: Provider, d: _Doc, rep: ImportReport) -> None:
    slug = d.text("id", required=True)
    svc = next((s for s in p.services if s.slug == slug), None)
    created = svc is None
    if svc is None:
        svc = Service(slug=slug, materiality_criteria=[], subcontractors=[])
        p.services.append(svc)
    m = _Doc(d.data.get("materiality") or {}, f"{d.where}.materiality")
    subs = d.values("subcontractors") or []
    for i, s in enumerate(subs):
        if not isinstance(s, dict) or not s.get("name"):
            raise InputError(f"{d.where}.subcontractors[{i}]: each sub-contractor needs at least a name")
    regions = d.values("declared_regions")
    values = {
        "name": d.text("name") or slug,
        "service_model": d.one_of("service_model", SERVICE_MODELS, "service model"),
        "material": m.flag("material"),
        "materiality_criteria": [str(c) for c in m.values("criteria") or []],
        "materiality_approved_by": m.text("approved_by"),
        "materiality_approved_on": m.date("approved_on"),
        "natural_person_data": d.flag("natural_person_data"),
        "core_system": d.flag("core_system"),
        "rto_hours": d.num("rto_hours"),
        "rpo_hours": d.num("rpo_hours"),
        "substitutability": d.one_of("substitutability", SUBSTITUTABILITY, "substitutability"),
        "declared_regions": sorted({str(r) for r in regions}) if regions is not None else None,
        "subcontractors": [{k: str(v) for k, v in s.items()} for s in subs],
        "next_review_override": d.date("next_review_override"),
        "cadence_days": d.whole("review_cadence_days"),
    }
    diff = _apply(svc, values)
    if d.has("scopes"):
        want = []
        for sc in d.items("scopes", id_key=""):
            cloud = sc.one_of("provider", ("aws", "azure", "gcp"), "cloud", required=True)
            want.append((cloud, sc.text("account", required=True)))
        have = {(s.cloud, s.account) for s in svc.scopes}
        if set(want) != have:
            diff["scopes"] = [sorted(f"{c}:{a}" for c, a in have), sorted(f"{c}:{a}" for c, a in set(want))]
            svc.scopes = [s for s in svc.scopes if (s.cloud, s.account) in set(want)]
            svc.scopes += [CloudScope(cloud=c, account=a) for c, a in sorted(set(want) - have)]
    session.flush()
    _note(session, who, rep, "service", f"{p.slug}/{slug}", created, diff)


def _import_contract(session: Session, who: Who, p: Provider, d: _Doc, rep: ImportReport) -> None:
    slug = d.text("id", required=True)
    c = next((x for x in p.contracts if x.slug == slug), None)
    created = c is None
    if c is None:
        c = Contract(slug=slug)
        p.contracts.append(c)
    services = [_service_of(p, str(s), f"{d.where}.services") for s in d.values("services") or []]
    diff = _apply(c, {
        "title": d.text("title"),
        "signed_on": d.date("signed"),
        "effective_on": d.date("effective"),
        "expires_on": d.date("expires"),
        "notice_period_days": d.whole("notice_period_days"),
        "governing_law": d.text("governing_law"),
    })
    if sorted(s.slug for s in c.services) != sorted(s.slug for s in services):
        diff["services"] = [[s.slug for s in c.services], [s.slug for s in services]]
        c.services = services
    clauses = d.data.get("clauses") or {}
    if not isinstance(clauses, dict):
        raise InputError(f"{d.where}.clauses: expected a mapping of clause → {{status, section}}")
    for name, spec in clauses.items():
        where = f"{d.where}.clauses.{name}"
        try:
            choice(name, CLAUSES, "contract clause")
        except ValueError as e:
            raise InputError(f"{where}: {e}") from None
        cd = _Doc(spec if isinstance(spec, dict) else {"status": spec}, where)
        status = cd.one_of("status", CLAUSE_STATUSES, "clause status", required=True)
        row = next((x for x in c.clauses if x.clause == name), None)
        if row is None:
            row = Clause(clause=name)
            c.clauses.append(row)
        cdiff = _apply(row, {"status": status, "section": cd.text("section"), "note": cd.text("note")})
        if cdiff:
            diff[f"clause.{name}"] = [cdiff.get("status", [status])[0], status]
    session.flush()
    _note(session, who, rep, "contract", f"{p.slug}/{slug}", created, diff)


def _evidence_path(d: _Doc, key: str, base_dir: Path) -> Path:
    f = Path(d.text(key, required=True)).expanduser()
    return f if f.is_absolute() else base_dir / f


def _import_evidence(session: Session, who: Who, p: Provider, d: _Doc, rep: ImportReport, base_dir: Path, root: Path) -> None:
    src = _evidence_path(d, "file", base_dir)
    svc = _service_of(p, d.text("service"), f"{d.where}.service") if d.text("service") else None
    ev, created = add_evidence(
        session, p, src, kind=d.text("kind", required=True), root=root, actor=who.actor, at=who.at,
        valid_from=d.date("valid_from"), valid_until=d.date("valid_until"), service=svc, filename=d.text("name"),
    )
    if created:
        rep.created.append(f"evidence {p.slug}/{ev.filename}#{ev.revision}")
        record(session, who, "add", "evidence", p.slug, kind=ev.kind, file=ev.filename, revision=ev.revision, sha256=ev.sha256)


def _import_audit(session: Session, who: Who, p: Provider, d: _Doc, rep: ImportReport, base_dir: Path, root: Path) -> None:
    party = d.one_of("party", AUDIT_PARTIES, "audit party", required=True)
    when = d.date("date")
    if when is None:
        raise InputError(f"{d.where}.date: required")
    a = next((x for x in p.audits if x.party == party and x.audit_date == when), None)
    created = a is None
    if a is None:
        a = AuditEvent(party=party, audit_date=when)
        p.audits.append(a)
    diff = _apply(a, {"scope": d.text("scope")})
    services = [_service_of(p, str(s), f"{d.where}.services") for s in d.values("services") or []]
    if sorted(s.slug for s in a.services) != sorted(s.slug for s in services):
        diff["services"] = [[s.slug for s in a.services], [s.slug for s in services]]
        a.services = services
    if d.text("report"):
        ev, _ = add_evidence(session, p, _evidence_path(d, "report", base_dir), kind="audit-report", root=root,
                             actor=who.actor, at=who.at, valid_from=when)
        if a.report is not ev:
            diff["report"] = [a.report.filename if a.report else None, ev.filename]
            a.report = ev
    if d.has("findings"):
        want = []
        for fd in d.items("findings", id_key=""):
            want.append({
                "description": fd.text("description", required=True),
                "severity": fd.text("severity"),
                "remediation_due": fd.date("remediation_due"),
                "owner": fd.text("owner"),
                "status": fd.one_of("status", ("open", "closed"), "finding status") or "open",
                "closed_on": fd.date("closed_on"),
            })
        have = [{k: getattr(f, k) for k in want[0]} for f in a.findings] if want else [1 for _ in a.findings]
        if have != want:
            diff["findings"] = [len(a.findings), len(want)]
            a.findings = [AuditFinding(**w) for w in want]
    session.flush()
    _note(session, who, rep, "audit", f"{p.slug}/{party}/{when}", created, diff)


def _import_review(session: Session, who: Who, p: Provider, d: _Doc, rep: ImportReport) -> None:
    svc = _service_of(p, d.text("service", required=True), f"{d.where}.service")
    started = d.date("started")
    if started is None:
        raise InputError(f"{d.where}.started: required")
    r = next((x for x in svc.reviews if x.started_on == started), None)
    created = r is None
    if r is None:
        r = Review(started_on=started, status="in_progress")
        r.domains = [ReviewDomain(domain=k, result="pending") for k in REVIEW_DOMAINS]
        svc.reviews.append(r)
    completed = d.date("completed")
    regions = d.values("declared_regions")
    diff = _apply(r, {
        "status": "completed" if completed else "in_progress",
        "completed_on": completed,
        "reviewer": d.text("reviewer"),
        "approver": d.text("approver"),
        "declared_regions": sorted({str(x) for x in regions}) if regions is not None else None,
        "notes": d.text("notes"),
    })
    domains = d.data.get("domains") or {}
    if not isinstance(domains, dict):
        raise InputError(f"{d.where}.domains: expected a mapping of domain → {{result, finding, evidence, compensating}}")
    for name, spec in domains.items():
        where = f"{d.where}.domains.{name}"
        try:
            choice(name, REVIEW_DOMAINS, "review domain")
        except ValueError as e:
            raise InputError(f"{where}: {e}") from None
        dd = _Doc(spec if isinstance(spec, dict) else {"result": spec}, where)
        row = next(x for x in r.domains if x.domain == name)
        ddiff = _apply(row, {
            "result": dd.one_of("result", DOMAIN_RESULTS, "result", required=True),
            "finding": dd.text("finding"),
            "evidence": dd.text("evidence"),
            "compensating": dd.text("compensating"),
        })
        if ddiff:
            diff[f"domain.{name}"] = ddiff.get("result", [row.result, row.result])
    if completed and any(x.result == "pending" for x in r.domains):
        pending = ", ".join(x.domain for x in r.domains if x.result == "pending")
        raise InputError(f"{d.where}: a completed review needs a result for every domain (missing: {pending})")
    if completed and not r.approver:
        raise InputError(f"{d.where}.approver: a completed review needs an approver")
    session.flush()
    _note(session, who, rep, "review", f"{p.slug}/{svc.slug}@{started}", created, diff)
