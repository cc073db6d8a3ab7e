"""Each listing call failed in turn: no resource of the failed call's scope may silently
disappear. A resource of the unfaulted scan is either still in the inventory or covered by
a coverage gap of its account whose kinds include its kind and whose region is its region
or global (None). S3 ListBuckets is one global call: its gap must cover every region (it
was recorded for the home region only, so other regions' buckets vanished from residency)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from scanner.connectors.aws.collect import ScanRequest, collect

from .conftest import answer, deny, instruments
from .seed import seed

REGIONS = ["ap-east-2", "ap-northeast-1"]

#: every listing call the AWS connector makes (botocore operation names)
LISTINGS = [
    "s3.ListBuckets", "ec2.DescribeVolumes", "ec2.DescribeSnapshots", "rds.DescribeDBInstances",
    "rds.DescribeDBClusters", "rds.DescribeDBSnapshots", "rds.DescribeDBClusterSnapshots", "dynamodb.ListTables",
    "kms.ListKeys", "kms.ListAliases", "logs.DescribeLogGroups", "cloudtrail.DescribeTrails", "sns.ListTopics",
    "sqs.ListQueues", "backup.ListBackupVaults", "backup.ListBackupPlans", "iam.GetAccountAuthorizationDetails",
    "iam.GetCredentialReport", "config-service.DescribeConfigurationRecorders", "guardduty.ListDetectors",
    "logs.DescribeMetricFilters", "cloudwatch.DescribeAlarms", "ec2.DescribeInstances", "ssm.DescribeInstanceInformation",
    "ecr.DescribeRepositories",
]

#: moto does not implement ssm:DescribeInstanceInformation: answered here (one instance Online)
SSM = answer("ssm.DescribeInstanceInformation", lambda params: {"InstanceInformationList": [
    {"InstanceId": INSTANCE[0], "PingStatus": "Online", "LastPingDateTime": 1582221233.421, "ResourceType": "EC2Instance"}]})
INSTANCE: list[str] = []


@pytest.fixture(scope="module")
def account():
    with mock_aws():
        seed(boto3.Session(region_name="us-east-1"), REGIONS)
        ec2 = boto3.Session(region_name="us-east-1").client("ec2", REGIONS[0])
        INSTANCE[:] = [ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]]
        baseline = collect(ScanRequest(regions=REGIONS, workers=4), session=boto3.Session(region_name="us-east-1"),
                           instrument=SSM)
        yield baseline


def _covered(r, gaps) -> bool:
    return any(g.account == r.account and r.kind in g.kinds and g.region in (None, r.region) for g in gaps)


@pytest.mark.parametrize("op", LISTINGS)
def test_a_failed_listing_hides_nothing_silently(account, op):
    baseline = account
    assert len(baseline.resources) > 20 and not baseline.coverage_gaps
    faulted = collect(ScanRequest(regions=REGIONS, workers=4), session=boto3.Session(region_name="us-east-1"),
                      instrument=instruments(deny(op), SSM))
    assert faulted.coverage_gaps, f"{op}: denied, yet no coverage gap"
    vanished = [r for rid, r in baseline.resources.items() if rid not in faulted.resources]
    silent = [(r.kind, r.region, r.id) for r in vanished if not _covered(r, faulted.coverage_gaps)]
    assert not silent, f"{op}: {len(silent)} resources vanished with no gap covering them: {silent[:5]}"


def test_list_buckets_gap_is_global(account):
    faulted = collect(ScanRequest(regions=REGIONS, workers=4), session=boto3.Session(region_name="us-east-1"),
                      instrument=instruments(deny("s3.ListBuckets"), SSM))
    s3 = [g for g in faulted.coverage_gaps if g.service == "s3"]
    assert s3 and all(g.region is None for g in s3), s3
    # the call goes to the home region (us-east-1 here); the buckets live elsewhere
    buckets_elsewhere = [r for r in account.of_kind("storage.object") if r.region != "us-east-1"]
    assert buckets_elsewhere, "the seed must hold a bucket outside the home region for this test to mean anything"
