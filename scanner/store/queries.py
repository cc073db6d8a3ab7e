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

__all__ = ["FindingFilter", "scan_rows", "get_scan", "findings", "facets", "diff", "gaps", "FILTER_FIELDS"]

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
    page: int = 1
    per_page: int = 50
    extra: dict[str, Any] = field(default_factory=dict)


def _where(stmt: Any, scan_id: int, f: FindingFilter) -> Any:
    from sqlalchemy import or_, tuple_

    from scanner.store.models_history import StoredFinding as F

    stmt = stmt.where(F.scan_id == scan_id)
    for name in FILTER_FIELDS:
        value = getattr(f, name)
        if value:
            stmt = stmt.where(getattr(F, name) == value)
    if f.control:
        # controls is a JSON list of ids; its text form holds each id quoted
        stmt = stmt.where(cast(F.controls, String).like(f'%"{_escape_like(f.control)}"%', escape="\\"))
    if f.text:
        pattern = f"%{_escape_like(f.text)}%"
        stmt = stmt.where(or_(F.resource_id.like(pattern, escape="\\"), F.name.like(pattern, escape="\\"),
                              F.message.like(pattern, escape="\\")))
    if f.accounts is not None:
        if not f.accounts:
            return stmt.where(F.id < 0)
        stmt = stmt.where(tuple_(F.provider, F.account).in_(f.accounts))
    return stmt


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def findings(session: Session, scan_id: int, f: FindingFilter) -> tuple[list[Any], int]:
    """One page of a scan's non-passing findings (FAIL, ERROR, WAIVED) and how many match."""
    from scanner.store.models_history import StoredFinding as F

    get_scan(session, scan_id)
    page = max(1, int(f.page))
    per_page = min(max(1, int(f.per_page)), 500)
    total = session.scalar(_where(select(func.count(F.id)), scan_id, f)) or 0
    from sqlalchemy import case

    severity_order = case({"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}, value=F.severity, else_=5)
    rows = session.scalars(
        _where(select(F), scan_id, f).order_by(severity_order, F.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(rows), int(total)


_facet_cache: dict[tuple[str, int], dict[str, list[str]]] = {}


def facets(session: Session, scan_id: int) -> dict[str, list[str]]:
    """The values each filter can take in this scan (a stored scan never changes: cached)."""
    from scanner.store.models_history import StoredFinding as F

    key = (str(session.get_bind().url), scan_id)
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
