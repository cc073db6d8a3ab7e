"""Export files through `cloudgov scan snapshot`, and the live path through the engine."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from azure_recorded import DATA, IDS, FakeCredential, tenant_exchanges
from typer.testing import CliRunner

from scanner.cli import app
from scanner.connectors.azure.offline import read_exports
from scanner.connectors.offline import detect
from scanner.errors import InputError

EXPORTS = sorted(p for p in DATA.glob("*.json")
                 if p.name not in ("ids.json", "graph-group-members.json", "arm-locations.json"))


def test_every_export_file_is_detected_as_azure():
    assert {detect(p).name for p in EXPORTS} == {"azure-export"}
    assert detect(DATA / "ids.json") is None


def test_az_graph_query_bare_array_and_role_assignment_list(tmp_path):
    bare = tmp_path / "resources.json"
    bare.write_text(json.dumps(json.loads((DATA / "arg-resources-page1.json").read_text())["data"]))
    assert detect(bare).name == "azure-export"
    raw = read_exports([bare, DATA / "az-role-assignment-list.json"])
    assert len(raw.resources) == 6
    assignment = next(r for r in raw.authorization if r["type"] == "microsoft.authorization/roleassignments")
    assert assignment["properties"]["scope"] == f"/subscriptions/{IDS['sub2']}"
    names = {r["properties"]["roleName"] for r in raw.authorization if r["type"].endswith("roledefinitions")}
    assert names == {"Owner"}


def test_missing_sources_are_gaps_not_passes(tmp_path):
    raw = read_exports([DATA / "arg-resourcecontainers.json", DATA / "graph-users-page1.json"])
    codes = {(g.service, g.code) for g in raw.gaps}
    assert ("export:diagnosticSettings", "NotInExport") in codes
    assert ("export:userRegistrationDetails", "NotInExport") in codes


def test_unreadable_graph_entity_is_a_user_error(tmp_path):
    page = tmp_path / "devices.json"
    page.write_text(json.dumps({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#devices",
                                "value": []}))
    with pytest.raises(InputError, match="devices"):
        read_exports([page])


def findings(out: Path) -> dict[tuple[str, str], str]:
    doc = json.loads((out / "findings.json").read_text())
    return {(f["policy"], f["resource"]["name"]): f["status"] for f in doc["findings"]}


def test_scan_snapshot_of_az_exports_end_to_end(tmp_path):
    result = CliRunner().invoke(app, ["scan", "snapshot", *map(str, EXPORTS), "--format", "json",
                                      "--output-dir", str(tmp_path), "--quiet"])
    assert result.exit_code == 1, result.output  # high-severity failures present
    got = findings(tmp_path)
    assert got[("mfa.privileged_users", "bob@contoso.example")] == "FAIL"
    assert got[("mfa.privileged_users", "alice@contoso.example")] == "PASS"
    assert got[("residency.data_location", "streportsgrs")] == "FAIL"  # eastasia is Hong Kong
    assert got[("residency.geo_redundant_storage", "streportsgrs")] == "FAIL"  # pair in Singapore
    assert got[("residency.data_location", "stcustdatatw")] == "PASS"
    assert got[("encryption.object_storage_cmk", "stcustdatatw")] == "PASS"
    assert got[("encryption.key_rotation", "cmk-disk")] == "FAIL"
    assert got[("logging.retention_minimum", "law-audit")] == "FAIL"  # 90 days < 3 years
    assert got[("logging.retention_minimum", "law-audit/AzureActivity")] == "PASS"
    assert got[("logging.audit_trail_enabled", "prod-trading")] == "PASS"
    assert got[("logging.audit_trail_enabled", "dev-sandbox")] == "ERROR"  # not in the export
    # applications / servicePrincipals / PIM pages exported with `az rest`
    assert got[("mfa.privileged_access_keys", "deploy-pipeline")] == "FAIL"  # active client secret
    assert got[("mfa.privileged_access_keys", "report-exporter")] == "PASS"  # expired secret only
    assert got[("mfa.privileged_access_keys", "mi-backup-runner")] == "PASS"  # managed identity
    assert got[("mfa.privileged_users", "erin@contoso.example")] == "FAIL"  # PIM-eligible Global Administrator


def test_export_without_credentials_or_pim_pages_is_unknown(tmp_path):
    left_out = {"graph-applications.json", "graph-service-principals-page1.json", "graph-service-principals-page2.json",
                "graph-role-eligibility.json", "arm-role-eligibility-sub1.json"}
    files = [p for p in EXPORTS if p.name not in left_out]
    result = CliRunner().invoke(app, ["scan", "snapshot", *map(str, files), "--format", "json",
                                      "--output-dir", str(tmp_path), "--quiet"])
    assert result.exit_code == 1, result.output
    got = findings(tmp_path)
    assert got[("mfa.privileged_access_keys", "deploy-pipeline")] == "ERROR"
    assert got[("mfa.privileged_users", "erin@contoso.example")] == "ERROR"  # eligibility unknown, not N/A
    assert got[("mfa.privileged_users", "bob@contoso.example")] == "FAIL"
    gaps = {name for (policy, name), status in got.items() if status == "ERROR" and "NotInExport" in name}
    assert {"export:applications (NotInExport)", "export:roleEligibilityScheduleInstances (NotInExport)",
            "export:arm-roleEligibilityScheduleInstances (NotInExport)"} <= gaps


def test_live_collection_evaluated_by_the_engine():
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.connectors.azure.collect import collect_inventory
    from scanner.connectors.azure.replay import ReplayTransport
    from scanner.engine import evaluate

    inv = collect_inventory(FakeCredential(), transport=ReplayTransport(tenant_exchanges(registration_403=True)),
                            retry_backoff_factor=0)
    result = evaluate(inv, load_policies(), load_config(None), None, source="test")
    status = {(f.policy, f.resource.name): f.status.value for f in result.findings}
    assert status[("mfa.privileged_users", "alice@contoso.example")] == "PASS"  # CA evidence
    assert status[("mfa.privileged_users", "bob@contoso.example")] == "ERROR"  # unknown is not PASS
    assert status[("logging.audit_trail_enabled", "dev-sandbox")] == "ERROR"  # 403 on that subscription


def test_scan_azure_without_credentials_is_one_sentence(monkeypatch):
    pytest.importorskip("azure.identity")
    for var in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE",
                "IDENTITY_ENDPOINT", "MSI_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")  # no az / azd / pwsh to ask
    monkeypatch.setenv("AZURE_TOKEN_CREDENTIALS", "dev")  # developer credentials only: no IMDS probe
    started = time.monotonic()
    result = CliRunner().invoke(app, ["scan", "azure", "--quiet"])
    assert time.monotonic() - started < 30
    # CliRunner calls the typer app; scanner.cli.main turns InputError into exit code 2
    assert isinstance(result.exception, InputError)
    assert str(result.exception).startswith("no usable Azure credentials")
    assert "\n" not in str(result.exception)


def test_exported_containers_and_their_policies_make_the_log_store_locked(tmp_path):
    """`az rest` exports of List Containers and of each log container's immutability policy
    (tests/data/azure/public, from the REST specs' examples) read like their live answers."""
    public = DATA / "public"
    files = [*EXPORTS, public / "blob-containers-auditlogs.json", public / "immutability-policy-activity-logs.json",
             public / "immutability-policy-auditevent.json"]
    result = CliRunner().invoke(app, ["scan", "snapshot", *map(str, files), "--format", "json",
                                      "--output-dir", str(tmp_path), "--quiet"])
    assert result.exit_code in (0, 1), result.output
    assert findings(tmp_path)[("logging.audit_store_immutable", "stauditlogs")] == "PASS"
    # without the policies' answers the store's state is unknown, never a pass
    result = CliRunner().invoke(app, ["scan", "snapshot", *map(str, files[:-1]), "--format", "json",
                                      "--output-dir", str(tmp_path / "partial"), "--quiet"])
    assert findings(tmp_path / "partial")[("logging.audit_store_immutable", "stauditlogs")] == "ERROR"
