"""The evidence file store: files hashed (SHA-256), copied in once, never modified.

Files are stored by content (``<root>/sha256/<ab>/<hash>``), read-only; the register's
rows keep the name, kind, validity and revision. The store lives next to a SQLite database
(``<db folder>/evidence``), or under the user's data directory for a server database, or
wherever ``CLOUDGOV_EVIDENCE_DIR`` points.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import date
from pathlib import Path

from scanner.errors import InputError

__all__ = ["store_root", "sha256_file", "store_file", "expiry_state", "EXPIRY_WARNING_DAYS", "sweep_incoming"]

#: days before a document's validity ends when it counts as expiring
EXPIRY_WARNING_DAYS = (30, 7, 1)
#: a partial copy (``.incoming-*``) untouched this long was left by a killed process
INCOMING_STALE_SECONDS = 3600


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
    from scanner.docfile import check_file, max_input_bytes

    if path.is_dir():
        raise InputError(f"{path}: is a folder, not an evidence file")
    if not path.exists():
        raise InputError(f"{path}: no such evidence file")
    check_file(path, limit=max_input_bytes(), what="an evidence file")  # a FIFO or /dev/zero never ends
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
    sweep_incoming(root)
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


def sweep_incoming(root: Path, older_than: float = INCOMING_STALE_SECONDS) -> int:
    """Remove partial copies a killed ``evidence add`` left (``kill -9`` skips the cleanup
    below); a copy still being written by a live process is younger and stays."""
    import time

    cutoff = time.time() - older_than
    removed = 0
    for tmp in root.glob("sha256/*/.incoming-*"):
        try:
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed += 1
        except OSError:
            continue  # another process swept it first
    return removed


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
