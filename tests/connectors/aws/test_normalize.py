"""Normalizers on recorded payloads in AWS's real response shapes (tests/data/aws)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.connectors.aws.keys import KeyIndex, kms_key, key_policy_public
from scanner.connectors.aws.normalize import normalize_account
from scanner.connectors.aws.normalize_iam import identities, allowed_actions
from scanner.connectors.aws.normalize_data import lifecycle_retention
from scanner.connectors.aws.normalize_logs import management_events

DATA = Path(__file__).parents[2] / "data" / "aws"
ACCT = "111122223333"


@pytest.fixture(scope="module")
def iam_payloads():
    return {
        "credential_report": (DATA / "credential-report.csv").read_text(),
        "authorization_details": json.loads((DATA / "account-authorization-details.json").read_text()),
        "account_summary": {"AccountMFAEnabled": 1},
    }


@pytest.fixture(scope="module")
def inv():
    bundle = json.loads((DATA / "bundle-live.json").read_text())
    bundle["iam"].update(
        credential_report=(DATA / "credential-report.csv").read_text(),
        authorization_details=json.loads((DATA / "account-authorization-details.json").read_text()),
    )
    return normalize_account(bundle)


def by_name(resources, name):
    return next(r for r in resources if r.name == name)


# --- IAM ------------------------------------------------------------------------------


def test_root_from_credential_report_row_and_summary(iam_payloads):
    res, _ = identities(ACCT, iam_payloads)
    root = next(r for r in res if r.prop("root"))
    assert root.id == f"arn:aws:iam::{ACCT}:root"
    assert root.kind == "identity.user" and root.prop("human") is True
    assert root.prop("mfa") is True and root.prop("mfa_evidence") == "account_summary"
    assert root.prop("access_keys") == []
    assert root.prop("last_used") == "2025-05-02T08:40:12Z"


def test_root_without_report_row_uses_account_summary():
    # moto's credential report has no <root_account> row: the summary still tells root MFA
    res, _ = identities(ACCT, {"account_summary": {"AccountMFAEnabled": 0}, "credential_report": "user,arn,mfa_active\n"})
    root = next(r for r in res if r.prop("root"))
    assert root.prop("mfa") is False


def test_root_mfa_unknown_when_nothing_readable():
    res, _ = identities(ACCT, {})
    assert [r for r in res if r.prop("root")] == []  # nothing said about root: no resource, no false


def test_user_privilege_resolves_groups_and_default_versions(iam_payloads):
    res, rels = identities(ACCT, iam_payloads)
    alice = by_name(res, "alice")
    assert alice.prop("roles") == [] and alice.prop("actions") == []  # her grants are group Admins'
    admins = by_name(res, "Admins")
    assert admins.prop("roles") == ["AdministratorAccess"] and admins.prop("actions") == ["*"]
    assert alice.prop("mfa") is True and alice.prop("human") is True
    assert ("arn:aws:iam::111122223333:user/alice", "member_of", "arn:aws:iam::111122223333:group/Admins") in {
        (r.source, r.type, r.target) for r in rels
    }
    bob = by_name(res, "bob")
    # ReadOnlyAccess's default version v2, not the old v1 that granted iam:*
    assert "iam:*" not in bob.prop("actions")
    assert set(bob.prop("actions")) >= {"s3:Get*", "iam:List*"}
    assert bob.prop("roles") == ["ReadOnlyAccess"]  # group Auditors keeps its inline read-trails
    assert by_name(res, "Auditors").prop("roles") == ["read-trails"]
    assert bob.prop("mfa") is False


def test_machine_user_and_url_encoded_inline_policy(iam_payloads):
    res, _ = identities(ACCT, iam_payloads)
    ci = by_name(res, "ci-deployer")
    assert ci.prop("human") is False and ci.prop("console_access") is False
    assert ci.prop("actions") == ["cloudformation:*", "iam:PassRole"]
    assert [k["active"] for k in ci.prop("access_keys")] == [True, True]
    assert ci.prop("access_keys")[1]["last_used"] is None
    assert ci.prop("last_used") == "2025-06-03T11:00:00Z"
    assert ci.tags == {"owner": "platform"}


def test_not_action_counts_as_everything_and_no_information_is_never_used(iam_payloads):
    res, _ = identities(ACCT, iam_payloads)
    carol = by_name(res, "carol")
    assert carol.prop("actions") == ["*"]
    # "no_information": the password has not been used since IAM began tracking (2014-10-20);
    # carol was created in 2023, so it was never used: judged by her creation date
    assert carol.prop("last_used") == "never"
    assert carol.prop("last_used_tracked_since") == "2014-10-20T00:00:00Z"


def test_unreadable_authorization_details_leave_privilege_unknown(iam_payloads):
    res, _ = identities(ACCT, {"credential_report": iam_payloads["credential_report"]})
    alice = by_name(res, "alice")
    assert alice.prop("roles") is None and alice.prop("actions") is None
    assert alice.prop("mfa") is True


def test_unreadable_credential_report_leaves_mfa_unknown(iam_payloads):
    res, _ = identities(ACCT, {"authorization_details": iam_payloads["authorization_details"]})
    alice = by_name(res, "alice")
    assert alice.prop("mfa") is None and alice.prop("human") is None


def test_roles_trust_and_humans(iam_payloads):
    res, rels = identities(ACCT, iam_payloads)
    sso = next(r for r in res if r.name.startswith("AWSReservedSSO"))
    assert sso.kind == "identity.role" and sso.prop("human") is True
    assert by_name(res, "lambda-exec").prop("human") is False
    audit = by_name(res, "CloudgovAudit")
    # trusted account 999988887777: any principal that account allows may assume it, people too
    assert audit.prop("human") is True
    assert audit.prop("trust_principals") == [{"type": "AWS", "kind": "account", "principal": "arn:aws:iam::999988887777:root",
                                                "human": True, "mfa": False}]
    assert ("arn:aws:iam::999988887777:root", "can_assume", audit.id) in {(r.source, r.type, r.target) for r in rels}


def test_allowed_actions_ignores_deny():
    doc = {"Statement": [{"Effect": "Deny", "Action": "*"}, {"Effect": "Allow", "Action": "s3:GetObject"}]}
    assert allowed_actions(doc) == ["s3:GetObject"]


# --- KMS -------------------------------------------------------------------------------


def test_aws_managed_alias_wins_over_moto_customer_report(inv):
    # real AWS: KeyManager AWS; moto: CUSTOMER for alias/aws/*. Both must read as provider.
    ebs = inv.get("arn:aws:kms:ap-east-2:111122223333:key/2222bbbb-0000-4000-8000-000000000002")
    rds = inv.get("arn:aws:kms:ap-east-2:111122223333:key/3333cccc-0000-4000-8000-000000000003")
    assert ebs.prop("key_manager") == "provider" and rds.prop("key_manager") == "provider"
    assert rds.prop("rotation_enabled") is True  # AWS rotates AWS-managed keys yearly
    cmk = inv.get("arn:aws:kms:ap-east-2:111122223333:key/1111aaaa-0000-4000-8000-000000000001")
    assert cmk.prop("key_manager") == "customer" and cmk.prop("rotation_enabled") is True
    assert cmk.prop("policy_public") is False and cmk.prop("state") == "enabled"


def test_key_policy_public():
    trail_key = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*",
                                "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}}}]}
    assert key_policy_public(trail_key) is False
    assert key_policy_public({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt"}]}) is True
    assert key_policy_public("not json") is None


def test_key_without_rotation_answer_is_unknown():
    k = kms_key(ACCT, "ap-east-2", {"KeyMetadata": {"Arn": "arn:aws:kms:ap-east-2:1:key/x", "KeyManager": "CUSTOMER", "KeySpec": "SYMMETRIC_DEFAULT"}})
    assert "rotation_enabled" not in k.properties and "policy_public" not in k.properties


def test_key_index_resolves_every_reference_form(inv):
    idx = KeyIndex(ACCT)
    for k in inv.of_kind("kms.key"):
        idx.add_key(k)
    arn = "arn:aws:kms:ap-east-2:111122223333:key/1111aaaa-0000-4000-8000-000000000001"
    assert idx.resolve("alias/customer-data", "ap-east-2") == (arn, "customer")
    assert idx.resolve("1111aaaa-0000-4000-8000-000000000001", "ap-east-2") == (arn, "customer")
    assert idx.resolve("arn:aws:kms:ap-east-2:111122223333:alias/customer-data", None) == (arn, "customer")
    assert idx.resolve("alias/aws/sns", "ap-east-2")[1] == "provider"
    assert idx.resolve("arn:aws:kms:ap-east-2:444455556666:key/zzz", "ap-east-2")[1] is None


# --- data-bearing ------------------------------------------------------------------------


def test_s3_buckets(inv):
    data = inv.get("arn:aws:s3:::tw-customer-data")
    assert data.kind == "storage.object" and data.region == "ap-east-2"
    assert data.prop("encryption.key_manager") == "customer"
    assert data.prop("replica_regions") == ["ap-northeast-1"]  # the DR bucket's region, from GetBucketLocation
    assert data.tags == {"data-class": "customer"}
    dr = inv.get("arn:aws:s3:::tw-customer-data-dr")
    assert dr.region == "ap-northeast-1" and dr.prop("encryption.key_manager") == "provider"  # aws:kms without key = aws/s3
    assert dr.prop("replica_regions") == []
    sse_s3 = inv.get("arn:aws:s3:::reports-sse-s3")
    assert sse_s3.region == "us-east-1" and sse_s3.prop("encryption.key_manager") == "provider"
    denied = inv.get("arn:aws:s3:::denied-bucket")
    assert "encryption.enabled" not in denied.properties and "replica_regions" not in denied.properties


def test_trail_bucket_is_a_log_store_with_lifecycle_retention(inv):
    logs = inv.get("arn:aws:s3:::org-cloudtrail-logs")
    assert logs.kind == "log.store" and logs.native_type == "AWS::S3::Bucket"
    assert logs.prop("retention_days") == 400  # the tmp/ rule does not cover audit/AWSLogs/
    assert logs.prop("encryption.key_manager") == "customer"
    assert logs.prop("object_lock") is True


def test_lifecycle_retention_rules():
    assert lifecycle_retention(None) == {"retention_unlimited": True}
    rules = [{"Status": "Enabled", "Prefix": "", "Expiration": {"Days": 90}},
             {"Status": "Disabled", "Expiration": {"Days": 1}}]
    assert lifecycle_retention(rules, ["AWSLogs/"]) == {"retention_days": 90, "retention_unlimited": False}
    tagged = [{"Status": "Enabled", "Filter": {"Tag": {"Key": "a", "Value": "b"}}, "Expiration": {"Days": 1}}]
    assert lifecycle_retention(tagged) == {"retention_unlimited": True}


def test_ebs_rds_dynamodb_backup_messaging(inv):
    vol = inv.get("arn:aws:ec2:ap-east-2:111122223333:volume/vol-0aaa0000000000001")
    assert vol.kind == "storage.block" and vol.prop("encryption.key_manager") == "provider" and vol.name == "app-root"
    plain = inv.get("arn:aws:ec2:ap-east-2:111122223333:volume/vol-0aaa0000000000002")
    assert plain.prop("encryption.enabled") is False and plain.prop("encryption.key_manager") == "none"
    snap = inv.get("arn:aws:ec2:ap-east-2::snapshot/snap-0bbb000000000001")
    assert snap.kind == "backup" and snap.prop("source_id") == vol.id
    assert [r.target for r in inv.outgoing(snap.id, "backup_of")] == [vol.id]
    db = inv.get("arn:aws:rds:ap-east-2:111122223333:db:orders")
    assert db.prop("replica_regions") == ["ap-northeast-1"]  # automated-backup replication
    assert db.prop("encryption.key_manager") == "provider"  # moto-style aws/rds key
    table = inv.get("arn:aws:dynamodb:ap-east-2:111122223333:table/sessions")
    assert table.prop("encryption.key_manager") == "provider" and table.prop("replica_regions") == ["ap-southeast-1"]
    vault = inv.get("arn:aws:backup:ap-east-2:111122223333:backup-vault:Default")
    assert vault.prop("replica_regions") == ["ap-northeast-1"] and vault.prop("encryption.key_manager") == "customer"
    assert inv.get("arn:aws:sns:ap-east-2:111122223333:alerts").prop("encryption.key_manager") == "provider"
    assert inv.get("arn:aws:sqs:ap-east-2:111122223333:orders").prop("encryption.key_manager") == "provider"
    assert inv.get("arn:aws:sqs:ap-east-2:111122223333:plain").prop("encryption.key_manager") == "none"


def test_encrypted_by_edges_point_at_key_arns(inv):
    data = inv.get("arn:aws:s3:::tw-customer-data")
    assert [r.target for r in inv.outgoing(data.id, "encrypted_by")] == [
        "arn:aws:kms:ap-east-2:111122223333:key/1111aaaa-0000-4000-8000-000000000001"
    ]


# --- logging -------------------------------------------------------------------------------


def test_trail(inv):
    t = inv.get("arn:aws:cloudtrail:ap-east-2:111122223333:trail/org-trail")
    assert t.kind == "log.trail"
    assert t.prop("enabled") is True and t.prop("all_regions") is True
    assert t.prop("organization") is True and t.prop("organization_id") == "o-exampleorg1"
    assert t.prop("management_events") is True
    targets = {r.target for r in inv.outgoing(t.id, "logs_to")}
    assert targets == {"arn:aws:s3:::org-cloudtrail-logs", "arn:aws:logs:ap-east-2:111122223333:log-group:cloudtrail/org"}


def test_management_events_selectors():
    assert management_events({"EventSelectors": [{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]}) is False
    assert management_events({"EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True}]}) is True
    assert management_events(None) is None


def test_log_groups(inv):
    ct = inv.get("arn:aws:logs:ap-east-2:111122223333:log-group:cloudtrail/org")
    assert ct.kind == "log.store" and ct.prop("retention_days") == 1827
    assert ct.prop("encryption.key_manager") == "provider"
    flow = inv.get("arn:aws:logs:ap-east-2:111122223333:log-group:/vpc/flow")
    assert flow.prop("retention_unlimited") is True and flow.prop("log_class") == "firewall"
    assert flow.prop("encryption.key_manager") == "customer"


def test_account_and_gaps(inv):
    acct = inv.get(ACCT)
    assert acct.kind == "account" and acct.prop("organization_id") == "o-exampleorg1"
    assert [g.code for g in inv.coverage_gaps] == ["AccessDenied"]


# --- shapes found beyond issue 12's list ---------------------------------------------------------


def test_not_principal_allow_and_wildcard_accounts_are_public():
    """IAM User Guide, NotPrincipal: an Allow with NotPrincipal grants everyone not named;
    an ARN condition with any account (arn:aws:iam::*:...) or kms:CallerAccount "*" confines nothing."""
    not_principal = {"Statement": [{"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                                    "Action": "kms:Decrypt", "Resource": "*"}]}
    assert key_policy_public(not_principal) is True
    any_account = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
                                  "Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/reporting"}}}]}
    assert key_policy_public(any_account) is True
    star_account = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
                                   "Condition": {"StringLike": {"kms:CallerAccount": "*"}}}]}
    assert key_policy_public(star_account) is True
    via_service_only = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
                                       "Condition": {"StringEquals": {"kms:ViaService": "s3.ap-east-2.amazonaws.com"}}}]}
    assert key_policy_public(via_service_only) is True
    org = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
                          "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}
    assert key_policy_public(org) is False
    if_exists = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
                                "Condition": {"StringEqualsIfExists": {"kms:CallerAccount": "111122223333"}}}]}
    assert key_policy_public(if_exists) is True


def test_lifecycle_expiring_on_a_date_is_not_kept_forever():
    """S3 API Reference, LifecycleExpiration: Date or Days. A dated rule is not "no expiry"."""
    from scanner.connectors.aws.normalize_data import lifecycle_retention

    dated = [{"ID": "expire-2027", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Date": "2027-01-01T00:00:00Z"}}]
    assert lifecycle_retention(dated, ["AWSLogs/"]) == {}  # unknown, not retention_unlimited
    other_prefix = [{"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Date": "2027-01-01T00:00:00Z"}}]
    assert lifecycle_retention(other_prefix, ["AWSLogs/"]) == {"retention_unlimited": True}
