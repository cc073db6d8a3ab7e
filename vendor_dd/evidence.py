"""The evidence store: files hashed (SHA-256), copied in once, never modified.

Files are stored by content (``<root>/sha256/<ab>/<hash>``), read-only; the database row
keeps the name, kind, validity and revision. Adding a file whose name and kind are on
file with a different hash makes a new revision; the same bytes again change nothing.
The store lives next to a SQLite database (``<db folder>/evidence``), or under the user's
data directory for a server database, or wherever ``CLOUDGOV_EVIDENCE_DIR`` points.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scanner.errors import InputError
from scanner.records.evidence import expiry_state, sha256_file, store_file, store_root
from vendor_dd.models import Evidence, Provider, Service

__all__ = ["store_root", "sha256_file", "store_file", "add_evidence", "expiry_state", "stored_file"]

# the file store itself is shared with exit_plans (deletion certificates): scanner.records.evidence


def stored_file(root: Path, ev: Evidence) -> Path:
    return root / ev.stored_path


def add_evidence(
    session: Session,
    provider: Provider,
    src: Path,
    *,
    kind: str,
    root: Path,
    actor: str,
    at: datetime,
    valid_from: date | None = None,
    valid_until: date | None = None,
    service: Service | None = None,
    filename: str | None = None,
) -> tuple[Evidence, bool]:
    """Store ``src`` and record it; returns (row, created). Same bytes again → (existing, False)."""
    if valid_from and valid_until and valid_until < valid_from:
        raise InputError(f"{src}: valid-until {valid_until} is before valid-from {valid_from}")
    digest, size, rel = store_file(src, root)
    name = filename or src.name
    same = session.scalars(
        select(Evidence).where(
            Evidence.provider_id == provider.id, Evidence.kind == kind, Evidence.filename == name
        )
    ).all()
    for ev in same:
        if ev.sha256 == digest:
            return ev, False
    latest = session.scalar(
        select(func.max(Evidence.revision)).where(
            Evidence.provider_id == provider.id, Evidence.kind == kind, Evidence.filename == name
        )
    )
    ev = Evidence(
        provider=provider,
        service=service,
        kind=kind,
        filename=name,
        revision=(latest or 0) + 1,
        sha256=digest,
        size=size,
        stored_path=rel,
        valid_from=valid_from,
        valid_until=valid_until,
        added_at=at,
        added_by=actor,
    )
    session.add(ev)
    session.flush()  # the unique (provider, kind, filename, revision) key decides a race here
    return ev, True
