"""scan history: findings ordered by the database (severity_order column) and indexed for the
findings browser's filters

The findings browser and API list a scan's findings most severe first, a page at a time.
Ordering by a CASE over the severity text made every page sort the whole scan; a stored
order (0 = critical … 4 = info, 5 = anything else) with indexes that begin with the scan and
a filter column and end with (severity_order, id) lets the database read one page in index
order and count matches from the index.

Text search (resource id, name, message contain the words) reads a trigram index instead of
every row: SQLite an FTS5 table with the trigram tokenizer over the three columns (kept by
triggers; findings are only ever inserted and deleted), PostgreSQL a pg_trgm GIN index. Where
pg_trgm cannot be created (no privilege), search still works, by scanning.

Revision ID: history_0002
Revises: history_0001
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "history_0002"
down_revision = "history_0001"
branch_labels = None
depends_on = None

#: (name, filter columns) — each index ends with severity_order, id (the page order)
INDEXES = [
    ("ix_history_finding_page", []),
    ("ix_history_finding_page_area", ["area"]),
    ("ix_history_finding_page_policy", ["policy"]),
    ("ix_history_finding_page_status", ["status"]),
    ("ix_history_finding_page_provider", ["provider"]),
    ("ix_history_finding_page_account", ["account"]),
]


def upgrade() -> None:
    with op.batch_alter_table("history_finding") as batch:
        batch.add_column(sa.Column("severity_order", sa.SmallInteger, nullable=False, server_default="5"))
    op.execute(
        "UPDATE history_finding SET severity_order = CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 "
        "WHEN 'medium' THEN 2 WHEN 'low' THEN 3 WHEN 'info' THEN 4 ELSE 5 END"
    )
    for name, columns in INDEXES:
        op.create_index(name, "history_finding", ["scan_id", *columns, "severity_order", "id"])
    # (scan_id, provider, account): the provider and account indexes serve those filters now
    op.drop_index("ix_history_finding_scan_account", table_name="history_finding")
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for sql in SQLITE_TEXT:
            op.execute(sql)
        op.execute("INSERT INTO history_finding_text(history_finding_text) VALUES ('rebuild')")
    elif bind.dialect.name == "postgresql":
        nested = bind.begin_nested()
        try:  # in public, so that a schema dropped later does not take the extension with it
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public")
        except Exception:  # noqa: BLE001  (not ours to install: search scans instead)
            nested.rollback()
        else:
            nested.commit()
        where = bind.exec_driver_sql(
            "SELECT n.nspname FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace "
            "WHERE c.opcname = 'gin_trgm_ops'").scalar()
        if where is not None:  # qualified: the search path need not hold the extension's schema
            ops = f'"{where}".gin_trgm_ops'
            op.execute(f"CREATE INDEX ix_history_finding_text ON history_finding USING gin "
                       f"(resource_id {ops}, name {ops}, message {ops})")


SQLITE_TEXT = [
    "CREATE VIRTUAL TABLE history_finding_text USING fts5(resource_id, name, message, "
    "content='history_finding', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER history_finding_text_insert AFTER INSERT ON history_finding BEGIN "
    "INSERT INTO history_finding_text(rowid, resource_id, name, message) "
    "VALUES (new.id, new.resource_id, new.name, new.message); END",
    "CREATE TRIGGER history_finding_text_delete AFTER DELETE ON history_finding BEGIN "
    "INSERT INTO history_finding_text(history_finding_text, rowid, resource_id, name, message) "
    "VALUES ('delete', old.id, old.resource_id, old.name, old.message); END",
]


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("history_finding_text_insert", "history_finding_text_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS history_finding_text")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_history_finding_text")
    op.create_index("ix_history_finding_scan_account", "history_finding", ["scan_id", "provider", "account"])
    for name, _ in INDEXES:
        op.drop_index(name, table_name="history_finding")
    with op.batch_alter_table("history_finding") as batch:
        batch.drop_column("severity_order")
