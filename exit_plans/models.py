"""SQLAlchemy 2 models of exit plans, on the shared ``scanner.store.db.Base``.

ExitPlan (one per vendor service, ETG 9.5) → ExitTest (ETG 9.2 exercises); Sighting (the
first time a scan saw the service's clouds: its go-live when no contract says so);
Termination (ETG 9.6: the certificate of complete deletion, hashed into vendor_dd's
evidence store) → Verification (a post-exit scan and what it still found). Every table
is prefixed ``exit_``; schema changes go through ``exit_plans/migrations``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import vendor_dd.models  # noqa: F401  (the tables our foreign keys point at)
from scanner.store.db import Base
from vendor_dd.models import Evidence, Service

__all__ = ["ExitPlan", "ExitTest", "Sighting", "Termination", "Verification"]


class ExitPlan(Base):
    __tablename__ = "exit_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("vendor_service.id", ondelete="CASCADE"), unique=True)
    version: Mapped[str | None] = mapped_column(String(50))
    approved_on: Mapped[date | None] = mapped_column(Date)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    go_live: Mapped[date | None] = mapped_column(Date)  # as the plan states it; else contract / sighting
    strategy: Mapped[str | None] = mapped_column(String(30))  # vocab.STRATEGIES
    target: Mapped[str | None] = mapped_column(String(300))
    triggers: Mapped[list[str]] = mapped_column(JSON, default=list)
    stressed_playbook: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the provider fails
    planned_playbook: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # an orderly exit
    transition_hours: Mapped[float | None] = mapped_column(Float)
    export_formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    dependencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    roles: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    success_criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    next_test_due: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship()
    tests: Mapped[list[ExitTest]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="(ExitTest.tested_on, ExitTest.id)"
    )


class ExitTest(Base):
    """One exercise of the plan: tabletop, restore, partial or full migration."""

    __tablename__ = "exit_test"
    __table_args__ = (UniqueConstraint("plan_id", "tested_on", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("exit_plan.id", ondelete="CASCADE"))
    tested_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(30))  # vocab.TEST_KINDS
    result: Mapped[str] = mapped_column(String(30))  # vocab.TEST_RESULTS
    scenario: Mapped[str | None] = mapped_column(String(20))  # vocab.SCENARIOS
    evidence: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[ExitPlan] = relationship(back_populates="tests")


class Sighting(Base):
    """The earliest scan that saw one of the service's cloud scopes."""

    __tablename__ = "exit_sighting"

    service_id: Mapped[int] = mapped_column(ForeignKey("vendor_service.id", ondelete="CASCADE"), primary_key=True)
    first_seen: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(String(300))


class Termination(Base):
    __tablename__ = "exit_termination"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("vendor_service.id", ondelete="CASCADE"), unique=True)
    terminated_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_evidence.id", ondelete="SET NULL"))
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    certificate_issued_by: Mapped[str | None] = mapped_column(String(300))
    certificate_issued_on: Mapped[date | None] = mapped_column(Date)
    scope: Mapped[list[str]] = mapped_column(JSON, default=list)  # vocab.DELETION_SCOPES the certificate covers
    extra_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)  # "aws:999…" beyond the service's own
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    service: Mapped[Service] = relationship()
    certificate: Mapped[Evidence | None] = relationship()
    verifications: Mapped[list[Verification]] = relationship(
        back_populates="termination", cascade="all, delete-orphan", order_by="Verification.id"
    )


class Verification(Base):
    """A post-exit scan checked against the termination: pass, fail or incomplete."""

    __tablename__ = "exit_verification"

    id: Mapped[int] = mapped_column(primary_key=True)
    termination_id: Mapped[int] = mapped_column(ForeignKey("exit_termination.id", ondelete="CASCADE"))
    verified_on: Mapped[date] = mapped_column(Date)
    collected_at: Mapped[str | None] = mapped_column(String(40))  # the scan's own time
    result: Mapped[str] = mapped_column(String(20))  # pass / fail / incomplete
    leftovers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    gaps: Mapped[list[str]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[str] = mapped_column(String(200))

    termination: Mapped[Termination] = relationship(back_populates="verifications")
