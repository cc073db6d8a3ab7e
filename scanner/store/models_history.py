"""SQLAlchemy models of the scan history, on the shared ``scanner.store.db.Base``.

One row per scan (its scope, configuration, summary and the policies it ran), the
non-passing findings in full (FAIL, ERROR, WAIVED: what the board report lists), and every
finding — passing ones included — as counts per policy × account × region × status
(``history_rollup``), which is what pass rates and trends need. Keeping passing findings as
counts rather than rows keeps 20 scans of 100,000 resources in tens of megabytes. Distinct
resources per account × region × kind (``history_resources``) give the concentration
figures; coverage gaps are kept as they were reported. Tables are prefixed ``history_``;
schema changes go through ``scanner/store/migrations/versions`` (alembic branch ``history``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scanner.store.db import Base

__all__ = ["Scan", "StoredFinding", "Rollup", "ResourceCount", "StoredGap", "SEVERITY_ORDER"]

#: most severe first, as every findings list shows them; anything else sorts last (5)
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


class Scan(Base):
    __tablename__ = "history_scan"

    id: Mapped[int] = mapped_column(primary_key=True)
    # content identity: the same findings document imported twice is stored once
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    evaluated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)  # UTC
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    origin: Mapped[str] = mapped_column(String(500))  # "scan" or "import:<file name>"
    source: Mapped[str] = mapped_column(Text, default="")
    tool_version: Mapped[str | None] = mapped_column(String(50))
    resource_count: Mapped[int] = mapped_column(Integer, default=0)
    finding_count: Mapped[int] = mapped_column(Integer, default=0)
    accounts: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)  # [{provider, account}]
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # by_status, by_area
    policies: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # id -> area, titles, severity, controls
    waiver_problems: Mapped[list[str]] = mapped_column(JSON, default=list)

    findings: Mapped[list[StoredFinding]] = relationship(
        back_populates="scan", cascade="all, delete-orphan", passive_deletes=True
    )
    gaps: Mapped[list[StoredGap]] = relationship(
        back_populates="scan", cascade="all, delete-orphan", passive_deletes=True
    )


class StoredFinding(Base):
    """A FAIL, ERROR or WAIVED finding, as the findings JSON gave it."""

    __tablename__ = "history_finding"
    # one page in index order: each index is (scan_id, [filter columns], severity_order, id)
    __table_args__ = tuple(
        Index(name, "scan_id", *columns, "severity_order", "id")
        for name, columns in (("ix_history_finding_page", ()), ("ix_history_finding_page_area", ("area",)),
                              ("ix_history_finding_page_policy", ("policy",)),
                              ("ix_history_finding_page_status", ("status",)),
                              ("ix_history_finding_page_provider", ("provider",)),
                              ("ix_history_finding_page_account", ("account",)))
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("history_scan.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)  # stable across scans
    policy: Mapped[str] = mapped_column(String(100))
    area: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(10))
    severity_order: Mapped[int] = mapped_column(SmallInteger, default=5)  # SEVERITY_ORDER; pages sort by it
    resource_id: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50))
    name: Mapped[str] = mapped_column(String(500), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    controls: Mapped[list[str]] = mapped_column(JSON, default=list)
    waiver: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    scan: Mapped[Scan] = relationship(back_populates="findings")


class Rollup(Base):
    """How many findings of one policy had one status in one account and region."""

    __tablename__ = "history_rollup"
    __table_args__ = (Index("ix_history_rollup_scan", "scan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("history_scan.id", ondelete="CASCADE"))
    policy: Mapped[str] = mapped_column(String(100))
    area: Mapped[str] = mapped_column(String(30))
    severity: Mapped[str] = mapped_column(String(10))
    provider: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer)


class ResourceCount(Base):
    """Distinct resources evaluated, per account, region and kind (coverage-gap placeholders excluded)."""

    __tablename__ = "history_resources"
    __table_args__ = (Index("ix_history_resources_scan", "scan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("history_scan.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(50))
    count: Mapped[int] = mapped_column(Integer)


class StoredGap(Base):
    """What the scan could not read (a coverage gap), kept as reported."""

    __tablename__ = "history_gap"

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("history_scan.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    service: Mapped[str] = mapped_column(String(100))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    code: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text, default="")

    scan: Mapped[Scan] = relationship(back_populates="gaps")
