"""AWS export files through `cloudgov scan snapshot`'s detection and the shared normalizers."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
from pathlib import Path

import pytest

from scanner.connectors.offline import detect, load_paths
from scanner.errors import InputError

DATA = Path(__file__).parents[2] / "data" / "aws"


@pytest.fixture
def exports(tmp_path):
    snap = tmp_path / "111122223333_Config_ap-east-2_ConfigSnapshot_20250601.json.gz"
    snap.write_bytes(gzip.compress((DATA / "config-snapshot.json").read_bytes()))
    shutil.copy(DATA / "credential-report.csv", tmp_path / "credential-report.csv")
    shutil.copy(DATA / "account-authorization-details.json", tmp_path / "account-authorization-details.json")
    return tmp_path


def test_each_export_is_detected(exports):
    for f in exports.iterdir():
        fmt = detect(f)
        assert fmt is not None and fmt.name == "aws-export", f


def test_config_snapshot_gzipped(exports):
    inv = load_paths([exports / "111122223333_Config_ap-east-2_ConfigSnapshot_20250601.json.gz"])
    ledger = inv.get("arn:aws:s3:::tw-ledger")
    # a bucket a trail writes to, tagged with a log class: a log store with its lifecycle
    assert ledger.kind == "log.store" and ledger.region == "ap-east-2"
    assert ledger.prop("log_class") == "personal_data_access"
    assert ledger.prop("retention_days") == 1900
    assert ledger.prop("encryption.key_manager") == "customer"
    assert ledger.prop("replica_regions") == ["ap-southeast-1"]
    assert inv.get("arn:aws:s3:::gone") is None  # deleted items are not resources
    vol = inv.get("arn:aws:ec2:ap-east-2:111122223333:volume/vol-0ccc000000000001")
    assert vol.prop("encryption.key_manager") == "provider" and vol.tags == {"Name": "db-data"}
    db = inv.get("arn:aws:rds:ap-east-2:111122223333:db:ledger")
    assert db.prop("encryption.enabled") is False and db.prop("replica_regions") == ["ap-northeast-1"]
    table = inv.get("arn:aws:dynamodb:ap-east-2:111122223333:table/events")
    assert table.prop("encryption.key_manager") == "customer"
    trail = inv.get("arn:aws:cloudtrail:ap-east-2:111122223333:trail/main")
    assert trail.prop("all_regions") is True
    assert "enabled" not in trail.properties  # Config does not record IsLogging: unknown
    chat = inv.get("arn:aws:logs:ap-east-2:111122223333:log-group:/app/chat")
    assert chat.prop("retention_days") == 180 and chat.prop("log_class") == "customer_communications"
    dave = inv.get("arn:aws:iam::111122223333:user/dave")
    assert dave.prop("roles") == ["AdministratorAccess"]
    assert dave.prop("mfa") is None  # no credential report: MFA unknown, never "no MFA"
    assert inv.sources[0].details["resource_types_not_used"] == {"AWS::EC2::NetworkInterface": 1}


def test_iam_exports_pair_up_by_account(exports):
    inv = load_paths([exports / "credential-report.csv", exports / "account-authorization-details.json"])
    alice = inv.get("arn:aws:iam::111122223333:user/alice")
    assert alice.prop("mfa") is True and alice.prop("groups") == ["Admins"]
    assert inv.get("arn:aws:iam::111122223333:group/Admins").prop("roles") == ["AdministratorAccess"]
    root = inv.get("arn:aws:iam::111122223333:root")
    assert root.prop("mfa") is True and root.prop("mfa_evidence") == "credential_report"


def test_whole_directory_merges_all_three(exports):
    inv = load_paths([exports])
    assert inv.get("arn:aws:iam::111122223333:user/dave").prop("roles") == ["AdministratorAccess"]
    assert inv.get("arn:aws:iam::111122223333:user/alice").prop("mfa") is True
    assert inv.get("arn:aws:s3:::tw-ledger") is not None


def test_credential_report_as_cli_json(tmp_path):
    csv = (DATA / "credential-report.csv").read_bytes()
    f = tmp_path / "report.json"
    f.write_text(json.dumps({"Content": base64.b64encode(csv).decode(), "ReportFormat": "text/csv", "GeneratedTime": "2025-06-01T00:00:00Z"}))
    inv = load_paths([f])
    assert inv.get("arn:aws:iam::111122223333:user/bob").prop("mfa") is False


def test_broken_snapshot_is_one_clear_error(tmp_path):
    f = tmp_path / "snap.json"
    f.write_text('{"fileVersion": "1.0", "configurationItems": [ {"broken": ')
    with pytest.raises(InputError, match="malformed JSON"):
        load_paths([f])
