"""``gcloud asset`` files through the offline registry that ``cloudgov scan snapshot`` uses."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from scanner.connectors.offline import detect, load_paths
from scanner.errors import InputError

DATA = Path(__file__).parents[2] / "data" / "gcp"


@pytest.mark.parametrize(
    "name", ["org-export.ndjson", "iam-export.ndjson", "asset-list.json", "search-all-resources.json",
             "search-all-iam-policies.json"]
)
def test_every_gcloud_shape_is_detected(name):
    fmt = detect(DATA / name)
    assert fmt is not None and fmt.name == "gcp-cloud-asset"


def test_export_plus_iam_export_are_normalized_together():
    inv = load_paths([DATA / "org-export.ndjson", DATA / "iam-export.ndjson"])
    key = inv.get("//cloudkms.googleapis.com/projects/trading-prod/locations/asia-northeast1/keyRings/tokyo/cryptoKeys/disks")
    assert key.properties["policy_public"] is True  # the policy came from the other file
    assert inv.get("user:chen.ops@example.com.tw").properties["roles"] == ["roles/owner"]
    (src,) = inv.sources
    assert src.connector == "gcp" and src.mode == "offline" and src.details["records"] > 30


def test_gzipped_export_in_a_directory(tmp_path):
    with gzip.open(tmp_path / "assets.json.gz", "wb") as fh:
        fh.write((DATA / "org-export.ndjson").read_bytes())
    (tmp_path / "notes.txt").write_text("not an export")
    skipped = []
    inv = load_paths([tmp_path], on_skip=skipped.append)
    assert inv.get("//storage.googleapis.com/trading-prod-reports-asia").region == "asia"
    assert [p.name for p in skipped] == ["notes.txt"]


def test_camel_case_asset_list_matches_the_export():
    listed = load_paths([DATA / "asset-list.json"])
    exported = load_paths([DATA / "org-export.ndjson"])
    for rid in ("//storage.googleapis.com/trading-prod-dr",
                "//compute.googleapis.com/projects/trading-prod/zones/asia-east1-a/disks/matching-engine-data"):
        assert listed.get(rid).properties == exported.get(rid).properties
        assert listed.get(rid).account == "trading-prod"


def test_search_results_are_shallow_but_honest():
    inv = load_paths([DATA / "search-all-resources.json", DATA / "search-all-iam-policies.json"])
    bucket = inv.get("//storage.googleapis.com/trading-prod-reports-asia")
    assert bucket.account == "trading-prod" and bucket.region == "asia"
    assert bucket.properties["geo_redundant"] is True  # the location says so
    assert "encryption.key_manager" not in bucket.properties  # a search result cannot say
    disk = inv.get("//compute.googleapis.com/projects/trading-prod/zones/asia-east1-a/disks/matching-engine-data")
    assert disk.properties["encryption.key_manager"] == "customer"  # kmsKeys is in search results
    log = inv.get("//logging.googleapis.com/projects/trading-prod/locations/global/buckets/_Default")
    assert log.properties["retention_days"] == 30  # from versionedResources
    assert inv.get("user:hsu.sec@example.com.tw").properties["roles"] == ["roles/iam.securityAdmin"]
    trail = inv.get("//cloudresourcemanager.googleapis.com/projects/trading-prod/auditConfigs")
    assert trail.account == "trading-prod" and trail.properties["enabled"] is True


def test_rest_response_page_is_read(tmp_path):
    items = [json.loads(line) for line in (DATA / "org-export.ndjson").read_text().splitlines()[:3]]
    (tmp_path / "page.json").write_text(json.dumps({"readTime": "2026-10-30T00:00:00Z", "assets": items}))
    inv = load_paths([tmp_path / "page.json"])
    assert inv.get("//cloudresourcemanager.googleapis.com/projects/200000000001") is not None


def test_malformed_line_is_one_clear_error(tmp_path):
    bad = tmp_path / "assets.ndjson"
    lines = (DATA / "org-export.ndjson").read_text().splitlines()
    bad.write_text(lines[0] + "\n" + lines[1][:40] + "\n")
    with pytest.raises(InputError, match=r"assets.ndjson: malformed JSON at line"):
        load_paths([bad])


def test_foreign_json_is_not_claimed(tmp_path):
    (tmp_path / "x.json").write_text(json.dumps([{"id": "/subscriptions/1", "type": "microsoft.storage/storageaccounts"}]))
    assert detect(tmp_path / "x.json") is None or detect(tmp_path / "x.json").name != "gcp-cloud-asset"
    shutil.copy(DATA / "org-export.ndjson", tmp_path / "y.ndjson")
    assert detect(tmp_path / "y.ndjson").name == "gcp-cloud-asset"
