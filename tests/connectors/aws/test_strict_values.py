"""AWS export values read strictly (issue 12, class 11): a string "false" is false, never the
truthy string it is to bool(), and a value that is no boolean is unknown. AWS Config snapshots
and hand-converted exports carry such strings; the API reference documents real booleans."""

from __future__ import annotations

import pytest

from scanner.connectors.aws.keys import KeyIndex, kms_key
from scanner.connectors.aws.normalize_data import ebs_volume
from scanner.connectors.aws.normalize_iam import identities
from scanner.connectors.aws.normalize_logs import trail

ACCT = "111122223333"
REGION = "ap-east-2"


@pytest.mark.parametrize("raw, expect", [(False, False), ("false", False), ("False", False), (True, True),
                                         ("TRUE", True), ("maybe", None), (None, None)])
def test_ebs_volume_encrypted_flag(raw, expect):
    v = {"VolumeId": "vol-1", "AvailabilityZone": "ap-east-2a"}
    if raw is not None:
        v["Encrypted"] = raw
    res, _ = ebs_volume(ACCT, REGION, v, KeyIndex(ACCT), {})
    enabled = res[0].prop("encryption.enabled")
    if expect is False:
        assert enabled is False or res[0].prop("encryption.key_manager") == "none"
    elif expect is None:
        assert enabled is None and res[0].prop("encryption.key_manager") is None
    else:
        assert enabled is not False


def test_key_rotation_string_false_is_not_enabled():
    entry = {"KeyMetadata": {"Arn": f"arn:aws:kms:{REGION}:{ACCT}:key/k1", "KeyId": "k1", "KeyManager": "CUSTOMER",
                             "KeyState": "Enabled", "KeySpec": "SYMMETRIC_DEFAULT", "Origin": "AWS_KMS"},
             "Rotation": {"KeyRotationEnabled": "false"}}
    assert kms_key(ACCT, REGION, entry).prop("rotation_enabled") is False
    entry["Rotation"] = {}
    assert kms_key(ACCT, REGION, entry).prop("rotation_enabled") is None  # not read: unknown, never False


@pytest.mark.parametrize("raw, mfa", [(0, False), (1, True), ("0", False), ("1", True), (True, None), ("yes", None)])
def test_account_summary_mfa_is_a_count(raw, mfa):
    res, _ = identities(ACCT, {"account_summary": {"AccountMFAEnabled": raw}, "credential_report": "user,arn,mfa_active\n"})
    root = next(r for r in res if r.prop("root"))
    assert root.prop("mfa") is mfa


def test_trail_flags_read_strictly():
    t = {"TrailARN": f"arn:aws:cloudtrail:{REGION}:{ACCT}:trail/main", "HomeRegion": REGION, "Name": "main",
         "S3BucketName": "b", "IsOrganizationTrail": "false", "IsMultiRegionTrail": "true",
         "LogFileValidationEnabled": "False"}
    res, _ = trail(ACCT, t, KeyIndex(ACCT), organization_id="o-1")
    r = next(x for x in res if x.kind == "log.trail")
    assert r.prop("organization") is False and r.prop("organization_id") is None
    assert r.prop("all_regions") is True and r.prop("log_file_validation") is False


@pytest.mark.parametrize("item", ['{"resourceType": 5}', '"AWS::S3::Bucket"', '{"configuration": {}}'])
def test_config_snapshot_with_wrongly_shaped_items_is_an_input_error(cli, tmp_path, item):
    """Issue 14, class 7: an export whose items have the wrong shape must not read as an empty,
    clean account (0 resources, exit 0)."""
    f = tmp_path / "config-snapshot.json"
    f.write_text('{"fileVersion": "1.0", "configSnapshotId": "x", "configurationItems": [' + item + "]}")
    r = cli("scan", "snapshot", str(f), "-q")
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "configurationItems[0]" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
