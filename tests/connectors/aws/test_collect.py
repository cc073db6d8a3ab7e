"""Collectors against moto (in-process), including the faults a real scan meets."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from scanner.connectors.aws.collect import ScanRequest, collect
from scanner.errors import InputError

from .conftest import deny, error_response
from .seed import seed

REGIONS = ["ap-east-2", "ap-northeast-1"]


@pytest.fixture
def moto_account():
    with mock_aws():
        info = seed(boto3.Session(region_name="us-east-1"), REGIONS)
        yield info


def scan(**kw):
    return collect(ScanRequest(regions=REGIONS, workers=8, **kw), session=kw.pop("session", None) or boto3.Session(region_name="us-east-1"))


def test_collects_and_normalizes_a_moto_account(moto_account):
    inv = collect(ScanRequest(regions=REGIONS, workers=8), session=boto3.Session(region_name="us-east-1"))
    acct = "123456789012"
    alice = inv.get(f"arn:aws:iam::{acct}:user/alice")
    # alice's grants are her group's: they stay with the group, reached through member_of
    assert alice.prop("roles") == [] and alice.prop("actions") == []
    admins = inv.get(f"arn:aws:iam::{acct}:group/admins")
    assert admins.prop("roles") == ["local-admin"] and admins.prop("actions") == ["*"]
    assert any(r.type == "member_of" and r.target == admins.id for r in inv.outgoing(alice.id, "member_of"))
    assert alice.prop("human") is True and alice.prop("mfa") is False
    reader = inv.get(f"arn:aws:iam::{acct}:user/reader")
    assert reader.prop("actions") == ["s3:Get*", "s3:List*"]
    root = inv.get(f"arn:aws:iam::{acct}:root")
    assert root.prop("mfa") is False  # from the account summary: moto's report has no root row
    assert inv.get("arn:aws:s3:::tw-cmk").prop("encryption.key_manager") == "customer"
    # moto says CUSTOMER for alias/aws/s3; the alias makes it provider
    assert inv.get("arn:aws:s3:::tw-aws-managed").prop("encryption.key_manager") == "provider"
    assert inv.get("arn:aws:s3:::tw-sse-s3").prop("encryption.key_manager") == "provider"
    # moto's list_buckets has no BucketRegion: the region comes from GetBucketLocation
    assert inv.get("arn:aws:s3:::tw-cmk").region == "ap-east-2"
    logs = inv.get("arn:aws:s3:::tw-trail-logs")
    assert logs.kind == "log.store" and logs.prop("retention_days") == 365
    trail = inv.get(f"arn:aws:cloudtrail:ap-east-2:{acct}:trail/main")
    assert trail.prop("enabled") is True and trail.prop("all_regions") is True
    audit = inv.get(f"arn:aws:logs:ap-east-2:{acct}:log-group:/app/audit")
    assert audit.prop("retention_days") == 3653 and audit.prop("log_class") == "audit"
    flow = inv.get(f"arn:aws:logs:ap-east-2:{acct}:log-group:/vpc/flow")
    assert flow.prop("retention_unlimited") is True and flow.prop("log_class") == "firewall"
    vols = inv.of_kind("storage.block")
    assert sorted(v.prop("encryption.key_manager") for v in vols) == ["customer", "none"]
    assert inv.get(f"arn:aws:sqs:ap-east-2:{acct}:orders").prop("encryption.key_manager") == "customer"
    assert inv.get(f"arn:aws:sns:ap-northeast-1:{acct}:alerts").prop("encryption.key_manager") == "none"
    assert inv.get(f"arn:aws:dynamodb:ap-east-2:{acct}:table/sessions").prop("encryption.key_manager") == "provider"
    src = inv.sources[0]
    assert src.connector == "aws" and src.mode == "live" and src.api_calls > 0 and list(src.regions) == sorted(REGIONS)
    assert inv.coverage_gaps == []


def test_calls_grow_with_buckets_not_users(moto_account):
    first = collect(ScanRequest(regions=REGIONS), session=boto3.Session(region_name="us-east-1")).sources[0].calls_by_api
    iam = boto3.client("iam")
    for i in range(30):
        iam.create_user(UserName=f"user{i}")
    logs = boto3.client("logs", region_name="ap-east-2")
    for i in range(30):
        logs.create_log_group(logGroupName=f"/many/{i}")
    second = collect(ScanRequest(regions=REGIONS), session=boto3.Session(region_name="us-east-1")).sources[0].calls_by_api
    assert second["iam"] <= first["iam"]  # the first scan also waited for the report to be generated
    assert second["cloudwatch-logs"] == first["cloudwatch-logs"]


def test_throttling_is_retried(moto_account):
    state = {"left": 2}

    def throttle(events):
        def handler(request=None, **kw):
            if "TrentService.ListKeys" in str(request.headers.get("X-Amz-Target", b"")) and state["left"] > 0:
                state["left"] -= 1
                return error_response(400, "ThrottlingException", "Rate exceeded")
            return None

        events.register("before-send.kms", handler)

    inv = collect(ScanRequest(regions=["ap-east-2"]), session=boto3.Session(region_name="us-east-1"), instrument=throttle)
    assert state["left"] == 0
    assert inv.get("arn:aws:s3:::tw-cmk").prop("encryption.key_manager") == "customer"  # the key was read in the end
    assert inv.coverage_gaps == []
    assert inv.sources[0].details["http_requests"] >= inv.sources[0].api_calls + 2


def test_access_denied_on_one_service_is_a_gap(moto_account):
    inv = collect(ScanRequest(regions=REGIONS), session=boto3.Session(region_name="us-east-1"), instrument=deny("dynamodb"))
    gaps = [(g.service, g.code, g.kinds) for g in inv.coverage_gaps]
    assert ("dynamodb", "AccessDenied", ("database",)) in gaps
    assert not [r for r in inv.of_kind("database") if r.native_type == "AWS::DynamoDB::Table"]
    assert inv.get("arn:aws:rds:ap-east-2:123456789012:cluster:tw-aurora") is not None  # RDS still read
    assert inv.get("arn:aws:s3:::tw-cmk") is not None and inv.of_kind("log.trail")  # the rest is intact


def test_denied_bucket_detail_leaves_encryption_unknown(moto_account):
    inv = collect(ScanRequest(regions=["ap-east-2"]), session=boto3.Session(region_name="us-east-1"),
                  instrument=deny("s3.GetBucketEncryption"))
    b = inv.get("arn:aws:s3:::tw-cmk")
    assert "encryption.enabled" not in b.properties and "encryption.key_manager" not in b.properties
    assert any(g.service == "s3" and g.code == "AccessDenied" for g in inv.coverage_gaps)


def test_credential_report_denied_leaves_mfa_unknown(moto_account):
    inv = collect(ScanRequest(regions=["ap-east-2"]), session=boto3.Session(region_name="us-east-1"),
                  instrument=deny("iam.GenerateCredentialReport"))
    assert inv.get("arn:aws:iam::123456789012:user/alice").prop("mfa") is None
    assert any(g.service == "iam" for g in inv.coverage_gaps)


def test_expired_credentials_are_one_clear_error(moto_account):
    with pytest.raises(InputError, match="expired or invalid"):
        collect(ScanRequest(regions=["ap-east-2"]), session=boto3.Session(region_name="us-east-1"),
                instrument=deny("sts.GetCallerIdentity", code="ExpiredToken"))


def test_organization_with_an_account_whose_role_cannot_be_assumed():
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        good = org.create_account(AccountName="good", Email="good@example.com")["CreateAccountStatus"]["AccountId"]
        bad = org.create_account(AccountName="bad", Email="bad@example.com")["CreateAccountStatus"]["AccountId"]
        # a bucket in the member account, created through the role moto lets us assume
        creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{good}:role/CloudgovAudit", RoleSessionName="seed")["Credentials"]
        member = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                               aws_session_token=creds["SessionToken"], region_name="us-east-1")
        member.client("s3", region_name="ap-east-2").create_bucket(
            Bucket="member-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-east-2"})
        inv = collect(
            ScanRequest(regions=["ap-east-2"], organization=True, role_name="CloudgovAudit"),
            session=boto3.Session(region_name="us-east-1"),
            instrument=deny("sts.AssumeRole", when=lambda params, kw: bad in str(params.get("body", ""))),
        )
        src = inv.sources[0]
        assert good in src.accounts and bad not in src.accounts
        assert [f["account"] for f in src.accounts_failed] == [bad]
        gap = next(g for g in inv.coverage_gaps if g.account == bad)
        assert gap.service == "sts" and gap.code == "AccessDenied" and "identity.user" in gap.kinds
        b = inv.get("arn:aws:s3:::member-bucket")
        assert b is not None and b.account == good
