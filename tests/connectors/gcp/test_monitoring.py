"""Log-based metrics and alert policies, organisation sinks, bucket lock and disk snapshot
schedules (issue 19), from Cloud Asset assets in the REST shapes (tests/data/gcp/public/README.md),
judged end to end through `cloudgov scan snapshot`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli import app
from scanner.connectors.gcp.monitor import CIS_FILTERS, filter_events

PUBLIC = Path(__file__).parents[2] / "data" / "gcp" / "public"
PROJECT = "//cloudresourcemanager.googleapis.com/projects/68478495408"


def scan(out: Path, *files: Path) -> dict:
    r = CliRunner().invoke(app, ["scan", "snapshot", *map(str, files), "-f", "json", "-o", str(out), "-q"])
    assert r.exit_code in (0, 1), r.output
    return {(f["policy"], f["resource"]["id"]): f for f in json.loads((out / "findings.json").read_text())["findings"]}


def test_every_cis_filter_of_the_fixture_maps_to_its_class():
    assets = json.loads((PUBLIC / "cis-log-metric-alerts.json").read_text())
    got = sorted(c for a in assets if a["asset_type"] == "logging.googleapis.com/LogMetric"
                 for c in filter_events(a["resource"]["data"]["filter"]))
    assert got == sorted(CIS_FILTERS)
    assert filter_events('resource.type="gce_route" AND protoPayload.methodName:"compute.routes.delete"') == []


def test_alerts_central_sink_and_unread_security_command_center(tmp_path):
    found = scan(tmp_path, PUBLIC / "cis-log-metric-alerts.json")
    f = found[("monitoring.security_alerts", PROJECT)]
    assert f["status"] == "FAIL", f["message"]
    assert f["message"].startswith("1 of 8") and "db_config_change (cis-sql-config-changes: no alarm watches the metric)" in f["message"]
    # an organisation sink of audit logs with includeChildren collects every project's records
    assert found[("logging.central_audit_trail", PROJECT)]["status"] == "PASS"
    assert found[("logging.change_records", PROJECT)]["status"] == "PASS"  # exported beyond _Required
    # Security Command Center is not in Cloud Asset Inventory: unknown, never a silent FAIL
    scc = found[("monitoring.threat_detection", PROJECT)]
    assert scc["status"] == "ERROR" and "securitycenter" in scc["message"]


def test_an_alert_policy_without_channels_or_disabled_does_not_count(tmp_path):
    assets = json.loads((PUBLIC / "cis-log-metric-alerts.json").read_text())
    for a in assets:
        if a["asset_type"] == "monitoring.googleapis.com/AlertPolicy" and "owner" in a["resource"]["data"]["displayName"]:
            a["resource"]["data"]["notificationChannels"] = []
        if a["asset_type"] == "monitoring.googleapis.com/AlertPolicy" and "firewall" in a["resource"]["data"]["displayName"]:
            a["resource"]["data"]["enabled"] = False
        if a["asset_type"] == "logging.googleapis.com/LogSink":
            a["resource"]["data"]["includeChildren"] = False
    (tmp_path / "assets.json").write_text(json.dumps(assets))
    found = scan(tmp_path / "out", tmp_path / "assets.json")
    msg = found[("monitoring.security_alerts", PROJECT)]["message"]
    assert "owner_change (CIS: cis-owner-changes: notifies no one)" in msg
    assert "security_group_change (CIS: cis-firewall-changes: disabled)" in msg
    assert found[("logging.central_audit_trail", PROJECT)]["status"] == "FAIL"


def test_bucket_lock_and_disk_snapshot_schedule(tmp_path):
    buckets = json.loads((PUBLIC / "policy-library-storage-buckets.json").read_text())
    b = buckets[0]["resource"]["data"]
    b["labels"] = {"cloudgov-log-class": "audit"}
    b["retentionPolicy"] = {"retentionPeriod": "94608000", "effectiveTime": "2024-01-10T00:00:00Z", "isLocked": True}
    unlocked = json.loads(json.dumps(buckets[0]))
    unlocked["name"] = unlocked["name"] + "-unlocked"
    unlocked["resource"]["data"]["name"] += "-unlocked"
    unlocked["resource"]["data"]["retentionPolicy"]["isLocked"] = False
    disks = json.loads((PUBLIC / "policy-library-compute-disks.json").read_text())
    disks[0]["resource"]["data"]["resourcePolicies"] = [
        "https://www.googleapis.com/compute/v1/projects/my-project/regions/us-central1/resourcePolicies/daily-snapshots"]
    (tmp_path / "assets.json").write_text(json.dumps([buckets[0], unlocked, *disks]))
    found = scan(tmp_path / "out", tmp_path / "assets.json")
    by_name = {(p, rid.rsplit("/", 1)[-1]): f for (p, rid), f in found.items()}
    name = b["name"]
    assert by_name[("logging.audit_store_immutable", name)]["status"] == "PASS"
    assert by_name[("logging.audit_store_immutable", name + "-unlocked")]["status"] == "FAIL"
    disk = disks[0]["name"].rsplit("/", 1)[-1]
    assert by_name[("backup.data_store_backed_up", disk)]["status"] == "PASS"
    others = [f for (p, n), f in by_name.items() if p == "backup.data_store_backed_up" and n != disk]
    # no snapshot and no schedule: Backup and DR is not read, so unknown — never a FAIL
    assert others and {f["status"] for f in others} == {"ERROR"}
