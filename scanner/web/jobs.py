"""In-process background jobs (the embedded default): a scan of uploaded export files,
run by ``scanner.pipeline.run`` in a worker thread while the page polls its state.

A job's state lives in memory (one process); the scan itself is kept in the history
database by the pipeline, so nothing of value is lost if the process stops.
"""

from __future__ import annotations

import shutil
import threading
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["Job", "submit_scan", "job", "jobs"]

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cloudgov-job")
_jobs: dict[str, Job] = {}
_lock = threading.Lock()


@dataclass
class Job:
    id: str
    owner: str
    source: str
    state: str = "queued"  # queued / running / done / failed
    stage: str = ""
    scan_id: int | None = None
    exit_code: int | None = None
    error: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    skipped: list[str] = field(default_factory=list)


def job(job_id: str) -> Job | None:
    return _jobs.get(job_id)


def jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda j: j.created_at, reverse=True)


def submit_scan(folder: Path, *, owner: str, source: str, db_url: str | None, waivers: Any) -> Job:
    """Scan every recognised export file in ``folder`` (deleted afterwards) and store the scan."""
    j = Job(id=uuid.uuid4().hex[:12], owner=owner, source=source)
    with _lock:
        _jobs[j.id] = j
        if len(_jobs) > 200:
            for old in jobs()[200:]:
                _jobs.pop(old.id, None)
    _pool.submit(_run, j, folder, db_url, waivers)
    return j


def _run(j: Job, folder: Path, db_url: str | None, waivers: Any) -> None:
    from scanner import pipeline
    from scanner.connectors.offline import load_paths
    from scanner.errors import CloudgovError

    j.state = "running"
    try:
        j.stage = "load"
        inventory = load_paths([folder], on_skip=lambda p: j.skipped.append(Path(p).name))

        def progress(stage: str, _message: str) -> None:
            j.stage = stage

        outcome = pipeline.run(
            inventory,
            pipeline.Options(formats=(), store=True, db=db_url, source=j.source, waivers=waivers),
            progress=progress,
        )
        j.scan_id, j.exit_code, j.state = outcome.scan_id, outcome.exit_code, "done"
    except CloudgovError as e:
        j.state, j.error = "failed", str(e)
    except Exception as e:  # noqa: BLE001  (a bug: keep the process, say what broke)
        j.state, j.error = "failed", f"internal error: {type(e).__name__}: {e}"
        traceback.print_exc()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
