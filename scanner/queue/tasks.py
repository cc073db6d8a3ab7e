"""The queue's tasks as plain functions: what a worker runs, callable in-process too.

- :func:`collect_shard`: the live connector's own ``collect`` on one shard; the shard's
  inventory goes to the shard store, the task's result is a short summary (or the one
  sentence of an input error, which the caller raises as its own).
- :func:`web_scan`: a web application's scan job (:func:`scanner.web.jobs.run_job`), which
  runs :func:`scanner.pipeline.run` and keeps the job's state in the database.

Neither holds a copy of the pipeline or of a connector: they call them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["collect_shard", "web_scan"]


def collect_shard(connector: str, request: dict[str, Any], key: str, *, store_url: str) -> dict[str, Any]:
    """Collect one shard with ``connector`` and keep its inventory under ``key``."""
    from scanner.connectors import live_collector
    from scanner.errors import CloudgovError
    from scanner.queue import ShardStore, request_from_dict

    try:
        req = request_from_dict(connector, request)
        _, collect = live_collector(connector)
        inventory = collect(req)
    except CloudgovError as e:
        return {"key": key, "error": str(e)}
    size = ShardStore(store_url).put(key, inventory)
    return {"key": key, "resources": len(inventory), "gaps": len(inventory.coverage_gaps), "bytes": size}


def web_scan(job_id: str, db: str, *, worker_db: str | None = None) -> dict[str, Any]:
    """Run the web application's scan job ``job_id`` kept in the database ``db``."""
    from scanner.web.jobs import run_job

    return run_job(job_id, database_for(db, worker_db))


def database_for(sent: str, own: str | None) -> str:
    """The database a job names (its password hidden, as the web application sends it):
    the worker's own ``--db`` when it is the same database, the sent URL when it has no
    password to hide; otherwise one sentence saying what to give the worker."""
    from sqlalchemy.engine import make_url

    from scanner.errors import InputError
    from scanner.store.db import resolve_url

    sent_url = make_url(resolve_url(sent))
    if own:
        own_url = make_url(resolve_url(own))
        if own_url.render_as_string(hide_password=True) == sent_url.render_as_string(hide_password=True):
            return own_url.render_as_string(hide_password=False)
    if sent_url.password is None:
        return str(sent_url)
    raise InputError(f"the job's database {sent_url.render_as_string(hide_password=True)} needs its password: "
                     "start the worker with --db naming it (or CLOUDGOV_DB)")
