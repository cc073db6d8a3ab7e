"""``cloudgov iac PATH``: Terraform checked against the same policies as live scans;
``cloudgov iac setup``: create checkov's isolated virtualenv."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.cli.common import ScanOptions, evaluate_and_exit, scan_options, stderr_console

CHECKOV_SPEC = "checkov>=3.2,<4"


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @app.command("iac")
    @scan_options
    def iac(
        path: Annotated[
            Path,
            typer.Argument(
                help="A directory (every Terraform root, CloudFormation and ARM template under it is scanned) "
                "or one template file. "
                "`cloudgov iac setup` instead creates checkov's isolated virtualenv.",
                show_default=False,
            ),
        ],
        baseline: Annotated[
            Path | None,
            typer.Option("--baseline", help="findings.json of an earlier run: only new failures fail the run."),
        ] = None,
        checkov: Annotated[
            bool,
            typer.Option("--checkov/--no-checkov", help="Also run checkov (default) or only cloudgov's own parser."),
        ] = True,
        checkov_timeout: Annotated[
            float, typer.Option("--checkov-timeout", help="Seconds before checkov is stopped.")
        ] = 900.0,
        region: Annotated[
            str | None,
            typer.Option("--region", help="AWS region the CloudFormation stacks are deployed to (a template has none)."),
        ] = None,
        location: Annotated[
            str | None,
            typer.Option("--location", help="Azure location of the resource group ARM templates are deployed to "
                         "(what resourceGroup().location means)."),
        ] = None,
        opts: ScanOptions = None,  # type: ignore[assignment]
    ) -> None:
        """Check Terraform, CloudFormation and ARM (compiled Bicep) before deployment with the same
        policies as live scans (CMK, residency, log retention, MFA); findings point at file and line."""
        if str(path) == "setup" and not path.exists():
            from scanner.iac.setup import create_checkov_venv

            exe = create_checkov_venv(None, CHECKOV_SPEC, quiet=opts.quiet)
            typer.echo(f"checkov ready: {exe}")
            return
        run_iac(path, opts, baseline=baseline, use_checkov=checkov, timeout=checkov_timeout, region=region,
                location=location)


def run_iac(
    path: Path, opts: ScanOptions, *, baseline: Path | None, use_checkov: bool, timeout: float,
    region: str | None = None, location: str | None = None,
) -> None:
    from scanner.iac import scan_iac
    from scanner.iac.baseline import apply_baseline, load_baseline

    err = stderr_console(opts.quiet)
    known = load_baseline(baseline) if baseline else None  # fail fast on a bad file
    with err.status(f"scanning {path}", spinner="dots") if err.is_terminal and not opts.quiet else _null():
        scan = scan_iac(path, use_checkov=use_checkov, timeout=timeout, region=region,
                        location=location.replace(" ", "").lower() if location else None)
    for line in scan.notes:
        err.print(f"[dim]{line}[/dim]")

    def postprocess(result) -> None:
        scan.annotate(result)
        if known is not None:
            counts = apply_baseline(result, known, str(baseline))
            err.print(f"baseline {baseline}: {counts['suppressed']} known failure(s) suppressed, {counts['new']} new")

    evaluate_and_exit(scan.inventory, opts, source=f"iac:{path}", postprocess=postprocess)


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
