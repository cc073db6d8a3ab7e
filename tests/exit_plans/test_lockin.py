"""Lock-in analysis on a small hand-built graph with a known answer, and the diagram."""

from __future__ import annotations

import pytest

from exit_plans.lockin import analyse, classify
from scanner.errors import InputError
from scanner.inventory import Inventory
from scanner.model import Resource

A = "222222222222"


def _r(kind, native, rid, account=A, region="ap-east-2", **props):
    return Resource("aws", account, region, kind, native, rid, name=rid.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
                    properties=props)


def small_estate() -> Inventory:
    """key ← {bucket, table, db}; bucket → replica (other account); snapshot → db; trail → log store."""
    inv = Inventory()
    inv.add_all([
        _r("kms.key", "AWS::KMS::Key", "arn:aws:kms:ap-east-2:222222222222:key/k1", key_manager="customer"),
        _r("storage.object", "AWS::S3::Bucket", "arn:aws:s3:::orders"),
        _r("storage.object", "AWS::S3::Bucket", "arn:aws:s3:::orders-replica", account="999900001111"),
        _r("database", "AWS::DynamoDB::Table", "arn:aws:dynamodb:ap-east-2:222222222222:table/sessions"),
        _r("database", "AWS::RDS::DBInstance", "arn:aws:rds:ap-east-2:222222222222:db:core", engine="postgres"),
        _r("backup", "AWS::RDS::DBSnapshot", "arn:aws:rds:ap-east-2:222222222222:snapshot:core-1"),
        _r("compute.function", "AWS::Lambda::Function", "arn:aws:lambda:ap-east-2:222222222222:function:f"),
        _r("log.trail", "AWS::CloudTrail::Trail", "arn:aws:cloudtrail:ap-east-2:222222222222:trail/t"),
        _r("log.store", "AWS::Logs::LogGroup", "arn:aws:logs:ap-east-2:222222222222:log-group:/audit"),
        _r("identity.user", "AWS::IAM::User", "arn:aws:iam::222222222222:user/alice"),
        # another account's table under a key it shares with us: not our component
        _r("database", "AWS::DynamoDB::Table", "arn:aws:dynamodb:ap-east-2:555500001111:table/theirs", account="555500001111"),
    ])
    k = "arn:aws:kms:ap-east-2:222222222222:key/k1"
    inv.relate("arn:aws:s3:::orders", "encrypted_by", k)
    inv.relate("arn:aws:dynamodb:ap-east-2:222222222222:table/sessions", "encrypted_by", k)
    inv.relate("arn:aws:rds:ap-east-2:222222222222:db:core", "encrypted_by", k)
    inv.relate("arn:aws:dynamodb:ap-east-2:555500001111:table/theirs", "encrypted_by", k)
    inv.relate("arn:aws:s3:::orders", "replicates_to", "arn:aws:s3:::orders-replica")
    inv.relate("arn:aws:rds:ap-east-2:222222222222:snapshot:core-1", "backup_of", "arn:aws:rds:ap-east-2:222222222222:db:core")
    inv.relate("arn:aws:cloudtrail:ap-east-2:222222222222:trail/t", "logs_to", "arn:aws:logs:ap-east-2:222222222222:log-group:/audit")
    inv.relate("arn:aws:iam::222222222222:user/alice", "member_of", "arn:aws:iam::222222222222:group/admins")
    # a key in an account we did not scan: visible as unknown, not dropped
    inv.relate("arn:aws:lambda:ap-east-2:222222222222:function:f", "encrypted_by", "arn:aws:kms:ap-east-2:777700001111:key/ext")
    return inv


def test_known_answer():
    rep = analyse(small_estate(), "aws-tw/core", [f"aws:{A}"])
    by_name = {c.name: c for c in rep.components}
    assert set(by_name) == {"k1", "orders", "orders-replica", "sessions", "core", "core-1", "f", "audit", "ext"}
    assert "theirs" not in by_name and "alice" not in by_name and "t" not in by_name
    cls = {n: c.portability for n, c in by_name.items()}
    assert cls == {
        "k1": "provider_specific", "orders": "portable", "orders-replica": "portable", "sessions": "provider_specific",
        "core": "portable", "core-1": "provider_specific", "f": "provider_specific", "audit": "provider_specific",
        "ext": "unknown",
    }
    assert rep.score == round(100 * 3 / 9) == 33
    # dependencies first: keys, then what they encrypt, then copies of it
    wave = {n: c.wave for n, c in by_name.items()}
    assert wave["k1"] == 1 and wave["ext"] == 1 and wave["audit"] == 1
    assert wave["orders"] == wave["sessions"] == wave["core"] == wave["f"] == 2
    assert wave["orders-replica"] == wave["core-1"] == 3
    order = [c.name for c in rep.components]
    assert order.index("k1") < order.index("core") < order.index("core-1")
    assert by_name["core-1"].depends_on == ("arn:aws:rds:ap-east-2:222222222222:db:core",)
    d = rep.to_dict()
    assert d["counts"] == {"portable": 3, "provider_specific": 5, "unknown": 1}


def test_engine_decides_database_portability():
    assert classify(_r("database", "AWS::RDS::DBInstance", "x", engine="aurora-postgresql"))[0] == "portable"
    assert classify(_r("database", "AWS::RDS::DBInstance", "x"))[0] == "unknown"  # engine not read
    assert classify(_r("database", "AWS::RDS::DBInstance", "x", engine="db2-se"))[0] == "provider_specific"
    assert classify(_r("database", "spanner.googleapis.com/Instance", "x"))[0] == "provider_specific"
    assert classify(_r("database", "Microsoft.DocumentDB/databaseAccounts", "x"))[0] == "provider_specific"
    assert classify(_r("storage.object", "Something::New", "x"))[0] == "unknown"


def test_mutual_replication_is_one_wave():
    inv = Inventory()
    inv.add_all([_r("storage.object", "AWS::S3::Bucket", "arn:aws:s3:::a"), _r("storage.object", "AWS::S3::Bucket", "arn:aws:s3:::b")])
    inv.relate("arn:aws:s3:::a", "replicates_to", "arn:aws:s3:::b")
    inv.relate("arn:aws:s3:::b", "replicates_to", "arn:aws:s3:::a")
    rep = analyse(inv, "x", [f"aws:{A}"])
    assert {c.wave for c in rep.components} == {1} and rep.score == 100


def test_scope_not_in_inventory_is_one_sentence():
    with pytest.raises(InputError, match="holds none of the service's scopes"):
        analyse(small_estate(), "nimbus-crm/crm", ["aws:000000000000"])


def test_diagram_svg_and_png(tmp_path):
    pytest.importorskip("matplotlib")
    from exit_plans.diagram import draw
    from scanner.errors import UsageError

    rep = analyse(small_estate(), "aws-tw/core", [f"aws:{A}"])
    svg = draw(rep, tmp_path / "lockin.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "portability 33%" in svg and "wave 3" in svg  # text kept as text in the SVG
    assert (tmp_path / "l.png").exists() is False
    assert draw(rep, tmp_path / "l.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(UsageError, match="must end in .svg or .png"):
        draw(rep, tmp_path / "l.pdf")


def test_lockin_cli_table_json_and_diagram(loaded, exit_cli, tmp_path):
    import json

    from scanner.inventory import save

    inv = small_estate()
    path = save(inv, tmp_path / "inv.json.gz")
    r = exit_cli("lockin", "--inventory", str(path), "--scope", f"aws:{A}", "--format", "json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["score"] == 33
    # by service: aws-tw/core-trading's scope is aws:222222222222
    svg = tmp_path / "core.svg"
    r = exit_cli("lockin", "--inventory", str(path), "--service", "aws-tw/core-trading", "--diagram", str(svg))
    assert r.exit_code == 0, r.output
    assert "Lock-in: aws-tw/core-trading" in r.stdout and "provider_specific" in r.stdout and svg.exists()
    r = exit_cli("lockin", "--inventory", str(path), "--service", "nimbus-crm/crm")
    assert r.exit_code == 2 and "no cloud scopes" in str(r.exception)
    r = exit_cli("lockin", "--inventory", str(path))
    assert r.exit_code == 2
