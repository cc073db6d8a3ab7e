"""Security Command Center's services, read live beside Cloud Asset (the Security Center
Management API on the local replay endpoint) and judged by monitoring.threat_detection
(ETG 8.3.2, 8.4.4). Payloads: tests/data/gcp/public/scc-services.json (sources in the README
beside it); the verdicts are ours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytest.importorskip("google.cloud.asset_v1")

from asset_api_server import AssetApi, recorded  # noqa: E402

DATA = Path(__file__).parents[2] / "data" / "gcp"
ORG = "organizations/100000000001"



@pytest.fixture
def api():
    server = AssetApi(recorded("org-export.ndjson"), recorded("iam-export.ndjson"),
                      scc=json.loads((DATA / "public" / "scc-services.json").read_text()))
    server.url = server.start()
    yield server
    server.stop()


def _scan(api, tmp_path, *args: str) -> dict:
    res = run_cli("scan", "gcp", "--endpoint-url", api.url, *args, "-f", "json", "-o", str(tmp_path),
                  "--save-inventory", str(tmp_path / "inv.json"))
    assert res.returncode in (0, 1), res.stderr
    assert "Traceback" not in res.stderr
    return json.loads((tmp_path / "findings.json").read_text())


def _threat(doc: dict) -> dict[str, dict]:
    return {f["resource"]["account"]: f for f in doc["findings"] if f["policy"] == "monitoring.threat_detection"}


def test_services_enabled_pass_and_disabled_or_ingest_only_fail(api, tmp_path):
    doc = _scan(api, tmp_path, "--scope", ORG)
    found = _threat(doc)
    prod = found["trading-prod"]
    assert prod["status"] == "PASS", prod["message"]
    assert "event-threat-detection" in prod["message"] and "security-health-analytics" in prod["message"]
    logs = found["audit-logs"]
    assert logs["status"] == "FAIL", logs["message"]
    assert "event-threat-detection (disabled)" in logs["message"]
    assert "security-health-analytics (ingest_only)" in logs["message"]
    # read: no "not read" gap for either project; one list call per project
    assert not [g for g in doc["coverage_gaps"] if g["service"] == "securitycenter"]
    assert api.calls("scc") == 2
    inv = json.loads((tmp_path / "inv.json").read_text())
    (src,) = inv["sources"]
    assert src["calls_by_api"]["securitycentermanagement"] == 2
    det = next(r for r in inv["resources"] if r["kind"] == "monitor.detector" and r["account"] == "trading-prod")
    assert det["properties"]["services"]["container-threat-detection"] == "DISABLED"  # not required: no FAIL


def test_a_refused_project_is_an_error_never_a_fail(api, tmp_path):
    api.denied.add(("scc", "projects/audit-logs"))
    doc = _scan(api, tmp_path, "--scope", ORG)
    found = _threat(doc)
    assert found["trading-prod"]["status"] == "PASS"
    logs = found["audit-logs"]
    assert logs["status"] == "ERROR", logs["message"]
    assert "PERMISSION_DENIED" in logs["message"]
    (gap,) = [g for g in doc["coverage_gaps"] if g["service"] == "securitycenter"]
    assert gap["account"] == "audit-logs" and gap["code"] == "PERMISSION_DENIED"


def test_a_service_the_api_does_not_list_is_unknown(api, tmp_path):
    api.scc["trading-prod"] = [s for s in api.scc["trading-prod"] if not s["name"].endswith("/security-health-analytics")]
    found = _threat(_scan(api, tmp_path, "--scope", ORG))
    prod = found["trading-prod"]
    assert prod["status"] == "ERROR" and "security-health-analytics" in prod["message"]


def test_an_export_does_not_hold_it_so_it_stays_unknown(tmp_path):
    res = run_cli("scan", "snapshot", str(DATA / "org-export.ndjson"), "-f", "json", "-o", str(tmp_path))
    assert res.returncode in (0, 1), res.stderr
    doc = json.loads((tmp_path / "findings.json").read_text())
    found = _threat(doc)
    assert set(found) == {"trading-prod", "audit-logs"}
    for acct, f in found.items():
        assert f["status"] == "ERROR", (acct, f["message"])
        assert "NotRead" in f["message"]
    gaps = [g for g in doc["coverage_gaps"] if g["service"] == "securitycenter"]
    assert {g["account"] for g in gaps} == set(found)
    assert all("not in Cloud Asset Inventory exports" in g["message"] for g in gaps)
