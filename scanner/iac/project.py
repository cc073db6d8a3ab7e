"""Find the Terraform root modules under a path and build one Inventory from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.iac.normalize import normalize_project
from scanner.inventory import Inventory
from scanner.source import Source

__all__ = ["find_roots", "collect"]

_SKIP_DIRS = {".terraform", ".git", "node_modules", ".venv"}


def _tf_dirs(path: Path) -> list[Path]:
    dirs = set()
    for f in path.rglob("*.tf"):
        if not any(part in _SKIP_DIRS or part.startswith(".venv") for part in f.relative_to(path).parts):
            dirs.add(f.parent.resolve())
    return sorted(dirs)


def find_roots(path: Path) -> list[Path]:
    """Directories with .tf files that no other scanned directory calls as a local module."""
    from scanner.iac.tfload import local_module_sources

    dirs = _tf_dirs(path)
    called: set[Path] = set()
    for d in dirs:
        called.update(local_module_sources(d))
    return [d for d in dirs if d not in called]


def collect(
    path: str | Path, *, region: str | None = None, location: str | None = None, notes: list[str] | None = None,
    terraform: Any = None,
) -> Inventory:
    """Parse every Terraform root, CloudFormation and ARM template under ``path`` into one
    Inventory (account ``iac``). ``region`` is the CloudFormation stacks' region, ``location``
    the ARM resource group's location: both are decided at deployment, not in the files.
    ``terraform`` (a :class:`~scanner.iac.tfload.TfInputs`): the ``-var-file``/``-var`` values
    and workspace given to every Terraform root."""
    from scanner.iac.templates import collect_templates

    base = Path(path)
    if not base.exists():
        raise InputError(f"{base}: no such file or directory")
    given = base
    if base.is_file():
        base = base.parent
    import datetime as dt

    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    plan = _plan(given)
    if plan is not None:  # `terraform show -json` output: Terraform's own evaluation
        source = Source(connector="iac", mode="iac", details={"path": str(path), "plan": True})
        inv = Inventory(collected_at=now, sources=[source])
        normalize_project(plan, "", inv)
        if terraform is not None and notes is not None and (terraform.var_files or terraform.variables):
            notes.append("--var-file/--var not used: a plan already holds the values it was planned with")
        return inv
    roots = find_roots(base) if given.is_dir() or given.suffix == ".tf" else []
    if terraform is not None and roots:
        _check_inputs(terraform, roots)
    details: dict[str, Any] = {"path": str(path), "roots": len(roots)}
    inv = Inventory(collected_at=now, sources=[Source(connector="iac", mode="iac", details=details)])
    template_notes, templates = collect_templates(given, inv, region=region, location=location)
    if not roots and not templates:
        raise InputError(f"{path}: no Terraform files (*.tf), CloudFormation or ARM templates found")
    details["templates"] = templates
    if notes is not None:
        notes.extend(template_notes)
    for root, project in _load_roots(roots, terraform):  # in order: ids and gaps come out the same every run
        rel = root.relative_to(base.resolve()).as_posix()
        prefix = "" if rel == "." else rel + "/"
        _relocate(project, base, root)
        normalize_project(project, prefix, inv)
    return inv


def _check_inputs(terraform: Any, roots: list[Path]) -> None:
    """Terraform refuses a ``-var-file`` it cannot read and a ``-var`` no root declares."""
    import re

    from scanner.iac.tfload import variables_declared

    for f in terraform.var_files:
        if not Path(f).is_file():
            raise InputError(f"--var-file {f}: no such file")
    declared: set[str] = set()
    for r in roots:
        declared.update(variables_declared(r))
    for name, _ in terraform.variables:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
            raise InputError(f"--var {name!r}: expected NAME=VALUE")
        if name not in declared:
            raise InputError(f"--var {name}: no Terraform root under the path declares variable {name!r}")


def _load_roots(roots: list[Path], terraform: Any = None):
    """Evaluate the roots side by side: tfparse's evaluator runs outside the GIL (a cffi call
    into Go), so threads use every CPU; results are yielded in the roots' order."""
    import os
    from concurrent.futures import ThreadPoolExecutor
    from functools import partial

    from scanner.iac.tfload import load_project

    load = partial(load_project, inputs=terraform)
    workers = min(len(roots), os.cpu_count() or 1, 8)
    if workers <= 1:
        yield from ((r, load(r)) for r in roots)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="tfparse") as pool:
        yield from zip(roots, pool.map(load, roots), strict=True)


def _plan(given: Path):
    """The plan in ``given`` when it is a ``terraform show -json`` file, else None."""
    if not given.is_file() or given.suffix.lower() != ".json":
        return None
    import json

    from scanner.iac.plan import is_plan, load_plan

    try:
        doc = json.loads(given.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError):
        return None  # not JSON (or not readable): the template reader says what it is
    if not is_plan(doc):
        return None
    import os

    return load_plan(given, doc, os.path.relpath(given.resolve(), Path.cwd().resolve()))


def _relocate(project, base: Path, root: Path) -> None:
    """Make every file path relative to the current directory (what SARIF and editors want)."""
    import os

    cwd = Path.cwd().resolve()
    for m in project.modules:
        for r in [*m.resources, *(project.data if m.address == "" else [])]:
            absolute = (root / r.file).resolve()
            try:
                r.file = absolute.relative_to(cwd).as_posix()
            except ValueError:
                r.file = os.path.relpath(absolute, cwd) if absolute.anchor == cwd.anchor else absolute.as_posix()
    for p in project.problems:
        absolute = (root / p.file).resolve()
        try:
            p.file = absolute.relative_to(cwd).as_posix()
        except ValueError:
            p.file = absolute.as_posix()
