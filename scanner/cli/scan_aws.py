"""``cloudgov scan aws``: live scan of one account, a list of accounts or an Organization."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from scanner.cli.common import (
    CollectionBar,
    QueueOpt,
    ScanOptions,
    evaluate_and_exit,
    print_collection,
    scan_options,
    selected_policies,
    stderr_console,
)


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @scan_app.command("aws")
    @scan_options
    def scan_aws(
        profile: Annotated[str | None, typer.Option("--profile", "-p", help="AWS profile (default: the SDK's credential chain).")] = None,
        regions: Annotated[
            str, typer.Option("--regions", "-r", help="Comma-separated regions, or 'all' for every region the account has enabled.")
        ] = "all",
        accounts: Annotated[
            str | None, typer.Option("--accounts", help="Comma-separated account ids to scan (assuming --role-name in each).")
        ] = None,
        organization: Annotated[
            bool, typer.Option("--organization", help="Scan every active account of the AWS Organization (from its management account).")
        ] = False,
        role_name: Annotated[
            str | None, typer.Option("--role-name", help="Read-only role to assume in each other account, e.g. CloudgovAudit.")
        ] = None,
        endpoint_url: Annotated[
            str | None,
            typer.Option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="Send every call to this endpoint (a local emulator such as moto)."),
        ] = None,
        workers: Annotated[int, typer.Option("--workers", min=1, max=128, help="Concurrent API workers.")] = 16,
        region: Annotated[
            str | None, typer.Option("--home-region", help="Region for global calls (IAM, STS, S3 listing). Default: the profile's.")
        ] = None,
        queue: QueueOpt = None,
        *,
        opts: ScanOptions,
    ) -> None:
        """Scan AWS accounts live (read-only API calls) and evaluate every policy."""
        from scanner.extras import require

        require("aws", "scanning AWS")
        from scanner.connectors.aws.collect import ScanRequest
        from scanner.connectors.aws.plan import plan_for
        from scanner.connectors.aws.regions import parse_regions
        from scanner.errors import UsageError

        account_list = [a.strip() for a in accounts.split(",") if a.strip()] if accounts else None
        if account_list and organization:
            raise UsageError("--accounts and --organization are alternatives: give one of them.")
        bad = [a for a in account_list or [] if not (a.isdigit() and len(a) == 12)]
        if bad:
            raise UsageError(f"--accounts: {', '.join(bad)} is not a 12-digit AWS account id.")
        plan = plan_for(selected_policies(opts))  # read only what the selected policies need
        req = ScanRequest(
            profile=profile,
            regions=parse_regions(regions),
            accounts=account_list,
            organization=organization,
            role_name=role_name,
            endpoint_url=endpoint_url or None,
            workers=workers,
            home_region=region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
            units=None if plan.everything else tuple(sorted(plan.units)),
        )
        err = stderr_console(opts.quiet)
        from scanner.queue import collect

        with CollectionBar(err, "aws") as progress:
            inv = collect("aws", req, queue=queue, progress=progress)  # one shard per account on a queue
        print_collection(err, inv)
        evaluate_and_exit(inv, opts, source="aws:" + ",".join(a for s in inv.sources for a in s.accounts))
