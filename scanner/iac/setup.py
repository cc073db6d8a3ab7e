"""``cloudgov iac setup``: checkov in a virtualenv of its own (it pins boto3, networkx and
packaging versions that conflict with cloudgov's, so it never shares our environment)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scanner.errors import InputError

__all__ = ["create_checkov_venv", "default_venv_dir"]


def default_venv_dir() -> Path:
    env = os.environ.get("CLOUDGOV_CHECKOV_VENV")
    if env:
        return Path(env)
    from scanner.iac.checkov import user_venv_dir

    return user_venv_dir()


def create_checkov_venv(directory: Path | None, spec: str, *, quiet: bool = False) -> Path:
    target = directory or default_venv_dir()
    python = _base_python()
    steps = [
        [python, "-m", "venv", str(target)],
        [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", spec],
    ]
    for cmd in steps:
        if not quiet:
            print("+ " + " ".join(cmd), file=sys.stderr)
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as e:
            raise InputError(f"cannot run {cmd[0]} ({e.strerror}) while creating checkov's virtualenv.") from None
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise InputError(f"creating checkov's virtualenv in {target} failed: {last}")
    exe = target / "bin" / "checkov"
    if not exe.exists():
        raise InputError(f"checkov was installed in {target} but {exe} is missing.")
    return exe


def _base_python() -> str:
    """The interpreter to build the venv from: the base one, not cloudgov's own venv."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    return str(base) if base.exists() else sys.executable
