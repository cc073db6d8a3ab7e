"""``cloudgov scan azure``: a live, tenant-wide Azure scan (Resource Graph, ARM, Microsoft Graph)."""

# No `from __future__ import annotations`: scan_options reads the Annotated options at runtime.
from typing import Annotated

import typer

from scanner.cli.common import (
    CollectionBar,
    QueueOpt,
    ScanOptions,
    evaluate_and_exit,
    print_collection,
    scan_options,
    stderr_console,
)


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @scan_app.command("azure")
    @scan_options
    def azure(
        tenant: Annotated[
            str | None,
            typer.Option("--tenant", help="Tenant id or domain (contoso.onmicrosoft.com). Default: the credential's."),
        ] = None,
        management_group: Annotated[
            str | None,
            typer.Option("--management-group", help="Scan the subscriptions under this management group."),
        ] = None,
        subscriptions: Annotated[
            str | None,
            typer.Option("--subscriptions", help="Comma-separated subscription ids (default: every visible one)."),
        ] = None,
        max_workers: Annotated[
            int, typer.Option("--workers", min=1, max=64, help="Subscriptions and targeted reads in parallel.")
        ] = 8,
        queue: QueueOpt = None,
        *,
        opts: ScanOptions,
    ) -> None:
        """Scan Azure live: credentials from DefaultAzureCredential (az login, environment,
        managed identity, workload identity); nothing is stored or printed."""
        from scanner.extras import require

        require("azure", "scanning Azure")
        from scanner.connectors.azure.scan import ScanRequest
        from scanner.queue import collect

        subs = tuple(s.strip() for s in (subscriptions or "").split(",") if s.strip())
        req = ScanRequest(tenant=tenant, management_group=management_group, subscriptions=subs,
                          max_workers=max_workers)
        err = stderr_console(opts.quiet)
        with CollectionBar(err, "azure") as progress:
            inventory = collect("azure", req, queue=queue, progress=progress)  # one shard per subscription on a queue
        if not opts.quiet:
            print_collection(err, inventory)
        evaluate_and_exit(inventory, opts, source=f"azure:{req.scope}")
