"""Options every scan-like command shares, and the hand-over to the pipeline.

A connector's command collects an Inventory and hands it to :func:`evaluate_and_exit`,
which calls :func:`scanner.pipeline.run` (config, policies, waivers, evaluation, outputs,
optional storage, the exit code as a value), prints the summary and exits with that code. Commands get
the shared options by decorating themselves with :func:`scan_options`; the function then
receives one ``opts: ScanOptions`` argument instead of a dozen.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["ScanOptions", "scan_options", "evaluate_and_exit", "selected_policies", "DbOpt", "QueueOpt", "stderr_console"]

FORMAT_HELP = (
    "Output format: table, json, sarif, junit, csv (repeatable). Default: table; with --output-dir, "
    "every file format and the table."
)
DEFAULT_FILE_FORMATS = ["table", "json", "sarif", "junit", "csv"]

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


QueueOpt = Annotated[
    str | None,
    typer.Option(
        "--queue",
        envvar="CLOUDGOV_QUEUE",
        help="Task queue broker (redis://host:6379/0): the work goes to `cloudgov worker` processes "
        "listening on it (the queue extra).",
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
    register: Path | None = None
    wide: bool = False
    wrap: bool = True
    policy: list[str] | None = None
    skip_policy: list[str] | None = None
    area: list[str] | None = None
    min_severity: str | None = None
    pretty: bool = False


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
    _param(
        "register",
        Annotated[
            Path | None,
            typer.Option(
                "--register",
                help="Vendor register file (as `vendor import` takes): its services' account links give "
                "each finding its service's materiality (重大性), so articles for material outsourcing "
                "apply only where they bind. Without it, materiality is unknown and they apply everywhere.",
            ),
        ],
        None,
    ),
    _param("quiet", Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress on stderr; the table shows only the verdict and what fails the run.")],
        False),
    _param("policy", Annotated[list[str] | None, typer.Option(
        "--policy", metavar="ID", help="Run only these policies (ids or globs such as residency.*; repeatable).")],
        None),
    _param("skip_policy", Annotated[list[str] | None, typer.Option(
        "--skip-policy", metavar="ID", help="Do not run these policies (ids or globs; repeatable).")], None),
    _param("area", Annotated[list[str] | None, typer.Option(
        "--area", metavar="AREA", help="Run only the policies of these areas (mfa, encryption, residency, "
        "logging, ...; repeatable).")], None),
    _param("min_severity", Annotated[str | None, typer.Option(
        "--min-severity", metavar="SEVERITY", help="Run only policies of at least this severity "
        "(info, low, medium, high, critical).")], None),
    _param("wide", Annotated[bool, typer.Option(
        "--wide", help="Table: lines as long as they need (nothing wrapped or cut, every resource).")], False),
    _param("wrap", Annotated[bool, typer.Option(
        "--wrap/--no-wrap", help="Table: wrap long reasons (default) or cut them, one line per resource.")], True),
    _param("pretty", Annotated[bool, typer.Option(
        "--pretty", help="JSON and SARIF indented for reading (default: compact, one finding per line).")], False),
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
        # -o without --format: every file format, and the table on the terminal (writing
        # nothing, silently, was the old surprise)
        common["format"] = common["format"] or (DEFAULT_FILE_FORMATS if common["output_dir"] else ["table"])
        return fn(**kwargs, opts=ScanOptions(**common))

    params = own + _COMMON
    wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__  # typer must see the new signature, not fn's
    return wrapper


class SilentConsole:
    """What a quiet rich Console does on stderr — nothing — without importing rich (a tenth
    of a quiet scan's imports): ``print`` drops, ``status`` is a context that shows nothing."""

    quiet = True
    is_terminal = False

    def print(self, *objects: Any, **kwargs: Any) -> None:
        return None

    def status(self, *args: Any, **kwargs: Any) -> Any:
        from contextlib import nullcontext

        return nullcontext()


def stderr_console(quiet: bool = False):
    if quiet:
        return SilentConsole()
    from rich.console import Console

    return Console(stderr=True, quiet=quiet, highlight=False)


def selected_policies(opts: ScanOptions) -> Any:
    """The PolicySet the selection options choose, or None (no selection: every policy). Asked
    before collecting, so a live scan reads only what those policies need, and a typo in
    --policy / --area stops the run before any API call."""
    from scanner.pipeline import Options, selected_policies
    from scanner.selection import split_values

    return selected_policies(Options(policies=split_values(opts.policy), skip_policies=split_values(opts.skip_policy),
                                     select_areas=split_values(opts.area), min_severity=opts.min_severity))


def evaluate_and_exit(
    inventory: Any,
    opts: ScanOptions,
    *,
    source: str,
    areas: set[str] | None = None,
    postprocess: Callable[[Any], None] | None = None,
) -> None:
    """Run :func:`scanner.pipeline.run` on a collected inventory, print what a terminal user
    needs (waiver problems, the summary, the files written) and end with its exit code.

    ``areas`` limits the policies (``{"vendor"}`` for governance checks); ``postprocess``
    may adjust the ScanResult before rendering (e.g. an IaC baseline).
    """
    from scanner.pipeline import Options, run
    from scanner.selection import split_values

    options = Options(
        formats=opts.format,
        output_dir=opts.output_dir,
        fail_on=opts.fail_on,
        waivers=opts.waivers,
        config=opts.config,
        allowed_regions=opts.allowed_regions,
        save_inventory=opts.save_inventory,
        errors_fail=opts.errors_fail,
        store=opts.store,
        db=opts.db,
        source=source,
        areas=areas,
        postprocess=_with_table_layout(postprocess, opts),
        register=opts.register,
        policies=split_values(opts.policy),
        skip_policies=split_values(opts.skip_policy),
        select_areas=split_values(opts.area),
        min_severity=opts.min_severity,
        pretty=opts.pretty,
    )
    err = stderr_console(opts.quiet)
    # no spinner while the findings are printed to the same terminal
    to_terminal = opts.output_dir is None or any("table" in f for f in opts.format)
    with StageSpinner(err, quiet_stages={"render"} if to_terminal else set()) as spinner:
        outcome = run(inventory, options, progress=spinner)
    for problem in outcome.waiver_problems:
        err.print(f"[yellow]waiver problem:[/yellow] {problem}")
    if outcome.written:
        err.print(outcome.result.summary_line())
        for path in outcome.written:
            err.print(f"  wrote {path}")
    raise typer.Exit(outcome.exit_code)


def _with_table_layout(postprocess: Callable[[Any], None] | None, opts: ScanOptions) -> Callable[[Any], None]:
    """The table's layout options travel with the result to its renderer."""

    def run(result: Any) -> None:
        result.extra["table"] = {"wide": opts.wide, "wrap": opts.wrap, "quiet": opts.quiet}
        if postprocess is not None:
            postprocess(result)

    return run


class StageSpinner:
    """The pipeline's ``progress``: one spinner on a terminal (stderr) naming the current
    stage, stopped for ``quiet_stages``; nothing when stderr is not a terminal."""

    def __init__(self, console: Any, *, quiet_stages: set[str]) -> None:
        self.console = console
        self.quiet_stages = quiet_stages
        self._status: Any = None

    def __enter__(self) -> StageSpinner:
        return self

    def __call__(self, stage: str, message: str) -> None:
        if self.console.quiet or not self.console.is_terminal:
            return
        if stage in self.quiet_stages:
            self._stop()
        elif self._status is None:
            self._status = self.console.status(message)
            self._status.start()
        else:
            self._status.update(message)

    def _stop(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __exit__(self, *exc: object) -> None:
        self._stop()


def progress(console, message: str, *, off: bool = False):
    """A spinner on a terminal (stderr), nothing otherwise: long steps show they are alive."""
    from contextlib import nullcontext

    if off or console.quiet or not console.is_terminal:
        return nullcontext()
    return console.status(message)


class CollectionBar:
    """A live connector's ``progress(label, done, total)`` on a terminal: one rich bar per
    run, transient; ``None`` (no callback) when stderr is not a terminal or --quiet."""

    def __init__(self, console: Any, connector: str) -> None:
        self.console = console
        self.connector = connector
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[str, int, int | None], None] | None:
        if self.console.quiet or not self.console.is_terminal:
            return None
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn(f"[bold]{self.connector}[/bold] {{task.description}}"), BarColumn(),
                             MofNCompleteColumn(), TimeElapsedColumn(), console=self.console, transient=True)
        self._bar.__enter__()
        self._task = self._bar.add_task("connecting", total=None)
        return self.update

    def update(self, label: str, done: int, total: int | None) -> None:
        self._bar.update(self._task, completed=done, total=total or None, description=label or "scanning")

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def print_collection(console: Any, inventory: Any, *, gaps: bool = False) -> None:
    """One line about what a live connector read (from its Source record), and its failures."""
    for src in inventory.sources:
        extra = f" ({src.details['http_requests']} HTTP requests)" if "http_requests" in src.details else ""
        if src.details.get("retries"):
            extra += f" ({src.details['retries']} retried)"
        seconds = f" in {src.seconds:.1f} s" if src.seconds is not None else ""
        console.print(
            f"{src.connector}: {len(inventory)} resources in {len(src.accounts)} account(s)"
            + (f", {len(src.regions)} region(s)" if src.regions else "")
            + f"; {src.api_calls} API calls{extra}{seconds}; {len(inventory.coverage_gaps)} coverage gap(s)"
        )
        for failed in src.accounts_failed:
            console.print(f"[yellow]{src.connector}[/yellow] account {failed['account']} not scanned: "
                          f"{failed['code']}: {failed['message']}")
    if gaps:
        for gap in inventory.coverage_gaps:
            console.print(f"  [yellow]gap[/yellow] {gap.service} {gap.account}: {gap.code} {gap.message}")
