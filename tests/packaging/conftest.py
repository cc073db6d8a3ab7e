"""The built distribution: the wheel that .ci/run built (CLOUDGOV_WHEEL), or one built here
by scripts/build-dist (a clean copy of the tree, sdist first, the wheel from the sdist)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: top-level packages of the distribution (pyproject.toml [tool.setuptools.packages.find])
PACKAGES = ("scanner", "policies", "vendor_dd", "exit_plans")


def build_distributions(out: Path) -> tuple[Path, Path]:
    """(sdist, wheel)"""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "build-dist"), str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sdist, whl = proc.stdout.split()
    return Path(sdist), Path(whl)


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("CLOUDGOV_WHEEL")
    if given:
        return Path(given).resolve()
    return build_distributions(tmp_path_factory.mktemp("dist"))[1]
