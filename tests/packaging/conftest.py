"""The built distribution: the wheel that .ci/run built (CLOUDGOV_WHEEL), or one built here
from a clean copy of the tree the way an index user gets it (sdist first, then the wheel
from the sdist), so no egg-info or build/ folder left by an editable install can hide a
missing package-data entry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: top-level packages of the distribution (pyproject.toml [tool.setuptools.packages.find])
PACKAGES = ("scanner", "policies", "vendor_dd", "exit_plans")
#: what a clean checkout does not have
_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "*.egg-info", "build", "dist", "out", "__pycache__", ".pytest_cache", ".hypothesis"
)


def build_distributions(out: Path) -> tuple[Path, Path]:
    """(sdist, wheel) built from a clean copy of the source tree."""
    src = out / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_SOURCE)
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (sdist,) = out.glob("cloudgov-*.tar.gz")
    (whl,) = out.glob("cloudgov-*.whl")
    return sdist, whl


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("CLOUDGOV_WHEEL")
    if given:
        return Path(given)
    return build_distributions(tmp_path_factory.mktemp("dist"))[1]
