"""IaC scanning: Terraform, CloudFormation and ARM (Bicep compiled) checked against the same
policies as live scans.

``scan_terraform(path)`` parses every Terraform root under ``path`` in our process
(tfparse: modules, count/for_each instances, dynamic blocks, references, files and lines,
provider → region; or a ``terraform show -json`` plan), normalizes the resources
into the model live connectors produce (account ``iac``), runs checkov ONCE out of
process for the built-in checks that test the same things plus our own checks, and keeps
checkov's verdicts as a second opinion (:mod:`scanner.iac.mapping`: never a PASS). The engine then
evaluates our policies; :meth:`IacScan.annotate` puts ``file``/``start_line``/``end_line``
on each finding for SARIF ``physicalLocation``. CloudFormation and ARM templates under the
same path are read in the same run (:mod:`scanner.iac.templates`, ``cfn``, ``arm``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.inventory import Inventory
from scanner.model import CoverageGap, Status

__all__ = ["IacScan", "scan_iac", "scan_terraform"]


@dataclass
class IacScan:
    inventory: Inventory
    notes: list[str] = field(default_factory=list)
    checkov: dict[str, Any] = field(default_factory=dict)

    def annotate(self, result: Any) -> None:
        """Give each finding its file and lines; say why a region is unknown; add checkov's
        second opinion to the evidence."""
        from scanner.iac.mapping import second_opinion

        for f in result.findings:
            second_opinion(f)
            raw = f.resource.raw or {}
            if raw.get("location"):
                f.location = dict(raw["location"])
            why = f.resource.prop("region_unresolved")
            if why and f.status is Status.ERROR and f.policy.startswith("residency."):
                f.message = f"region not resolvable from code: {why}"
        if self.checkov:
            result.extra["checkov"] = self.checkov


def scan_iac(
    path: str | Path, *, use_checkov: bool = True, timeout: float = 900.0,
    region: str | None = None, location: str | None = None, terraform: Any = None,
) -> IacScan:
    """``region``: the CloudFormation stacks' region; ``location``: the ARM resource group's;
    ``terraform``: a :class:`~scanner.iac.tfload.TfInputs` (``-var-file``, ``-var``, workspace)."""
    from scanner.iac.project import collect

    base = Path(path)
    directory = base if base.is_dir() else base.parent
    # checkov runs while we parse (our layer then costs only what outlasts it); its errors
    # are raised after ours, so a path without templates still says so first
    pending, checkov_error = None, None
    if use_checkov and base.exists():
        from scanner.iac.checkov import find_checkov, start_checkov
        from scanner.iac.mapping import requested_checks

        try:  # missing → InputError naming `cloudgov iac setup`
            var_files = tuple(terraform.var_files) if terraform is not None else ()
            pending = start_checkov(directory, requested_checks(), executable=find_checkov(), timeout=timeout,
                                    var_files=var_files)
        except InputError as e:
            checkov_error = e
    notes: list[str] = []
    try:
        inv = collect(base, region=region, location=location, notes=notes, terraform=terraform)
    except BaseException:
        if pending is not None:
            pending.cancel()
        raise
    scan = IacScan(inv, notes=notes)
    if not use_checkov:
        scan.notes.append("checkov not run (--no-checkov): values only cloudgov's parser can read")
        return scan
    if checkov_error is not None:
        raise checkov_error
    from scanner.iac.mapping import apply_checkov

    assert pending is not None  # checkov was asked for, started (no checkov_error), and the path exists
    run = pending.wait()
    stats = apply_checkov(inv, run, directory)
    for err in run.parsing_errors:
        inv.gap(
            CoverageGap(
                provider="iac", account="iac", region=None, service=f"checkov:{err}",
                kinds=("storage.object", "storage.block", "database", "backup", "log.store", "log.trail",
                       "messaging.queue", "kms.key", "identity.user"),
                code="CheckovParseError", message=f"checkov could not parse {err}",
            )
        )
    scan.checkov = {"version": run.version, "seconds": round(run.seconds, 2), **stats}
    scan.notes.append(
        f"checkov {run.version or '?'}: {stats['matched']} verdicts on {len(inv)} resources, "
        f"{stats['filled']} values filled, {run.seconds:.1f} s"
    )
    return scan


scan_terraform = scan_iac  # the name callers used before templates were read too
