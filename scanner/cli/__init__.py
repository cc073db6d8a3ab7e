"""The ``cloudgov`` command line (typer).

Start-up must stay fast (``cloudgov --help`` ≤ 0.15 s, benchmarks/README.md): the commands
are a static lazy map (:mod:`scanner.cli.lazy`), so a command's module is imported only when
it runs; inside it, cloud SDKs, SQLAlchemy, jinja2 and the engine are imported by the
command that needs them.
"""

from __future__ import annotations

import os
import sys

# Plain click help instead of typer's rich help: rich's markdown and traceback machinery
# would double the start-up time of `cloudgov --help`. Our own tables still use rich.
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # noqa: E402


def _install_metavars() -> None:
    """Help shows FILE, DATE, URL... (scanner/cli/options.py), never a Python type."""
    import typer.core

    base = typer.core._TyperParameter
    original = base.display_type

    def display_type(self, ctx):  # noqa: ANN001, ANN202
        if self.metavar:
            return self.metavar
        from scanner.cli.options import metavar_for

        return metavar_for(self.name, original(self, ctx))

    base.display_type = display_type  # type: ignore[method-assign]  # typer has no hook for metavars

    def usage_name(self):  # noqa: ANN001, ANN202
        # typer 0.2x writes a required argument as {PATH...}... on the usage line; click's
        # convention (and our docs) is PATH... when required and [PATH...] when optional
        name = self.metavar or (self.name or "").upper()
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name if self.required else f"[{name}]"

    if hasattr(typer.core.TyperArgument, "_usage_display_name"):
        typer.core.TyperArgument._usage_display_name = usage_name  # type: ignore[method-assign]


_install_metavars()

from scanner.cli.lazy import Lazy, LazyGroup  # noqa: E402
from scanner.errors import CloudgovError  # noqa: E402


class _ScanGroup(LazyGroup):
    """``cloudgov scan <source>``: one module per source, imported when it runs."""

    scan_level = True
    lazy = {
        "snapshot": Lazy("scanner.cli.scan", "Evaluate saved inventories and export files (no cloud access needed)."),
        "aws": Lazy("scanner.cli.scan_aws", "Scan AWS accounts live (read-only API calls) and evaluate every policy."),
        "azure": Lazy("scanner.cli.scan_azure", "Scan Azure live: credentials from DefaultAzureCredential (az login, "
                      "environment, managed identity, workload identity); nothing is stored or printed."),
        "gcp": Lazy("scanner.cli.scan_gcp",
                    "Scan GCP live (read-only Cloud Asset Inventory calls) and evaluate every policy."),
    }


class _TopGroup(LazyGroup):
    """Every top-level command: name → the module whose ``register(app, scan_app)`` adds it,
    and its one-line help (tests/test_cli_registry.py keeps both true)."""

    lazy = {
        "controls": Lazy("scanner.cli.catalogue", "List the control catalogue (the regulations' requirements, "
                         "with stable ids)."),
        "policies": Lazy("scanner.cli.catalogue", "List the policies: id, severity, resource kinds, the articles "
                         "they serve."),
        "iac": Lazy("scanner.cli.iac", "Infrastructure as code: `cloudgov iac PATH` (the same as `cloudgov iac scan "
                    "PATH`) checks Terraform, CloudFormation and ARM; `cloudgov iac setup` installs checkov in its "
                    "own virtualenv."),
        "vendor": Lazy("scanner.cli.vendor", "The register of cloud service providers: due diligence, contracts, "
                       "audits, evidence."),
        "exit": Lazy("scanner.cli.exit", "Exit plans, lock-in analysis and proof of deletion at termination "
                     "(ETG Art. 9)."),
        "history": Lazy("scanner.cli.report", "Past scans kept in the database (--store on any scan, or history "
                        "import)."),
        "report": Lazy("scanner.cli.report", "Reports built from the scan history and the registers."),
        "init": Lazy("scanner.cli.setup_cmds", "Write a cloudgov.yaml holding every regulatory default, commented "
                     "out, each with the article it comes from: uncomment what your firm decides differently."),
        "doctor": Lazy("scanner.cli.setup_cmds", "Say which optional parts (extras), checkov, fonts and database "
                       "this installation has, and what to run for the ones that are missing."),
        "backups": Lazy("scanner.cli.backups", "The backup inventory (備份清冊, ETG 9.3): every database and disk "
                        "with its backups, every vault with its lock."),
        "worker": Lazy("scanner.cli.worker", "Run a worker of the task queue: shards of distributed scans and the "
                       "web application's scan jobs."),
        "serve": Lazy("scanner.cli.serve", "Start the web application (embedded SQLite by default; --db "
                      "postgresql://… for a team)."),
    }


app = typer.Typer(
    name="cloudgov",
    cls=_TopGroup,
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
    cls=_ScanGroup,
    help="Scan cloud configuration (live or from export files) and report findings.",
    no_args_is_help=True,
)
app.add_typer(scan_app, name="scan")

#: every command module (the lazy maps' values), for tests and tools that want them all
COMMAND_MODULES = tuple(dict.fromkeys(x.module for g in (_ScanGroup, _TopGroup) for x in g.lazy.values()))


#: The exit-code contract (README "Exit codes"); scripts and pipelines depend on it.
EXIT_OK = 0  # nothing at or above the threshold failed
EXIT_FINDINGS = 1  # a finding at or above the threshold failed; never used for anything else
EXIT_INPUT = 2  # a usage or input error: one sentence on stderr
EXIT_INTERNAL = 3  # a bug in cloudgov: a short message; --debug / CLOUDGOV_DEBUG=1 add the traceback
EXIT_INTERRUPTED = 130

_debug = False


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"cloudgov {version('cloudgov')}")
        except PackageNotFoundError:  # a source tree that was never installed
            typer.echo("cloudgov (not installed)")
        raise typer.Exit(0)


@app.callback()
def _global_options(
    debug: bool = typer.Option(
        False, "--debug", help="On an internal error, also print the traceback (or set CLOUDGOV_DEBUG=1)."
    ),
    version: bool = typer.Option(
        False, "--version", "-V", callback=_print_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    global _debug
    _debug = _debug or debug


def _debugging() -> bool:
    return _debug or os.environ.get("CLOUDGOV_DEBUG", "").strip().lower() in ("1", "true", "yes", "on")


def _say(message: str) -> None:
    """One line on stderr, whatever the exception's text held."""
    from scanner.outputs.escape import terminal_text

    line = terminal_text(" ".join(str(message).split()))
    print(f"cloudgov: {line}", file=sys.stderr)


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code; every exception becomes one of the
    contract's codes. Only a finding's verdict can give 1."""
    global _debug
    _debug = False
    try:
        rv = app(args=argv, prog_name="cloudgov", standalone_mode=False)
    except typer.Exit as e:  # normally returned by click in non-standalone mode
        return int(e.exit_code)
    except typer.Abort as e:
        if isinstance(e.__cause__, KeyboardInterrupt):
            _say("interrupted")
            return EXIT_INTERRUPTED
        _say("error: aborted (no answer on standard input)")
        return EXIT_INPUT
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except CloudgovError as e:
        if _debugging():
            _traceback()
        _say(f"error: {e}")
        return e.exit_code
    except Exception as e:  # noqa: BLE001 (the contract's last line of defence)
        return _unexpected(e)
    return rv if isinstance(rv, int) and rv in (EXIT_OK, EXIT_FINDINGS) else EXIT_OK


def _unexpected(e: Exception) -> int:
    usage = _click_usage_error(e)
    if usage is not None:
        return usage
    if _debugging():
        _traceback()
    if isinstance(e, OSError) and not isinstance(e, ConnectionError | TimeoutError) and e.strerror:
        # a file or directory the user named: missing, unreadable, not writable, full disk
        where = f"{e.filename}: " if e.filename else ""
        _say(f"error: {where}{e.strerror}")
        return EXIT_INPUT
    text = str(e).strip().splitlines()[0][:300] if str(e).strip() else ""
    _say(
        f"internal error: {type(e).__name__}{': ' + text if text else ''} "
        "(this is a bug in cloudgov; rerun with --debug for the traceback)"
    )
    return EXIT_INTERNAL


def _click_usage_error(e: Exception) -> int | None:
    """click's usage errors (an unknown option, a missing argument, a bad value), as one line.
    Typer vendors click in recent versions and re-exports it in older ones, so duck-typed."""
    fmt = getattr(e, "format_message", None)
    if fmt is None or not hasattr(e, "exit_code") or type(e).__name__ == "Exit":
        return None
    if type(e).__name__ == "NoArgsIsHelpError":  # a bare group: its help, as click shows it
        e.show()  # type: ignore[attr-defined]
        return EXIT_INPUT
    ctx = getattr(e, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    _say(f"error: {fmt()}{hint}")
    return EXIT_INPUT


def _traceback() -> None:
    import traceback

    traceback.print_exc(file=sys.stderr)


def main() -> None:
    """Console entry point (``cloudgov``): exits with the code :func:`run` returns."""
    sys.exit(run())
