"""Migrations: an empty database upgrades to head; a database at the previous revision too."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.migration import MigrationContext
from alembic.autogenerate import compare_metadata

from scanner.store import db as store


def _upgrade(url: str, target: str) -> sa.Engine:
    engine = store._make_engine(store.resolve_url(url))
    cfg = store._alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
    return engine


def _table_of(diff) -> str:
    """The table an alembic autogenerate diff entry is about."""
    item = diff[0] if isinstance(diff, list) else diff
    op, *rest = item
    if op in ("add_table", "remove_table"):
        return rest[0].name
    if op in ("add_index", "remove_index", "add_constraint", "remove_constraint"):
        return rest[0].table.name
    if op in ("add_fk", "remove_fk"):
        return rest[0].parent.name
    return rest[1]  # (schema, table, ...)


def _vendor_tables(engine) -> set[str]:
    return {t for t in sa.inspect(engine).get_table_names() if t.startswith("vendor_")}


def test_empty_database_upgrades_to_head_matching_the_models(register):
    engine = register.engine()  # open_db: every branch to head
    with engine.connect() as conn:
        heads = {r[0] for r in conn.execute(sa.text("select version_num from alembic_version"))}
        assert "vendor_dd_0003" in heads  # the newest vendor_dd revision
        # the models and the migrations describe the same schema
        import vendor_dd.models  # noqa: F401

        diff = compare_metadata(MigrationContext.configure(conn), store.Base.metadata)
    ours = [d for d in diff if _table_of(d).startswith("vendor_")]
    assert ours == []
    assert "vendor_setting" in _vendor_tables(engine)


def test_database_at_previous_revision_upgrades_keeping_data(register):
    engine = _upgrade(register.url, "vendor_dd_0001")
    assert "vendor_setting" not in _vendor_tables(engine)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "insert into vendor_provider (slug, legal_name, identifiers, certifications) "
            "values ('old-co', 'Old Co', '{}', '[]')"))
        pid = conn.execute(sa.text("select id from vendor_provider where slug = 'old-co'")).scalar_one()
        conn.execute(sa.text(
            "insert into vendor_service (provider_id, slug, name, materiality_criteria, subcontractors, material) "
            "values (:p, 'legacy', 'Legacy', '[]', '[]', :m)"), {"p": pid, "m": True})
    engine.dispose()
    head = register.engine()
    assert {"vendor_setting"} <= _vendor_tables(head)
    from vendor_dd.register import find_service

    with register.session() as s:
        svc = find_service(s, "old-co/legacy")
        assert svc.material is True and svc.cadence_days is None
        svc.cadence_days = 90
    with register.session() as s:
        assert find_service(s, "old-co/legacy").cadence_days == 90
