"""SQLAlchemy 2 models of the register, on the shared ``scanner.store.db.Base``.

Provider → Service (materiality 重大性, linked cloud scopes) → Contract (one row per
required clause) ; due-diligence Review (one row per ETG 5.1 domain) ; AuditEvent (ETG
Art. 6) ; Evidence (hashed files, revisions) ; Change (who changed what, when: the
register's own audit trail, CSM CC-18000 (5)). Every table is prefixed ``vendor_``.
Schema changes go through ``vendor_dd/migrations``; keep the two in step.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from scanner.records.models import Change
from scanner.store.db import Base

__all__ = [
    "Provider",
    "Service",
    "CloudScope",
    "Contract",
    "Clause",
    "Review",
    "ReviewDomain",
    "AuditEvent",
    "AuditFinding",
    "Evidence",
    "Change",
    "Setting",
]

contract_service = Table(
    "vendor_contract_service",
    Base.metadata,
    Column("contract_id", ForeignKey("vendor_contract.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("vendor_service.id", ondelete="CASCADE"), primary_key=True),
)

audit_service = Table(
    "vendor_audit_service",
    Base.metadata,
    Column("audit_id", ForeignKey("vendor_audit.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("vendor_service.id", ondelete="CASCADE"), primary_key=True),
)


class Provider(Base):
    __tablename__ = "vendor_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str | None] = mapped_column(String(300))
    identifiers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # tw_ubn (統一編號), lei, …
    headquarters_country: Mapped[str | None] = mapped_column(String(2))
    ultimate_parent: Mapped[str | None] = mapped_column(String(300))
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)

    services: Mapped[list[Service]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="Service.slug"
    )
    contracts: Mapped[list[Contract]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="Contract.slug"
    )
    audits: Mapped[list[AuditEvent]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="AuditEvent.audit_date"
    )
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="provider", cascade="all, delete-orphan", order_by="(Evidence.kind, Evidence.filename, Evidence.revision)"
    )

    def identity(self) -> dict[str, Any]:
        """Who the provider is, as the export file and ``vendor show`` both give it."""
        return {
            "id": self.slug,
            "legal_name": self.legal_name,
            "name_en": self.name_en,
            "identifiers": dict(self.identifiers or {}),
            "headquarters_country": self.headquarters_country,
            "ultimate_parent": self.ultimate_parent,
            "certifications": list(self.certifications or []),
        }


class Service(Base):
    __tablename__ = "vendor_service"
    __table_args__ = (UniqueConstraint("provider_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("vendor_provider.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(300))
    service_model: Mapped[str | None] = mapped_column(String(10))  # IaaS / PaaS / SaaS
    # 重大性: None = not yet assessed (unknown), never "not material"
    material: Mapped[bool | None] = mapped_column(Boolean)
    materiality_criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    materiality_approved_by: Mapped[str | None] = mapped_column(String(200))
    materiality_approved_on: Mapped[date | None] = mapped_column(Date)
    natural_person_data: Mapped[bool | None] = mapped_column(Boolean)  # holds natural-person customer data
    core_system: Mapped[bool | None] = mapped_column(Boolean)
    rto_hours: Mapped[float | None] = mapped_column(Float)
    rpo_hours: Mapped[float | None] = mapped_column(Float)
    substitutability: Mapped[str | None] = mapped_column(String(20))
    declared_regions: Mapped[list[str] | None] = mapped_column(JSON)  # None = not declared
    subcontractors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # fourth parties
    next_review_override: Mapped[date | None] = mapped_column(Date)
    cadence_days: Mapped[int | None] = mapped_column(Integer)  # per-service cadence (migration 0002)

    provider: Mapped[Provider] = relationship(back_populates="services")
    scopes: Mapped[list[CloudScope]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="(CloudScope.cloud, CloudScope.account)"
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Review.id"
    )

    @property
    def key(self) -> str:
        return f"{self.provider.slug}/{self.slug}"


class CloudScope(Base):
    """A cloud account / subscription / project operated under this service."""

    __tablename__ = "vendor_scope"
    __table_args__ = (UniqueConstraint("service_id", "cloud", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("vendor_service.id", ondelete="CASCADE"))
    cloud: Mapped[str] = mapped_column(String(20))  # aws / azure / gcp
    account: Mapped[str] = mapped_column(String(200))

    service: Mapped[Service] = relationship(back_populates="scopes")


class Contract(Base):
    __tablename__ = "vendor_contract"
    __table_args__ = (UniqueConstraint("provider_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("vendor_provider.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(300))
    signed_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    notice_period_days: Mapped[int | None] = mapped_column(Integer)
    governing_law: Mapped[str | None] = mapped_column(String(100))

    provider: Mapped[Provider] = relationship(back_populates="contracts")
    # empty = the contract covers every service of the provider (a master agreement)
    services: Mapped[list[Service]] = relationship(secondary=contract_service, order_by="Service.slug")
    clauses: Mapped[list[Clause]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="Clause.clause"
    )


class Clause(Base):
    __tablename__ = "vendor_clause"
    __table_args__ = (UniqueConstraint("contract_id", "clause"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("vendor_contract.id", ondelete="CASCADE"))
    clause: Mapped[str] = mapped_column(String(50))  # vendor_dd.domains.CLAUSES
    status: Mapped[str] = mapped_column(String(10))  # present / partial / missing
    section: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)

    contract: Mapped[Contract] = relationship(back_populates="clauses")


class Review(Base):
    """A due-diligence review (盡職調查) of one service over the ETG 5.1 domains."""

    __tablename__ = "vendor_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("vendor_service.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))  # in_progress / completed
    started_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    reviewer: Mapped[str | None] = mapped_column(String(200))
    approver: Mapped[str | None] = mapped_column(String(200))
    declared_regions: Mapped[list[str] | None] = mapped_column(JSON)  # data locations the review found
    notes: Mapped[str | None] = mapped_column(Text)

    service: Mapped[Service] = relationship(back_populates="reviews")
    domains: Mapped[list[ReviewDomain]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewDomain.id"
    )


class ReviewDomain(Base):
    __tablename__ = "vendor_review_domain"
    __table_args__ = (UniqueConstraint("review_id", "domain"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("vendor_review.id", ondelete="CASCADE"))
    domain: Mapped[str] = mapped_column(String(50))  # vendor_dd.domains.REVIEW_DOMAINS
    result: Mapped[str] = mapped_column(String(20), default="pending")
    finding: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    compensating: Mapped[str | None] = mapped_column(Text)  # 補償性措施

    review: Mapped[Review] = relationship(back_populates="domains")


class AuditEvent(Base):
    """An audit of the provider (ETG Art. 6). A future date is a planned audit."""

    __tablename__ = "vendor_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("vendor_provider.id", ondelete="CASCADE"))
    party: Mapped[str] = mapped_column(String(20))  # vendor_dd.domains.AUDIT_PARTIES
    audit_date: Mapped[date] = mapped_column(Date)
    scope: Mapped[str | None] = mapped_column(Text)
    report_evidence_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_evidence.id", ondelete="SET NULL"))

    provider: Mapped[Provider] = relationship(back_populates="audits")
    services: Mapped[list[Service]] = relationship(secondary=audit_service, order_by="Service.slug")
    report: Mapped[Evidence | None] = relationship(foreign_keys=[report_evidence_id])
    findings: Mapped[list[AuditFinding]] = relationship(
        back_populates="audit", cascade="all, delete-orphan", order_by="AuditFinding.id"
    )


class AuditFinding(Base):
    __tablename__ = "vendor_audit_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("vendor_audit.id", ondelete="CASCADE"))
    description: Mapped[str] = mapped_column(Text)
    severity: Mapped[str | None] = mapped_column(String(10))
    remediation_due: Mapped[date | None] = mapped_column(Date)
    owner: Mapped[str | None] = mapped_column(String(200))  # who remediates it (migration 0003)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open / closed
    closed_on: Mapped[date | None] = mapped_column(Date)

    audit: Mapped[AuditEvent] = relationship(back_populates="findings")


class Evidence(Base):
    """A file in the evidence store: hashed, copied, never modified; re-adds are revisions."""

    __tablename__ = "vendor_evidence"
    __table_args__ = (UniqueConstraint("provider_id", "kind", "filename", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("vendor_provider.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("vendor_service.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(50))
    filename: Mapped[str] = mapped_column(String(300))
    revision: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    stored_path: Mapped[str] = mapped_column(String(500))  # relative to the evidence store
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    added_by: Mapped[str] = mapped_column(String(200))

    provider: Mapped[Provider] = relationship(back_populates="evidence")
    service: Mapped[Service | None] = relationship()


class Setting(Base):
    """Register settings, e.g. ``review_cadence_days`` (migration 0002)."""

    __tablename__ = "vendor_setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
