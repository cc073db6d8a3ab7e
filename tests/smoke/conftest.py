"""The built wheel installed into fresh virtualenvs, outside the source tree.

Runs only with CLOUDGOV_SMOKE=1 (`.ci/run` and `make smoke` set it): building and
installing takes a minute or two and needs the package index. CLOUDGOV_WHEEL names a wheel
built already; otherwise one is built from a clean copy of the tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging.conftest import build_distributions

ROOT = Path(__file__).resolve().parents[2]

if os.environ.get("CLOUDGOV_SMOKE") != "1":
    collect_ignore_glob = ["test_*.py"]


@dataclass
class Install:
    venv: Path
    home: Path
    work: Path

    @property
    def cloudgov(self) -> str:
        return str(self.venv / "bin" / "cloudgov")

    def env(self) -> dict[str, str]:
        """A user's environment: no cloudgov settings, no cloud credentials, no source tree;
        every credential chain's metadata endpoint pointed at a closed local port."""
        keep = {k: v for k, v in os.environ.items()
                if k in ("LANG", "LC_ALL", "TERM", "TMPDIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL",
                         "PIP_FIND_LINKS", "PIP_CONFIG_FILE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")}
        return keep | {
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "XDG_DATA_HOME": str(self.home / ".local" / "share"),
            "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),  # pip's cache
            "COLUMNS": "100",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(self.home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(self.home / ".aws" / "credentials"),
            "IDENTITY_ENDPOINT": "http://127.0.0.1:9/msi/token",  # Azure managed identity: refused at once
            "IDENTITY_HEADER": "smoke",
            "GCE_METADATA_HOST": "127.0.0.1:9",
            "GCE_METADATA_IP": "127.0.0.1:9",
            "NO_COLOR": "1",
        }

    def run(self, command: str, *, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, shell=True, cwd=self.work, env=self.env(), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("CLOUDGOV_WHEEL")
    if given:
        return Path(given).resolve()
    return build_distributions(tmp_path_factory.mktemp("dist"))[1]


def _install(base: Path, requirement: str) -> Install:
    venv = base / "venv"
    subprocess.run([_base_python(), "-m", "venv", str(venv)], check=True, timeout=300)
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", requirement],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    work = base / "work"
    work.mkdir()
    shutil.copytree(ROOT / "samples", work / "samples")  # what a user has beside them: the samples, not the code
    (base / "home").mkdir()
    return Install(venv, base / "home", work)


def _base_python() -> str:
    base = Path(sys.base_prefix) / "bin" / "python3"
    return str(base) if base.exists() else sys.executable


@pytest.fixture(scope="session")
def core_install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The wheel without any extra."""
    return _install(tmp_path_factory.mktemp("core"), str(wheel))


@pytest.fixture(scope="session")
def full_install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Install:
    """The wheel with every extra, as the README's `pip install 'cloudgov[all]'`."""
    return _install(tmp_path_factory.mktemp("full"), f"cloudgov[all] @ {wheel.as_uri()}")


@pytest.fixture(scope="session")
def wheel_uri(wheel: Path) -> str:
    return wheel.as_uri()


@pytest.fixture(scope="session")
def turn_install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Install:
    """Every extra, in a venv of its own: the extras are taken out and put back one at a time."""
    return _install(tmp_path_factory.mktemp("turn"), f"cloudgov[all] @ {wheel.as_uri()}")
