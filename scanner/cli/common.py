"""Options every scan-like command shares, and the pipeline after collection.

A connector's command collects an Inventory and hands it to :func:`finish_scan`: config,
policies, waivers, evaluation, outputs, optional storage, and the exit code. Commands get
the shared options by decorating themselves with :func:`scan_options`; the function then
receives one ``opts: ScanOptions`` argument instead of a dozen.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Callable

import typer

from scanner.errors import UsageError

__all__ = ["ScanOptions", "scan_options", "finish_scan", "DbOpt", "stderr_console"]

FORMAT_HELP = "Output format: table, json, sarif, junit, csv (repeatable). Default: table."

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="CLOUDGOV_DB",
        help="Database as a SQLAlchemy URL (sqlite:///path.db, postgresql://user@host/db). "
        "Default: a SQLite file under the user's data directory.",
        show_default=False,
    ),
]


@dataclass
class ScanOptions:
    format: list[str]
    output_dir: Path | None
    fail_on: str | None
    waivers: Path | None
    config: Path | None
    allowed_regions: str | None
    save_inventory: Path | None
    errors_fail: bool
    store: bool
    db: str | None
    quiet: bool


def _param(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


_COMMON = [
    _param("format", Annotated[list[str] | None, typer.Option("--format", "-f", help=FORMAT_HELP)], None),
    _param(
        "output_dir",
        Annotated[
            Path | None,
            typer.Option(
                "--output-dir",
                "-o",
                help="Write findings.json / findings.sarif / findings.junit.xml / findings.csv here.",
            ),
        ],
        None,
    ),
    _param(
        "fail_on",
        Annotated[
            str | None,
            typer.Option(
                "--fail-on",
                help="Exit 1 when a finding at or above this severity fails (info, low, medium, high, "
                "critical; default from the config: high).",
            ),
        ],
        None,
    ),
    _param(
        "waivers",
        Annotated[Path | None, typer.Option("--waivers", help="YAML file of approved waivers (exceptions).")],
        None,
    ),
    _param(
        "config",
        Annotated[
            Path | None,
            typer.Option("--config", "-c", help="cloudgov.yaml (default: ./cloudgov.yaml when present)."),
        ],
        None,
    ),
    _param(
        "allowed_regions",
        Annotated[
            str | None,
            typer.Option(
                "--allowed-regions",
                help="Comma-separated regions where data may be (overrides the jurisdiction for this run).",
            ),
        ],
        None,
    ),
    _param(
        "save_inventory",
        Annotated[
            Path | None,
            typer.Option("--save-inventory", help="Also save the normalized inventory (.json, .jsonl or .json.gz)."),
        ],
        None,
    ),
    _param(
        "errors_fail",
        Annotated[
            bool,
            typer.Option(
                "--errors-fail/--errors-pass",
                help="Whether ERROR findings (unknown data, unreadable APIs) at or above the threshold "
                "fail the run. Default: they do (fail closed).",
            ),
        ],
        True,
    ),
    _param(
        "store",
        Annotated[bool, typer.Option("--store", help="Keep this scan in the database (scan history).")],
        False,
    ),
    _param("db", DbOpt, None),
    _param("quiet", Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary on stderr.")], False),
]
_COMMON_NAMES = [p.name for p in _COMMON]


def scan_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared scan options to a command whose last parameter is ``opts: ScanOptions``."""
    # eval_str: a module with ``from __future__ import annotations`` has string annotations,
    # and typer would drop the options' help text
    sig = inspect.signature(fn, eval_str=True)
    own = [p for p in sig.parameters.values() if p.name != "opts"]

    @functools.wraps(fn)
    def wrapper(**kwargs: Any) -> Any:
        common = {n: kwargs.pop(n) for n in _COMMON_NAMES}
        common["format"] = common["format"] or ["table"]
        return fn(**kwargs, opts=ScanOptions(**common))

    params = own + _COMMON
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # typer must see the new signature, not fn's
    return wrapper


def stderr_console(quiet: bool = False):
    from rich.console import Console

    return Console(stderr=True, quiet=quiet, highlight=False)


def finish_scan(
    inventory: Any,
    opts: ScanOptions,
    *,
    source: str,
    areas: set[str] | None = None,
    postprocess: Callable[[Any], None] | None = None,
) -> None:
    """Evaluate an inventory and produce every output; ends the process with the exit code.

    ``areas`` limits the policies (``{"vendor"}`` for governance checks); ``postprocess``
    may adjust the ScanResult before rendering (e.g. an IaC baseline).
    """
    from scanner import inventory as inventory_mod
    from scanner.config import load_config
    from scanner.engine import evaluate
    from scanner.outputs import render_all, resolve_formats
    from scanner.waivers import load_waivers
    from policies.registry import load_policies

    formats = resolve_formats(opts.format, opts.output_dir)
    config = load_config(opts.config)
    if opts.allowed_regions is not None:
        config = config.with_allowed_regions(opts.allowed_regions)
    fail_on = config.fail_on if opts.fail_on is None else _severity(opts.fail_on)
    policies = load_policies()
    waivers = load_waivers(opts.waivers, policies) if opts.waivers else None
    err = stderr_console(opts.quiet)
    with progress(err, f"evaluating {len(inventory):,} resources"):
        result = evaluate(inventory, policies, config, waivers, source=source, areas=areas)
    if postprocess is not None:
        postprocess(result)
    if opts.save_inventory:
        with progress(err, f"saving the inventory to {opts.save_inventory}"):
            inventory_mod.save(inventory, opts.save_inventory)
    # no spinner while something is printed to the same terminal
    to_terminal = "table" in formats or opts.output_dir is None
    with progress(err, f"writing {len(result.findings):,} findings", off=to_terminal):
        written = render_all(result, formats, opts.output_dir)
    if opts.store:
        from scanner.store.history import record_scan

        with progress(err, "storing the scan"):
            record_scan(result, db_url=opts.db)
    for problem in result.waiver_problems:
        err.print(f"[yellow]waiver[/yellow] {problem}")
    if written:
        err.print(result.summary_line())
        for path in written:
            err.print(f"  wrote {path}")
    code = result.exit_code(fail_on, errors_fail=opts.errors_fail)
    raise typer.Exit(code)


def progress(console, message: str, *, off: bool = False):
    """A spinner on a terminal (stderr), nothing otherwise: long steps show they are alive."""
    from contextlib import nullcontext

    if off or console.quiet or not console.is_terminal:
        return nullcontext()
    return console.status(message)


def _severity(text: str):
    from scanner.model import Severity

    try:
        return Severity.parse(text)
    except ValueError as e:
        raise UsageError(f"--fail-on: {e}") from None

