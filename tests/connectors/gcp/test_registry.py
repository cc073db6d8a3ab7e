"""Artifact Registry repositories (ETG 8.4.1) through the handler: a whole Cloud Asset record
(``deep``) without ``dockerConfig`` has mutable tags (proto3 omits false); a partial one (a
search result) leaves them unknown, so the policy says ERROR, never FAIL or PASS."""

from __future__ import annotations

import pytest

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.context import Context, Coverage
from scanner.connectors.gcp.registries import REPOSITORY, repository, scanning_of
from scanner.inventory import Inventory

NAME = "//artifactregistry.googleapis.com/projects/sandbox2/locations/asia-east1/repositories/app"


def _one(data, deep):
    rec = AssetRecord(NAME, REPOSITORY, data, "asia-east1", ancestors=["projects/142577876613"], deep=deep)
    inv = Inventory()
    repository(inv, Context.build([rec], Coverage()), rec)
    return inv.of_kind("compute.registry")


@pytest.mark.parametrize("deep,immutable", [(True, False), (False, None)])
def test_absent_immutable_tags_is_false_only_in_a_whole_record(deep, immutable):
    (r,) = _one({"format": "DOCKER", "mode": "STANDARD_REPOSITORY"}, deep)
    assert r.prop("images.tags_immutable") is immutable
    assert r.region == "asia-east1"
    if immutable is None:
        assert "immutableTags is not in the record" in r.prop("images.unread")


def test_package_formats_are_not_image_registries():
    assert _one({"format": "NPM"}, True) == []
    assert _one({}, False) == []  # no format: nothing to judge it as


@pytest.mark.parametrize("config,scanned", [
    ({"enablementState": "SCANNING_ACTIVE", "enablementConfig": "INHERITED"}, True),
    ({"enablementState": "SCANNING_DISABLED", "enablementConfig": "DISABLED"}, False),
    ({"enablementState": "SCANNING_UNSUPPORTED"}, False),
    ({"enablementConfig": "INHERITED"}, None),
    (None, None),
])
def test_scanning_state(config, scanned):
    props = scanning_of(config)
    assert props.get("images.scan_on_push") is scanned
    if scanned is None:
        assert "enablementState" in props["images.unread"]
