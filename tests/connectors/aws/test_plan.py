"""Collection follows the policy selection (scanner/connectors/aws/plan.py), and honestly.

One seeded moto account is scanned in full, then once per collection plan: every area
alone, the four areas Prowler is compared on, and every policy on AWS's kinds alone. Each
selection's findings (policy, resource, status, message) must equal its subset of the full
scan's — a unit that produces something it does not declare (or a policy reading something
its ``reads:`` does not say) makes a selection miss or change a finding, and this turns red.
"""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from policies.registry import load_policies
from scanner.config import load_config
from scanner.connectors.aws.collect import ScanRequest, collect
from scanner.connectors.aws.common import ALL_KINDS
from scanner.connectors.aws.fetch_regional import BUCKET_CALLS, EC2_PARTS, REGION_SERVICES
from scanner.connectors.aws.plan import UNITS, Plan, plan_for
from scanner.engine import evaluate
from scanner.selection import select_policies

from .conftest import answer
from .seed import seed

REGIONS = ["ap-east-2", "ap-northeast-1"]
PROWLER_AREAS = ("mfa", "encryption", "residency", "logging")


def _seed_more(session, primary: str, info: dict) -> None:
    """What seed() leaves out, so each unit has something to say: a bucket policy, a replicated
    bucket, Object Lock on the trail bucket, point-in-time recovery, an EBS snapshot, an open
    SSH port, a load balancer, a rotated key, an instance, a DynamoDB resource policy, an RDS
    instance whose parameter group forces TLS, an ECR repository."""
    c = lambda svc, region=primary: session.client(svc, region_name=region)  # noqa: E731
    s3 = c("s3")
    s3.put_bucket_policy(Bucket="tw-cmk", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": ["arn:aws:s3:::tw-cmk", "arn:aws:s3:::tw-cmk/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    c("s3", REGIONS[1]).create_bucket(Bucket="tw-replica", CreateBucketConfiguration={"LocationConstraint": REGIONS[1]})
    for b in ("tw-sse-s3", "tw-replica"):
        s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket="tw-sse-s3", ReplicationConfiguration={
        "Role": f"arn:aws:iam::{info['account']}:role/replication",
        "Rules": [{"ID": "all", "Status": "Enabled", "Priority": 1, "Filter": {"Prefix": ""},
                   "DeleteMarkerReplication": {"Status": "Disabled"}, "Destination": {"Bucket": "arn:aws:s3:::tw-replica"}}]})
    s3.create_bucket(Bucket="tw-locked", CreateBucketConfiguration={"LocationConstraint": primary},
                     ObjectLockEnabledForBucket=True)
    s3.put_bucket_tagging(Bucket="tw-locked", Tagging={"TagSet": [{"Key": "cloudgov:log-class", "Value": "audit"}]})
    c("dynamodb").update_continuous_backups(TableName="sessions",
                                            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    ec2 = c("ec2")
    vol = ec2.describe_volumes()["Volumes"][0]["VolumeId"]
    ec2.create_snapshot(VolumeId=vol)
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    sg = ec2.create_security_group(GroupName="ssh-open", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]][:2]
    elb = c("elbv2")
    lb = elb.create_load_balancer(Name="web", Subnets=subnets, SecurityGroups=[sg])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    c("kms").enable_key_rotation(KeyId=info["cmk"])
    ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro")
    table = c("dynamodb").describe_table(TableName="sessions")["Table"]["TableArn"]
    c("dynamodb").put_resource_policy(ResourceArn=table, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "dynamodb:*", "Resource": table,
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}))
    c("ecr").create_repository(repositoryName="app", imageTagMutability="MUTABLE")
    rds = c("rds")
    rds.create_db_parameter_group(DBParameterGroupName="pg-tls", DBParameterGroupFamily="postgres16", Description="TLS only")
    rds.modify_db_parameter_group(DBParameterGroupName="pg-tls", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}])
    rds.create_db_instance(DBInstanceIdentifier="pg-tls", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="u", MasterUserPassword="password1234", DBParameterGroupName="pg-tls",
                           StorageEncrypted=True, KmsKeyId=info["cmk"], BackupRetentionPeriod=7)


def _findings(inv, policies) -> set[tuple[str, str, str, str]]:
    result = evaluate(inv, policies, load_config(None), None, source="test")
    return {(f.policy, f.resource.id, f.status.value, f.message) for f in result.findings}


def _scan(units=None):
    # moto has no DescribeInstanceInformation: Systems Manager knows none of the instances
    no_ssm = answer("ssm.DescribeInstanceInformation", lambda params: {"InstanceInformationList": []})
    return collect(ScanRequest(regions=REGIONS, workers=8, units=units), session=boto3.Session(region_name="us-east-1"),
                   instrument=no_ssm)


def _aws_policies():
    """The policies on kinds the AWS connector emits (the others find nothing on an AWS scan)."""
    every = load_policies()
    return [p for p in every if set(p.kinds) & set(ALL_KINDS)]


@pytest.fixture
def seeded():
    with mock_aws():
        session = boto3.Session(region_name="us-east-1")
        info = seed(session, REGIONS)
        _seed_more(session, REGIONS[0], info)
        yield info


def test_each_selection_finds_what_the_full_scan_finds_for_it(seeded):
    every = load_policies()
    full = _scan()
    assert full.coverage_gaps == []
    full_findings = _findings(full, every)
    selections: dict[str, list] = {f"--area {a}": list(select_policies(every, areas=[a]))
                                   for a in sorted({p.area for p in _aws_policies()})}
    selections["--area " + ",".join(PROWLER_AREAS)] = list(select_policies(every, areas=PROWLER_AREAS))
    selections |= {f"--policy {p.id}": [p] for p in _aws_policies()}
    by_plan: dict[frozenset[str], list[str]] = {}
    for name, chosen in selections.items():
        by_plan.setdefault(plan_for(chosen).units, []).append(name)
    assert len(by_plan) > 5  # the selections do read different things
    wrong = []
    skipped_somewhere: set[str] = set()
    for units, names in by_plan.items():
        inv = _scan(tuple(sorted(units)))
        skipped_somewhere |= set(UNITS) - units
        assert inv.coverage_gaps == [], names  # nothing left out for the selection reads as a gap
        for name in names:
            chosen = selections[name]
            ids = {p.id for p in chosen}
            from policies.registry import PolicySet

            got = _findings(inv, PolicySet(chosen, every.catalogue))
            want = {f for f in full_findings if f[0] in ids}
            if got != want:
                wrong.append(f"{name} (collecting {len(units)} of {len(UNITS)} units): "
                             f"missing {sorted(want - got)[:3]}, extra {sorted(got - want)[:3]}")
    assert not wrong, "a selection's findings differ from the full scan's:\n" + "\n".join(wrong)
    assert skipped_somewhere, "no selection left anything out"


def test_a_selection_reads_less_and_says_what_it_left_out(seeded):
    every = load_policies()
    full = _scan()
    mfa = _scan(tuple(sorted(plan_for(select_policies(every, areas=["mfa"])).units)))
    src_full, src_mfa = full.sources[0], mfa.sources[0]
    assert "not_collected" not in src_full.details
    assert "s3" in src_mfa.details["not_collected"] and "iam" not in src_mfa.details["not_collected"]
    assert set(src_mfa.calls_by_api) <= {"sts", "ec2", "iam"}  # DescribeRegions, then IAM only
    assert src_mfa.calls_by_api["iam"] <= src_full.calls_by_api["iam"]  # the report is ready by the second scan
    assert src_mfa.api_calls < src_full.api_calls / 4
    # no S3, no KMS: not "unreadable", simply not there
    assert not mfa.of_kind("storage.object") and mfa.coverage_gaps == []
    # evaluated again (a saved inventory), it answers for its own selection and refuses a wider one
    from scanner.errors import UsageError
    from scanner.pipeline import Options, run

    assert {f.policy.split(".")[0] for f in run(mfa, Options(formats=[], select_areas=["mfa"])).result.findings} == {"mfa"}
    with pytest.raises(UsageError, match="narrower policy selection"):
        run(mfa, Options(formats=[]))


def test_no_selection_collects_exactly_what_it_did(seeded):
    """No selection is every unit, and gating them changes nothing: the same calls and the
    same inventory as asking for every unit by name; selecting every policy is no selection."""
    assert plan_for(load_policies()).everything and plan_for(None).everything
    _scan()  # the first scan waits for the credential report; the two compared find it ready
    everything = _scan()
    named = _scan(tuple(UNITS))
    assert everything.sources[0].calls_by_api == named.sources[0].calls_by_api
    assert "not_collected" not in named.sources[0].details
    assert sorted(r.id for r in everything) == sorted(r.id for r in named)
    assert {r.id: r.properties for r in everything if r.kind != "backup"} == {r.id: r.properties for r in named
                                                                          if r.kind != "backup"}
    assert len(everything.relationships) == len(named.relationships)


def test_every_collection_unit_is_declared():
    """Every regional service, EC2 part and per-bucket call says what it produces (plan.UNITS):
    a new one that does not fails here, with how to declare it."""
    missing = [name for name in REGION_SERVICES if name not in UNITS]
    missing += [f"ec2.{key}" for key, *_ in EC2_PARTS if f"ec2.{key}" not in UNITS]
    missing += [unit for _, _, unit, _ in BUCKET_CALLS if unit not in UNITS]
    from scanner.connectors.aws.plan import HOW_TO_DECLARE

    assert not missing, "; ".join(f"{m} declares nothing it produces: " + HOW_TO_DECLARE.format(name=m) for m in missing)
    assert Plan([]).wants("an-undeclared-service")  # a scan collects it meanwhile (when in doubt, collect)
    from scanner.vocabulary import kinds

    known = set(kinds())
    for name, unit in UNITS.items():
        assert set(unit.kinds) <= known, f"{name}: unknown kinds {set(unit.kinds) - known}"


def test_every_aws_policy_declares_what_it_reads():
    """A policy without ``reads:`` makes every scan that selects it read everything (safe, not
    wrong): the policies on AWS's kinds declare theirs."""
    assert [p.id for p in _aws_policies() if p.reads is None] == []
