"""``cloudgov report setup``: the system packages the board report's PDF needs (Pango,
HarfBuzz, fontconfig, a Traditional Chinese font), installed with apt-get on Debian/Ubuntu.

The list is ``system-packages.txt`` beside this module, which the project's own
``scripts/setup-system`` reads too; other systems are told what to install (docs/report.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from importlib import resources

from scanner.errors import CloudgovError, UsageError

__all__ = ["Plan", "packages", "plan", "install"]


def packages() -> list[tuple[str, str]]:
    """(package, why) in the order of the list."""
    text = resources.files("scanner.report").joinpath("system-packages.txt").read_text(encoding="utf-8")
    out = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, why = line.strip().partition(" ")
            out.append((name, why.strip()))
    return out


@dataclass
class Plan:
    debian: bool  #: dpkg is there to ask
    missing: list[str]
    command: list[str]  #: what would install them ([] when nothing is missing)


def _installed(name: str) -> bool:
    proc = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, timeout=60)
    return proc.returncode == 0 and "install ok installed" in proc.stdout


def plan() -> Plan:
    names = [n for n, _ in packages()]
    if shutil.which("dpkg-query") is None:
        return Plan(False, names, [])
    missing = [n for n in names if not _installed(n)]
    if not missing:
        return Plan(True, [], [])
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    return Plan(True, missing, [*sudo, "apt-get", "install", "-y", "--no-install-recommends", *missing])


def install(p: Plan, *, verbose: bool = False) -> None:
    """Run the plan's apt-get (after ``apt-get update``); one sentence when it cannot."""
    if not p.debian:
        raise UsageError("not a Debian/Ubuntu system (no dpkg-query): install Pango, HarfBuzz (subset), "
                         "fontconfig and a Traditional Chinese font such as Noto Sans CJK TC by hand (docs/report.md)")
    if not p.missing:
        return
    if p.command[0] == "sudo" and shutil.which("sudo") is None:
        raise UsageError(f"installing {' '.join(p.missing)} needs root: run as root "
                         f"`apt-get install -y --no-install-recommends {' '.join(p.missing)}`")
    env = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    quiet = {} if verbose else {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE}
    for step in ([*p.command[: p.command.index("apt-get")], "apt-get", "update", "-qq"], p.command):
        proc = subprocess.run(step, env=env, text=True, **quiet)  # type: ignore[call-overload]
        if proc.returncode != 0:
            tail = (proc.stderr or "").strip().splitlines()[-1:] if not verbose else []
            raise CloudgovError(f"`{' '.join(step)}` failed (exit {proc.returncode})"
                                + (f": {tail[0]}" if tail else ""))
    if shutil.which("fc-cache"):
        subprocess.run(["fc-cache", "-f"], capture_output=True, timeout=600)
