"""exit plans: plans, tests, sightings, terminations, verifications

Revision ID: exit_plans_0001
Revises:
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "exit_plans_0001"
down_revision = None
branch_labels = ("exit_plans",)
depends_on = "vendor_dd_0001"  # vendor_service, vendor_evidence


def upgrade() -> None:
    op.create_table(
        "exit_plan",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("vendor_service.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("version", sa.String(50)),
        sa.Column("approved_on", sa.Date),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("go_live", sa.Date),
        sa.Column("strategy", sa.String(30)),
        sa.Column("target", sa.String(300)),
        sa.Column("triggers", sa.JSON, nullable=False),
        sa.Column("stressed_playbook", sa.JSON),
        sa.Column("planned_playbook", sa.JSON),
        sa.Column("transition_hours", sa.Float),
        sa.Column("export_formats", sa.JSON, nullable=False),
        sa.Column("dependencies", sa.JSON, nullable=False),
        sa.Column("roles", sa.JSON, nullable=False),
        sa.Column("success_criteria", sa.JSON, nullable=False),
        sa.Column("next_test_due", sa.Date),
        sa.Column("notes", sa.Text),
    )
    op.create_table(
        "exit_test",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("plan_id", sa.Integer, sa.ForeignKey("exit_plan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tested_on", sa.Date, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("result", sa.String(30), nullable=False),
        sa.Column("scenario", sa.String(20)),
        sa.Column("evidence", sa.String(500)),
        sa.Column("notes", sa.Text),
        sa.UniqueConstraint("plan_id", "tested_on", "kind"),
    )
    op.create_table(
        "exit_sighting",
        sa.Column("service_id", sa.Integer, sa.ForeignKey("vendor_service.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("first_seen", sa.Date, nullable=False),
        sa.Column("source", sa.String(300)),
    )
    op.create_table(
        "exit_termination",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service_id", sa.Integer, sa.ForeignKey("vendor_service.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("terminated_on", sa.Date, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("certificate_id", sa.Integer, sa.ForeignKey("vendor_evidence.id", ondelete="SET NULL")),
        sa.Column("certificate_sha256", sa.String(64)),
        sa.Column("certificate_issued_by", sa.String(300)),
        sa.Column("certificate_issued_on", sa.Date),
        sa.Column("scope", sa.JSON, nullable=False),
        sa.Column("extra_scopes", sa.JSON, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "exit_verification",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("termination_id", sa.Integer, sa.ForeignKey("exit_termination.id", ondelete="CASCADE"), nullable=False),
        sa.Column("verified_on", sa.Date, nullable=False),
        sa.Column("collected_at", sa.String(40)),
        sa.Column("result", sa.String(20), nullable=False),
        sa.Column("leftovers", sa.JSON, nullable=False),
        sa.Column("gaps", sa.JSON, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    for table in ("exit_verification", "exit_termination", "exit_sighting", "exit_test", "exit_plan"):
        op.drop_table(table)
