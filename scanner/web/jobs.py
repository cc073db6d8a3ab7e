"""Background scan jobs: a scan of uploaded export files, run by ``scanner.pipeline.run``.

A job and its uploaded files are rows in the database (``web_scan_job``,
``web_scan_job_file``): its state (queued → running → done / failed), stage, started and
finished times, error, and the stored scan it produced. Who runs it:

- **in-process** (the default): one background thread of the server. A job the server did
  not finish before it stopped is run again when it starts (:func:`resume`), from the
  files still in the database.
- **the task queue** (``cloudgov serve --queue redis://…``): a ``cloudgov worker`` on the
  same database runs :func:`run_job` (task ``cloudgov.web_scan``). The message carries the
  job id and the database URL with its password hidden; Celery keeps the message until a
  worker has run it, so a restart of either side loses nothing.

Either way the same :func:`run_job` runs, and the page polls the row.
"""

from __future__ import annotations

import tempfile
import threading
import traceback
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Job", "submit_scan", "job", "jobs", "run_job", "resume"]

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cloudgov-job")
#: in-process jobs this process has queued and not finished (never queued twice)
_mine: set[str] = set()
_lock = threading.Lock()
ACTIVE = ("queued", "running")


@dataclass(frozen=True)
class Job:
    """What pages show of a job (a copy of its row)."""

    id: str
    owner: str
    source: str
    runner: str
    state: str
    stage: str
    scan_id: int | None
    exit_code: int | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    skipped: list[str] = field(default_factory=list)


def _now() -> datetime:
    return datetime.now(UTC)


def _view(row: Any) -> Job:
    return Job(id=row.id, owner=row.owner, source=row.source, runner=row.runner, state=row.state, stage=row.stage,
               scan_id=row.scan_id, exit_code=row.exit_code, error=row.error, created_at=row.created_at,
               started_at=row.started_at, finished_at=row.finished_at, skipped=list(row.skipped or ()))


def job(engine: Any, job_id: str, *, queue: str | None = None) -> Job | None:
    """The job, or None. A queued job whose worker task failed before it could record
    anything (e.g. it cannot open the database) is marked failed with the task's error."""
    from scanner.store.db import session_scope
    from scanner.web.models import ScanJob

    with session_scope(engine) as s:
        row = s.get(ScanJob, job_id[:32])
        if row is None:
            return None
        if queue and row.runner == "queue" and row.state in ACTIVE and row.task_id:
            failure = _task_failure(queue, row.task_id)
            if failure:
                row.state, row.error, row.finished_at = "failed", failure, _now()
        return _view(row)


def jobs(engine: Any, limit: int = 20) -> list[Job]:
    from sqlalchemy import select

    from scanner.store.db import session_scope
    from scanner.web.models import ScanJob

    with session_scope(engine) as s:
        rows = s.scalars(select(ScanJob).order_by(ScanJob.created_at.desc(), ScanJob.id).limit(limit))
        return [_view(r) for r in rows]


def submit_scan(engine: Any, files: Sequence[tuple[str, bytes]], *, owner: str, source: str,
                db_url: str | None, waivers: dict[str, Any] | None, queue: str | None = None) -> Job:
    """Keep the job and its files, then hand it to the queue (``queue``) or the server's thread."""
    from scanner.store.db import session_scope
    from scanner.web.models import ScanJob, ScanJobFile

    job_id = uuid.uuid4().hex[:12]
    with session_scope(engine) as s:
        s.add(ScanJob(id=job_id, owner=owner, source=source, runner="queue" if queue else "in-process",
                      state="queued", stage="", waivers=waivers, skipped=[], created_at=_now()))
        s.flush()
        s.add_all(ScanJobFile(job_id=job_id, name=name, content=content) for name, content in files)
    if queue:
        _send(engine, job_id, db_url, queue)
    else:
        _submit_here(job_id, db_url)
    found = job(engine, job_id)
    assert found is not None
    return found


def _submit_here(job_id: str, db_url: str | None) -> None:
    with _lock:
        if job_id in _mine:
            return
        _mine.add(job_id)
    _pool.submit(_run_here, job_id, db_url)


def _run_here(job_id: str, db_url: str | None) -> None:
    try:
        run_job(job_id, db_url)
    except Exception:  # noqa: BLE001  (the job row says what broke; keep the server)
        traceback.print_exc()
    finally:
        with _lock:
            _mine.discard(job_id)


def _send(engine: Any, job_id: str, db_url: str | None, queue: str) -> None:
    from sqlalchemy.engine import make_url

    from scanner.queue import queue_name, redact
    from scanner.queue.app import celery_app
    from scanner.store.db import resolve_url, session_scope
    from scanner.web.models import ScanJob

    db = make_url(resolve_url(db_url)).render_as_string(hide_password=True)
    try:
        result = celery_app(queue).send_task("cloudgov.web_scan", args=[job_id, db], queue=queue_name(),
                                             retry=True, retry_policy={"max_retries": 2})
        task_id, error = result.id, None
    except Exception as e:  # noqa: BLE001  (kombu's transport errors: the job says so)
        task_id, error = None, f"cannot reach the task queue at {redact(queue)} ({type(e).__name__}: {e})"
    with session_scope(engine) as s:
        row = s.get(ScanJob, job_id)
        if row is not None:
            row.task_id = task_id
            if error:
                row.state, row.error, row.finished_at = "failed", error, _now()


def _task_failure(queue: str, task_id: str) -> str | None:
    try:
        from scanner.queue.app import celery_app

        result = celery_app(queue).AsyncResult(task_id)
        if result.state == "FAILURE":
            return f"the worker could not run the job: {result.result}"
    except Exception:  # noqa: BLE001  (the broker is away: the job's state is what the row says)
        return None
    return None


def resume(engine: Any, db_url: str | None) -> list[str]:
    """Queue again the in-process jobs this database holds unfinished (the server stopped
    while they waited or ran); their files are still in the database. Returns their ids."""
    from sqlalchemy import select

    from scanner.store.db import session_scope
    from scanner.web.models import ScanJob

    with session_scope(engine) as s:
        ids = list(s.scalars(select(ScanJob.id).where(ScanJob.runner == "in-process", ScanJob.state.in_(ACTIVE))
                             .order_by(ScanJob.created_at)))
    for job_id in ids:
        _submit_here(job_id, db_url)
    return ids


def run_job(job_id: str, db_url: str | None) -> dict[str, Any]:
    """Run the job: load its files, ``pipeline.run`` with the approved waivers it was asked
    with, store the scan, record the outcome. Bad input fails the job with its sentence."""
    from sqlalchemy import delete, select

    from policies.registry import load_policies
    from scanner import pipeline
    from scanner.connectors.offline import load_paths
    from scanner.errors import CloudgovError, InputError
    from scanner.store.db import open_db, session_scope
    from scanner.waivers import parse_waivers
    from scanner.web.models import ScanJob, ScanJobFile

    engine = open_db(db_url)

    def update(**values: Any) -> None:
        with session_scope(engine) as s:
            row = s.get(ScanJob, job_id)
            if row is not None:
                for k, v in values.items():
                    setattr(row, k, v)

    with session_scope(engine) as s:
        row = s.get(ScanJob, job_id)
        if row is None:
            raise InputError(f"no scan job {job_id} in the database")
        if row.state not in ACTIVE:  # a message delivered again after the job ended
            return {"job": job_id, "state": row.state}
        row.state, row.stage, row.started_at, row.error = "running", "load", _now(), None
        source, waivers_doc = row.source, row.waivers
        files = [(f.name, f.content) for f in s.scalars(select(ScanJobFile).where(ScanJobFile.job_id == job_id))]
    skipped: list[str] = []
    try:
        with tempfile.TemporaryDirectory(prefix="cloudgov-job-") as folder:
            for name, content in files:
                (Path(folder) / Path(name).name).write_bytes(content)
            inventory = load_paths([folder], on_skip=lambda p: skipped.append(Path(p).name))
        waivers = (parse_waivers(waivers_doc, load_policies(), source="approved waivers")
                   if waivers_doc is not None else None)
        outcome = pipeline.run(
            inventory,
            pipeline.Options(formats=(), store=True, db=db_url, source=source, waivers=waivers),
            progress=lambda stage, _message: update(stage=stage),
        )
        update(state="done", stage="", scan_id=outcome.scan_id, exit_code=outcome.exit_code, skipped=skipped,
               finished_at=_now())
        state = "done"
    except CloudgovError as e:
        update(state="failed", error=str(e), skipped=skipped, finished_at=_now())
        state = "failed"
    except Exception as e:  # a bug: the job says what broke, the caller logs the traceback
        update(state="failed", error=f"internal error: {type(e).__name__}: {e}", skipped=skipped, finished_at=_now())
        raise
    finally:
        with session_scope(engine) as s:
            s.execute(delete(ScanJobFile).where(ScanJobFile.job_id == job_id))
    return {"job": job_id, "state": state}
