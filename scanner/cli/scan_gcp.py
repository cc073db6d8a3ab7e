"""``cloudgov scan gcp``: live scan of an organization, folders or projects via Cloud Asset Inventory."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from scanner.cli.common import ScanOptions, evaluate_and_exit, scan_options, stderr_console


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
        *,
        opts: ScanOptions,
    ) -> None:
        """Scan GCP live (read-only Cloud Asset Inventory calls) and evaluate every policy."""
        from datetime import datetime, timezone

        from scanner.connectors.gcp.collect import collect, make_client, parse_scope
        from scanner.connectors.gcp.enrich import enrich
        from scanner.connectors.gcp.normalize import normalize

        from scanner.errors import UsageError

        if not scope:
            raise UsageError("give at least one --scope (organizations/<number>, folders/<number> or projects/<id>)")
        scopes = list(dict.fromkeys(parse_scope(s) for s in scope))
        err = stderr_console(opts.quiet)
        client = make_client(endpoint=endpoint_url, quota_project=quota_project)
        started = datetime.now(timezone.utc)
        with _progress(err, show=not opts.quiet and sys.stderr.isatty()) as progress:
            collected = collect(scopes, client, workers=workers, progress=progress)
            extra = enrich(scopes, collected.records, read_groups=read_groups, key_activity=key_activity,
                           endpoint=endpoint_url, quota_project=quota_project)
            directory, dir_gaps, dir_calls = None, [], 0
            if directory_customer:
                from scanner.connectors.gcp.directory import directory_session, fetch_directory

                calls = [0]
                session = directory_session(anonymous=bool(endpoint_url))
                directory, dir_gaps = fetch_directory(
                    directory_customer,
                    session,
                    base_url=endpoint_url or "https://admin.googleapis.com",
                    on_call=lambda: calls.__setitem__(0, calls[0] + 1),
                )
                dir_calls = calls[0]
        source = {
            "connector": "gcp",
            "mode": "live",
            "scopes": scopes,
            "api_calls": collected.calls + dir_calls + sum(extra.calls.values()),
            "retries": collected.retries,
            "directory_calls": dir_calls,
            **{f"{api}_calls": n for api, n in sorted(extra.calls.items())},
            "assets": len(collected.records),
            "started_at": started.isoformat(timespec="seconds"),
        }
        inv = normalize(
            [*collected.records, *extra.records],
            coverage=collected.coverage,
            directory=directory,
            groups=extra.groups,
            activity=extra.activity,
            gaps=[*collected.gaps, *extra.gaps, *dir_gaps],
            collected_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            source=source,
        )
        err.print(
            f"gcp: {len(inv)} resources from {len(collected.records)} assets in {len(scopes)} scope(s), "
            f"{source['api_calls']} API calls ({collected.retries} retried), {len(inv.coverage_gaps)} coverage gap(s)"
        )
        for gap in inv.coverage_gaps:
            err.print(f"  [yellow]gap[/yellow] {gap.service} {gap.account}: {gap.code} {gap.message}")
        evaluate_and_exit(inv, opts, source="gcp:" + ",".join(scopes))


class _progress:
    """A rich progress display on a terminal; a no-op callback otherwise."""

    def __init__(self, console, *, show: bool) -> None:
        self.console = console
        self.show = show
        self._bar = None
        self._tasks: dict[str, int] = {}

    def __enter__(self):
        if not self.show:
            return None
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._bar = Progress(SpinnerColumn(), TextColumn("[bold]gcp[/bold] {task.description}"),
                             TextColumn("{task.completed} assets"), TimeElapsedColumn(),
                             console=self.console, transient=True)
        self._bar.__enter__()
        return self.update

    def update(self, label: str, n: int) -> None:
        assert self._bar is not None
        task = self._tasks.get(label)
        if task is None:
            task = self._tasks[label] = self._bar.add_task(label, total=None)
        self._bar.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
