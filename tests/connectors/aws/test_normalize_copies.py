"""Normalizers on recorded payloads: AWS Backup recovery points and plan copies, Aurora
global databases, SQS/SNS encryption, and the organisation of a member account that may
not describe it. Payloads in AWS's response shapes under tests/data/aws/."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from scanner.connectors.aws.normalize import normalize_account

DATA = Path(__file__).parents[2] / "data" / "aws"
ACCT = "111122223333"
TW, TOKYO = "ap-east-2", "ap-northeast-1"
CMK = "arn:aws:kms:ap-east-2:111122223333:key/1111aaaa-0000-4000-8000-000000000001"
RP = "arn:aws:backup:ap-east-2:111122223333:recovery-point:0e6f7a8b-0000-4000-8000-000000000"


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def base_bundle() -> dict:
    """The recorded account (keys, EBS, RDS instances …) without IAM, to resolve keys against."""
    bundle = load("bundle-live.json")
    bundle.pop("iam", None)
    return bundle


def backup_section(points_pages=None, plans=True) -> dict:
    rec = load("backup-region.json")
    pages = rec["ListRecoveryPointsByBackupVault"] if points_pages is None else points_pages
    out = {"vaults": rec["ListBackupVaults"]["BackupVaultList"],
           "recovery_points": [p for page in pages for p in page["RecoveryPoints"]]}
    if plans:
        out["plans"] = [{"BackupPlan": p["BackupPlan"], "BackupPlanId": p["BackupPlanId"]} for p in rec["GetBackupPlan"]]
    return out


@pytest.fixture(scope="module")
def backup_inv():
    bundle = base_bundle()
    bundle["regions"][TW]["backup"] = backup_section()
    return normalize_account(bundle)


@pytest.fixture(scope="module")
def rds_inv():
    rec = load("rds-global.json")
    bundle = base_bundle()
    for region, clusters in rec["DescribeDBClusters"].items():
        bundle["regions"].setdefault(region, {}).setdefault("rds", {})["clusters"] = clusters
    bundle["rds_global_clusters"] = rec["DescribeGlobalClusters"]["GlobalClusters"]
    return normalize_account(bundle)


def evaluate(inv):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate as run

    result = run(inv, load_policies(), load_config(None), None, source="test")
    return {(f.policy, f.resource.id): f.status.value for f in result.findings}


# --- AWS Backup ---------------------------------------------------------------------------


def test_recovery_point_encryption_source_and_region(backup_inv):
    rp = backup_inv.get(RP + "101")
    assert rp.kind == "backup" and rp.native_type == "AWS::Backup::RecoveryPoint" and rp.region == TW
    assert rp.prop("encryption.key_manager") == "customer" and rp.prop("encryption.key_id") == CMK
    assert [r.target for r in backup_inv.outgoing(rp.id, "encrypted_by")] == [CMK]
    assert rp.prop("source_id") == "arn:aws:dynamodb:ap-east-2:111122223333:table/sessions"
    assert [r.target for r in backup_inv.outgoing(rp.id, "backup_of")] == [rp.prop("source_id")]
    assert rp.prop("vault") == "arn:aws:backup:ap-east-2:111122223333:backup-vault:tw-daily"
    assert rp.prop("delete_after_days") == 35 and rp.prop("created") == "2025-06-01T18:05:00Z"


def test_recovery_point_copies_follow_the_rule_that_made_it(backup_inv):
    daily = backup_inv.get(RP + "101")
    assert daily.prop("replica_regions") == [TOKYO]
    edge = backup_inv.outgoing(daily.id, "replicates_to")[0]
    assert edge.target.endswith("backup-vault:dr-tokyo") and edge.properties["region"] == TOKYO
    assert backup_inv.get(RP + "102").prop("replica_regions") == []  # the monthly rule has no copy action
    # on demand: a copy job may exist that no plan tells of
    assert "replica_regions" not in backup_inv.get(RP + "103").properties


def test_recovery_point_key_forms(backup_inv):
    air_gapped = backup_inv.get(RP + "104")
    assert air_gapped.prop("encryption.key_manager") == "provider" and "encryption.key_id" not in air_gapped.properties
    assert air_gapped.prop("copied_from_vault").endswith("backup-vault:dr-tokyo")
    unknown = backup_inv.get(RP + "105")  # neither IsEncrypted nor a key in the answer
    assert "encryption.enabled" not in unknown.properties and "encryption.key_manager" not in unknown.properties


def test_ebs_recovery_point_is_the_snapshot_already_listed(backup_inv):
    snap = backup_inv.get("arn:aws:ec2:ap-east-2::snapshot/snap-0bbb000000000001")
    assert snap.native_type == "AWS::EC2::Snapshot"  # DescribeSnapshots' reading is kept
    assert snap.prop("replica_regions") == [TOKYO]  # and the plan's copy is added
    assert snap.prop("vault").endswith("backup-vault:tw-daily")
    assert len(backup_inv.outgoing(snap.id, "backup_of")) == 1  # no duplicate edge


def test_vault_replica_regions_and_edges_carry_the_region(backup_inv):
    vault = backup_inv.get("arn:aws:backup:ap-east-2:111122223333:backup-vault:tw-daily")
    assert vault.prop("replica_regions") == [TOKYO] and vault.prop("encryption.key_manager") == "customer"
    assert [e.properties.get("region") for e in backup_inv.outgoing(vault.id, "replicates_to")] == [TOKYO]
    assert backup_inv.get("arn:aws:backup:ap-east-2:111122223333:backup-vault:empty").prop("replica_regions") == []


def test_unreadable_plans_leave_copies_unknown():
    bundle = base_bundle()
    bundle["regions"][TW]["backup"] = backup_section(plans=False)
    inv = normalize_account(bundle)
    assert "replica_regions" not in inv.get(RP + "101").properties
    assert "replica_regions" not in inv.get("arn:aws:backup:ap-east-2:111122223333:backup-vault:tw-daily").properties


def test_plan_copying_to_tokyo_fails_replica_location(backup_inv):
    status = evaluate(backup_inv)
    assert status[("residency.replica_location", "arn:aws:backup:ap-east-2:111122223333:backup-vault:tw-daily")] == "FAIL"
    assert status[("residency.replica_location", RP + "101")] == "FAIL"
    assert status[("residency.replica_location", RP + "102")] == "PASS"
    assert status[("residency.replica_location", RP + "103")] == "ERROR"  # unknown is never a pass
    assert status[("encryption.backup_cmk", RP + "101")] == "PASS"
    assert status[("encryption.backup_cmk", RP + "104")] == "FAIL"  # AWS-owned key
    assert status[("encryption.backup_cmk", RP + "105")] == "ERROR"


# --- Aurora global databases ----------------------------------------------------------------


def test_global_cluster_members_replicate_to_each_other(rds_inv):
    primary = rds_inv.get("arn:aws:rds:ap-east-2:111122223333:cluster:trading-aurora")
    assert primary.prop("replica_regions") == [TOKYO]  # though its own answer never names the global cluster
    assert primary.prop("global_cluster") == "arn:aws:rds::111122223333:global-cluster:trading-global"
    assert primary.prop("global_role") == "primary"
    secondary = rds_inv.get("arn:aws:rds:ap-northeast-1:111122223333:cluster:trading-aurora-tokyo")
    assert secondary.prop("replica_regions") == [TW] and secondary.prop("global_role") == "secondary"
    assert {(e.target, e.properties["region"]) for e in rds_inv.outgoing(primary.id, "replicates_to")} == {(secondary.id, TOKYO)}


def test_clusters_outside_a_global_database(rds_inv):
    assert rds_inv.get("arn:aws:rds:ap-east-2:111122223333:cluster:ledger-aurora").prop("replica_regions") == []
    assert rds_inv.get("arn:aws:rds:ap-east-2:111122223333:cluster:reports-mysql").prop("replica_regions") == []


def test_unread_global_clusters_leave_aurora_replicas_unknown():
    rec = load("rds-global.json")
    bundle = base_bundle()
    bundle["regions"][TW]["rds"]["clusters"] = rec["DescribeDBClusters"][TW]
    inv = normalize_account(bundle)  # no rds_global_clusters: DescribeGlobalClusters unread
    assert "replica_regions" not in inv.get("arn:aws:rds:ap-east-2:111122223333:cluster:trading-aurora").properties
    # Multi-AZ DB clusters (non-Aurora) cannot join a global database
    assert inv.get("arn:aws:rds:ap-east-2:111122223333:cluster:reports-mysql").prop("replica_regions") == []


def test_aurora_with_tokyo_secondary_fails_replica_location(rds_inv):
    status = evaluate(rds_inv)
    assert status[("residency.replica_location", "arn:aws:rds:ap-east-2:111122223333:cluster:trading-aurora")] == "FAIL"
    assert status[("residency.data_location", "arn:aws:rds:ap-northeast-1:111122223333:cluster:trading-aurora-tokyo")] == "FAIL"
    assert status[("residency.replica_location", "arn:aws:rds:ap-east-2:111122223333:cluster:ledger-aurora")] == "PASS"


# --- SQS / SNS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def messaging_inv():
    rec = load("messaging.json")
    bundle = base_bundle()
    bundle["regions"][TW]["sqs"], bundle["regions"][TW]["sns"] = rec["sqs"], rec["sns"]
    return normalize_account(bundle)


@pytest.mark.parametrize("name, manager, key_id", [
    ("sse-sqs", "provider", None),  # SqsManagedSseEnabled: SQS's own key
    ("aws-managed", "provider", "arn:aws:kms:ap-east-2:111122223333:alias/aws/sqs"),
    ("cmk-by-id", "customer", CMK),
    ("cmk-by-alias-arn", "customer", CMK),
    ("unencrypted", "none", None),
    ("moto-both", "customer", CMK),  # moto also says SqsManagedSseEnabled=true: the key decides
])
def test_sqs_key_manager(messaging_inv, name, manager, key_id):
    q = messaging_inv.get(f"arn:aws:sqs:ap-east-2:{ACCT}:{name}")
    assert q.prop("encryption.key_manager") == manager
    assert q.prop("encryption.key_id") == key_id
    assert q.prop("encryption.enabled") is (manager != "none")


def test_sqs_unknowns(messaging_inv):
    missing = messaging_inv.get(f"arn:aws:sqs:ap-east-2:{ACCT}:attribute-missing")
    assert "encryption.enabled" not in missing.properties and "encryption.key_manager" not in missing.properties
    other = messaging_inv.get(f"arn:aws:sqs:ap-east-2:{ACCT}:other-account-key")
    assert other.prop("encryption.enabled") is True and "encryption.key_manager" not in other.properties
    assert [r.target for r in messaging_inv.outgoing(other.id, "encrypted_by")] == [other.prop("encryption.key_id")]


@pytest.mark.parametrize("name, manager", [("aws-managed", "provider"), ("aws-managed-arn", "provider"), ("cmk", "customer"), ("plain", "none")])
def test_sns_key_manager(messaging_inv, name, manager):
    assert messaging_inv.get(f"arn:aws:sns:ap-east-2:{ACCT}:{name}").prop("encryption.key_manager") == manager


# --- organisation of a member account -----------------------------------------------------------


def member_bundle(**extra) -> dict:
    rec = load("organization-member.json")
    bundle = {"account_id": rec["member_account"], "partition": "aws",
              "regions": {TW: {"cloudtrail": copy.deepcopy(rec["DescribeTrails"]["trailList"])}}}
    bundle.update(extra)
    return bundle


def known_org(with_accounts: bool) -> list[dict]:
    rec = load("organization-member.json")
    org = rec["DescribeOrganization"]["Organization"]
    entry = {"Id": org["Id"], "MasterAccountId": org["MasterAccountId"]}
    if with_accounts:
        entry["Accounts"] = [a["Id"] for a in rec["ListAccounts"]["Accounts"]]
    return [entry]


def test_member_org_from_list_accounts():
    inv = normalize_account(member_bundle(known_organizations=known_org(with_accounts=True)))
    acct = inv.get("444455556666")
    assert acct.prop("organization_id") == "o-exampleorg1" and acct.prop("organization_source") == "organizations:ListAccounts"
    assert inv.get("arn:aws:cloudtrail:ap-east-2:999988887777:trail/org-trail").prop("organization_id") == "o-exampleorg1"


def test_member_org_from_the_trail_home_account():
    # only the management account's DescribeOrganization (no ListAccounts): the org trail's home decides
    inv = normalize_account(member_bundle(known_organizations=known_org(with_accounts=False)))
    assert inv.get("arn:aws:cloudtrail:ap-east-2:999988887777:trail/org-trail").prop("organization_id") == "o-exampleorg1"
    assert inv.get("444455556666").prop("organization_source") == "organization trail"


def test_member_org_unknown_without_the_management_account():
    inv = normalize_account(member_bundle())
    assert inv.get("arn:aws:cloudtrail:ap-east-2:999988887777:trail/org-trail").prop("organization_id") is None
    assert "organization_id" not in inv.get("444455556666").properties
    # the policy then counts the trail the account itself receives
    status = evaluate(inv)
    assert status[("logging.audit_trail_enabled", "444455556666")] == "PASS"
