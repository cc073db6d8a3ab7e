"""Collectors against moto (in-process): Backup recovery points, Aurora global databases,
the organisation of member accounts, and the log-bucket tag fallback.

moto 5 does not implement ``ListRecoveryPointsByBackupVault`` (it answers 404 "Not yet
implemented") and counts no recovery points in ``ListBackupVaults``: the real answers are
recorded in tests/data/aws/backup-region.json and injected at botocore's ``before-call`` /
``after-call`` hooks, so the collector's paging and skipping run on AWS's shapes."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws

from scanner.connectors.aws.collect import ScanRequest, collect

from .conftest import deny
from .seed import seed

REGIONS = ["ap-east-2", "ap-northeast-1"]
DATA = Path(__file__).parents[2] / "data" / "aws"
TW, TOKYO = REGIONS


@pytest.fixture
def moto_account():
    with mock_aws():
        yield seed(boto3.Session(region_name="us-east-1"), REGIONS)


def scan(instrument=None, regions=REGIONS, **kw):
    return collect(ScanRequest(regions=regions, workers=8, **kw), session=boto3.Session(region_name="us-east-1"), instrument=instrument)


def both(*installs):
    def install(events):
        for i in installs:
            i(events)
    return install


def recorded_recovery_points(account: str, calls: list[dict]):
    """tw-vault says it holds recovery points (moto counts none) and the listing answers
    with the recorded pages, rewritten to moto's account."""
    pages = json.loads((DATA / "backup-region.json").read_text().replace("111122223333", account))["ListRecoveryPointsByBackupVault"]

    def install(events):
        def vaults(parsed=None, **_):
            for v in parsed.get("BackupVaultList") or []:
                v["NumberOfRecoveryPoints"] = 6 if v["BackupVaultName"] == "tw-vault" else 0

        def points(params=None, **_):
            calls.append(params)
            token = (params.get("query_string") or {}).get("nextToken")
            page = dict(pages[1] if token else pages[0])
            return AWSResponse("https://backup.invalid/", 200, {}, None), page

        events.register("after-call.backup.ListBackupVaults", vaults)
        events.register("before-call.backup.ListRecoveryPointsByBackupVault", points)

    return install


def test_recovery_points_paged_and_only_for_vaults_that_hold_some(moto_account):
    calls: list[dict] = []
    inv = scan(recorded_recovery_points(moto_account["account"], calls))
    acct = moto_account["account"]
    assert len(calls) == 2  # two pages of tw-vault; tw-local, dr-tokyo (0 points) cost nothing
    assert (calls[1].get("query_string") or {}).get("nextToken") == "page-2"
    rp = inv.get(f"arn:aws:backup:ap-east-2:{acct}:recovery-point:0e6f7a8b-0000-4000-8000-000000000101")
    assert rp.kind == "backup" and rp.region == TW and rp.prop("source_id").endswith(":table/sessions")
    assert [r.target for r in inv.outgoing(rp.id, "backup_of")] == [rp.prop("source_id")]
    assert inv.get(f"arn:aws:backup:ap-east-2:{acct}:recovery-point:0e6f7a8b-0000-4000-8000-000000000105") is not None  # page 2
    assert inv.coverage_gaps == []


def test_moto_unimplemented_listing_is_a_gap_not_an_empty_vault(moto_account):
    def count_points(events):
        def vaults(parsed=None, **_):
            for v in parsed.get("BackupVaultList") or []:
                v["NumberOfRecoveryPoints"] = 1
        events.register("after-call.backup.ListBackupVaults", vaults)

    inv = scan(count_points, regions=[TW])
    gap = next(g for g in inv.coverage_gaps if g.service == "backup")
    assert gap.kinds == ("backup",) and "list_recovery_points_by_backup_vault" in gap.message
    vault = inv.get(f"arn:aws:backup:ap-east-2:{moto_account['account']}:backup-vault:tw-vault")
    assert vault.prop("replica_regions") == [TOKYO]  # the vault itself is still judged


def test_backup_plan_copy_and_aurora_global_database(moto_account):
    inv = scan()
    acct = moto_account["account"]
    vault = inv.get(f"arn:aws:backup:ap-east-2:{acct}:backup-vault:tw-vault")
    assert vault.prop("replica_regions") == [TOKYO] and vault.prop("encryption.key_manager") == "customer"
    assert inv.get(f"arn:aws:backup:ap-east-2:{acct}:backup-vault:tw-local").prop("replica_regions") == []
    primary = inv.get(f"arn:aws:rds:ap-east-2:{acct}:cluster:tw-aurora")
    assert primary.prop("replica_regions") == [TOKYO] and primary.prop("global_role") == "primary"
    secondary = inv.get(f"arn:aws:rds:ap-northeast-1:{acct}:cluster:tw-aurora-tokyo")
    assert secondary.prop("replica_regions") == [TW]
    by_service = inv.sources[0].calls_by_api
    assert by_service["rds"] == 4 * len(REGIONS) + 1  # one DescribeGlobalClusters for the account


def test_no_aurora_no_global_cluster_call():
    with mock_aws():
        boto3.client("rds", region_name=TW).create_db_instance(
            DBInstanceIdentifier="pg", Engine="postgres", DBInstanceClass="db.t3.micro", MasterUsername="u", MasterUserPassword="password1234")
        inv = scan(regions=[TW])
        # four listings and one read of the instance's DB parameter group (its TLS parameters)
        assert inv.sources[0].calls_by_api["rds"] == 5
        assert inv.get("arn:aws:rds:ap-east-2:123456789012:db:pg").prop("replica_regions") == []


def test_denied_global_clusters_leave_aurora_replicas_unknown(moto_account):
    inv = scan(deny("rds.DescribeGlobalClusters"))
    primary = inv.get(f"arn:aws:rds:ap-east-2:{moto_account['account']}:cluster:tw-aurora")
    assert "replica_regions" not in primary.properties
    assert any(g.service == "rds" and g.code == "AccessDenied" for g in inv.coverage_gaps)


def test_tagging_denied_falls_back_to_bucket_tagging_for_trail_buckets_only(moto_account):
    s3 = boto3.client("s3", region_name=TW)
    s3.put_bucket_tagging(Bucket="tw-trail-logs", Tagging={"TagSet": [{"Key": "cloudgov:log-class", "Value": "audit"}]})
    normal = scan(regions=[TW])
    denied = scan(deny("resource-groups-tagging-api"), regions=[TW])
    assert normal.get("arn:aws:s3:::tw-trail-logs").prop("log_class") == "audit"  # from GetResources
    assert denied.get("arn:aws:s3:::tw-trail-logs").prop("log_class") == "audit"  # from GetBucketTagging
    calls = lambda inv: inv.sources[0].calls_by_api  # noqa: E731
    assert calls(denied)["s3"] == calls(normal)["s3"] + 1  # one call: the single trail bucket
    gap = next(g for g in denied.coverage_gaps if g.code == "TagsUnavailable")
    assert gap.service == "s3" and gap.region == TW and gap.kinds == ("log.store",)
    assert not [g for g in normal.coverage_gaps if g.code == "TagsUnavailable"]


def test_member_accounts_take_the_organisation_from_the_management_account():
    with mock_aws():
        org = boto3.client("organizations", region_name="us-east-1")
        org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
        member = org.create_account(AccountName="trading", Email="t@example.com")["CreateAccountStatus"]["AccountId"]
        sessions: list[int] = []

        def refuse_in_members(events):
            sessions.append(1)
            if len(sessions) > 1:  # the first session is the caller's (management account)
                deny("organizations.DescribeOrganization")(events)

        inv = scan(refuse_in_members, regions=[TW], organization=True, role_name="CloudgovAudit")
        acct = inv.get(member)
        assert acct.prop("organization_id") == org_id and acct.prop("organization_source") == "organizations:ListAccounts"
        # ListAccounts + the caller's DescribeOrganization, reused: no extra call (the injected
        # refusal answers before the counter's hook, so the member's attempt is not counted)
        assert inv.sources[0].calls_by_api["organizations"] == 2
