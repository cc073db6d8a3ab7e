"""``cloudgov iac [scan] PATH``: Terraform, CloudFormation and ARM checked against the same
policies as live scans; ``cloudgov iac setup``: checkov's isolated virtualenv.

``cloudgov iac PATH`` is ``cloudgov iac scan PATH``: the group runs ``scan`` when the first
word is not one of its commands (so a directory named ``setup`` is ``cloudgov iac scan setup``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from scanner.cli.common import ScanOptions, evaluate_and_exit, scan_options, stderr_console

CHECKOV_SPEC = "checkov>=3.2,<4"


class _ScanByDefault(TyperGroup):
    """A group whose default command is ``scan``: ``cloudgov iac infra/`` keeps working."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["scan", *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    iac_app = typer.Typer(
        cls=_ScanByDefault,
        no_args_is_help=True,
        help="Infrastructure as code: `cloudgov iac PATH` (the same as `cloudgov iac scan PATH`) checks "
        "Terraform, CloudFormation and ARM; `cloudgov iac setup` installs checkov in its own virtualenv.",
    )
    app.add_typer(iac_app, name="iac")

    @iac_app.command("scan")
    @scan_options
    def iac(
        path: Annotated[
            Path,
            typer.Argument(
                help="A directory (every Terraform root, CloudFormation and ARM template under it is scanned) "
                "or one template file.",
                show_default=False,
                metavar="PATH",
            ),
        ],
        baseline: Annotated[
            Path | None,
            typer.Option("--baseline", metavar="FILE",
                         help="findings.json of an earlier run: only new failures fail the run."),
        ] = None,
        checkov: Annotated[
            bool,
            typer.Option("--checkov/--no-checkov", help="Also run checkov (default) or only cloudgov's own parser."),
        ] = True,
        checkov_timeout: Annotated[
            float, typer.Option("--checkov-timeout", metavar="SECONDS", help="Seconds before checkov is stopped.")
        ] = 900.0,
        region: Annotated[
            str | None,
            typer.Option("--region", metavar="REGION",
                         help="AWS region the CloudFormation stacks are deployed to (a template has none)."),
        ] = None,
        location: Annotated[
            str | None,
            typer.Option("--location", metavar="LOCATION",
                         help="Azure location of the resource group ARM templates are deployed to "
                         "(what resourceGroup().location means)."),
        ] = None,
        var_file: Annotated[
            list[Path] | None,
            typer.Option("--var-file", metavar="FILE",
                         help="Terraform variables file, as `terraform plan -var-file` (repeatable; later ones win)."),
        ] = None,
        var: Annotated[
            list[str] | None,
            typer.Option("--var", metavar="NAME=VALUE",
                         help="One Terraform variable, as `terraform plan -var` (repeatable; wins over --var-file)."),
        ] = None,
        workspace: Annotated[
            str | None,
            typer.Option("--workspace", metavar="NAME",
                         help="Terraform workspace (terraform.workspace); default TF_WORKSPACE, "
                         "else .terraform/environment, else `default`."),
        ] = None,
        opts: ScanOptions = None,  # type: ignore[assignment]
    ) -> None:
        """Check Terraform, CloudFormation and ARM (compiled Bicep) before deployment with the same
        policies as live scans (CMK, residency, log retention, MFA); findings point at file and line."""
        run_iac(path, opts, baseline=baseline, use_checkov=checkov, timeout=checkov_timeout, region=region,
                location=location, terraform=terraform_inputs(var_file, var, workspace))

    @iac_app.command("setup")
    def setup(
        upgrade: Annotated[
            bool, typer.Option("--upgrade", help="Reinstall checkov even when it is already set up.")
        ] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show each step as it runs.")] = False,
    ) -> None:
        """Install checkov into its own virtualenv, where `cloudgov iac` looks for it (see docs/iac.md,
        "Where checkov is"): CLOUDGOV_CHECKOV_VENV, else a source checkout's .venv-checkov, else
        the user data directory. Does nothing when checkov is there already."""
        from scanner.iac.setup import ensure_checkov

        exe, installed = ensure_checkov(CHECKOV_SPEC, upgrade=upgrade, verbose=verbose)
        typer.echo(f"checkov {'installed' if installed else 'already set up'}: {exe}")


def terraform_inputs(var_files: list[Path] | None, variables: list[str] | None, workspace: str | None) -> Any:
    """``--var-file``/``--var``/``--workspace`` as the Terraform loader's inputs (None: none given)."""
    from scanner.errors import InputError
    from scanner.iac.tfload import TfInputs

    pairs = []
    for v in variables or []:
        name, eq, value = v.partition("=")
        if not eq or not name.strip():
            raise InputError(f"--var {v!r}: expected NAME=VALUE")
        pairs.append((name.strip(), value))
    if not (var_files or pairs or workspace):
        return None
    return TfInputs(var_files=tuple(var_files or ()), variables=tuple(pairs), workspace=workspace or None)


def run_iac(
    path: Path, opts: ScanOptions, *, baseline: Path | None, use_checkov: bool, timeout: float,
    region: str | None = None, location: str | None = None, terraform: Any = None,
) -> None:
    from scanner.iac import scan_iac
    from scanner.iac.baseline import apply_baseline, load_baseline

    err = stderr_console(opts.quiet)
    known = load_baseline(baseline) if baseline else None  # fail fast on a bad file
    with err.status(f"scanning {path}", spinner="dots") if err.is_terminal and not opts.quiet else _null():
        scan = scan_iac(path, use_checkov=use_checkov, timeout=timeout, region=region,
                        location=location.replace(" ", "").lower() if location else None, terraform=terraform)
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
