"""``cloudgov scan gcp``: live scan of an organization, folders or projects via Cloud Asset Inventory."""

from __future__ import annotations

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
    @scan_app.command("gcp")
    @scan_options
    def scan_gcp(
        scope: Annotated[
            list[str] | None,
            typer.Option(
                "--scope",
                "-s",
                help="organizations/<number>, folders/<number> or projects/<id> (repeatable).",
                show_default=False,
            ),
        ] = None,
        directory_customer: Annotated[
            str | None,
            typer.Option(
                "--directory-customer",
                help="Cloud Identity / Workspace customer (my_customer or C0xxxxxx): read users' "
                "2-step verification from the Admin SDK Directory API. Without it MFA is unknown.",
            ),
        ] = None,
        read_groups: Annotated[
            bool,
            typer.Option(
                "--read-groups",
                help="Read the members of every group an IAM binding names from the Cloud Identity Groups API, "
                "so group members inherit the group's roles. Without it group membership is unknown.",
            ),
        ] = False,
        key_activity: Annotated[
            bool,
            typer.Option(
                "--key-activity/--no-key-activity",
                help="Ask Policy Analyzer when service accounts and their keys were last used "
                "(2 calls per project holding user-managed keys).",
            ),
        ] = True,
        quota_project: Annotated[
            str | None,
            typer.Option("--quota-project", help="Project billed for Cloud Asset API quota."),
        ] = None,
        workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="Concurrent API call chains.")] = 4,
        endpoint_url: Annotated[
            str | None,
            typer.Option(
                "--endpoint-url",
                envvar="CLOUDGOV_GCP_ENDPOINT",
                help="Send every call to this endpoint with anonymous credentials (a local emulator or replay).",
                hidden=True,
            ),
        ] = None,
        queue: QueueOpt = None,
        *,
        opts: ScanOptions,
    ) -> None:
        """Scan GCP live (read-only Cloud Asset Inventory calls) and evaluate every policy."""
        from scanner.extras import require

        require("gcp", "scanning GCP")
        from scanner.connectors.gcp.scan import ScanRequest
        from scanner.queue import collect

        req = ScanRequest.parse(scope or [], directory_customer=directory_customer, read_groups=read_groups,
                                key_activity=key_activity, quota_project=quota_project, workers=workers,
                                endpoint_url=endpoint_url)
        err = stderr_console(opts.quiet)
        with CollectionBar(err, "gcp") as progress:
            inv = collect("gcp", req, queue=queue, progress=progress)  # one shard per scope on a queue
        print_collection(err, inv, gaps=True)
        evaluate_and_exit(inv, opts, source="gcp:" + ",".join(req.scopes))
