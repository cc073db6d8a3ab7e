"""vendor register: configurable review cadence (settings table, per-service override)

Revision ID: vendor_dd_0002
Revises: vendor_dd_0001
Create Date: 2026-01-12
"""
import sqlalchemy as sa
from alembic import op

revision = "vendor_dd_0002"
down_revision = "vendor_dd_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_setting",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value", sa.JSON),
    )
    with op.batch_alter_table("vendor_service") as batch:
        batch.add_column(sa.Column("cadence_days", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("vendor_service") as batch:
        batch.drop_column("cadence_days")
    op.drop_table("vendor_setting")
