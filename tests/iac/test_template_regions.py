"""Where a template's resources land: a CloudFormation stack's region and an ARM resource
group's location are decided at deployment, so they come from --region / --location or stay
unknown (residency ERROR with the reason), never guessed."""

from __future__ import annotations

import pytest

from scanner.iac.cfn import NO_REGION
from scanner.iac.project import collect
from tests.iac.conftest import DATA

CFN = DATA / "cfn" / "regions"
ARM = DATA / "arm" / "regions"


def _residency(inv, policy="residency.data_location"):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate
    from scanner.iac import IacScan

    result = evaluate(inv, load_policies(), load_config(None))
    IacScan(inv).annotate(result)
    return {f.resource.id: f for f in result.findings if f.policy == policy}


def test_cloudformation_without_region_is_unknown_and_says_why():
    inv = collect(CFN)
    bucket = inv.get("stack.yaml#Reports")
    assert bucket.region is None and bucket.prop("region_unresolved") == NO_REGION
    assert bucket.name == "Reports"  # BucketName needs the region: the logical id stands in
    audit = inv.get("stack.yaml#Audit")
    assert audit.prop("retention_days") is None  # FindInMap keyed by AWS::Region
    assert audit.prop("encryption.key_manager") is None  # Fn::If on a condition about the region
    f = _residency(inv)["stack.yaml#Reports"]
    assert f.status.value == "ERROR"
    assert f.message.startswith("region not resolvable from code:") and "decided at deployment" in f.message
    assert inv.get("stack.yaml#Operator").region == "global"  # IAM is global: no region needed


@pytest.mark.parametrize(
    "region, status, days, manager",
    [("ap-east-2", "PASS", 1827, "customer"), ("ap-northeast-1", "FAIL", 30, "provider")],
)
def test_cloudformation_region_from_the_option(region, status, days, manager):
    inv = collect(CFN, region=region)
    bucket = inv.get("stack.yaml#Reports")
    assert bucket.region == region and "region_unresolved" not in bucket.properties
    assert bucket.raw["template"]["region_source"] == "--region (the stack's region)"
    assert bucket.name == "Reports"  # ${AWS::AccountId} is still unknown
    audit = inv.get("stack.yaml#Audit")
    assert audit.name == f"audit-{region}"
    assert audit.prop("retention_days") == days and audit.prop("encryption.key_manager") == manager
    assert _residency(inv)["stack.yaml#Reports"].status.value == status


@pytest.mark.parametrize(
    "name, region, how",
    [
        ("literal", "taiwannorth", "location"),
        ("display-name", "taiwannorth", "location"),  # "Taiwan North" as the API reports it
        ("from-variable", "taiwannorth", "location"),
        ("parameter-default", "japaneast", "location"),
    ],
)
def test_arm_location_resolved(name, region, how):
    r = collect(ARM).get(f"main.json#Microsoft.Compute/disks/{name}")
    assert r.region == region and r.raw["template"]["region_source"] == how


def test_arm_child_inherits_its_parents_location():
    key = collect(ARM).get("main.json#Microsoft.KeyVault/vaults/kv-tw/keys/inherits")
    assert key.region == "taiwannorth"
    assert key.raw["template"]["region_source"] == "location of parent Microsoft.KeyVault/vaults/kv-tw"


def test_arm_resource_group_location_is_unknown_without_the_option():
    inv = collect(ARM)
    findings = _residency(inv)
    for name in ("resource-group", "resource-group-direct"):
        rid = f"main.json#Microsoft.Compute/disks/{name}"
        assert inv.get(rid).region is None
        f = findings[rid]
        assert f.status.value == "ERROR" and "resourceGroup().location" in f.message and "--location" in f.message
    nodefault = findings["main.json#Microsoft.Compute/disks/no-default"]
    assert nodefault.status.value == "ERROR" and "'unsetLocation' has no default" in nodefault.message
    assert findings["main.json#Microsoft.Compute/disks/parameter-default"].status.value == "FAIL"  # Japan


def test_arm_resource_group_location_from_the_option():
    inv = collect(ARM, location="taiwannorth")
    for name in ("resource-group", "resource-group-direct"):
        assert inv.get(f"main.json#Microsoft.Compute/disks/{name}").region == "taiwannorth"
    assert inv.get("main.json#Microsoft.Compute/disks/no-default").region is None  # a parameter is not the RG
