"""Normalization of recorded, scrubbed Cloud Asset exports (no I/O, no mocks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from asset_api_server import recorded  # noqa: E402

from scanner.connectors.gcp.assets import from_asset
from scanner.connectors.gcp.normalize import Coverage, Directory, normalize, normalize_dicts

DATA = Path(__file__).parents[2] / "data" / "gcp"



@pytest.fixture(scope="module")
def inv():
    return normalize_dicts(recorded("org-export.ndjson") + recorded("iam-export.ndjson"))


def test_projects_become_accounts_keyed_by_project_id(inv):
    acct = inv.get("//cloudresourcemanager.googleapis.com/projects/200000000001")
    assert acct.kind == "account" and acct.account == "trading-prod" and acct.name == "trading-prod"
    assert acct.properties["organization_id"] == "100000000001"
    # resources named by project number (buckets) land in the project id's account
    assert inv.get("//storage.googleapis.com/trading-prod-orders").account == "trading-prod"


def test_bucket_in_asia_multi_region_is_geo_redundant(inv):
    b = inv.get("//storage.googleapis.com/trading-prod-reports-asia")
    assert b.kind == "storage.object" and b.region == "asia"
    assert b.properties["geo_redundant"] is True
    assert b.properties["encryption.key_manager"] == "provider"


def test_custom_dual_region_keeps_its_data_locations(inv):
    b = inv.get("//storage.googleapis.com/trading-prod-dr")
    assert b.properties["data_locations"] == ["asia-east1", "asia-northeast1"]
    assert b.properties["geo_redundant"] is True


def test_regional_cmek_bucket(inv):
    b = inv.get("//storage.googleapis.com/trading-prod-orders")
    assert b.region == "asia-east1" and b.properties["geo_redundant"] is False
    assert b.properties["encryption.key_manager"] == "customer"
    key = "//cloudkms.googleapis.com/projects/trading-prod/locations/asia-east1/keyRings/data/cryptoKeys/orders"
    assert [r.target for r in inv.outgoing(b.id, "encrypted_by")] == [key]


def test_cmek_disk_whose_key_lives_in_another_country(inv):
    disk = inv.get("//compute.googleapis.com/projects/trading-prod/zones/asia-east1-a/disks/matching-engine-data")
    assert disk.region == "asia-east1-a"
    (edge,) = inv.outgoing(disk.id, "encrypted_by")
    key = inv.get(edge.target)  # the version suffix is dropped: the edge names the CryptoKey
    assert key is not None and key.kind == "kms.key" and key.region == "asia-northeast1"
    assert key.properties["rotation_enabled"] is False
    assert key.properties["policy_public"] is True  # allAuthenticatedUsers on the key


def test_disk_without_key_is_google_managed(inv):
    disk = inv.get("//compute.googleapis.com/projects/trading-prod/zones/asia-east1-b/disks/web-boot")
    assert disk.properties["encryption.key_manager"] == "provider"


def test_snapshot_storage_location_and_source(inv):
    snap = inv.get("//compute.googleapis.com/projects/trading-prod/global/snapshots/matching-engine-daily")
    assert snap.kind == "backup" and snap.region == "asia"
    assert snap.properties["data_locations"] == ["asia"] and snap.properties["geo_redundant"] is True
    (src,) = inv.outgoing(snap.id, "backup_of")
    assert src.target.endswith("/zones/asia-east1-a/disks/matching-engine-data")


def test_cloud_sql_replica_and_default_backup_location(inv):
    db = inv.get("//sqladmin.googleapis.com/projects/trading-prod/instances/accounts-db")
    # backups with no location go to the nearest multi-region (asia), the replica to Singapore
    assert db.properties["backup.location"] == "asia" and db.properties["backup.location_default"] is True
    assert sorted(db.properties["replica_regions"]) == ["asia", "asia-southeast1"]
    pinned = inv.get("//sqladmin.googleapis.com/projects/trading-prod/instances/settlement-db")
    assert pinned.properties["replica_regions"] == ["asia-east1"]


def test_bigquery_and_spanner(inv):
    ds = inv.get("//bigquery.googleapis.com/projects/trading-prod/datasets/analytics_us")
    assert ds.kind == "database" and ds.region == "us" and ds.properties["geo_redundant"] is True
    assert inv.get("//bigquery.googleapis.com/projects/trading-prod/datasets/risk/tables/positions_view") is None
    table = inv.get("//bigquery.googleapis.com/projects/trading-prod/datasets/risk/tables/positions")
    assert table.properties["encryption.key_manager"] == "customer"
    spanner = inv.get("//spanner.googleapis.com/projects/trading-prod/instances/ledger/databases/ledger")
    assert spanner.region == "asia-east1" and spanner.properties["geo_redundant"] is False


def test_kms_rotation(inv):
    key = inv.get("//cloudkms.googleapis.com/projects/trading-prod/locations/asia-east1/keyRings/data/cryptoKeys/orders")
    assert key.properties["rotation_enabled"] is True and key.properties["rotation_period_days"] == 90
    assert key.properties["state"] == "enabled" and key.properties["policy_public"] is False


def test_log_buckets(inv):
    default = inv.get("//logging.googleapis.com/projects/trading-prod/locations/global/buckets/_Default")
    assert default.kind == "log.store" and default.properties["retention_days"] == 30
    assert "log_class" not in default.properties
    org_audit = inv.get("//logging.googleapis.com/projects/audit-logs/locations/asia-east1/buckets/org-audit")
    assert org_audit.properties["retention_days"] == 3650
    assert org_audit.properties["log_class"] == "audit"  # from the description
    assert org_audit.properties["encryption.key_manager"] == "customer"


def test_audit_trails_per_project_and_organization(inv):
    proj = inv.get("//cloudresourcemanager.googleapis.com/projects/200000000001/auditConfigs")
    assert proj.kind == "log.trail" and proj.account == "trading-prod"
    assert proj.properties["enabled"] is True and proj.properties["organization"] is False
    assert proj.properties["data_access_logs"] == []
    org = inv.get("//cloudresourcemanager.googleapis.com/organizations/100000000001/auditConfigs")
    assert org.account == "100000000001" and org.properties["organization"] is True
    assert org.properties["organization_id"] == "100000000001"
    assert org.properties["data_access_logs"] == ["allServices"]
    assert [r.target for r in inv.outgoing(org.id, "logs_to")] == [
        "//logging.googleapis.com/projects/audit-logs/locations/asia-east1/buckets/org-audit"
    ]
    assert [r.target for r in inv.outgoing(proj.id, "logs_to")] == [
        "//logging.googleapis.com/projects/trading-prod/locations/global/buckets/_Required"
    ]


def test_users_and_service_accounts_from_bindings(inv):
    owner = inv.get("user:chen.ops@example.com.tw")
    assert owner.kind == "identity.user" and owner.properties["human"] is True
    assert owner.properties["roles"] == ["roles/owner"]
    assert "mfa" not in owner.properties and "--directory-customer" in owner.properties["mfa_unknown_reason"]
    custom = inv.get("user:lin.storage@example.com.tw")
    assert "storage.buckets.setIamPolicy" in custom.properties["actions"]
    sa = inv.get("serviceAccount:deployer@trading-prod.iam.gserviceaccount.com")
    assert sa.properties["human"] is False and sa.account == "trading-prod"
    (key,) = sa.properties["access_keys"]
    assert key["active"] is True and key["created"] == "2024-02-01T00:00:00Z" and key["last_used"] is None
    agent = inv.get("serviceAccount:200000000001@cloudservices.gserviceaccount.com")
    assert agent.properties["google_managed"] is True and agent.properties["access_keys"] == []
    assert inv.get("group:auditors@example.com.tw").kind == "identity.group"
    assert inv.get("domain:example.com.tw") is None


def test_directory_gives_2sv_and_marks_super_admins():
    directory = Directory.from_users(
        "my_customer",
        [
            {"primaryEmail": "chen.ops@example.com.tw", "isEnrolledIn2Sv": False, "isEnforcedIn2Sv": False,
             "suspended": False, "lastLoginTime": "2026-10-28T01:00:00.000Z", "creationTime": "2020-01-01T00:00:00.000Z"},
            {"primaryEmail": "it-admin@example.com.tw", "isEnrolledIn2Sv": True, "isAdmin": True,
             "lastLoginTime": "1970-01-01T00:00:00.000Z"},
            {"primaryEmail": "root@example.com.tw", "isEnrolledIn2Sv": True, "isAdmin": True},
        ],
    )
    inv = normalize_dicts(recorded("org-export.ndjson") + recorded("iam-export.ndjson"), directory=directory)
    owner = inv.get("user:chen.ops@example.com.tw")
    assert owner.properties["mfa"] is False and owner.properties["mfa_evidence"] == "directory_api"
    assert owner.properties["last_used"] == "2026-10-28T01:00:00.000Z"
    admin = inv.get("user:it-admin@example.com.tw")
    assert admin.properties["mfa"] is True and admin.properties["last_used"] == "never"
    assert admin.properties["privileged"] is True
    super_admin = inv.get("user:root@example.com.tw")  # no IAM binding, still privileged
    assert super_admin.properties["privileged"] is True and super_admin.account == "100000000001"
    outsider = inv.get("user:contractor.lee@gmail.com")
    assert "mfa" not in outsider.properties and "not a user of directory" in outsider.properties["mfa_unknown_reason"]


def test_directory_error_leaves_mfa_unknown():
    inv = normalize_dicts(recorded("iam-export.ndjson"), directory=Directory("my_customer", error="403 Not Authorized"))
    owner = inv.get("user:chen.ops@example.com.tw")
    assert "mfa" not in owner.properties and "403" in owner.properties["mfa_unknown_reason"]


def test_unresolved_custom_role_is_a_coverage_gap():
    inv = normalize_dicts(recorded("iam-export.ndjson"))
    (gap,) = inv.coverage_gaps
    assert gap.service == "iam.roles" and "identity.user" in gap.kinds
    assert "bucketPolicyEditor" in gap.message


def test_without_iam_policies_key_publicity_is_unknown():
    inv = normalize_dicts(recorded("org-export.ndjson"))
    key = inv.get("//cloudkms.googleapis.com/projects/trading-prod/locations/asia-northeast1/keyRings/tokyo/cryptoKeys/disks")
    assert "policy_public" not in key.properties
    trail = inv.get("//cloudresourcemanager.googleapis.com/projects/200000000001/auditConfigs")
    assert trail.properties["enabled"] is True and "data_access_logs" not in trail.properties


def test_shallow_record_leaves_encryption_unknown():
    rec = from_asset({"name": "//storage.googleapis.com/b", "asset_type": "storage.googleapis.com/Bucket",
                      "ancestors": ["projects/9"]})
    inv = normalize([rec], coverage=Coverage())
    b = inv.get("//storage.googleapis.com/b")
    assert b.account == "9" and b.region is None
    assert "encryption.key_manager" not in b.properties and "geo_redundant" not in b.properties
