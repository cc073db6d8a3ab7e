"""Cloud Asset Inventory shapes from public material (tests/data/gcp/public/, sources in its
README) scanned with `cloudgov scan snapshot`: issue 12 items 7-10, asserting the finding's
status and its reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner.cli import app
from tests.connectors.conftest import scan_snapshot

PUBLIC = Path(__file__).resolve().parents[2] / "data" / "gcp" / "public"
DISKS = "policy-library-compute-disks.json"
SPANNER = "//spanner.googleapis.com/projects/sandbox2/instances"


def scan(tmp_path: Path, *files: str, extra: tuple[str, ...] = ()) -> dict[tuple[str, str], dict[str, Any]]:
    return scan_snapshot([PUBLIC / f for f in files], tmp_path / "out", extra, key="id")


def disk(zone: str, name: str) -> str:
    return f"//compute.googleapis.com/projects/sandbox2/zones/{zone}/disks/{name}"


def test_zone_belongs_to_its_allowed_region(tmp_path):
    """Item 7: a zonal disk in us-central1-f is in the allowed region us-central1 (string
    comparison failed it); a zone entry allows that zone only."""
    got = scan(tmp_path, DISKS, extra=("--allowed-regions", "us-central1,us-east1-b"))
    central = got[("residency.data_location", disk("us-central1-f", "disk-central1-f"))]
    assert central["status"] == "PASS" and "a zone of us-central1, an allowed region" in central["message"]
    assert got[("residency.data_location", disk("us-east1-b", "disk-east1-b"))]["status"] == "PASS"
    west = got[("residency.data_location", disk("us-west1-b", "disk-asia-west1-b"))]
    assert west["status"] == "FAIL" and "us-west1-b is not in the allowed regions" in west["message"]


def test_country_entry_allows_every_location_in_it(tmp_path):
    """Item 7: a country entry (US) allows regions, zones and the US multi-region."""
    got = scan(tmp_path, DISKS, "policy-library-storage-buckets.json", extra=("--allowed-regions", "US"))
    zonal = got[("residency.data_location", disk("us-west1-b", "disk-asia-west1-b"))]
    assert zonal["status"] == "PASS" and "an allowed country" in zonal["message"]
    multi = got[("residency.data_location", "//storage.googleapis.com/my-us-bucket")]
    assert multi["status"] == "PASS" and "us is in US, an allowed country" in multi["message"]


def test_allow_list_entry_that_is_no_location_is_a_usage_error(cli):
    result = cli("scan", "snapshot", str(PUBLIC / DISKS), "--allowed-regions", "us-centrall")
    assert result.returncode == 2
    assert "us-centrall is not a region, zone, multi-region or country" in result.stderr
    assert "Traceback" not in result.stderr


def test_single_country_multi_region_is_judged_by_its_countries(tmp_path):
    """Item 8: a bucket in the US multi-region is no ERROR: its geo copies stay in the US, so
    allowed US → PASS, and under Taiwan the one FAIL is data_location's."""
    bucket = "//storage.googleapis.com/my-us-bucket"
    allowed = scan(tmp_path / "us", "policy-library-storage-buckets.json", extra=("--allowed-regions", "US"))
    geo = allowed[("residency.geo_redundant_storage", bucket)]
    assert geo["status"] == "PASS" and "within the location's own countries" in geo["message"]
    tw = scan(tmp_path / "tw", "policy-library-storage-buckets.json")
    assert tw[("residency.data_location", bucket)]["status"] == "FAIL"
    geo_tw = tw[("residency.geo_redundant_storage", bucket)]
    assert geo_tw["status"] == "NOT_APPLICABLE" and "residency.data_location judges" in geo_tw["message"]


@pytest.mark.parametrize("instance, database, regions", [
    ("ledger-nam3", "ledger", ["us-east4", "us-east1", "us-central1"]),
    ("global-orders", "orders", ["us-central1", "us-central2", "europe-west1", "asia-east1", "us-east1"]),
    ("jp-quotes", "quotes", ["asia-northeast1", "asia-northeast2", "asia-northeast3"]),
    ("custom-ro", "ro", ["asia-east1", "asia-northeast1"]),
])
def test_spanner_database_is_placed_by_its_instance_config(tmp_path, instance, database, regions):
    """Item 9: multi-region configurations (nam3, nam-eur-asia1, asia1, and a custom config
    read from its InstanceConfig) place the data in every replica region, witness included."""
    got = scan(tmp_path, "spanner-assets.json")
    loc = got[("residency.data_location", f"{SPANNER}/{instance}/databases/{database}")]
    assert loc["status"] == "FAIL" and loc["evidence"]["locations"] == regions
    assert "outside TW" in loc["message"]


def test_spanner_regional_config_and_cmk_per_database(tmp_path):
    """Item 9: regional-asia-east1 is Taiwan; CMK is judged per database (nam3's ledger has a
    key per region, orders has none)."""
    got = scan(tmp_path, "spanner-assets.json")
    core = f"{SPANNER}/tw-core/databases/core"
    assert got[("residency.data_location", core)]["status"] == "PASS"
    assert got[("encryption.database_cmk", core)]["status"] == "PASS"
    assert got[("encryption.database_cmk", f"{SPANNER}/ledger-nam3/databases/ledger")]["status"] == "PASS"
    orders = got[("encryption.database_cmk", f"{SPANNER}/global-orders/databases/orders")]
    assert orders["status"] == "FAIL" and "provider-managed" in orders["message"]


def test_spanner_ledger_keys_are_related_per_region():
    from scanner.connectors.gcp.normalize import normalize_dicts

    inv = normalize_dicts(json.loads((PUBLIC / "spanner-assets.json").read_text()))
    edges = [r.target for r in inv.outgoing(f"{SPANNER}/ledger-nam3/databases/ledger", "encrypted_by")]
    assert [e.split("/locations/")[1].split("/")[0] for e in edges] == ["us-east4", "us-east1", "us-central1"]


def test_bigquery_table_inherits_its_dataset_location(tmp_path):
    """Item 10: a table without a location is where its dataset is; a dataset without a
    location is in the US multi-region."""
    got = scan(tmp_path, "policy-library-bigquery.json")
    base = "//bigquery.googleapis.com/projects/remund-sandbox2/datasets"
    table = got[("residency.data_location", f"{base}/us_west2_test_dataset/tables/my_bq_table")]
    assert table["status"] == "FAIL" and "us-west2 is in US" in table["message"]
    for rid in (f"{base}/no_location_dataset", f"{base}/no_location_dataset/tables/sample_data"):
        found = got[("residency.data_location", rid)]
        assert found["status"] == "FAIL" and "us is in US" in found["message"]


def test_bucket_receiving_audit_logs_is_judged_by_its_lifecycle(tmp_path):
    """Beyond the list: a log sink ("disabled": "false", a string) writes audit logs to the
    policy-library bucket; its retention comes from lifecycle Delete rules (none: kept until
    removed by hand), not left unknown; a 30-day Delete rule fails the 3-year minimum."""
    bucket = "//storage.googleapis.com/my-storage-bucket"
    got = scan(tmp_path / "a", "logsink-to-bucket.json", "policy-library-storage-buckets.json")
    kept = got[("logging.retention_minimum", bucket)]
    assert kept["status"] == "PASS" and "records never expire" in kept["message"]
    assets = json.loads((PUBLIC / "policy-library-storage-buckets.json").read_text())
    assets[0]["resource"]["data"]["lifecycle"] = {"rule": [
        {"action": {"type": "Delete"}, "condition": {"age": 30}},
        {"action": {"type": "Delete"}, "condition": {"numNewerVersions": 1}},  # noncurrent versions only
    ]}
    (tmp_path / "buckets.json").write_text(json.dumps(assets))
    out = tmp_path / "b"
    CliRunner().invoke(app, ["scan", "snapshot", str(PUBLIC / "logsink-to-bucket.json"), str(tmp_path / "buckets.json"),
                             "-f", "json", "-o", str(out), "-q"])
    found = {(f["policy"], f["resource"]["id"]): f for f in json.loads((out / "findings.json").read_text())["findings"]}
    short = found[("logging.retention_minimum", bucket)]
    assert short["status"] == "FAIL" and "kept 30 days" in short["message"]


def test_spanner_from_search_results_is_placed_by_the_location_given():
    """A search-all-resources result has no instance data: the location it names is used, a
    region as a region and a multi-region configuration by its replicas."""
    from scanner.connectors.gcp.normalize import normalize_dicts

    rows = [{"name": f"{SPANNER}/a/databases/d1", "assetType": "spanner.googleapis.com/Database", "location": "us-central1",
             "project": "projects/142577876613"},
            {"name": f"{SPANNER}/b/databases/d2", "assetType": "spanner.googleapis.com/Database", "location": "nam3",
             "project": "projects/142577876613"}]
    inv = normalize_dicts(rows)
    regional = inv.get(f"{SPANNER}/a/databases/d1")
    assert regional.region == "us-central1" and regional.prop("geo_redundant") is False
    assert inv.get(f"{SPANNER}/b/databases/d2").prop("data_locations") == ["us-east4", "us-east1", "us-central1"]


def test_pubsub_topics_are_judged(tmp_path):
    """Beyond the list: Pub/Sub topics hold messages and were not normalized at all. A topic
    whose storage policy allows only asia-east1 is in Taiwan; one without a policy is placed
    nowhere ("global"): ERROR with that reason, never a pass."""
    got = scan(tmp_path, "pubsub-topics.json")
    base = "//pubsub.googleapis.com/projects/sandbox2/topics"
    assert got[("residency.data_location", f"{base}/orders-tw")]["status"] == "PASS"
    assert got[("encryption.messaging_cmk", f"{base}/orders-tw")]["status"] == "PASS"
    anywhere = got[("residency.data_location", f"{base}/events-anywhere")]
    assert anywhere["status"] == "ERROR" and "global" in anywhere["message"]
    assert got[("encryption.messaging_cmk", f"{base}/events-anywhere")]["status"] == "FAIL"


def test_default_network_firewall_rules(tmp_path):
    """ETG 8: the default network's default-allow-ssh is open to the internet; its
    default-allow-rdp is closed by a deny of the same network at a better priority; the
    internal and ICMP rules and a rule from Google's front ends open no listed port."""
    got = scan(tmp_path, "firewall-default-network.json")
    rid = "//compute.googleapis.com/projects/fmsa-sandbox/global/firewalls/"
    assert got[("network.admin_ports_open", rid + "default-allow-ssh")]["status"] == "FAIL"
    assert "22 (SSH)" in got[("network.admin_ports_open", rid + "default-allow-ssh")]["message"]
    for name in ("default-allow-rdp", "default-allow-internal", "default-allow-icmp", "allow-https-lb", "deny-rdp-internet"):
        assert got[("network.admin_ports_open", rid + name)]["status"] == "PASS", name


def test_artifact_registry_docker_repositories(tmp_path):
    """ETG 8.4.1: Docker repositories only (a Maven repository holds no images); immutable tags
    and Artifact Analysis read from the record; a whole record without ``dockerConfig`` has
    mutable tags (proto3 omits false); a remote repository's tags are the upstream's."""
    got = scan(tmp_path, "artifact-registry-repositories.json")
    base = "//artifactregistry.googleapis.com/projects/sandbox2/locations/asia-east1/repositories"
    assert got[("compute.registry_tags_immutable", f"{base}/app-images")]["status"] == "PASS"
    assert got[("compute.registry_images_scanned", f"{base}/app-images")]["status"] == "PASS"
    assert got[("compute.registry_tags_immutable", f"{base}/scratch-images")]["status"] == "FAIL"
    scan_off = got[("compute.registry_images_scanned", f"{base}/scratch-images")]
    assert scan_off["status"] == "FAIL" and "SCANNING_DISABLED" in scan_off["message"]
    assert got[("compute.registry_tags_immutable", f"{base}/dockerhub-remote")]["status"] == "NOT_APPLICABLE"
    assert not any(rid == f"{base}/java-libs" for _, rid in got)
def _vm(name: str, project: str = "test-project", zone: str = "us-east1-b") -> str:
    return f"//compute.googleapis.com/projects/{project}/zones/{zone}/instances/{name}"


def test_vm_manager_enabled_on_the_instance_or_the_project(tmp_path):
    """ETG 8.4.2: enable-osconfig TRUE on the instance, or inherited from the project's
    commonInstanceMetadata; FALSE on the instance wins over the project; TERMINATED is a
    stopped VM; without the project's metadata an instance with no setting is unknown."""
    got = scan(tmp_path, "compute-instances-osconfig.json")
    policy = "compute.instances_managed"
    own = got[(policy, _vm("vm-no-ip", zone="us-east1-c"))]
    assert own["status"] == "PASS" and "instance's metadata" in own["message"]
    inherited = got[(policy, _vm("vm-inherits"))]
    assert inherited["status"] == "PASS" and "project's metadata" in inherited["message"]
    off = got[(policy, _vm("vm-osconfig-off"))]
    assert off["status"] == "FAIL" and "enable-osconfig FALSE" in off["message"]
    assert got[(policy, _vm("vm-external-ip"))]["status"] == "NOT_APPLICABLE"
    unknown = got[(policy, _vm("vm-unknown", "other-project", "asia-east1-b"))]
    assert unknown["status"] == "ERROR" and "commonInstanceMetadata) was not read" in unknown["message"]


def test_a_project_without_the_setting_leaves_its_vms_unmanaged(tmp_path):
    assets = json.loads((PUBLIC / "compute-instances-osconfig.json").read_text())
    project = assets[-1]["resource"]["data"]["commonInstanceMetadata"]
    project["items"] = [i for i in project["items"] if i["key"] != "enable-osconfig"]
    (tmp_path / "assets.json").write_text(json.dumps(assets))
    got = scan_snapshot([tmp_path / "assets.json"], tmp_path / "out", (), key="id")
    f = got[("compute.instances_managed", _vm("vm-inherits"))]
    assert f["status"] == "FAIL" and "set neither on the instance nor the project" in f["message"]
