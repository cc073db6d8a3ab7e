"""Scan jobs of the web application (scanner.web.jobs): kept in the database with their files,
run in-process by default and resumed after a restart, or by a real `cloudgov worker` on the
real Redis when the server is given --queue. SQLite, and PostgreSQL when configured."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.web.conftest import add_user, make_app, sign_in

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = ROOT / "samples" / "estate" / "aws.json"


def _engineer(app):
    return sign_in(app, "engineer", add_user(app, "engineer", ["cloud_engineer"]))


def _wait(app, job_id: str, *, queue: str | None = None, seconds: float = 240):
    from scanner.web.jobs import job

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        j = job(app.state.engine, job_id, queue=queue)
        if j is not None and j.state not in ("queued", "running"):
            return j
        time.sleep(0.3)
    pytest.fail(f"job {job_id} still {j.state if j else None} after {seconds} s")


def _files_left(app, job_id: str) -> int:
    from sqlalchemy import func, select

    from scanner.store.db import session_scope
    from scanner.web.models import ScanJobFile

    with session_scope(app.state.engine) as s:
        return s.scalar(select(func.count()).select_from(ScanJobFile).where(ScanJobFile.job_id == job_id)) or 0


def _submit(client, *files: tuple[str, bytes]):
    r = client.post("/scans/run", files=[("files", (name, body, "application/json")) for name, body in files],
                    token_from="/scans/run")
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[-1]


def test_an_uploaded_scan_runs_in_process_and_its_job_is_kept(app):
    from scanner.store.db import session_scope
    from scanner.store.models_history import Scan

    client = _engineer(app)
    job_id = _submit(client, ("aws.json", SNAPSHOT.read_bytes()))
    j = _wait(app, job_id)
    assert j.state == "done" and j.runner == "in-process" and j.error is None, j
    assert j.started_at is not None and j.finished_at is not None and j.created_at <= j.started_at <= j.finished_at
    assert j.exit_code in (0, 1) and j.source == "upload:aws.json"
    with session_scope(app.state.engine) as s:
        scan = s.get(Scan, j.scan_id)
        assert scan is not None and scan.source == "upload:aws.json"
    assert _files_left(app, job_id) == 0  # the upload is not kept once the scan is
    page = client.http.get(f"/scans/jobs/{job_id}")
    assert page.status_code == 200 and f'href="/scans/{j.scan_id}"' in page.text


def test_a_file_no_format_recognises_fails_the_job_with_its_sentence(app):
    client = _engineer(app)
    job_id = _submit(client, ("notes.json", b'{"hello": "world"}'))
    j = _wait(app, job_id)
    assert j.state == "failed" and j.scan_id is None
    assert j.skipped == ["notes.json"] and "no recognised input files" in (j.error or "")
    assert "Traceback" not in (j.error or "")


def test_a_job_the_server_did_not_finish_runs_when_it_starts_again(database_url, tmp_path):
    """A server stopped while a job ran: the row says running, its file is in the database;
    the next server to start on that database runs it."""
    from scanner.store.db import open_db, session_scope
    from scanner.web.models import ScanJob, ScanJobFile

    import scanner.web.models  # noqa: F401

    engine = open_db(database_url)
    job_id = uuid.uuid4().hex[:12]
    with session_scope(engine) as s:
        s.add(ScanJob(id=job_id, owner="engineer", source="upload:aws.json", runner="in-process", state="running",
                      stage="evaluate", waivers=None, skipped=[], created_at=datetime.now(UTC),
                      started_at=datetime.now(UTC)))
        s.flush()
        s.add(ScanJobFile(job_id=job_id, name="aws.json", content=SNAPSHOT.read_bytes()))
    app = make_app(database_url, tmp_path)  # the restart
    j = _wait(app, job_id)
    assert j.state == "done" and j.scan_id is not None and _files_left(app, job_id) == 0


@pytest.fixture
def queue_worker(database_url, monkeypatch):
    """A real `cloudgov worker` on the real Redis, on this test's own queue and database."""
    from tests.connectors.aws.test_cli_e2e import _env
    from tests.test_queue import REDIS, _redis_up, start_worker, stop_worker

    if not _redis_up():
        pytest.skip("no Redis at 127.0.0.1:6379")
    name = f"cloudgov-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("CLOUDGOV_QUEUE_NAME", name)
    proc = start_worker(_env(CLOUDGOV_QUEUE_NAME=name), "--db", database_url)
    try:
        yield REDIS
    finally:
        stop_worker(proc)


def test_with_a_queue_the_job_runs_on_a_worker(queue_worker, database_url, tmp_path):
    app = make_app(database_url, tmp_path, queue=queue_worker)
    client = _engineer(app)
    job_id = _submit(client, ("aws.json", SNAPSHOT.read_bytes()))
    j = _wait(app, job_id, queue=queue_worker)
    assert j.state == "done" and j.runner == "queue" and j.scan_id is not None, j
    assert j.started_at is not None and j.finished_at is not None and _files_left(app, job_id) == 0


def test_a_queue_that_cannot_be_reached_fails_the_job_and_says_why(database_url, tmp_path):
    pytest.importorskip("celery")
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = make_app(database_url, tmp_path, queue=f"redis://127.0.0.1:{port}/0")
    client = _engineer(app)
    job_id = _submit(client, ("aws.json", SNAPSHOT.read_bytes()))
    j = _wait(app, job_id, seconds=60)
    assert j.state == "failed" and "cannot reach the task queue" in (j.error or "")
