"""``cloudgov iac setup``: checkov in a virtualenv of its own (it pins boto3, networkx and
packaging versions that conflict with cloudgov's, so it never shares our environment).

It installs into the one place ``cloudgov iac`` looks: :func:`scanner.iac.checkov.venv_dir`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from scanner.errors import InputError

__all__ = ["ensure_checkov", "create_checkov_venv", "default_venv_dir"]


def default_venv_dir() -> Path:
    from scanner.iac.checkov import venv_dir

    return venv_dir()


def ensure_checkov(spec: str, *, upgrade: bool = False, verbose: bool = False) -> tuple[Path, bool]:
    """(checkov's executable, whether it was installed now). Quiet unless ``verbose``."""
    import os

    given = os.environ.get("CLOUDGOV_CHECKOV")
    if given and not upgrade:  # first in the lookup order: nothing to install
        from scanner.iac.checkov import find_checkov

        return find_checkov(), False
    target = default_venv_dir()
    exe = target / "bin" / "checkov"
    if exe.is_file() and not upgrade:
        return exe, False
    return create_checkov_venv(target, spec, quiet=not verbose, upgrade=upgrade), True


def create_checkov_venv(directory: Path | None, spec: str, *, quiet: bool = True, upgrade: bool = False) -> Path:
    target = directory or default_venv_dir()
    python = _base_python()
    pip = [str(target / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    if quiet:
        pip.append("--quiet")
    steps = []
    if not (target / "bin" / "python").exists():
        steps.append([python, "-m", "venv", str(target)])
    steps.append([*pip, "--upgrade", "pip"])
    steps.append([*pip, *(["--upgrade"] if upgrade else []), spec])
    for cmd in steps:
        if not quiet:
            print("+ " + " ".join(cmd), file=sys.stderr)
        try:
            proc = subprocess.run(cmd, capture_output=quiet, text=True, stdin=subprocess.DEVNULL)
        except OSError as e:
            raise InputError(f"cannot run {cmd[0]} ({e.strerror}) while creating checkov's virtualenv.") from None
        if proc.returncode != 0:
            last = ((proc.stderr or "").strip().splitlines() or ["see the output above"])[-1]
            raise InputError(f"creating checkov's virtualenv in {target} failed: {last}")
    exe = target / "bin" / "checkov"
    if not exe.exists():
        raise InputError(f"checkov was installed in {target} but {exe} is missing.")
    return exe


def _base_python() -> str:
    """The interpreter to build the venv from: the base one, not cloudgov's own venv."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    return str(base) if base.exists() else sys.executable
