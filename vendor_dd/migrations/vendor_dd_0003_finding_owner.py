"""vendor register: an owner for each audit finding (open → owner and due date → closed)

Revision ID: vendor_dd_0003
Revises: vendor_dd_0002
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "vendor_dd_0003"
down_revision = "vendor_dd_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vendor_audit_finding") as batch:
        batch.add_column(sa.Column("owner", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("vendor_audit_finding") as batch:
        batch.drop_column("owner")
