"""Reading the scan history: scans, a filtered and paged findings list, the difference of two
scans, coverage gaps. Shared by ``cloudgov history list`` and the web application's pages
and JSON API (one query layer, not one per front door)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, func, select

from scanner.errors import InputError
from scanner.store.history import as_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scanner.store.models_history import Scan

__all__ = ["FindingFilter", "scan_rows", "get_scan", "findings", "cursor", "parse_cursor", "facets", "diff", "gaps", "FILTER_FIELDS"]

FILTER_FIELDS = ("area", "policy", "severity", "status", "provider", "account")


def _pass_rates(summary: dict[str, Any]) -> dict[str, float | None]:
    rates = {}
    for area, c in (summary or {}).get("by_area", {}).items():
        applicable = sum(c.get(k, 0) for k in ("PASS", "FAIL", "ERROR", "WAIVED"))
        rates[area] = None if not applicable else round(c.get("PASS", 0) / applicable, 4)
    return rates


def scan_row(s: Scan) -> dict[str, Any]:
    return {
        "id": s.id,
        "evaluated_at": as_utc(s.evaluated_at).isoformat().replace("+00:00", "Z"),
        "origin": s.origin,
        "source": s.source,
        "accounts": [f"{a['provider']}:{a['account']}" for a in s.accounts or ()],
        "resources": s.resource_count,
        "by_status": (s.summary or {}).get("by_status", {}),
        "pass_rate": _pass_rates(s.summary or {}),
    }


def scan_rows(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """The newest ``limit`` stored scans, newest first."""
    from scanner.store.models_history import Scan

    scans = session.scalars(select(Scan).order_by(Scan.evaluated_at.desc(), Scan.id.desc()).limit(limit)).all()
    return [scan_row(s) for s in scans]


def get_scan(session: Session, scan_id: int) -> Scan:
    from scanner.store.models_history import Scan

    scan = session.get(Scan, scan_id)
    if scan is None:
        raise InputError(f"no stored scan {scan_id} (cloudgov history list shows them)")
    return scan


@dataclass
class FindingFilter:
    """Exact values per field (empty: any); ``control`` matches one control id; ``text``
    searches resource id, name and message; ``accounts`` limits to (provider, account) pairs."""

    area: str | None = None
    policy: str | None = None
    severity: str | None = None
    status: str | None = None
    provider: str | None = None
    account: str | None = None
    control: str | None = None
    text: str | None = None
    accounts: list[tuple[str, str]] | None = None
    after: tuple[int, int] | None = None  # keyset: continue after this (severity_order, id)
    page: int = 1
    per_page: int = 50
    extra: dict[str, Any] = field(default_factory=dict)


def _where(stmt: Any, scan_id: int, f: FindingFilter, dialect: str) -> Any:
    from sqlalchemy import tuple_

    from scanner.store.models_history import StoredFinding as F

    stmt = stmt.where(F.scan_id == scan_id)
    for name in FILTER_FIELDS:
        value = getattr(f, name)
        if value:
            stmt = stmt.where(getattr(F, name) == value)
    if f.severity:  # one severity is one severity_order: a range of the page index
        from scanner.store.models_history import SEVERITY_ORDER

        stmt = stmt.where(F.severity_order == SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)))
    if f.control:
        # controls is a JSON list of ids; its text form holds each id quoted
        stmt = stmt.where(cast(F.controls, String).like(f'%"{_escape_like(f.control)}"%', escape="\\"))
    if f.text:
        stmt = stmt.where(_text_match(f.text, dialect))
    if f.accounts is not None:
        if not f.accounts:
            return stmt.where(F.id < 0)
        stmt = stmt.where(tuple_(F.provider, F.account).in_(f.accounts))
    return stmt


def _text_match(words: str, dialect: str) -> Any:
    """Resource id, name or message contain ``words`` (case-insensitive), through the trigram
    index of ``history_0002`` where there is one: SQLite's FTS5 table (three characters or
    more: a trigram needs three), PostgreSQL's pg_trgm index (which serves ILIKE)."""
    from sqlalchemy import or_, text

    from scanner.store.models_history import StoredFinding as F

    if dialect == "sqlite" and len(words) >= 3:
        phrase = '"' + words.replace('"', '""') + '"'  # one phrase: the words as typed, quotes and all
        return F.id.in_(text("SELECT rowid FROM history_finding_text WHERE history_finding_text MATCH :phrase")
                        .bindparams(phrase=phrase))
    pattern = f"%{_escape_like(words)}%"
    return or_(*(c.ilike(pattern, escape="\\") for c in (F.resource_id, F.name, F.message)))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def findings(session: Session, scan_id: int, f: FindingFilter) -> tuple[list[Any], int]:
    """One page of a scan's non-passing findings (FAIL, ERROR, WAIVED), most severe first, and
    how many match.

    The database orders and limits: ``severity_order, id`` is the last part of every page
    index (``history_0002``), so a page is read in index order rather than by sorting the
    scan. ``f.after`` (a cursor from :func:`cursor`) continues after a row instead of
    counting an offset. A stored scan never changes, so the count of matches per filter is
    cached for the scan's identity.
    """
    from sqlalchemy import tuple_

    from scanner.store.models_history import StoredFinding as F

    scan = get_scan(session, scan_id)
    page = max(1, int(f.page))
    per_page = min(max(1, int(f.per_page)), 500)
    total = _count(session, scan, f)
    stmt = _where(select(F), scan_id, f, session.get_bind().dialect.name)
    if f.after is not None:
        stmt = stmt.where(tuple_(F.severity_order, F.id) > tuple_(*f.after))
    else:
        stmt = stmt.offset((page - 1) * per_page)
    rows = session.scalars(stmt.order_by(F.severity_order, F.id).limit(per_page)).all()
    return list(rows), total


def cursor(row: Any) -> str:
    """Where the next page starts: after this row (``severity_order.id``)."""
    return f"{row.severity_order}.{row.id}"


def parse_cursor(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    order, sep, rid = text.partition(".")
    if not (sep and order.isdigit() and rid.isdigit() and len(order) < 3 and len(rid) < 11):
        raise InputError(f"after: {text[:40]!r} is not a cursor from a previous page")
    return int(order), int(rid)


_count_cache: dict[tuple[Any, ...], int] = {}


def _count(session: Session, scan: Scan, f: FindingFilter) -> int:
    from scanner.store.models_history import StoredFinding as F

    key = (str(session.get_bind().engine.url), scan.id, scan.uid, *(getattr(f, n) for n in (*FILTER_FIELDS, "control", "text")),
           tuple(f.accounts) if f.accounts is not None else None)
    total = _count_cache.get(key)
    if total is None:
        total = int(session.scalar(_where(select(func.count(F.id)), scan.id, f, session.get_bind().dialect.name)) or 0)
        if len(_count_cache) > 4096:
            _count_cache.clear()
        _count_cache[key] = total
    return total


_facet_cache: dict[tuple[str, int], dict[str, list[str]]] = {}


def facets(session: Session, scan_id: int) -> dict[str, list[str]]:
    """The values each filter can take in this scan (a stored scan never changes: cached)."""
    from scanner.store.models_history import StoredFinding as F

    key = (str(session.get_bind().engine.url), scan_id)
    if key not in _facet_cache:
        out = {}
        for name in FILTER_FIELDS:
            col = getattr(F, name)
            out[name] = sorted(v for v in session.scalars(select(col).where(F.scan_id == scan_id).distinct()) if v)
        if len(_facet_cache) > 256:
            _facet_cache.clear()
        _facet_cache[key] = out
    return _facet_cache[key]


def diff(session: Session, old_id: int, new_id: int) -> dict[str, list[Any]]:
    """What changed between two scans, by finding fingerprint: ``new`` (failing now, not
    before), ``fixed`` (failing before, not now), ``still`` (failing in both)."""
    from scanner.store.models_history import StoredFinding as F

    get_scan(session, old_id)
    get_scan(session, new_id)

    def rows(sid: int) -> dict[str, Any]:
        return {r.fingerprint: r for r in session.scalars(select(F).where(F.scan_id == sid))}

    before, after = rows(old_id), rows(new_id)
    return {
        "new": [after[k] for k in sorted(after.keys() - before.keys())],
        "fixed": [before[k] for k in sorted(before.keys() - after.keys())],
        "still": [after[k] for k in sorted(after.keys() & before.keys())],
    }


def gaps(session: Session, scan_id: int) -> list[Any]:
    from scanner.store.models_history import StoredGap

    get_scan(session, scan_id)
    return list(session.scalars(select(StoredGap).where(StoredGap.scan_id == scan_id).order_by(StoredGap.id)))
