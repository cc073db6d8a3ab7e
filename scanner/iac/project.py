"""Find the Terraform root modules under a path and build one Inventory from them."""

from __future__ import annotations

from pathlib import Path

from scanner.errors import InputError
from scanner.iac.hcl import load_project
from scanner.iac.normalize import normalize_project
from scanner.inventory import Inventory

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
    from scanner.iac.hcl import load_project as _load

    dirs = _tf_dirs(path)
    called: set[Path] = set()
    for d in dirs:
        if d in called:
            continue
        proj = _load(d)
        called.update(m.directory.resolve() for m in proj.modules[1:])
    return [d for d in dirs if d not in called]


def collect(path: str | Path) -> Inventory:
    """Parse every Terraform root under ``path`` into one Inventory (account ``iac``)."""
    base = Path(path)
    if not base.exists():
        raise InputError(f"{base}: no such file or directory")
    if base.is_file():
        base = base.parent
    roots = find_roots(base)
    if not roots:
        raise InputError(f"{path}: no Terraform files (*.tf) found")
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    inv = Inventory(collected_at=now, sources=[{"type": "iac", "path": str(path), "roots": len(roots)}])
    for root in roots:
        rel = root.relative_to(base.resolve()).as_posix()
        prefix = "" if rel == "." else rel + "/"
        project = load_project(root)
        _relocate(project, base, root)
        normalize_project(project, prefix, inv)
    return inv


def _relocate(project, base: Path, root: Path) -> None:
    """Make every file path relative to the current directory (what SARIF and editors want)."""
    import os

    cwd = Path.cwd().resolve()
    for m in project.modules:
        for r in m.resources:
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
