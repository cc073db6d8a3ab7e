"""End to end: `cloudgov scan gcp` against the local replay endpoint and `cloudgov scan
snapshot` on gcloud export files, asserting the policy findings a user would see."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytest.importorskip("google.cloud.asset_v1")

from asset_api_server import AssetApi, recorded  # noqa: E402

DATA = Path(__file__).parents[2] / "data" / "gcp"
ORG = "organizations/100000000001"
ASIA_BUCKET = "//storage.googleapis.com/trading-prod-reports-asia"
CMEK_DISK = "//compute.googleapis.com/projects/trading-prod/zones/asia-east1-a/disks/matching-engine-data"
TOKYO_KEY = "//cloudkms.googleapis.com/projects/trading-prod/locations/asia-northeast1/keyRings/tokyo/cryptoKeys/disks"
DEFAULT_LOGS = "//logging.googleapis.com/projects/trading-prod/locations/global/buckets/_Default"
ORG_AUDIT = "//logging.googleapis.com/projects/audit-logs/locations/asia-east1/buckets/org-audit"



@pytest.fixture
def api():
    server = AssetApi(
        recorded("org-export.ndjson"),
        recorded("iam-export.ndjson"),
        users=[{"primaryEmail": "chen.ops@example.com.tw", "isEnrolledIn2Sv": False, "suspended": False,
                "lastLoginTime": "2026-10-28T01:00:00.000Z"},
               {"primaryEmail": "it-admin@example.com.tw", "isEnrolledIn2Sv": True, "isAdmin": True}],
    )
    server.url = server.start()
    yield server
    server.stop()


def _findings(out: Path) -> dict[tuple[str, str], dict]:
    doc = json.loads((out / "findings.json").read_text())
    return {(f["policy"], f["resource"]["id"]): f for f in doc["findings"]}


def _status(found, policy, rid):
    return found[(policy, rid)]["status"]


def test_live_scan_findings(api, tmp_path):
    res = run_cli("scan", "gcp", "--scope", ORG, "--endpoint-url", api.url, "-f", "json", "-o", str(tmp_path),
                  "--save-inventory", str(tmp_path / "inv.json"))
    assert res.returncode == 1, res.stderr  # high-severity failures
    assert "Traceback" not in res.stderr
    assert "API calls" in res.stderr
    found = _findings(tmp_path)
    assert _status(found, "residency.data_location", ASIA_BUCKET) == "FAIL"  # ASIA leaves Taiwan
    # custom dual-region: Taiwan + Tokyo placement is judged region by region, once (one fact,
    # one finding): by data_location, not again as a geo-redundant copy
    assert _status(found, "residency.data_location", "//storage.googleapis.com/trading-prod-dr") == "FAIL"
    assert _status(found, "residency.geo_redundant_storage", "//storage.googleapis.com/trading-prod-dr") == \
        "NOT_APPLICABLE"
    assert _status(found, "encryption.block_storage_cmk", CMEK_DISK) == "PASS"
    assert _status(found, "residency.data_location", CMEK_DISK) == "PASS"  # asia-east1-a is Taiwan
    assert _status(found, "residency.data_location", TOKYO_KEY) == "FAIL"  # …but its key is in Japan
    assert _status(found, "encryption.key_rotation", TOKYO_KEY) == "FAIL"
    assert _status(found, "encryption.key_policy_public", TOKYO_KEY) == "FAIL"
    assert _status(found, "logging.retention_minimum", DEFAULT_LOGS) == "FAIL"  # 30 days
    assert _status(found, "logging.retention_minimum", ORG_AUDIT) == "PASS"  # 3650 days
    assert _status(found, "encryption.log_store_cmk", ORG_AUDIT) == "PASS"
    # no directory: MFA is unknown, never a pass
    assert _status(found, "mfa.privileged_users", "user:chen.ops@example.com.tw") == "ERROR"
    assert "--directory-customer" in found[("mfa.privileged_users", "user:chen.ops@example.com.tw")]["message"]
    inv = json.loads((tmp_path / "inv.json").read_text())
    (src,) = inv["sources"]
    assert src["connector"] == "gcp" and src["api_calls"] == api.calls()


def test_live_scan_with_directory(api, tmp_path):
    res = run_cli("scan", "gcp", "--scope", ORG, "--endpoint-url", api.url, "--directory-customer", "my_customer",
                  "-f", "json", "-o", str(tmp_path))
    assert res.returncode == 1, res.stderr
    found = _findings(tmp_path)
    assert _status(found, "mfa.privileged_users", "user:chen.ops@example.com.tw") == "FAIL"
    assert _status(found, "mfa.privileged_users", "user:it-admin@example.com.tw") == "PASS"


def test_denied_project_shows_as_errors_not_passes(api, tmp_path):
    api.denied.add(("list", "projects/200000000002"))
    api.denied.add(("search", "projects/200000000002"))
    res = run_cli("scan", "gcp", "--scope", "projects/200000000001", "--scope", "projects/200000000002",
                  "--endpoint-url", api.url, "-f", "json", "-o", str(tmp_path))
    assert res.returncode == 1, res.stderr
    assert "PERMISSION_DENIED" in res.stderr
    doc = json.loads((tmp_path / "findings.json").read_text())
    assert any(g["account"] == "200000000002" and g["code"] == "PERMISSION_DENIED" for g in doc["coverage_gaps"])
    found = _findings(tmp_path)
    assert _status(found, "residency.data_location", ASIA_BUCKET) == "FAIL"  # the other project still scanned


def test_bad_scope_is_one_sentence_exit_2(tmp_path):
    res = run_cli("scan", "gcp", "--scope", "my-project", "--endpoint-url", "http://127.0.0.1:9")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "organizations/<number>" in res.stderr


def test_snapshot_of_gcloud_exports(tmp_path):
    res = run_cli("scan", "snapshot", str(DATA / "org-export.ndjson"), str(DATA / "iam-export.ndjson"),
                  "-f", "json", "-o", str(tmp_path))
    assert res.returncode == 1, res.stderr
    found = _findings(tmp_path)
    assert _status(found, "residency.data_location", ASIA_BUCKET) == "FAIL"
    assert _status(found, "logging.retention_minimum", DEFAULT_LOGS) == "FAIL"
    assert _status(found, "encryption.key_policy_public", TOKYO_KEY) == "FAIL"
    assert _status(found, "mfa.privileged_access_keys",
                   "serviceAccount:deployer@trading-prod.iam.gserviceaccount.com") == "FAIL"
