"""Data-driven: each fixture directory holds main.tf and expected.yaml (policy → status →
addresses). Evaluated through the real engine and policies, without checkov."""

from __future__ import annotations

import pytest
import yaml

from scanner.iac import scan_terraform
from tests.iac.conftest import DATA

CASES = sorted(p.name for p in (DATA / "policies").iterdir() if (p / "expected.yaml").exists())


def evaluate(path):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate as run

    scan = scan_terraform(path, use_checkov=False)
    result = run(scan.inventory, load_policies(), load_config(None), source="test")
    scan.annotate(result)
    return result


@pytest.mark.parametrize("case", CASES)
def test_expected_statuses(case):
    result = evaluate(DATA / "policies" / case)
    got = {(f.policy, f.resource.id): f.status.value for f in result.findings}
    expected = yaml.safe_load((DATA / "policies" / case / "expected.yaml").read_text())
    problems = []
    for policy, by_status in expected.items():
        for status, addresses in by_status.items():
            for address in addresses:
                actual = got.get((policy, address))
                if actual != status:
                    problems.append(f"{policy} {address}: expected {status}, got {actual}")
    assert not problems, "\n".join(problems)


def test_every_finding_points_at_its_file_and_lines():
    result = evaluate(DATA / "policies" / "encryption")
    for f in result.findings:
        assert f.location["file"] == "tests/data/iac/policies/encryption/main.tf"
        assert 1 <= f.location["start_line"] <= f.location["end_line"]
    bucket = next(f for f in result.findings if f.resource.id == "aws_s3_bucket.sse_s3")
    assert (bucket.location["start_line"], bucket.location["end_line"]) == (27, 29)
