"""Data-driven, on public modules' own code (tests/data/iac/modules/README.md): each fixture
directory is scanned as a user would (`cloudgov iac <dir>`, without checkov) and its
expected.yaml says policy → status → resource ids, and which ids must have no finding."""

from __future__ import annotations

import pytest
import yaml

from tests.iac.conftest import DATA
from tests.iac.test_policies import evaluate

CASES = sorted(p.name for p in (DATA / "modules").iterdir() if (p / "expected.yaml").exists())


@pytest.fixture(scope="module", params=CASES)
def case(request):
    import os
    from pathlib import Path

    before = Path.cwd()
    os.chdir(Path(__file__).resolve().parents[2])  # ids and gap names are relative to the repo root
    try:
        path = DATA / "modules" / request.param
        yield request.param, evaluate(path), yaml.safe_load((path / "expected.yaml").read_text())
    finally:
        os.chdir(before)


def test_expected_statuses(case):
    name, result, expected = case
    got = {(f.policy, f.resource.id): f.status.value for f in result.findings}
    problems = []
    for policy, by_status in expected.items():
        if policy == "absent":
            continue
        for status, ids in by_status.items():
            for rid in ids:
                if got.get((policy, rid)) != status:
                    problems.append(f"{name}: {policy} {rid}: expected {status}, got {got.get((policy, rid))}")
    assert not problems, "\n".join(problems)


def test_zero_instance_blocks_have_no_finding(case):
    name, result, expected = case
    ids = {f.resource.id for f in result.findings}
    assert not set(expected.get("absent") or []) & ids


def test_every_instance_is_its_own_finding_with_its_file_and_lines(case):
    name, result, _ = case
    for f in result.findings:
        if f.resource.id.startswith("gap:"):
            continue
        assert f.location and f.location["file"].startswith(f"tests/data/iac/modules/{name}/"), f.resource.id
        assert 1 <= f.location["start_line"] <= f.location["end_line"]
        tf = f.resource.raw["terraform"]
        assert f.resource.id.endswith(tf["address"])
