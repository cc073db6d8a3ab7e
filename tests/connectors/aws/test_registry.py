"""ECR repositories (ETG 8.4.1): normalized from AWS's documented answers (tests/data/aws/
public/ecr-*.json, sources in tests/data/aws/public/README.md) and collected live from moto,
then judged — tags fixed or movable, images scanned by a registry rule or not, and unread
calls ERROR with the API's code, never a pass."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from policies.registry import load_policies
from scanner.config import load_config
from scanner.connectors.aws.collect import ScanRequest, collect
from scanner.connectors.aws.normalize import normalize_account
from scanner.connectors.aws.normalize_registry import registry_scan, tag_mutability
from scanner.engine import evaluate

from .conftest import deny
from .seed import seed

PUBLIC = Path(__file__).parents[2] / "data" / "aws" / "public"
POLICIES = ("compute.registry_tags_immutable", "compute.registry_images_scanned")
REGIONS = ["ap-east-2", "ap-northeast-1"]


def _judge(inv):
    result = evaluate(inv, load_policies(), load_config())
    return {(f.resource.name, f.policy): f for f in result.findings if f.policy in POLICIES}


def _public(name):
    return json.loads((PUBLIC / "ecr" / name).read_text(encoding="utf-8"))


def _bundle(repos, scanning):
    ecr = {"repositories": repos, **({"scanning": scanning["scanningConfiguration"]} if scanning else {})}
    return normalize_account({"account_id": "123456789012", "regions": {"us-west-2": {"ecr": ecr}}})


@pytest.mark.parametrize("answer,scanning,tags,scanned,says", [
    # the CLI reference's create-repository examples 2 and 3 (a Repository each, as DescribeRepositories lists it)
    ("create-repository-immutable.json", "default", "PASS", "ERROR", "scanOnPush setting was not in the answer"),
    ("create-repository-scan-on-push.json", "default", "ERROR", "PASS", "repository scanOnPush on"),
    # enhanced scanning: the registry's rules decide; project-a/* is scanned on push
    ("create-repository-scan-on-push.json", "enhanced", "ERROR", "PASS", "registry rule (ENHANCED, SCAN_ON_PUSH)"),
    ("create-repository-immutable.json", None, "PASS", "ERROR", "was not read"),
])
def test_public_answers_normalize_and_judge(answer, scanning, tags, scanned, says):
    repo_answer = _public(answer)["repository"]
    scan = _public(f"get-registry-scanning-configuration-{scanning}.json") if scanning else None
    inv = _bundle([repo_answer], scan)
    (repo,) = inv.of_kind("compute.registry")
    assert repo.native_type == "AWS::ECR::Repository" and repo.region == "us-west-2" and repo.name == "project-a/sample-repo"
    found = _judge(inv)
    assert found[(repo.name, "compute.registry_tags_immutable")].status.value == tags
    f = found[(repo.name, "compute.registry_images_scanned")]
    assert f.status.value == scanned and says in f.message, f.message


def test_the_describe_example_names_no_settings_so_both_are_unknown():
    """The API's DescribeRepositories example lists names only: neither verdict can be a pass."""
    inv = _bundle(_public("describe-repositories.json")["repositories"], _public("get-registry-scanning-configuration-enhanced.json"))
    found = _judge(inv)
    assert {r.name for r in inv.of_kind("compute.registry")} == {"ubuntu", "test"}
    assert found[("ubuntu", "compute.registry_tags_immutable")].status.value == "ERROR"
    # no rule's filter (prod, project-a/*) matches: under ENHANCED that is known, not scanned
    assert found[("ubuntu", "compute.registry_images_scanned")].status.value == "FAIL"


@pytest.mark.parametrize("value,exclusions,immutable,listed", [
    ("IMMUTABLE", None, True, None),
    ("MUTABLE", None, False, None),
    ("IMMUTABLE_WITH_EXCLUSION", [{"filter": "latest", "filterType": "WILDCARD"}], True, ["latest"]),
    ("MUTABLE_WITH_EXCLUSION", [{"filter": "release-*", "filterType": "WILDCARD"}], False, ["release-*"]),
])
def test_tag_mutability(value, exclusions, immutable, listed):
    props = tag_mutability(value, exclusions)
    assert props["images.tags_immutable"] is immutable and props.get("images.tag_exclusions") == listed
    assert tag_mutability(None) == {}  # not in the answer: unknown


@pytest.mark.parametrize("name,rules,scan_type,own,on_push,continuous", [
    ("prod-api", [], "BASIC", True, True, False),                       # no registry rules: the repository decides
    ("prod-api", [], "BASIC", False, False, False),
    ("prod-api", [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "prod"}]}], "BASIC", False, True, False),
    ("dev-api", [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "prod*"}]}], "BASIC", True, False, False),
    ("repo-prod", [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "*prod"}]}], "BASIC", False, True, False),
    ("prodrepo", [{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "prod*repo"}]}], "ENHANCED", False, True, True),
    ("other", [{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "prod"}]}], "ENHANCED", True, False, False),
])
def test_registry_rules_decide_with_the_user_guide_s_wildcards(name, rules, scan_type, own, on_push, continuous):
    props = registry_scan(name, own, {"scanType": scan_type, "rules": rules})
    assert (props["images.scan_on_push"], props["images.scan_continuous"]) == (on_push, continuous), props


def test_registry_configuration_unread_is_unknown():
    props = registry_scan("prod-api", True, None)
    assert "images.scan_on_push" not in props and "not read" in props["images.unread"]


@pytest.fixture(scope="module")
def moto_inventory():
    with mock_aws():
        info = seed(boto3.Session(region_name="us-east-1"), REGIONS)
        inv = collect(ScanRequest(regions=REGIONS, workers=4), session=boto3.Session(region_name="us-east-1"))
        yield info, inv


def test_live_moto_account(moto_inventory):
    _, inv = moto_inventory
    repos = {r.name: r for r in inv.of_kind("compute.registry")}
    assert set(repos) == {"payments/api", "batch/legacy"}
    found = _judge(inv)
    assert found[("payments/api", "compute.registry_tags_immutable")].status.value == "PASS"
    assert found[("batch/legacy", "compute.registry_tags_immutable")].status.value == "FAIL"
    assert found[("payments/api", "compute.registry_images_scanned")].status.value == "PASS"
    # its own scanOnPush is on, but the registry's rules decide and none matches it
    f = found[("batch/legacy", "compute.registry_images_scanned")]
    assert f.status.value == "FAIL" and "MANUAL" in f.message, f.message


@pytest.mark.parametrize("op,statuses", [
    ("ecr.GetRegistryScanningConfiguration", {"compute.registry_tags_immutable": {"PASS", "FAIL"},
                                              "compute.registry_images_scanned": {"ERROR"}}),
    ("ecr.DescribeRepositories", None),
])
def test_a_denied_call_is_error_never_pass(moto_inventory, op, statuses):
    inv = collect(ScanRequest(regions=REGIONS, workers=4), session=boto3.Session(region_name="us-east-1"),
                  instrument=deny(op, code="AccessDeniedException", status=400))
    found = _judge(inv)
    if statuses is None:  # nothing listed: every policy of the kind is ERROR on the gap, in the region
        assert not inv.of_kind("compute.registry")
        errors = [f for f in found.values() if f.status.value == "ERROR" and "AccessDeniedException" in f.message]
        assert {f.policy for f in errors} == set(POLICIES), found
        return
    for (name, policy), f in found.items():
        if f.resource.kind != "compute.registry":
            continue
        assert f.status.value in statuses[policy], (name, policy, f.message)
        if policy == "compute.registry_images_scanned":
            assert "AccessDeniedException" in f.message


def test_an_aws_config_export_gives_tags_not_scanning():
    """An AWS Config item (the resource schema's ImageTagMutability and
    ImageScanningConfiguration.ScanOnPush) gives the tags; Config records no registry scanning
    configuration, so scanning is ERROR naming that, never judged from ScanOnPush alone."""
    from scanner.connectors.aws.config_snapshot import add_item

    bundles: dict = {}
    item = {"configurationItemStatus": "OK", "awsAccountId": "111122223333", "awsRegion": "ap-east-2",
            "resourceType": "AWS::ECR::Repository", "resourceName": "payments/api", "resourceId": "payments/api",
            "ARN": "arn:aws:ecr:ap-east-2:111122223333:repository/payments/api",
            "configuration": {"repositoryName": "payments/api", "imageTagMutability": "IMMUTABLE",
                              "imageScanningConfiguration": {"scanOnPush": True},
                              "arn": "arn:aws:ecr:ap-east-2:111122223333:repository/payments/api"}}
    assert add_item(bundles, item)
    inv = normalize_account(bundles["111122223333"])
    found = _judge(inv)
    assert found[("payments/api", "compute.registry_tags_immutable")].status.value == "PASS"
    f = found[("payments/api", "compute.registry_images_scanned")]
    assert f.status.value == "ERROR" and "NotInExport" in f.message, f.message
