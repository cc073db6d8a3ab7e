"""Azure REST API specs' example bodies (tests/data/azure/public/, sources in its README)
scanned with `cloudgov scan snapshot`: each test is one class of issue 12 (items 11-16),
asserting the finding's status and its reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.connectors.conftest import scan_snapshot

PUBLIC = Path(__file__).resolve().parents[2] / "data" / "azure" / "public"


def scan(tmp_path: Path, *files: str, extra: tuple[str, ...] = ()) -> dict[tuple[str, str], dict[str, Any]]:
    return scan_snapshot([PUBLIC / f for f in files], tmp_path / "out", extra, key="name")


def test_string_booleans_do_not_drop_log_analytics_tables(tmp_path):
    """Item 11: "retentionInDaysAsDefault": "False" is false, so tables with their own
    retention are log stores of their own (bool("False") dropped them)."""
    got = scan(tmp_path, "workspace-get.json", "tables-list-string-booleans.json")
    flow = got[("logging.retention_minimum", "TestResourceLock/AzureNetworkFlow")]
    assert flow["status"] == "FAIL" and "kept 70 days" in flow["message"]
    dns = got[("logging.retention_minimum", "TestResourceLock/SurfaceHubDns")]
    assert dns["status"] == "FAIL" and "kept 30 days" in dns["message"]


@pytest.mark.parametrize("value, dropped", [("False", False), ("false", False), ("True", True), (False, False)])
def test_strict_booleans(value, dropped):
    from scanner.connectors.azure.resources import _table
    from scanner.model import Kind, Resource

    ws = Resource("azure", "s", "eastus", Kind.LOG_STORE, "Microsoft.OperationalInsights/workspaces", "/ws", "ws")
    row = {"id": "/ws/tables/T", "name": "T", "properties": {"retentionInDays": 45, "totalRetentionInDays": 70,
                                                              "retentionInDaysAsDefault": value,
                                                              "totalRetentionInDaysAsDefault": value}}
    assert (_table(row, ws) is None) is dropped


def test_graph_query_child_rows_are_read(tmp_path):
    """Item 12: an encryption protector row in `az graph query` output gives the database its
    key manager (it was dropped, and the database's CMK was an ERROR)."""
    got = scan(tmp_path, "arg-sql-with-protector.json")
    cmk = got[("encryption.database_cmk", "testdb")]
    assert cmk["status"] == "FAIL" and "provider-managed" in cmk["message"]


def test_graph_query_unread_child_rows_are_gaps(tmp_path):
    """Item 12: a child row cloudgov does not read is a coverage gap naming the row."""
    doc = json.loads((PUBLIC / "arg-sql-with-protector.json").read_text())
    audit = dict(doc["data"][1], type="microsoft.sql/servers/auditingsettings", name="default",
                 id=doc["data"][1]["id"].replace("encryptionProtector/current", "auditingSettings/default"))
    doc["data"].append(audit)
    (tmp_path / "arg.json").write_text(json.dumps(doc))
    out = tmp_path / "out"
    CliRunner().invoke(app, ["scan", "snapshot", str(tmp_path / "arg.json"), "-f", "json", "-o", str(out), "-q"])
    gaps = json.loads((out / "findings.json").read_text())["coverage_gaps"]
    (row,) = [g for g in gaps if g["code"] == "NotRead"]
    assert row["service"] == f"export:row:{audit['id']}" and "does not read" in row["message"]


def test_subscription_diagnostic_settings_as_arm_returns_them(tmp_path):
    """Item 12: the subscription diagnostic setting as ARM returns it ("type": null, provider
    AzureResourceManager, no leading slash) is the subscription's activity-log export."""
    got = scan(tmp_path, "arg-subscription.json", "subscription-diagnostic-settings.json")
    trail = got[("logging.audit_trail_enabled", "apptest-subscription")]
    assert trail["status"] == "PASS", trail["message"]


def test_disk_with_only_a_disk_encryption_set_is_cmk(tmp_path):
    """Item 13: Disk_Create_WithDiskEncryptionSet names the set and no encryption.type (and
    no "type" at all): customer-managed, not unknown (and not dropped)."""
    got = scan(tmp_path, "disk-with-disk-encryption-set.json")
    cmk = got[("encryption.block_storage_cmk", "myDisk")]
    assert cmk["status"] == "PASS" and "customer-managed" in cmk["message"]


def test_cosmos_is_located_by_its_data_regions(tmp_path):
    """Item 14: ddb1's home is West US but its data is in East US; allowing only westus must
    not make it PASS."""
    got = scan(tmp_path, "cosmos-account-get.json", extra=("--allowed-regions", "westus"))
    loc = got[("residency.data_location", "ddb1")]
    assert loc["status"] == "FAIL" and "eastus is not in the allowed regions" in loc["message"]
    assert loc["evidence"]["locations"] == ["eastus"]


def test_cosmos_geo_backups_are_judged(tmp_path):
    """Beyond the list: periodic backups with backupStorageRedundancy Geo go to the write
    region's pair; without `az account list-locations` the pair is unknown (ERROR), never a pass."""
    got = scan(tmp_path, "cosmos-account-get.json", extra=("--allowed-regions", "eastus"))
    geo = got[("residency.geo_redundant_storage", "ddb1")]
    assert geo["status"] == "ERROR" and "secondary region is unknown" in geo["message"]


def test_canary_and_unknown_regions_are_errors_with_the_reason(tmp_path):
    """Item 15: centraluseuap / eastus2euap are canary regions; eastus2(stage) is in no table.
    Each is ERROR naming why, never a country guessed from the name."""
    got = scan(tmp_path, "storage-account-canary.json", "storage-account-get-stage.json")
    canary = got[("residency.data_location", "stocanary")]
    assert canary["status"] == "ERROR" and "canary (EUAP)" in canary["message"]
    pair = got[("residency.geo_redundant_storage", "stocanary")]
    assert pair["status"] == "ERROR" and "eastus2euap" in pair["message"]
    stage = got[("residency.data_location", "sto8596")]
    assert stage["status"] == "ERROR" and "'eastus2(stage)' is not in the jurisdiction table" in stage["message"]


def test_one_fact_one_finding_for_an_offshore_grs_secondary(tmp_path):
    """Item 16: the GRS secondary in japaneast is one FAIL, owned by geo_redundant_storage;
    replica_location does not report the same pair again."""
    got = scan(tmp_path, "storage-account-grs-offshore-secondary.json")
    geo = got[("residency.geo_redundant_storage", "stogrstw")]
    assert geo["status"] == "FAIL" and "japaneast is in JP" in geo["message"]
    assert got[("residency.replica_location", "stogrstw")]["status"] == "PASS"
    assert got[("residency.data_location", "stogrstw")]["status"] == "PASS"


def test_sql_geo_backups_go_to_the_secondary_the_row_names(tmp_path):
    """Beyond the list: without `az account list-locations`, a Geo-redundant backup's
    secondary is the database's own defaultSecondaryLocation ("North Europe"), not unknown."""
    got = scan(tmp_path, "arg-sql-with-protector.json")
    geo = got[("residency.geo_redundant_storage", "testdb")]
    assert geo["status"] == "FAIL" and "northeurope is in IE" in geo["message"]


def test_display_name_locations_meet_allow_list_entries(tmp_path):
    """Beyond the list: ARM examples give locations as display names ("West US"); an
    allow-list entry westus admits them (string comparison failed them)."""
    got = scan(tmp_path, "disk-with-disk-encryption-set.json", extra=("--allowed-regions", "westus"))
    loc = got[("residency.data_location", "myDisk")]
    assert loc["status"] == "PASS" and "West US is in the allowed regions" in loc["message"]


def test_rows_without_properties_claim_no_key_manager(tmp_path):
    """Beyond the list: `az resource list` rows carry "properties": null; the Cosmos DB key
    manager is then unknown (ERROR), not a provider key read into the silence."""
    row = json.loads((PUBLIC / "cosmos-account-get.json").read_text())
    row["properties"] = None
    (tmp_path / "list.json").write_text(json.dumps([row]))
    out = tmp_path / "out"
    CliRunner().invoke(app, ["scan", "snapshot", str(tmp_path / "list.json"), "-f", "json", "-o", str(out), "-q"])
    found = {(f["policy"], f["resource"]["name"]): f for f in json.loads((out / "findings.json").read_text())["findings"]}
    assert found[("encryption.database_cmk", "ddb1")]["status"] == "ERROR"


def test_a_service_bus_namespace_without_encryption_settings_is_platform_encrypted(tmp_path):
    """Service Bus encrypts every namespace at rest; a namespace whose properties carry no
    `encryption` block (Microsoft's Namespaces_Get example) uses Microsoft-managed keys:
    encrypted PASS, customer-managed key FAIL."""
    got = scan(tmp_path, "servicebus-namespace-get.json")
    assert got[("encryption.messaging_encrypted", "sdk-Namespace-2924")]["status"] == "PASS"
    cmk = got[("encryption.messaging_cmk", "sdk-Namespace-2924")]
    assert cmk["status"] == "FAIL", cmk


def test_a_postgresql_flexible_server_with_a_system_managed_key_and_geo_backups(tmp_path):
    """Microsoft's flexible-server Get example: `dataEncryption.type: SystemManaged` is the
    platform's key (CMK FAIL); `geoRedundantBackup: Enabled` copies backups to the paired
    region, which without the locations file is unknown: an ERROR, never a PASS."""
    got = scan(tmp_path, "postgresql-flexible-server-get.json")
    cmk = got[("encryption.database_cmk", "exampleserver")]
    assert cmk["status"] == "FAIL" and "provider" in cmk["message"], cmk
    geo = got[("residency.geo_redundant_storage", "exampleserver")]
    assert geo["status"] == "ERROR", geo


def test_a_mysql_flexible_server_without_data_encryption_uses_the_service_s_key(tmp_path):
    """Microsoft's MySQL flexible-server Get example has no `dataEncryption`: a customer-managed
    key is always configured there, so the whole resource without it is service-managed (CMK
    FAIL, not ERROR); `geoRedundantBackup: Disabled` makes no copy elsewhere; Southeast Asia
    is outside Taiwan."""
    got = scan(tmp_path, "mysql-flexible-server-get.json")
    cmk = got[("encryption.database_cmk", "mysqltestserver")]
    assert cmk["status"] == "FAIL" and "provider" in cmk["message"], cmk
    assert got[("residency.replica_location", "mysqltestserver")]["status"] == "PASS"
    assert got[("residency.data_location", "mysqltestserver")]["status"] == "FAIL"


def test_a_recovery_services_vault_with_a_customer_key_and_unread_redundancy(tmp_path):
    """Microsoft's Vaults_CreateOrUpdate (with CMK) answer: `encryption.keyVaultProperties.keyUri`
    is the customer's key (CMK PASS); the body has no `redundancySettings`, so whether the
    vault's storage is geo-replicated is unknown: ERROR, never a PASS."""
    got = scan(tmp_path, "recovery-services-vault-cmk.json")
    assert got[("encryption.backup_cmk", "swaggerExample")]["status"] == "PASS"
    assert got[("residency.geo_redundant_storage", "swaggerExample")]["status"] == "ERROR"


def test_network_security_groups_are_judged_in_priority_order(tmp_path):
    """ETG 8: Microsoft's NetworkSecurityGroupGet example opens port 80 only; the variant adds
    RDP and WinRM from Internet at priority 140, above the default DenyAllInBound."""
    got = scan(tmp_path, "nsg-get.json", "nsg-rdp-open.json")
    assert got[("network.admin_ports_open", "testnsg")]["status"] == "PASS"
    rdp = got[("network.admin_ports_open", "testnsg-rdp")]
    assert rdp["status"] == "FAIL" and "3389 (RDP)" in rdp["message"] and "5986 (WinRM (HTTPS))" in rdp["message"]


def test_storage_account_transport_settings(tmp_path):
    """ETG 8.1.1 / 8.2.1: the StorageAccountGetProperties example has supportsHttpsTrafficOnly
    false and no minimumTlsVersion (an account without one permits TLS 1.0)."""
    got = scan(tmp_path, "storage-account-get-stage.json")
    assert got[("encryption.storage_tls_only", "sto8596")]["status"] == "FAIL"
    tls = got[("encryption.tls_minimum_version", "sto8596")]
    assert tls["status"] == "FAIL" and "TLS 1.0" in tls["message"]


def test_conditional_access_device_condition_for_admins():
    """ETG 8.2.2: the compliant-device policy for administrators counts (OR between two device
    controls still requires a device); MFA alone and a report-only location block do not."""
    from scanner.connectors.azure.access import internet_access

    doc = json.loads((PUBLIC.parent / "graph-ca-policies-admins.json").read_text(encoding="utf-8"))
    got = internet_access(doc["value"], None)["internet_access.conditions"]
    assert [c["kind"] for c in got] == ["device"] and "compliantdevice and domainjoineddevice" in got[0]["by"]
    mfa_only = [p for p in doc["value"] if "multifactor" in p["displayName"]]
    assert internet_access(mfa_only, None) == {"internet_access.conditions": []}
    enforced = [dict(p, state="enabled") for p in doc["value"] if "location" in p["displayName"]]
    assert internet_access(enforced, None)["internet_access.conditions"][0]["kind"] == "location"
    assert "403" in internet_access(None, "Conditional Access policies unreadable (403)")["internet_access.unread"]


def test_virtual_machines_under_update_manager(tmp_path):
    """ETG 8.4.2: periodic assessment (assessmentMode AutomaticByPlatform) passes; ImageDefault on a
    running VM fails; a deallocated VM is not in use; without osProfile the patch settings are unknown."""
    got = scan(tmp_path, "vm-linux-automatic-by-platform.json", "vm-windows-assessment-imagedefault.json",
               "arg-virtual-machines.json")
    policy = "compute.instances_managed"
    assert got[(policy, "myVM")]["status"] == "PASS" and "azure-update-manager" in got[(policy, "myVM")]["message"]
    # the ARM body read with $expand=instanceView: PowerState/running
    assert got[(policy, "myWinVM")]["status"] == "FAIL" and "assessmentMode ImageDefault" in got[(policy, "myWinVM")]["message"]
    # Resource Graph rows: properties.extended.instanceView.powerState
    assert got[(policy, "vm-linux-managed")]["status"] == "PASS"
    assert got[(policy, "vm-win-unmanaged")]["status"] == "FAIL"
    assert got[(policy, "vm-win-deallocated")]["status"] == "NOT_APPLICABLE"
    unknown = got[(policy, "vm-from-specialized-disk")]
    assert unknown["status"] == "ERROR" and "osProfile" in unknown["message"]


def test_an_unmanaged_vm_whose_power_state_is_not_in_the_body_is_unknown(tmp_path):
    """`az vm show` without instanceView: ImageDefault, but the VM may be deallocated."""
    body = json.loads((PUBLIC / "vm-windows-assessment-imagedefault.json").read_text())
    del body["properties"]["instanceView"]
    (tmp_path / "vm.json").write_text(json.dumps(body))
    got = scan_snapshot([tmp_path / "vm.json"], tmp_path / "out", (), key="name")
    f = got[("compute.instances_managed", "myWinVM")]
    assert f["status"] == "ERROR" and "whether it is running" in f["message"]


def test_the_power_state_az_vm_show_details_adds_is_read(tmp_path):
    """`az vm show -d` / `az vm list -d` put the power state beside the body ("powerState": "VM deallocated")."""
    body = json.loads((PUBLIC / "vm-windows-assessment-imagedefault.json").read_text())
    del body["properties"]["instanceView"]
    body["powerState"] = "VM deallocated"
    (tmp_path / "vm.json").write_text(json.dumps(body))
    got = scan_snapshot([tmp_path / "vm.json"], tmp_path / "out", (), key="name")
    assert got[("compute.instances_managed", "myWinVM")]["status"] == "NOT_APPLICABLE"
