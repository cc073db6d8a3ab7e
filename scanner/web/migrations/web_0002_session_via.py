"""web application: how a session was opened (password or single sign-on)

A session opened through OpenID Connect whose provider says a second factor was used
(``amr``) satisfies the rule that administrators and approvers have one, without a TOTP
enrolment of their own; a password session never does.

Revision ID: web_0002
Revises: web_0001
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "web_0002"
down_revision = "web_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("web_session") as batch:
        batch.add_column(sa.Column("via", sa.String(20), nullable=False, server_default="password"))


def downgrade() -> None:
    with op.batch_alter_table("web_session") as batch:
        batch.drop_column("via")
