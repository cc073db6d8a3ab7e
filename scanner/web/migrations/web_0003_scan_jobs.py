"""web application: scan jobs and their uploaded files, kept in the database

Revision ID: web_0003
Revises: web_0002
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "web_0003"
down_revision = "web_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_scan_job",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("runner", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False, index=True),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("waivers", sa.JSON),
        sa.Column("skipped", sa.JSON, nullable=False),
        sa.Column("scan_id", sa.Integer),
        sa.Column("exit_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("task_id", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "web_scan_job_file",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("job_id", sa.String(32), sa.ForeignKey("web_scan_job.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("web_scan_job_file")
    op.drop_table("web_scan_job")
