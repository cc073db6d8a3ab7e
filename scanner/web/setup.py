"""First start and ``--demo``: the first administrator, and a fresh database with the samples."""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import Engine, func, select

from scanner.errors import InputError

__all__ = ["first_admin", "demo_database", "load_samples", "SAMPLES"]

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
DEMO_ACTOR = "cloudgov-demo"


def first_admin(engine: Engine, username: str = "admin") -> tuple[str, str] | None:
    """On a database with no accounts, an administrator with a one-time password (to be
    changed at first sign-in, with the second factor set up then); returns (name, password)."""
    from scanner.records.changelog import record
    from scanner.store.db import session_scope
    from scanner.web import auth
    from scanner.web.models import User
    from scanner.web.services import who

    with session_scope(engine) as s:
        if s.scalar(select(func.count()).select_from(User)):
            return None
        password = auth.generate_password()
        auth.create_user(s, username, password, ["administrator"], display_name="Administrator",
                         must_change_password=True)
        record(s, who("cloudgov-serve"), "create", "user", username, roles=["administrator"])
        return username, password


def demo_database(db_url: str | None) -> tuple[str, Path]:
    """A fresh SQLite database (in a new temporary folder unless ``--db`` names an empty one)
    loaded with the samples; returns (url, evidence folder)."""
    if db_url is None:
        folder = Path(tempfile.mkdtemp(prefix="cloudgov-demo-"))
        db_url = f"sqlite:///{folder / 'cloudgov.db'}"
        evidence = folder / "evidence"
    else:
        from scanner.records.evidence import store_root

        evidence = store_root(db_url)
    load_samples(db_url, evidence)
    return db_url, evidence


def load_samples(db_url: str, evidence: Path) -> None:
    import exit_plans.models  # noqa: F401
    import scanner.store.models_history  # noqa: F401
    import scanner.web.models  # noqa: F401
    import vendor_dd.models  # noqa: F401
    from exit_plans import importer as exit_importer
    from scanner.store.db import open_db, session_scope
    from scanner.store.history import import_paths
    from scanner.web.services import who
    from vendor_dd import importer as vendor_importer
    from vendor_dd.models import Provider

    if not (SAMPLES / "vendors.yaml").is_file():
        raise InputError(f"--demo needs the samples folder of a source checkout ({SAMPLES} is not there)")
    engine = open_db(db_url)
    with session_scope(engine) as s:
        if s.scalar(select(func.count()).select_from(Provider)):
            raise InputError(f"--demo: {db_url} already holds a register; give an empty database or none")
    actor = who(DEMO_ACTOR)
    with session_scope(engine) as s:
        doc = vendor_importer.read_document(SAMPLES / "vendors.yaml")
        vendor_importer.import_document(s, actor, doc, base_dir=SAMPLES, evidence_root=evidence, source="vendors.yaml")
    with session_scope(engine) as s:
        exit_importer.import_document(s, actor, exit_importer.read_document(SAMPLES / "exit-plans.yaml"),
                                      source="exit-plans.yaml")
    import_paths(sorted((SAMPLES / "history").glob("findings-*.json")), db_url=db_url)
