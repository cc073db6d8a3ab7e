"""The evidence store: files hashed (SHA-256), copied in once, never modified.

Files are stored by content (``<root>/sha256/<ab>/<hash>``), read-only; the database row
keeps the name, kind, validity and revision. Adding a file whose name and kind are on
file with a different hash makes a new revision; the same bytes again change nothing.
The store lives next to a SQLite database (``<db folder>/evidence``), or under the user's
data directory for a server database, or wherever ``CLOUDGOV_EVIDENCE_DIR`` points.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scanner.errors import InputError
from vendor_dd.domains import EXPIRY_WARNING_DAYS
from vendor_dd.models import Evidence, Provider, Service

__all__ = ["store_root", "sha256_file", "store_file", "add_evidence", "expiry_state", "stored_file"]


def store_root(db_url: str | None) -> Path:
    """Where evidence files go for the database at ``db_url`` (already resolved or not)."""
    env = os.environ.get("CLOUDGOV_EVIDENCE_DIR")
    if env:
        return Path(env).expanduser()
    from scanner.store.db import parse_url

    url = parse_url(db_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return Path(url.database).expanduser().resolve().parent / "evidence"
    from platformdirs import user_data_dir

    return Path(user_data_dir("cloudgov")) / "evidence"


def sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        raise InputError(f"{path}: no such evidence file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not an evidence file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read the evidence file ({e.strerror})") from None
    return h.hexdigest(), size


def store_file(src: Path, root: Path) -> tuple[str, int, str]:
    """Copy ``src`` into the store; returns (sha256, size, path relative to the store)."""
    digest, size = sha256_file(src)
    rel = f"sha256/{digest[:2]}/{digest}"
    dest = root / rel
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
                shutil.copyfileobj(inp, out)
            os.chmod(tmp, 0o444)
            if sha256_file(Path(tmp))[0] != digest:  # changed while we copied it
                raise InputError(f"{src}: the file changed while it was being copied; add it again")
            os.replace(tmp, dest)  # atomic: a concurrent writer of the same bytes is harmless
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return digest, size, rel


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


def expiry_state(valid_until: date | None, today: date) -> tuple[str, int | None]:
    """``(state, days_left)``: state is no_expiry, valid, expiring_30/7/1 or expired."""
    if valid_until is None:
        return "no_expiry", None
    left = (valid_until - today).days
    if left < 0:
        return "expired", left
    for days in sorted(EXPIRY_WARNING_DAYS):
        if left <= days:
            return f"expiring_{days}", left
    return "valid", left
