"""The scan pipeline as a library: what happens to an Inventory after collection.

``run(inventory, options)`` loads the config, the policies and the waivers, evaluates,
lets the caller adjust the result (an IaC baseline), saves the inventory, renders every
requested format, keeps the scan in the history database, and works out the exit code —
returned as a value. Nothing here knows about typer, terminals or the process: the CLI,
the web application and the workers all call this one function and print or store what
it returns.

``progress`` (optional) is told each stage as it starts — ``progress(stage, message)`` with
``stage`` one of :data:`STAGES` — so a terminal can show a spinner and a web job a status.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from scanner.errors import UsageError

if TYPE_CHECKING:
    from policies.registry import PolicySet
    from scanner.config import Config
    from scanner.inventory import Inventory
    from scanner.materiality import Materiality
    from scanner.model import Severity
    from scanner.result import ScanResult
    from scanner.waivers import WaiverSet

__all__ = ["Options", "Outcome", "run", "selected_policies", "STAGES", "Progress"]

#: the stages ``progress`` hears about, in order (``save_inventory`` and ``store`` only when asked)
STAGES = ("evaluate", "postprocess", "save_inventory", "render", "store")

Progress = Callable[[str, str], None]


@dataclass(frozen=True)
class Options:
    """What a scan's evaluation and outputs are asked to do (every field has a default)."""

    #: output formats by name (scanner.outputs.RENDERERS); comma-separated items are split;
    #: empty: nothing is rendered (a caller that only wants the result)
    formats: Sequence[str] = ("table",)
    #: write one file per format here; None: the formats go to ``stdout``
    output_dir: Path | None = None
    #: the exit-code threshold ("high", a Severity); None: the config's ``fail_on``
    fail_on: str | Severity | None = None
    #: a waiver file, or waivers already loaded
    waivers: Path | WaiverSet | None = None
    #: a cloudgov.yaml, or a Config already loaded; None: ./cloudgov.yaml when present
    config: Path | Config | None = None
    #: comma-separated regions overriding the jurisdiction for this run
    allowed_regions: str | None = None
    save_inventory: Path | None = None
    #: whether ERROR findings at or above the threshold make the exit code 1 (fail closed)
    errors_fail: bool = True
    #: keep the scan in the history database (``db``: a SQLAlchemy URL; None: the default)
    store: bool = False
    db: str | None = None
    #: where the scan came from, as outputs and history show it ("aws:111111111111")
    source: str = ""
    #: only the policies of these areas ({"vendor"} for the register's checks); None: all
    areas: Collection[str] | None = None
    #: choosing what runs (scanner.selection): policy ids or globs to run / to skip, areas,
    #: the lowest policy severity; each must name something that exists
    policies: Sequence[str] = ()
    skip_policies: Sequence[str] = ()
    select_areas: Sequence[str] = ()
    min_severity: str | None = None
    #: adjusts the ScanResult before it is rendered (e.g. an IaC baseline's exemptions)
    postprocess: Callable[[ScanResult], None] | None = None
    #: the stream for formats not written to a file; None: sys.stdout at render time
    stdout: IO[str] | None = None
    #: the JSON documents (json, sarif) indented for people; default compact
    pretty: bool = False
    #: the vendor register (a ``cloudgov.vendors`` file, or its scopes already read) whose
    #: account → service links give each finding its service's materiality (重大性);
    #: None: every account's materiality is unknown, and scoped policies judge it (fail closed)
    register: Path | Materiality | None = None


@dataclass
class Outcome:
    """What a run produced: the result, the files written, the stored scan and the exit code."""

    result: ScanResult
    exit_code: int
    fail_on: Severity
    written: list[Path] = field(default_factory=list)
    #: the history row's id when ``store`` was asked
    scan_id: int | None = None

    @property
    def waiver_problems(self) -> list[str]:
        return self.result.waiver_problems


def _quiet(stage: str, message: str) -> None:
    return None


def run(inventory: Inventory, options: Options, *, progress: Progress | None = None) -> Outcome:
    """Evaluate ``inventory`` and produce every output ``options`` asks for.

    Raises :class:`scanner.errors.CloudgovError` subclasses for bad input (an unknown format,
    a malformed config or waiver file) before anything is evaluated or written.
    """
    from policies.registry import load_policies
    from scanner.config import Config, load_config
    from scanner.engine import evaluate
    from scanner.outputs import render_all, resolve_formats
    from scanner.waivers import WaiverSet, load_waivers

    say = progress or _quiet
    # everything that can be wrong with the input is checked before any work is done
    formats = resolve_formats(list(options.formats), options.output_dir) if options.formats else []
    config = options.config if isinstance(options.config, Config) else load_config(options.config)
    if options.allowed_regions is not None:
        config = config.with_allowed_regions(options.allowed_regions)
    fail_on = config.fail_on if options.fail_on is None else _severity(options.fail_on)
    every_policy = load_policies()
    policies = selected_policies(options) or every_policy
    _collected_for(inventory, policies)
    waivers = options.waivers
    if waivers is not None and not isinstance(waivers, WaiverSet):
        waivers = load_waivers(waivers, every_policy)  # a waiver of a policy not chosen this run is still valid
    materiality = options.register if options.register is not None else config.register
    if materiality is not None:
        from scanner.materiality import Materiality, load_register_scopes

        if not isinstance(materiality, Materiality):
            materiality = load_register_scopes(materiality)

    say("evaluate", f"evaluating {len(inventory):,} resources")
    areas = set(options.areas) if options.areas is not None else None
    result = evaluate(inventory, policies, config, waivers, source=options.source, areas=areas,
                      materiality=materiality)
    if options.postprocess is not None:
        say("postprocess", "applying the baseline")
        options.postprocess(result)
    if options.save_inventory:
        from scanner import inventory as inventory_mod

        say("save_inventory", f"saving the inventory to {options.save_inventory}")
        inventory_mod.save(inventory, options.save_inventory)
    # the table's headline says the run's verdict
    result.extra["threshold"] = {"fail_on": fail_on.value, "errors_fail": options.errors_fail}
    written: list[Path] = []
    if formats:
        say("render", f"writing {len(result.findings):,} findings")
        written = render_all(result, formats, options.output_dir, stdout=options.stdout, pretty=options.pretty)
    scan_id = None
    if options.store:
        from scanner.store.history import record_scan

        say("store", "storing the scan")
        scan_id = record_scan(result, db_url=options.db)
    code = result.exit_code(fail_on, errors_fail=options.errors_fail)
    return Outcome(result=result, exit_code=code, fail_on=fail_on, written=written, scan_id=scan_id)


def selected_policies(options: Options) -> PolicySet | None:
    """The policies ``options`` choose (``--policy``, ``--skip-policy``, ``--area``,
    ``--min-severity``), or None when they choose none (every policy runs). A live collector
    asks this before collecting, to read only what these policies need."""
    if not (options.policies or options.skip_policies or options.select_areas or options.min_severity):
        return None
    from policies.registry import load_policies
    from scanner.selection import select_policies

    policies = load_policies()
    return select_policies(
        policies.only(set(options.areas)) if options.areas is not None else policies,
        include=options.policies, skip=options.skip_policies, areas=options.select_areas,
        min_severity=options.min_severity,
    )


def _collected_for(inventory: Inventory, policies: PolicySet) -> None:
    """A live AWS scan with a selection reads only what its policies need (its source says
    what it left out): evaluating that inventory with policies that need more would judge
    data that was never read, so it is refused, naming them."""
    for src in inventory.sources:
        left_out = (src.details or {}).get("not_collected") if src.connector == "aws" else None
        if not left_out:
            continue
        from scanner.connectors.aws.plan import needing

        wanting = needing(policies, left_out)
        if wanting:
            more = f" and {len(wanting) - 5} more" if len(wanting) > 5 else ""
            raise UsageError(
                f"this AWS inventory was collected for a narrower policy selection (not read: {', '.join(left_out)}); "
                f"{', '.join(wanting[:5])}{more} need what was not read: evaluate it with the selection it was "
                "collected for, or scan again")


def _severity(value: str | Severity) -> Severity:
    from scanner.model import Severity

    if isinstance(value, Severity):
        return value
    try:
        return Severity.parse(value)
    except ValueError as e:
        raise UsageError(f"--fail-on: {e}") from None
