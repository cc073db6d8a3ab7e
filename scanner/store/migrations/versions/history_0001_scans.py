"""scan history: scans, non-passing findings, per-policy rollups, resource counts, coverage gaps

Revision ID: history_0001
Revises:
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "history_0001"
down_revision = None
branch_labels = ("history",)
depends_on = None



def upgrade() -> None:
    op.create_table(
        "history_scan",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(64), nullable=False, unique=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("tool_version", sa.String(50)),
        sa.Column("resource_count", sa.Integer, nullable=False),
        sa.Column("finding_count", sa.Integer, nullable=False),
        sa.Column("accounts", sa.JSON, nullable=False),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("policies", sa.JSON, nullable=False),
        sa.Column("waiver_problems", sa.JSON, nullable=False),
    )
    op.create_index("ix_history_scan_evaluated_at", "history_scan", ["evaluated_at"])
    op.create_table(
        "history_finding",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("history_scan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("policy", sa.String(100), nullable=False),
        sa.Column("area", sa.String(30), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("resource_id", sa.Text, nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100)),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("controls", sa.JSON, nullable=False),
        sa.Column("waiver", sa.JSON),
        sa.Column("evidence", sa.JSON),
    )
    op.create_index("ix_history_finding_scan_account", "history_finding", ["scan_id", "provider", "account"])
    op.create_index("ix_history_finding_fingerprint", "history_finding", ["fingerprint"])
    op.create_table(
        "history_rollup",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("history_scan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("policy", sa.String(100), nullable=False),
        sa.Column("area", sa.String(30), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_history_rollup_scan", "history_rollup", ["scan_id"])
    op.create_table(
        "history_resources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("history_scan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100)),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_history_resources_scan", "history_resources", ["scan_id"])
    op.create_table(
        "history_gap",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("history_scan.id", ondelete="CASCADE"), nullable=False),
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("region", sa.String(100)),
        sa.Column("service", sa.String(100), nullable=False),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_index("ix_history_gap_scan_id", "history_gap", ["scan_id"])


def downgrade() -> None:
    for table in ("history_gap", "history_resources", "history_rollup", "history_finding", "history_scan"):
        op.drop_table(table)
