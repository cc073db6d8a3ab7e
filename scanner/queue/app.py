"""The Celery application: cloudgov's two tasks on a Redis broker (the ``queue`` extra).

``celery_app(url)`` is built per broker URL (one per process and URL), JSON messages only,
results in the same Redis, a task acknowledged only once it has run (``acks_late``: a
worker that dies mid-shard leaves it to another). ``cloudgov worker --queue URL`` runs
:func:`start_worker`.
"""

from __future__ import annotations

import threading
from typing import Any

from scanner.errors import UsageError

__all__ = ["celery_app", "start_worker", "reachable"]

_apps: dict[str, Any] = {}
_lock = threading.Lock()
#: the worker's own --db (web jobs' databases), set by start_worker
_worker_db: str | None = None


def celery_app(url: str) -> Any:
    from celery import Celery

    from scanner.queue import queue_name, tasks

    with _lock:
        app = _apps.get(url)
        if app is not None:
            return app
        app = Celery("cloudgov", broker=url, backend=url, set_as_current=False)
        app.conf.update(
            task_serializer="json", result_serializer="json", accept_content=["json"],
            task_default_queue=queue_name(), task_acks_late=True, task_reject_on_worker_lost=True,
            worker_prefetch_multiplier=1, result_expires=24 * 3600,
            broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
            broker_transport_options={"visibility_timeout": 4 * 3600},
        )

        @app.task(name="cloudgov.collect_shard")
        def collect_shard(connector: str, request: dict[str, Any], key: str) -> dict[str, Any]:
            return tasks.collect_shard(connector, request, key, store_url=url)

        @app.task(name="cloudgov.web_scan")
        def web_scan(job_id: str, db: str) -> dict[str, Any]:
            return tasks.web_scan(job_id, db, worker_db=_worker_db)

        _apps[url] = app
        return app


def reachable(app: Any, url: str) -> None:
    """One sentence when the broker cannot be reached (before anything is sent)."""
    from scanner.queue import redact

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as e:  # noqa: BLE001  (kombu wraps every transport's own errors)
        raise UsageError(f"--queue: cannot reach the broker at {redact(url)} ({type(e).__name__}: {e})") from None


def start_worker(url: str, *, concurrency: int, db: str | None, loglevel: str = "INFO") -> None:
    """Run a worker in this process until it is stopped (SIGTERM / Ctrl-C)."""
    global _worker_db
    from scanner.queue import queue_name

    _worker_db = db
    app = celery_app(url)
    reachable(app, url)
    app.worker_main(["worker", f"--loglevel={loglevel}", f"--concurrency={concurrency}", "--pool=prefork",
                     f"--queues={queue_name()}", "--without-gossip", "--without-mingle", "--hostname=cloudgov@%h"])
