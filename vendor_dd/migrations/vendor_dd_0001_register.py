"""vendor register: providers, services, scopes, contracts, clauses, reviews, audits, evidence, changes

Revision ID: vendor_dd_0001
Revises:
Create Date: 2026-01-10
"""
import sqlalchemy as sa
from alembic import op

revision = "vendor_dd_0001"
down_revision = None
branch_labels = ("vendor_dd",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_provider",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        sa.Column("legal_name", sa.String(300), nullable=False),
        sa.Column("name_en", sa.String(300)),
        sa.Column("identifiers", sa.JSON, nullable=False),
        sa.Column("headquarters_country", sa.String(2)),
        sa.Column("ultimate_parent", sa.String(300)),
        sa.Column("certifications", sa.JSON, nullable=False),
    )
    op.create_table(
        "vendor_service",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("vendor_provider.id", ondelete="CASCADE"), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("service_model", sa.String(10)),
        sa.Column("material", sa.Boolean),
        sa.Column("materiality_criteria", sa.JSON, nullable=False),
        sa.Column("materiality_approved_by", sa.String(200)),
        sa.Column("materiality_approved_on", sa.Date),
        sa.Column("natural_person_data", sa.Boolean),
        sa.Column("core_system", sa.Boolean),
        sa.Column("rto_hours", sa.Float),
        sa.Column("rpo_hours", sa.Float),
        sa.Column("substitutability", sa.String(20)),
        sa.Column("declared_regions", sa.JSON),
        sa.Column("subcontractors", sa.JSON, nullable=False),
        sa.Column("next_review_override", sa.Date),
        sa.UniqueConstraint("provider_id", "slug"),
    )
    op.create_table(
        "vendor_scope",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("vendor_service.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cloud", sa.String(20), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.UniqueConstraint("service_id", "cloud", "account"),
    )
    op.create_table(
        "vendor_contract",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("vendor_provider.id", ondelete="CASCADE"), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("title", sa.String(300)),
        sa.Column("signed_on", sa.Date),
        sa.Column("effective_on", sa.Date),
        sa.Column("expires_on", sa.Date),
        sa.Column("notice_period_days", sa.Integer),
        sa.Column("governing_law", sa.String(100)),
        sa.UniqueConstraint("provider_id", "slug"),
    )
    op.create_table(
        "vendor_contract_service",
        sa.Column("contract_id", sa.Integer, sa.ForeignKey("vendor_contract.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("vendor_service.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "vendor_clause",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("contract_id", sa.Integer, sa.ForeignKey("vendor_contract.id", ondelete="CASCADE"), nullable=False),
        sa.Column("clause", sa.String(50), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("section", sa.String(100)),
        sa.Column("note", sa.Text),
        sa.UniqueConstraint("contract_id", "clause"),
    )
    op.create_table(
        "vendor_review",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("vendor_service.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("completed_on", sa.Date),
        sa.Column("reviewer", sa.String(200)),
        sa.Column("approver", sa.String(200)),
        sa.Column("declared_regions", sa.JSON),
        sa.Column("notes", sa.Text),
    )
    op.create_table(
        "vendor_review_domain",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("vendor_review.id", ondelete="CASCADE"), nullable=False),
        sa.Column("domain", sa.String(50), nullable=False),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("finding", sa.Text),
        sa.Column("evidence", sa.Text),
        sa.Column("compensating", sa.Text),
        sa.UniqueConstraint("review_id", "domain"),
    )
    op.create_table(
        "vendor_evidence",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("vendor_provider.id", ondelete="CASCADE"), nullable=False),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("vendor_service.id", ondelete="SET NULL")),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, index=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("stored_path", sa.String(500), nullable=False),
        sa.Column("valid_from", sa.Date),
        sa.Column("valid_until", sa.Date),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("provider_id", "kind", "filename", "revision"),
    )
    op.create_table(
        "vendor_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("provider_id", sa.Integer, sa.ForeignKey("vendor_provider.id", ondelete="CASCADE"), nullable=False),
        sa.Column("party", sa.String(20), nullable=False),
        sa.Column("audit_date", sa.Date, nullable=False),
        sa.Column("scope", sa.Text),
        sa.Column(
            "report_evidence_id", sa.Integer, sa.ForeignKey("vendor_evidence.id", ondelete="SET NULL")
        ),
    )
    op.create_table(
        "vendor_audit_service",
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("vendor_audit.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("vendor_service.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "vendor_audit_finding",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("vendor_audit.id", ondelete="CASCADE"), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("severity", sa.String(10)),
        sa.Column("remediation_due", sa.Date),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("closed_on", sa.Date),
    )
    op.create_table(
        "vendor_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("entity", sa.String(30), nullable=False),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("details", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "vendor_change",
        "vendor_audit_finding",
        "vendor_audit_service",
        "vendor_audit",
        "vendor_evidence",
        "vendor_review_domain",
        "vendor_review",
        "vendor_clause",
        "vendor_contract_service",
        "vendor_contract",
        "vendor_scope",
        "vendor_service",
        "vendor_provider",
    ):
        op.drop_table(table)
