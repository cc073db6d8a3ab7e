"""Scan history: keep scans in the database, import findings files, list and prune.

Two ways in, one way down: :func:`record_scan` (``--store`` on every scan command) takes a
:class:`scanner.result.ScanResult`; :func:`import_paths` (``cloudgov history import``) reads
findings documents (schema ``cloudgov.findings/1``, as ``--format json`` writes them). Both
feed the same :class:`_Ingest`, so a stored scan and an imported file give the same rows.
A scan's ``uid`` is a hash of what it found, so importing the same file twice stores it once.

Retention: ``CLOUDGOV_HISTORY_RETENTION_DAYS`` (or ``cloudgov history prune --keep-days``)
deletes scans evaluated longer ago than that; by default history is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scanner.result import ScanResult
    from scanner.store.models_history import Scan

__all__ = [
    "FINDINGS_SCHEMA",
    "record_scan",
    "import_paths",
    "read_document",
    "store_document",
    "prune",
    "retention_days",
    "parse_time",
    "ImportOutcome",
]

FINDINGS_SCHEMA = "cloudgov.findings/1"
NON_PASSING = frozenset({"FAIL", "ERROR", "WAIVED"})
STATUSES = ("PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "WAIVED")
RETENTION_ENV = "CLOUDGOV_HISTORY_RETENTION_DAYS"


def parse_time(text: str | None) -> dt.datetime | None:
    """An ISO 8601 timestamp as an aware UTC datetime (naive values are taken as UTC)."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Datetimes come back naive from SQLite: they were stored as UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class _Ingest:
    """Turns findings, one at a time, into the rows of one stored scan."""

    def __init__(self) -> None:
        self.rollup: Counter = Counter()
        self.resources: dict[tuple[str, str, str | None, str], set[str]] = defaultdict(set)
        self.rows: list[dict[str, Any]] = []
        self.total = 0
        self.by_status: Counter = Counter()
        self.by_area: dict[str, Counter] = defaultdict(Counter)
        self._digest = hashlib.sha256()
        from scanner.store.models_history import SEVERITY_ORDER

        self._order = SEVERITY_ORDER

    def add(
        self,
        *,
        policy: str,
        area: str,
        severity: str,
        status: str,
        resource: dict[str, Any],
        fingerprint: str | None,
        message: str,
        controls: list[str],
        waiver: dict[str, Any] | None,
        evidence: Any,
    ) -> None:
        provider, account, region = resource.get("provider") or "", str(resource.get("account") or ""), resource.get("region")
        kind = resource.get("kind") or ""
        self.total += 1
        self.by_status[status] += 1
        self.by_area[area][status] += 1
        self.rollup[(policy, area, severity, provider, account, region, status)] += 1
        if not str(resource.get("native_type") or "").startswith("coverage-gap/"):
            self.resources[(provider, account, region, kind)].add(resource.get("id") or "")
        if status in NON_PASSING:
            if not fingerprint:
                fingerprint = hashlib.sha256(f"{policy}\0{resource.get('id')}".encode()).hexdigest()[:32]
            self._digest.update(f"{fingerprint}\0{status}\n".encode())
            self.rows.append(
                {
                    "fingerprint": fingerprint,
                    "policy": policy,
                    "area": area,
                    "status": status,
                    "severity": severity,
                    "severity_order": self._order.get(severity, len(self._order)),
                    "resource_id": resource.get("id") or "",
                    "provider": provider,
                    "account": account,
                    "region": region,
                    "kind": kind,
                    "name": (resource.get("name") or "")[:500],
                    "message": message or "",
                    "controls": list(controls or ()),
                    "waiver": waiver,
                    "evidence": evidence or None,
                }
            )

    def summary(self, resources: int) -> dict[str, Any]:
        return {
            "total": self.total,
            "resources": resources,
            "by_status": {s: self.by_status.get(s, 0) for s in STATUSES},
            "by_area": {a: {s: c.get(s, 0) for s in STATUSES} for a, c in sorted(self.by_area.items())},
        }

    def fingerprint(self) -> str:
        return self._digest.hexdigest()


@dataclass
class ImportOutcome:
    path: Path
    scan_id: int | None
    created: bool
    evaluated_at: str
    findings: int
    note: str = ""


def _uid(head: dict[str, Any], ingest: _Ingest) -> str:
    basis = {
        "evaluated_at": head.get("evaluated_at"),
        "source": head.get("source", ""),
        "accounts": head.get("scope", {}).get("accounts", []),
        "by_status": ingest.summary(0)["by_status"],
        "non_passing": ingest.fingerprint(),
    }
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def store_document(session: Session, head: dict[str, Any], findings: Iterable[dict[str, Any]], *, origin: str) -> tuple[Scan, bool]:
    """Store one findings document (head + finding dicts). Returns (scan, created)."""
    from sqlalchemy import insert, select

    from scanner.store.models_history import ResourceCount, Rollup, Scan, StoredFinding, StoredGap

    evaluated = parse_time(head.get("evaluated_at"))
    if evaluated is None:
        raise InputError(f"{origin}: the findings document has no valid evaluated_at timestamp")
    areas = {p["id"]: p.get("area") for p in head.get("policies") or () if isinstance(p, dict) and "id" in p}
    ingest = _Ingest()
    for f in findings:
        res = f.get("resource") or {}
        policy = f.get("policy") or ""
        ingest.add(
            policy=policy,
            area=f.get("area") or areas.get(policy) or policy.split(".", 1)[0],
            severity=f.get("severity") or "info",
            status=f.get("status") or "ERROR",
            resource=res,
            fingerprint=f.get("id"),
            message=f.get("message") or "",
            controls=f.get("controls") or [],
            waiver=f.get("waiver"),
            evidence=f.get("evidence"),
        )
    uid = _uid(head, ingest)
    existing = session.scalar(select(Scan).where(Scan.uid == uid))
    if existing is not None:
        return existing, False
    resources = int((head.get("summary") or {}).get("resources") or sum(len(v) for v in ingest.resources.values()))
    scan = Scan(
        uid=uid,
        evaluated_at=evaluated,
        recorded_at=dt.datetime.now(dt.UTC),
        origin=origin[:500],
        source=str(head.get("source") or ""),
        tool_version=str((head.get("tool") or {}).get("version") or "") or None,
        resource_count=resources,
        finding_count=ingest.total,
        accounts=[{"provider": a.get("provider"), "account": str(a.get("account"))} for a in head.get("scope", {}).get("accounts", [])],
        config=head.get("config") or {},
        summary=ingest.summary(resources),
        policies={
            p["id"]: {k: p.get(k) for k in ("area", "title_en", "title_zh", "severity", "controls")}
            for p in head.get("policies") or ()
            if isinstance(p, dict) and "id" in p
        },
        waiver_problems=list(head.get("waiver_problems") or []),
    )
    session.add(scan)
    session.flush()
    sid = scan.id
    if ingest.rows:
        for row in ingest.rows:
            row["scan_id"] = sid
        session.execute(insert(StoredFinding), ingest.rows)
        if len(ingest.rows) >= 10_000 and session.get_bind().dialect.name == "postgresql":
            # the findings pages' plans depend on the row estimate; do not wait for autovacuum
            # (which a server may run late, or not at all) after a large scan
            from sqlalchemy import text

            session.execute(text("ANALYZE history_finding"))
    rollup = [
        {"scan_id": sid, "policy": p, "area": a, "severity": sev, "provider": prov, "account": acct, "region": reg, "status": st, "count": n}
        for (p, a, sev, prov, acct, reg, st), n in ingest.rollup.items()
    ]
    if rollup:
        session.execute(insert(Rollup), rollup)
    counts = [
        {"scan_id": sid, "provider": prov, "account": acct, "region": reg, "kind": kind, "count": len(ids)}
        for (prov, acct, reg, kind), ids in ingest.resources.items()
    ]
    if counts:
        session.execute(insert(ResourceCount), counts)
    gaps = [
        {
            "scan_id": sid,
            "provider": g.get("provider") or "",
            "account": str(g.get("account") or ""),
            "region": g.get("region"),
            "service": g.get("service") or "",
            "kinds": list(g.get("kinds") or ()),
            "code": g.get("code") or "Unknown",
            "message": g.get("message") or "",
        }
        for g in head.get("coverage_gaps") or ()
    ]
    if gaps:
        session.execute(insert(StoredGap), gaps)
    return scan, True


def _result_document(result: ScanResult) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    """The head and findings of a ScanResult in the findings-JSON shape, without the JSON."""
    from scanner import __version__
    from scanner.outputs.common import json_safe

    head = {
        "schema": FINDINGS_SCHEMA,
        "tool": {"name": "cloudgov", "version": __version__},
        "evaluated_at": result.evaluated_at,
        "source": result.source,
        "scope": {"accounts": [{"provider": p, "account": a} for p, a in result.accounts]},
        "config": {
            "allowed_countries": sorted(result.config.allowed_countries),
            "allowed_regions": sorted(result.config.allowed_regions),
            "fail_on": result.config.fail_on.value,
        },
        "summary": {"resources": result.resource_count},
        "policies": [
            {"id": p.id, "area": p.area, "title_en": p.title_en, "title_zh": p.title_zh,
             "severity": p.severity.value, "controls": list(p.controls)}
            for p in result.policies
        ],
        "coverage_gaps": [g.to_dict() for g in result.coverage_gaps],
        "waiver_problems": list(result.waiver_problems),
    }
    get = result.policies.get

    def findings() -> Iterator[dict[str, Any]]:
        for f in result.findings:
            status = f.status.value
            policy = get(f.policy)
            passing = status not in NON_PASSING
            yield {
                "id": f.fingerprint if not passing else "",
                "policy": f.policy,
                "status": status,
                "severity": f.severity.value,
                "area": policy.area if policy else f.policy.split(".", 1)[0],
                "controls": [] if passing else list(f.controls),
                "resource": f.resource.ref(),
                "message": "" if passing else f.message,
                "evidence": None if passing else json_safe(dict(f.evidence)),
                "waiver": f.waiver.to_dict() if f.waiver is not None else None,
            }

    return head, findings()


def retention_days(value: int | str | None = None) -> int | None:
    """Days of history to keep: ``value``, else CLOUDGOV_HISTORY_RETENTION_DAYS, else
    cloudgov.yaml's ``history.retention_days``, else None (keep all)."""
    raw = value if value is not None else os.environ.get(RETENTION_ENV)
    if raw is None or raw == "":
        from scanner.config import load_config

        return load_config().history_retention_days
    try:
        days = int(raw)
    except (TypeError, ValueError):
        raise InputError(f"{RETENTION_ENV}: {raw!r} is not a whole number of days") from None
    if days <= 0:
        raise InputError(f"history retention must be a positive number of days, not {days}")
    return days


def prune(session: Session, keep_days: int, now: dt.datetime | None = None) -> int:
    """Delete scans evaluated more than ``keep_days`` before ``now``; returns how many."""
    from sqlalchemy import delete, select

    from scanner.store.models_history import ResourceCount, Rollup, Scan, StoredFinding, StoredGap

    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=keep_days)
    ids = list(session.scalars(select(Scan.id).where(Scan.evaluated_at < cutoff)))
    if not ids:
        return 0
    # explicit deletes: SQLite enforces ON DELETE CASCADE only with foreign_keys on, PostgreSQL always
    for model in (StoredFinding, Rollup, ResourceCount, StoredGap):
        session.execute(delete(model).where(model.scan_id.in_(ids)))
    session.execute(delete(Scan).where(Scan.id.in_(ids)))
    return len(ids)


def _apply_retention(session: Session) -> int:
    days = retention_days()
    return prune(session, days) if days else 0


def record_scan(result: ScanResult, db_url: str | None = None) -> int:
    """Keep one scan in the database (``--store``); returns its id."""
    import scanner.store.models_history  # noqa: F401  (maps the tables)
    from scanner.store.db import open_db, write_with_retry

    engine = open_db(db_url)
    head, found = _result_document(result)
    findings = list(found)  # a retry stores them again

    def store(session: Session) -> int:
        scan, _created = store_document(session, head, findings, origin="scan")
        _apply_retention(session)
        return scan.id

    return write_with_retry(engine, store)


def read_document(path: Path) -> dict[str, Any]:
    """A findings JSON document (schema cloudgov.findings/1), or InputError in one sentence."""
    from scanner.docfile import check_file, max_input_bytes, parse_json, read_text
    from scanner.schemas import FindingsDocument, validate

    if Path(path).is_dir():
        raise InputError(f"{path}: is a folder; give the folder itself to import every findings file in it")
    check_file(path, limit=max_input_bytes(), what="a findings document")
    doc = parse_json(read_text(path, limit=max_input_bytes(), what="a findings document"), path)
    if not isinstance(doc, dict) or doc.get("schema") != FINDINGS_SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise InputError(f"{path}: not a cloudgov findings document (schema {found!r}, expected {FINDINGS_SCHEMA!r})")
    if not isinstance(doc.get("findings"), list):
        raise InputError(f"{path}: the findings document has no findings list")
    validate(FindingsDocument, doc, path)
    if parse_time(doc.get("evaluated_at")) is None:
        raise InputError(f"{path}: evaluated_at: {doc.get('evaluated_at')!r} is not a timestamp")
    return doc


def _candidates(paths: Iterable[Path]) -> list[tuple[Path, bool]]:
    """(file, given explicitly). Folders contribute their *.json files, sorted."""
    out: list[tuple[Path, bool]] = []
    for p in paths:
        if p.is_dir():
            out += [(f, False) for f in sorted(p.rglob("*.json"))]
        elif p.exists():
            out.append((p, True))
        else:
            raise InputError(f"{p}: no such file or folder")
    return out


def import_paths(paths: Iterable[Path], db_url: str | None = None) -> list[ImportOutcome]:
    """Import findings files (or folders of them) into the history, each in its own transaction.

    A file given by name must be a findings document; inside a folder, other JSON files are
    skipped and reported.
    """
    import scanner.store.models_history  # noqa: F401
    from scanner.store.db import open_db, write_with_retry

    candidates = _candidates(paths)
    # every file read and validated before anything is written: one bad file, nothing kept
    docs: list[tuple[Path, dict[str, Any]]] = []
    outcomes: list[ImportOutcome] = []
    for path, explicit in candidates:
        try:
            docs.append((path, read_document(path)))
        except InputError as e:
            if explicit:
                raise
            outcomes.append(ImportOutcome(path, None, False, "", 0, note=f"skipped: {e}"))
    engine = open_db(db_url)

    def store_all(session: Session) -> list[ImportOutcome]:
        stored = []
        for path, doc in docs:
            head = {k: v for k, v in doc.items() if k != "findings"}
            findings = doc["findings"]
            scan, created = store_document(session, head, findings, origin=f"import:{path.name}")
            stored.append(
                ImportOutcome(path, scan.id, created, doc.get("evaluated_at", ""), len(findings),
                              note="" if created else "already in the history")
            )
        if stored:
            _apply_retention(session)
        return stored

    # one transaction for the whole invocation; a concurrent import of the same file makes
    # ours retry and then find the scan already there
    outcomes = write_with_retry(engine, store_all) + outcomes
    order = {path: i for i, (path, _) in enumerate(candidates)}
    outcomes.sort(key=lambda o: order[o.path])
    return outcomes
