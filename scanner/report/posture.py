"""The posture of a period, read from the scan history.

A period's posture is, for every (provider, account), the latest stored scan in the period
that covered it: scans split per cloud or per account combine, and a re-scan replaces an
earlier one. Pass rate of an area = PASS ÷ (PASS + FAIL + ERROR + WAIVED): unknown is never
a pass, and a waived finding is an accepted risk, still a risk (NOT_APPLICABLE is left out).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from scanner.report.periods import Period
from scanner.store.history import as_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["Posture", "load_posture", "area_rates", "AREAS", "SEVERITY_RANK"]

def _posture_areas() -> tuple[str, ...]:
    from policies.registry import load_areas

    return tuple(a.name for a in load_areas() if a.board == "posture")


#: the areas of the posture table, as the policy files declare them (``board: posture``)
AREAS = _posture_areas()
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
Pair = tuple[str, str]


@dataclass
class Posture:
    period: Period
    scans: list[dict[str, Any]] = field(default_factory=list)  # id, evaluated_at, source, origin, resources
    pairs: dict[Pair, int] = field(default_factory=dict)  # (provider, account) -> scan id
    rollup: list[tuple] = field(default_factory=list)  # (policy, area, severity, provider, account, region, status, count)
    findings: list[dict[str, Any]] = field(default_factory=list)  # FAIL / ERROR / WAIVED
    resources: list[tuple] = field(default_factory=list)  # (provider, account, region, kind, count)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    waiver_problems: list[str] = field(default_factory=list)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.scans

    @property
    def as_of(self) -> dt.datetime | None:
        return max((s["evaluated_at"] for s in self.scans), default=None)

    def status_counts(self, by: str = "area") -> dict[str, Counter]:
        """{area or policy: Counter(status → findings)}."""
        idx = 1 if by == "area" else 0
        out: dict[str, Counter] = defaultdict(Counter)
        for row in self.rollup:
            out[row[idx]][row[6]] += row[7]
        return dict(out)

    def resource_total(self) -> int:
        return sum(r[4] for r in self.resources)


def rate(counts: Counter) -> float | None:
    """PASS share of the applicable findings; None when nothing applied (unknown, not 100 %)."""
    applicable = sum(counts.get(s, 0) for s in ("PASS", "FAIL", "ERROR", "WAIVED"))
    return None if applicable == 0 else counts.get("PASS", 0) / applicable


def area_rates(posture: Posture) -> dict[str, dict[str, Any]]:
    counts = posture.status_counts("area")
    out = {}
    for area in sorted(set(counts) | set(AREAS), key=lambda a: (AREAS.index(a) if a in AREAS else 99, a)):
        c = counts.get(area, Counter())
        out[area] = {"rate": rate(c), **{s: c.get(s, 0) for s in ("PASS", "FAIL", "ERROR", "WAIVED", "NOT_APPLICABLE")}}
    return out


def _scans_in(session: Session, period: Period) -> list[Any]:
    from sqlalchemy import select

    from scanner.store.models_history import Scan

    # stored naive on SQLite: compare in naive UTC there, aware elsewhere
    start, end = period.start_utc, period.end_utc
    if session.get_bind().dialect.name == "sqlite":
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    stmt = select(Scan).where(Scan.evaluated_at >= start, Scan.evaluated_at < end).order_by(Scan.evaluated_at, Scan.id)
    return list(session.scalars(stmt))


def load_posture(session: Session, period: Period, *, with_findings: bool = True) -> Posture:
    from sqlalchemy import select

    from scanner.store.models_history import (
        ResourceCount,
        Rollup,
        StoredFinding,
        StoredGap,
    )

    scans = _scans_in(session, period)
    posture = Posture(period)
    if not scans:
        return posture
    ids = [s.id for s in scans]
    rollup = session.execute(
        select(Rollup.scan_id, Rollup.policy, Rollup.area, Rollup.severity, Rollup.provider, Rollup.account,
               Rollup.region, Rollup.status, Rollup.count).where(Rollup.scan_id.in_(ids))
    ).all()
    # latest scan per (provider, account): scans are in time order, later ones overwrite
    owner: dict[Pair, int] = {}
    by_scan_pairs: dict[int, set[Pair]] = defaultdict(set)
    for r in rollup:
        by_scan_pairs[r[0]].add((r[4], r[5]))
    for s in scans:
        for a in s.accounts or ():
            by_scan_pairs[s.id].add((a.get("provider") or "", str(a.get("account"))))
        for pair in by_scan_pairs[s.id]:
            owner[pair] = s.id
    chosen = sorted(set(owner.values()))
    posture.pairs = owner
    posture.scans = [
        {"id": s.id, "evaluated_at": as_utc(s.evaluated_at), "source": s.source, "origin": s.origin,
         "resources": s.resource_count, "accounts": len(by_scan_pairs[s.id])}
        for s in scans if s.id in chosen
    ]
    posture.rollup = [tuple(r[1:]) for r in rollup if owner.get((r[4], r[5])) == r[0]]
    for s in scans:
        if s.id in chosen:
            for pid, meta in (s.policies or {}).items():
                posture.policies[pid] = meta
            posture.waiver_problems += [p for p in s.waiver_problems or () if p not in posture.waiver_problems]
    res = session.execute(
        select(ResourceCount.scan_id, ResourceCount.provider, ResourceCount.account, ResourceCount.region,
               ResourceCount.kind, ResourceCount.count).where(ResourceCount.scan_id.in_(chosen))
    ).all()
    posture.resources = [tuple(r[1:]) for r in res if owner.get((r[1], r[2])) == r[0]]
    gaps = session.scalars(select(StoredGap).where(StoredGap.scan_id.in_(chosen))).all()
    posture.gaps = [
        {"provider": g.provider, "account": g.account, "region": g.region, "service": g.service,
         "kinds": list(g.kinds or ()), "code": g.code, "message": g.message}
        for g in gaps if owner.get((g.provider, g.account)) == g.scan_id
    ]
    if with_findings:
        cols = (StoredFinding.scan_id, StoredFinding.fingerprint, StoredFinding.policy, StoredFinding.area,
                StoredFinding.status, StoredFinding.severity, StoredFinding.resource_id, StoredFinding.provider,
                StoredFinding.account, StoredFinding.region, StoredFinding.kind, StoredFinding.name,
                StoredFinding.message, StoredFinding.controls, StoredFinding.waiver)
        names = [c.key for c in cols]
        for row in session.execute(select(*cols).where(StoredFinding.scan_id.in_(chosen))):
            if owner.get((row.provider, row.account)) == row.scan_id:
                posture.findings.append(dict(zip(names, row, strict=True)))
    return posture


def scan_series(session: Session, periods: list[Period]) -> list[dict[str, Any]]:
    """One point per stored scan evaluated in ``periods`` (oldest first): its own pass rate per area."""
    from sqlalchemy import select

    from scanner.store.models_history import Rollup

    scans = [s for p in periods for s in _scans_in(session, p)]
    if not scans:
        return []
    counts: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    rows = session.execute(
        select(Rollup.scan_id, Rollup.area, Rollup.status, Rollup.count).where(Rollup.scan_id.in_([s.id for s in scans]))
    ).all()
    for scan_id, area, status, n in rows:
        counts[scan_id][area][status] += n
    return [{"id": s.id, "at": as_utc(s.evaluated_at), "areas": {a: rate(counts[s.id].get(a, Counter())) for a in AREAS}}
            for s in scans]
