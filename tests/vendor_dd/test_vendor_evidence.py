"""The evidence store: hashes, revisions, expiry states, and concurrent writers."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from vendor_dd.evidence import expiry_state
from vendor_dd.models import Evidence

REPO = Path(__file__).resolve().parents[2]


def _provider(vendor_cli, tmp_path):
    reg = tmp_path / "one.yaml"
    reg.write_text("providers:\n  - {id: acme, legal_name: Acme Cloud, services: [{id: app}]}\n")
    assert vendor_cli("import", str(reg)).exit_code == 0


def test_add_hashes_copies_and_revises(register, tmp_path, vendor_cli):
    _provider(vendor_cli, tmp_path)
    f = tmp_path / "soc2-2026.pdf"
    f.write_bytes(b"report v1")
    r = vendor_cli("evidence", "add", "acme", str(f), "--kind", "soc2-type2", "--valid-until", "2027-03-31")
    assert r.exit_code == 0, r.output
    assert vendor_cli("evidence", "add", "acme", str(f), "--kind", "soc2-type2").exit_code == 0  # same bytes: no-op
    f.write_bytes(b"report v2 (reissued)")
    assert vendor_cli("evidence", "add", "acme", str(f), "--kind", "soc2-type2", "--valid-until", "2027-04-30").exit_code == 0
    with register.session() as s:
        rows = s.scalars(select(Evidence).order_by(Evidence.revision)).all()
        assert [(e.revision, e.valid_until) for e in rows] == [(1, date(2027, 3, 31)), (2, date(2027, 4, 30))]
        assert rows[0].sha256 == hashlib.sha256(b"report v1").hexdigest()
        assert rows[0].added_by == "tester"
        stored = [register.evidence / e.stored_path for e in rows]
    # both revisions kept, byte for byte, read-only
    assert [p.read_bytes() for p in stored] == [b"report v1", b"report v2 (reissued)"]
    assert not stored[0].stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


@pytest.mark.parametrize(
    "args, message",
    [
        (["nobody", "{f}", "--kind", "iso27001"], "unknown provider 'nobody'"),
        (["acme", "{missing}", "--kind", "iso27001"], "no such evidence file"),
        (["acme", "{f}", "--kind", "iso27001", "--valid-until", "31.12.2027"], "not a date in the form YYYY-MM-DD"),
        (["acme", "{f}", "--kind", "iso27001", "--valid-from", "2027-01-01", "--valid-until", "2026-01-01"], "is before valid-from"),
    ],
)
def test_add_rejects_bad_input(register, tmp_path, vendor_cli, args, message):
    _provider(vendor_cli, tmp_path)
    f = tmp_path / "cert.pdf"
    f.write_bytes(b"x")
    args = [a.format(f=f, missing=tmp_path / "nope.pdf") for a in args]
    r = vendor_cli("evidence", "add", *args)
    assert r.exit_code == 2 and message in str(r.exception)
    with register.session() as s:
        assert s.scalars(select(Evidence)).all() == []


@pytest.mark.parametrize(
    "until, state",
    [(None, ("no_expiry", None)), ("2027-01-01", ("valid", 41)), ("2026-12-21", ("expiring_30", 30)),
     ("2026-11-28", ("expiring_7", 7)), ("2026-11-22", ("expiring_1", 1)), ("2026-11-21", ("expiring_1", 0)),
     ("2026-11-20", ("expired", -1))],
)
def test_expiry_states(until, state):
    assert expiry_state(date.fromisoformat(until) if until else None, date(2026, 11, 21)) == state


def test_evidence_list_shows_states(register, tmp_path, vendor_cli):
    _provider(vendor_cli, tmp_path)
    f = tmp_path / "iso.pdf"
    f.write_bytes(b"iso")
    vendor_cli("evidence", "add", "acme", str(f), "--kind", "iso27001", "--valid-until", "2026-11-25")
    import json

    rows = json.loads(vendor_cli("evidence", "list", "acme", "--format", "json").stdout)
    assert [(r["kind"], r["state"], r["days_left"]) for r in rows] == [("iso27001", "expiring_7", 4)]


WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from scanner.store.db import open_db, write_with_retry as with_retry
    from scanner.records.changelog import Who
    from vendor_dd.register import add_evidence_file
    url, root, folder, tag, n = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    who = Who.resolve("writer-" + tag)
    engine = open_db(url)
    for i in range(n):
        # both writers add revisions of the SAME name, and files of their own
        shared = folder / f"shared-{i}.pdf"
        shared.write_bytes(f"{tag} {i}".encode())
        with_retry(engine, lambda s, p=shared: add_evidence_file(s, who, "acme", p, kind="pentest-report", root=root))
        own = folder / f"own-{tag}-{i}.pdf"
        own.write_bytes(f"own {tag} {i}".encode())
        with_retry(engine, lambda s, p=own: add_evidence_file(s, who, "acme", p, kind="other", root=root))
    """
)


def test_two_processes_adding_evidence_lose_nothing(register, tmp_path, vendor_cli):
    _provider(vendor_cli, tmp_path)
    n = 12
    procs = []
    for tag in ("a", "b"):
        folder = tmp_path / tag
        folder.mkdir()
        procs.append(subprocess.Popen(
            [sys.executable, "-c", WRITER, register.url, str(register.evidence), str(folder), tag, str(n)],
            cwd=REPO, env={**os.environ}, stderr=subprocess.PIPE, text=True,
        ))
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err
    with register.session() as s:
        rows = s.scalars(select(Evidence)).all()
    assert len(rows) == 4 * n
    assert len({e.sha256 for e in rows}) == 4 * n
    shared = sorted((e.filename, e.revision) for e in rows if e.kind == "pentest-report")
    assert shared == sorted((f"shared-{i}.pdf", r) for i in range(n) for r in (1, 2))
    for e in rows:
        assert (register.evidence / e.stored_path).exists()
