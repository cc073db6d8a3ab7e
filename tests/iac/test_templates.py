"""Data-driven, like test_policies.py: each directory under tests/data/iac/cfn and
tests/data/iac/arm holds one template and an expected.yaml (policy → status → resource ids;
an optional ``options`` key gives ``--region`` / ``--location``). Evaluated through the real
engine and policies, without checkov."""

from __future__ import annotations

import pytest
import yaml

from scanner.iac import scan_iac
from tests.iac.conftest import DATA

CASES = sorted(
    f"{fmt}/{p.name}" for fmt in ("cfn", "arm") for p in (DATA / fmt).iterdir() if (p / "expected.yaml").exists()
)


def evaluate(path, **options):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate as run

    scan = scan_iac(path, use_checkov=False, **options)
    result = run(scan.inventory, load_policies(), load_config(None), source="test")
    scan.annotate(result)
    return scan, result


@pytest.mark.parametrize("case", CASES)
def test_expected_statuses(case):
    expected = yaml.safe_load((DATA / case / "expected.yaml").read_text())
    options = expected.pop("options", {})
    _, result = evaluate(DATA / case, **options)
    got = {(f.policy, f.resource.id): f.status.value for f in result.findings}
    problems = []
    for policy, by_status in expected.items():
        for status, ids in by_status.items():
            for rid in ids:
                actual = got.get((policy, rid))
                if actual != status:
                    problems.append(f"{policy} {rid}: expected {status}, got {actual}")
    assert not problems, "\n".join(problems)


def test_cloudformation_yaml_findings_point_at_the_logical_id_lines():
    _, result = evaluate(DATA / "cfn" / "encryption", region="ap-east-2")
    for f in result.findings:
        assert f.location["file"] == "tests/data/iac/cfn/encryption/template.yaml"
        assert 1 <= f.location["start_line"] <= f.location["end_line"]
    lines = (DATA / "cfn" / "encryption" / "template.yaml").read_text().splitlines()
    f = next(f for f in result.findings if f.resource.id == "template.yaml#CmkBucket")
    assert lines[f.location["start_line"] - 1] == "  CmkBucket:"
    assert lines[f.location["end_line"] - 1].strip() == "KMSMasterKeyID: !GetAtt DataKey.Arn"
    default = next(f for f in result.findings if f.resource.id == "template.yaml#DefaultBucket")
    assert default.location["end_line"] == default.location["start_line"] + 1  # logical id and Type only


def test_json_findings_point_at_the_resource_object():
    _, result = evaluate(DATA / "arm" / "encryption")
    lines = (DATA / "arm" / "encryption" / "azuredeploy.json").read_text().splitlines()
    key = next(f for f in result.findings if f.resource.id.endswith("/keys/no-rotation"))
    start, end = key.location["start_line"], key.location["end_line"]
    assert lines[start - 1].strip() == "{" and '"name": "no-rotation"' in lines[start + 2]
    assert lines[end - 1].strip() == "}"
    _, result = evaluate(DATA / "cfn" / "logging", region="ap-east-2")
    lines = (DATA / "cfn" / "logging" / "template.json").read_text().splitlines()
    trail = next(f for f in result.findings if f.resource.id == "template.json#TrailBucket")
    assert lines[trail.location["start_line"] - 1].strip() == '"TrailBucket": {'


def test_trail_bucket_becomes_a_log_store_and_edges_follow_references():
    scan, _ = evaluate(DATA / "cfn" / "logging", region="ap-east-2")
    inv = scan.inventory
    assert inv.get("template.json#TrailBucket").kind == "log.store"
    trail = inv.get("template.json#Trail")
    assert trail.kind == "log.trail" and trail.prop("all_regions") is True and trail.prop("enabled") is True
    targets = {r.target for r in inv.relationships if r.source == trail.id and r.type == "logs_to"}
    assert targets == {"template.json#TrailBucket", "template.json#AuditShort"}
    pii = inv.get("template.json#PiiFromParameter")
    assert pii.prop("retention_days") == 1827 and pii.prop("encryption.key_id") == "template.json#LogsKey"


def test_a_condition_on_the_region_is_unknown_without_it():
    scan, result = evaluate(DATA / "cfn" / "encryption")  # no --region
    bucket = scan.inventory.get("template.yaml#ConditionalBucket")
    # WantCmk depends only on a parameter default, so it holds even without a region
    assert bucket.prop("encryption.key_manager") == "customer"
    statuses = {f.status.value for f in result.findings if f.policy == "residency.data_location"}
    assert statuses == {"ERROR"}


def test_iam_user_is_global_and_has_no_mfa():
    scan, _ = evaluate(DATA / "cfn" / "mfa")
    user = scan.inventory.get("template.yaml#AdminViaGroup")
    assert user.region == "global" and user.prop("mfa") is False and user.prop("console_access") is True
    assert [r.target for r in scan.inventory.relationships if r.source == user.id] == ["template.yaml#Admins"]
    assert scan.inventory.get("template.yaml#Admins").prop("roles") == ["AdministratorAccess"]
