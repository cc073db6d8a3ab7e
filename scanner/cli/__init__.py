"""The ``cloudgov`` command line (typer).

Start-up must stay fast (``cloudgov --help`` < 0.3 s): command modules import only typer
at module level; cloud SDKs, SQLAlchemy, jinja2 and the engine are imported inside the
commands that need them.
"""

from __future__ import annotations

import importlib
import os
import sys

# Plain click help instead of typer's rich help: rich's markdown and traceback machinery
# would double the start-up time of `cloudgov --help`. Our own tables still use rich.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # noqa: E402

from scanner.errors import CloudgovError  # noqa: E402

app = typer.Typer(
    name="cloudgov",
    help=(
        "Cloud posture and outsourcing-governance scanner for Taiwanese securities and futures "
        "firms: MFA, customer-managed keys, data residency and log retention, checked against "
        "the ETG, CSM, SRR, DSG and WFH rules."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
scan_app = typer.Typer(
    help="Scan cloud configuration (live or from export files) and report findings.",
    no_args_is_help=True,
)
app.add_typer(scan_app, name="scan")

#: Modules that add commands: each has ``register(app, scan_app)``. A module that is not
#: there (an optional part not installed) is skipped.
COMMAND_MODULES = (
    "scanner.cli.scan",
    "scanner.cli.catalogue",
    "scanner.cli.scan_aws",
    "scanner.cli.scan_azure",
    "scanner.cli.scan_gcp",
    "scanner.cli.iac",
    "scanner.cli.vendor",
    "scanner.cli.exit",
    "scanner.cli.report",
)

for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(_name)
    except ModuleNotFoundError as _e:
        if _e.name == _name:
            continue
        raise
    _mod.register(app, scan_app)


def main() -> None:
    """Console entry point: user errors become one sentence on stderr and exit code 2."""
    try:
        app()
    except CloudgovError as e:
        print(f"cloudgov: error: {e}", file=sys.stderr)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        print("cloudgov: interrupted", file=sys.stderr)
        sys.exit(130)
