from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "iac"


@pytest.fixture(autouse=True)
def _run_from_repo_root(monkeypatch):
    # locations are relative to the current directory, as a CI job sees them
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
