"""Every fuzz target of tests/fuzz/targets.py run for a bounded time (CLOUDGOV_FUZZ_SECONDS
each, 2.5 s by default: about 25 s for all of them in CI). A target that finds a crash exits
non-zero with the input libFuzzer saved; its output is shown."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
_spec = importlib.util.spec_from_file_location("fuzz_targets", HERE / "targets.py")
targets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(targets)  # type: ignore[union-attr]

pytestmark = pytest.mark.fuzz
atheris = pytest.importorskip("atheris")


@pytest.mark.parametrize("target", targets.TARGETS)
def test_fuzz_target_finds_no_crash(target, tmp_path):
    seconds = float(os.environ.get("CLOUDGOV_FUZZ_SECONDS", "2.5"))
    env = {**os.environ, "CLOUDGOV_EVIDENCE_DIR": str(tmp_path / "ev")}
    r = subprocess.run(
        [sys.executable, str(HERE / "targets.py"), target, f"-max_total_time={max(1, round(seconds))}",
         "-rss_limit_mb=4096", "-timeout=20", f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=seconds + 120,
    )
    tail = "\n".join((r.stdout + r.stderr).splitlines()[-40:])
    assert r.returncode == 0, tail
    assert "Done" in r.stderr or "DONE" in r.stderr, tail  # libFuzzer ran to its time limit
    crashes = list(tmp_path.glob("crash-*")) + list(tmp_path.glob("timeout-*"))
    assert not crashes, tail
