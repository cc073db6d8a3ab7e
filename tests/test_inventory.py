"""Snapshots: both encodings round-trip; merge; bad input is one clear InputError."""

from __future__ import annotations

import gzip
import json

import pytest

from scanner.errors import InputError
from scanner.inventory import Inventory, load, merge, save
from scanner.model import CoverageGap, Resource


def sample() -> Inventory:
    inv = Inventory(collected_at="2026-11-01T00:00:00Z", sources=[{"connector": "test"}])
    inv.add(Resource("aws", "1", "ap-east-2", "storage.object", "AWS::S3::Bucket", "arn:aws:s3:::b", "b",
                     {"env": "prod"}, {"encryption.key_manager": "customer", "replica_regions": []}, {"Name": "b"}))
    inv.add(Resource("aws", "1", "ap-east-2", "kms.key", "AWS::KMS::Key", "k", "k", properties={"key_manager": "customer"}))
    inv.relate("arn:aws:s3:::b", "encrypted_by", "k")
    inv.gap(CoverageGap("aws", "1", "ap-northeast-1", "rds", ("database",), "AccessDenied", "no"))
    return inv


@pytest.mark.parametrize("name", ["inv.json", "inv.jsonl", "inv.json.gz", "inv.jsonl.gz"])
def test_round_trip(tmp_path, name):
    inv = sample()
    path = save(inv, tmp_path / name)
    back = load(path)
    assert back.collected_at == inv.collected_at
    assert back.sources == inv.sources
    assert [r.to_dict() for r in back] == [r.to_dict() for r in inv]
    assert back.relationships == inv.relationships
    assert back.coverage_gaps == inv.coverage_gaps
    if name.endswith(".gz"):
        with gzip.open(path, "rt") as fh:
            assert json.loads(fh.readline())["encoding"] == "jsonl"


def test_merge_shards():
    a, b = sample(), Inventory(collected_at="2026-11-02T00:00:00Z")
    b.add(Resource("azure", "s", "taiwannorth", "database", "Microsoft.Sql/servers/databases", "/x", "x"))
    b.relate("arn:aws:s3:::b", "encrypted_by", "k")  # duplicate edge collapses
    m = merge([a, b])
    assert len(m) == 3
    assert len(m.relationships) == 1
    assert m.collected_at == "2026-11-02T00:00:00Z"
    assert len(m.coverage_gaps) == 1


def test_graph_view_follows_relationships():
    g = sample().graph()
    assert g.has_edge("arn:aws:s3:::b", "k")
    assert g.nodes["k"]["resource"].kind == "kms.key"


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "nope.json")


def test_malformed_json(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"format": "cloudgov.inventory", "version": 1, "resources": [', encoding="utf-8")
    with pytest.raises(InputError, match="malformed JSON"):
        load(p)


def test_wrong_version(tmp_path):
    p = tmp_path / "v9.json"
    p.write_text(json.dumps({"format": "cloudgov.inventory", "version": 9, "resources": []}), encoding="utf-8")
    with pytest.raises(InputError, match="version 9 is not supported"):
        load(p)


def test_not_a_snapshot(tmp_path):
    p = tmp_path / "other.json"
    p.write_text(json.dumps({"hello": 1}), encoding="utf-8")
    with pytest.raises(InputError, match="not a cloudgov inventory"):
        load(p)


def test_entry_missing_a_field(tmp_path):
    p = tmp_path / "x.json"
    p.write_text(json.dumps({"format": "cloudgov.inventory", "version": 1, "resources": [{"id": "a"}]}), encoding="utf-8")
    with pytest.raises(InputError, match="malformed snapshot entry"):
        load(p)
