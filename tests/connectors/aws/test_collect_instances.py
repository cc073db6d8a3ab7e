"""EC2 instances and their Systems Manager management (ETG 8.4.2): the normalizer on AWS's
documented shapes (tests/data/aws/public/ec2-instances-ssm.json, sources in its README), and
the collector against moto. moto 5 does not implement ssm:DescribeInstanceInformation, so the
live tests answer that one call from the recorded shape through botocore's before-call seam
(``answer``); DescribeInstances is moto's own."""

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
from scanner.engine import evaluate

from .conftest import answer, deny, instruments

PUBLIC = json.loads((Path(__file__).parents[2] / "data" / "aws" / "public" / "ec2-instances-ssm.json").read_text())
REGION = "ap-east-2"
POLICY = "compute.instances_managed"


def _verdicts(inv) -> dict[str, tuple[str, str]]:
    result = evaluate(inv, load_policies().only({"compute"}), load_config(None), None, source="test")
    return {f.resource.name: (f.status.value, f.message) for f in result.findings if f.policy == POLICY}


def test_documented_shapes_are_judged_as_we_read_them():
    instances = [i for r in PUBLIC["DescribeInstances"]["Reservations"] for i in r["Instances"]]
    bundle = {"account_id": "111122223333", "regions": {REGION: {"ec2": {
        "instances": instances, "managed_instances": PUBLIC["DescribeInstanceInformation"]["InstanceInformationList"]}}}}
    inv = normalize_account(bundle)
    vms = {r.name: r for r in inv.of_kind("compute.instance")}
    assert set(vms) == {"my-instance", "win-reporting", "legacy-batch", "spare-batch"}  # terminated: not in use, not collected
    online = vms["my-instance"]
    assert online.id == "arn:aws:ec2:ap-east-2:111122223333:instance/i-1234567890abcdef0"
    assert online.prop("managed.agent") is True and online.prop("managed.by") == "ssm"
    assert online.prop("managed.last_seen") == "2020-02-20T17:53:53.421000Z"  # epoch seconds, as the CLI prints them
    assert vms["win-reporting"].prop("platform") == "Windows"
    v = _verdicts(inv)
    assert v["my-instance"][0] == "PASS" and "SSM PingStatus Online" in v["my-instance"][1]
    assert v["win-reporting"] == ("FAIL", v["win-reporting"][1]) and "ConnectionLost" in v["win-reporting"][1]
    assert v["legacy-batch"][0] == "FAIL" and "not registered with Systems Manager" in v["legacy-batch"][1]
    assert v["spare-batch"][0] == "NOT_APPLICABLE"


def test_instances_without_the_ssm_answer_are_unknown_not_unmanaged():
    instances = [i for r in PUBLIC["DescribeInstances"]["Reservations"] for i in r["Instances"]]
    inv = normalize_account({"account_id": "111122223333", "regions": {REGION: {"ec2": {"instances": instances}}}})
    v = _verdicts(inv)
    assert v["legacy-batch"][0] == "ERROR" and "Systems Manager (DescribeInstanceInformation) was not read" in v["legacy-batch"][1]
    assert v["spare-batch"][0] == "NOT_APPLICABLE"


# --- live, against moto ------------------------------------------------------------------------


@pytest.fixture
def moto_instances():
    with mock_aws():
        s = boto3.Session(region_name="us-east-1")
        ec2 = s.client("ec2", REGION)
        ids = {}
        for name in ("app-managed", "app-unmanaged", "app-stopped", "app-gone"):
            ids[name] = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                          TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": name}]}]
                                          )["Instances"][0]["InstanceId"]
        ec2.stop_instances(InstanceIds=[ids["app-stopped"]])
        ec2.terminate_instances(InstanceIds=[ids["app-gone"]])
        yield s, ids


def _ssm_knows(ids: dict[str, str], calls: list):
    entry = PUBLIC["DescribeInstanceInformation"]["InstanceInformationList"][0]

    def respond(params):
        calls.append(params)
        return {"InstanceInformationList": [{**entry, "InstanceId": ids["app-managed"]}]}

    return answer("ssm.DescribeInstanceInformation", respond)


def test_collects_instances_and_their_ssm_state(moto_instances):
    session, ids = moto_instances
    calls: list = []
    inv = collect(ScanRequest(regions=[REGION], workers=2), session=session, instrument=_ssm_knows(ids, calls))
    assert inv.coverage_gaps == []
    assert len(calls) == 1  # one DescribeInstanceInformation page for the region
    v = _verdicts(inv)
    assert set(v) == {"app-managed", "app-unmanaged", "app-stopped"}  # the terminated one is filtered out by the call
    assert v["app-managed"][0] == "PASS"
    assert v["app-unmanaged"][0] == "FAIL"
    assert v["app-stopped"][0] == "NOT_APPLICABLE"


def test_no_instance_no_ssm_call():
    with mock_aws():
        calls: list = []
        inv = collect(ScanRequest(regions=[REGION], workers=2), session=boto3.Session(region_name="us-east-1"),
                      instrument=_ssm_knows({"app-managed": "i-none"}, calls))
        assert calls == [] and inv.of_kind("compute.instance") == [] and inv.coverage_gaps == []


def test_ssm_denied_is_a_gap_and_every_running_instance_is_unknown(moto_instances):
    session, ids = moto_instances
    inv = collect(ScanRequest(regions=[REGION], workers=2), session=session,
                  instrument=instruments(deny("ssm.DescribeInstanceInformation", "AccessDeniedException", 400),
                                         _ssm_knows(ids, [])))
    gaps = [g for g in inv.coverage_gaps if g.service == "ssm"]
    assert gaps and gaps[0].kinds == ("compute.instance",) and gaps[0].region == REGION
    assert not [g for g in inv.coverage_gaps if g.service != "ssm"]
    v = _verdicts(inv)
    assert v["app-managed"][0] == "ERROR" and "ssm: AccessDeniedException" in v["app-managed"][1]
    assert v["app-unmanaged"][0] == "ERROR"
    assert v["app-stopped"][0] == "NOT_APPLICABLE"


def _camel(value):
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def test_an_aws_config_export_gives_the_instances_but_not_their_management():
    """AWS Config records AWS::EC2::Instance (DescribeInstances' Instance in camelCase) but no
    Systems Manager answer: running instances are ERROR saying so, stopped ones not applicable,
    terminated ones (Config keeps them until deleted) not collected."""
    from scanner.connectors.aws.config_snapshot import add_item

    bundles: dict = {}
    for inst in (i for r in PUBLIC["DescribeInstances"]["Reservations"] for i in r["Instances"]):
        add_item(bundles, {"configurationItemStatus": "OK", "resourceType": "AWS::EC2::Instance",
                           "resourceId": inst["InstanceId"], "awsAccountId": "111122223333", "awsRegion": REGION,
                           "ARN": f"arn:aws:ec2:{REGION}:111122223333:instance/{inst['InstanceId']}",
                           "configuration": _camel(inst)})
    inv = normalize_account(bundles["111122223333"])
    v = _verdicts(inv)
    assert set(v) == {"my-instance", "win-reporting", "legacy-batch", "spare-batch"}
    assert v["my-instance"][0] == "ERROR" and "AWS Config export carries no Systems Manager state" in v["my-instance"][1]
    assert v["spare-batch"][0] == "NOT_APPLICABLE"
