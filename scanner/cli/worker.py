"""``cloudgov worker``: a worker of the task queue (Celery on Redis, the ``queue`` extra).

It runs the shards of distributed scans (``cloudgov scan aws|azure|gcp --queue URL``: the
connector's own collect, with this machine's credentials) and the web application's scan
jobs (``cloudgov serve --queue URL``: scanner.pipeline.run, with --db the application's
database).
"""

from __future__ import annotations

from typing import Annotated

import typer

from scanner.cli.common import DbOpt, QueueOpt


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @app.command("worker")
    def worker(
        queue: QueueOpt = None,
        concurrency: Annotated[int, typer.Option("--concurrency", min=1, max=64,
                                                 help="Tasks run at once (processes).")] = 2,
        db: DbOpt = None,
        loglevel: Annotated[str, typer.Option("--log-level", help="debug, info, warning or error.")] = "info",
    ) -> None:
        """Run a worker of the task queue: shards of distributed scans and the web application's scan jobs."""
        from scanner.errors import UsageError
        from scanner.extras import require

        if not queue:
            raise UsageError("give the Redis broker: --queue redis://HOST[:PORT][/DB] (or CLOUDGOV_QUEUE)")
        if loglevel.lower() not in ("debug", "info", "warning", "error"):
            raise UsageError(f"--log-level: {loglevel!r} is not one of debug, info, warning, error")
        require("queue", "cloudgov worker")
        from scanner.queue import check_url
        from scanner.queue.app import start_worker

        start_worker(check_url(queue), concurrency=concurrency, db=db, loglevel=loglevel.upper())
