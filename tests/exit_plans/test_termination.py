"""Termination, certificate hashing and verification against a post-exit scan."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from exit_plans.verify import verify_exit
from scanner.inventory import Inventory
from scanner.model import CoverageGap, Resource

LAKE = "333333333333"


def _r(kind, native, rid, account=LAKE, region="ap-east-2", **props):
    return Resource("aws", account, region, kind, native, rid, name=rid.rsplit("/", 1)[-1].rsplit(":", 1)[-1],
                    properties=props)


def after_exit(*extra: Resource, rels=(), gaps=()) -> Inventory:
    inv = Inventory(collected_at="2026-11-15T03:00:00Z")
    inv.add(_r("account", "AWS::Organizations::Account", f"acct-{LAKE}", region="global"))
    inv.add(_r("identity.role", "AWS::IAM::Role", f"arn:aws:iam::{LAKE}:role/audit", region="global"))
    inv.add_all(extra)
    for rel in rels:
        inv.relate(*rel)
    for g in gaps:
        inv.gap(g)
    return inv


SNAP = _r("backup", "AWS::EC2::Snapshot", f"arn:aws:ec2:ap-northeast-1:{LAKE}:snapshot/snap-1", region="ap-northeast-1")
KEY_ON = _r("kms.key", "AWS::KMS::Key", f"arn:aws:kms:ap-east-2:{LAKE}:key/k-on", key_manager="customer", state="enabled")
KEY_OFF = _r("kms.key", "AWS::KMS::Key", f"arn:aws:kms:ap-east-2:{LAKE}:key/k-off", key_manager="customer", state="pending_deletion")
AWS_KEY = _r("kms.key", "AWS::KMS::Key", f"arn:aws:kms:ap-east-2:{LAKE}:key/aws-s3", key_manager="provider", state="enabled")
# the source bucket is gone; its replica lives in the DR account and still holds data
REPLICA = _r("storage.object", "AWS::S3::Bucket", "arn:aws:s3:::lake-replica", account="999900001111", region="ap-southeast-1")
SOURCE_GONE = "arn:aws:s3:::lake-raw"


def test_clean_exit_passes():
    out = verify_exit(after_exit(KEY_OFF, AWS_KEY), [f"aws:{LAKE}"])
    assert out.result == "pass" and out.failures == []
    assert [x.resource.id for x in out.leftovers] == [KEY_OFF.id]  # shredded: listed, not failed


def test_catches_snapshot_replica_and_enabled_key():
    # the replica is found through the replication edge from the in-scope source's id
    inv = after_exit(SNAP, KEY_ON, KEY_OFF, REPLICA, rels=[(f"arn:aws:s3:::{'lake-raw'}", "replicates_to", REPLICA.id)])
    out = verify_exit(inv, [f"aws:{LAKE}"])
    failed = {x.resource.id: x for x in out.failures}
    assert out.result == "fail"
    # S3 ARNs carry no account: the replica is reached only when its source was in the scan
    assert set(failed) == {SNAP.id, KEY_ON.id}
    inv.add(_r("storage.object", "AWS::S3::Bucket", SOURCE_GONE))  # emptied but not deleted
    out = verify_exit(inv, [f"aws:{LAKE}"])
    failed = {x.resource.id: x for x in out.failures}
    assert set(failed) == {SNAP.id, KEY_ON.id, REPLICA.id, SOURCE_GONE}
    assert failed[REPLICA.id].category == "replicas" and failed[REPLICA.id].found_by == f"replica of {SOURCE_GONE}"
    assert failed[SNAP.id].category == "backups" and failed[KEY_ON.id].category == "keys"


def test_backup_of_a_deleted_source_in_another_account_is_found():
    copy = _r("backup", "AWS::RDS::DBSnapshot", "arn:aws:rds:ap-southeast-1:999900001111:snapshot:lake-copy",
              account="999900001111", region="ap-southeast-1")
    inv = after_exit(copy, rels=[(copy.id, "backup_of", f"arn:aws:rds:ap-east-2:{LAKE}:db:lake")])
    out = verify_exit(inv, [f"aws:{LAKE}"])
    assert [x.resource.id for x in out.failures] == [copy.id]
    # another account's data under a key of ours is not our leftover (no sideways walk)
    theirs = _r("database", "AWS::DynamoDB::Table", "arn:aws:dynamodb:ap-east-2:555500001111:table/t", account="555500001111")
    inv = after_exit(KEY_OFF, theirs, rels=[(theirs.id, "encrypted_by", KEY_OFF.id)])
    assert verify_exit(inv, [f"aws:{LAKE}"]).result == "pass"


def test_unscanned_scope_gap_or_unknown_key_state_is_incomplete_not_pass():
    assert verify_exit(after_exit(), ["aws:000011112222", f"aws:{LAKE}"]).result == "incomplete"
    gap = CoverageGap("aws", LAKE, "ap-northeast-1", "ec2", ("storage.block", "backup"), "AccessDenied", "denied")
    out = verify_exit(after_exit(gaps=[gap]), [f"aws:{LAKE}"])
    assert out.result == "incomplete" and "AccessDenied" in out.gaps[0]
    key = _r("kms.key", "AWS::KMS::Key", f"arn:aws:kms:ap-east-2:{LAKE}:key/k?", key_manager="customer")
    assert verify_exit(after_exit(key), [f"aws:{LAKE}"]).result == "incomplete"


def _terminate(exit_cli, samples, *more):
    cert = samples / "after-exit" / "deletion-certificate-data-lake.pdf"
    return exit_cli("terminate", "aws-tw/data-lake", "--date", "2026-11-10", "--certificate", str(cert),
                    "--issued-by", "AWS Taiwan", "--issued-on", "2026-11-12", "--today", "2026-11-21", *more)


def test_terminate_hashes_and_stores_the_certificate(loaded, exit_cli, samples):
    from sqlalchemy import select

    from vendor_dd.models import Change, Evidence

    r = _terminate(exit_cli, samples)
    assert r.exit_code == 0, r.output
    cert = samples / "after-exit" / "deletion-certificate-data-lake.pdf"
    digest = hashlib.sha256(cert.read_bytes()).hexdigest()
    with loaded.session() as s:
        ev = s.scalars(select(Evidence).where(Evidence.kind == "deletion-certificate")).one()
        assert ev.sha256 == digest and ev.service.key == "aws-tw/data-lake"
        assert (loaded.evidence / ev.stored_path).read_bytes() == cert.read_bytes()
        last = s.scalars(select(Change).order_by(Change.id.desc())).first()
        assert (last.entity, last.key, last.details["sha256"]) == ("termination", "aws-tw/data-lake", digest)
    # the terminated service leaves the plan checks and gets the termination checks
    r = exit_cli("check", "--today", "2026-11-21", "-f", "json", "-o", str(samples / "o"), "-q")
    doc = json.loads((samples / "o" / "findings.json").read_text())
    mine = {f["policy"]: f for f in doc["findings"] if f["resource"]["id"] == "exit:aws-tw/data-lake"}
    assert set(mine) == {"exit.deletion_certificate", "exit.deletion_verified"}
    assert mine["exit.deletion_certificate"]["status"] == "PASS"
    assert mine["exit.deletion_verified"]["status"] == "FAIL"  # no scan has verified it yet


def test_certificate_missing_or_partial_scope_fails(loaded, exit_cli, samples):
    r = exit_cli("terminate", "aws-tw/data-lake", "--scope-covers", "primary_data", "--scope-covers", "backups",
                 "--today", "2026-11-21")
    assert r.exit_code == 0, r.output
    r = exit_cli("check", "--today", "2026-11-21", "-f", "json", "-o", str(samples / "o"), "-q")
    doc = json.loads((samples / "o" / "findings.json").read_text())
    f = next(f for f in doc["findings"] if f["policy"] == "exit.deletion_certificate")
    assert f["status"] == "FAIL" and "without a certificate" in f["message"]
    _terminate(exit_cli, samples, "--scope-covers", "primary_data", "--scope-covers", "backups")
    exit_cli("check", "--today", "2026-11-21", "-f", "json", "-o", str(samples / "o"), "-q")
    doc = json.loads((samples / "o" / "findings.json").read_text())
    f = next(f for f in doc["findings"] if f["policy"] == "exit.deletion_certificate")
    assert f["status"] == "FAIL" and "does not cover: replicas, logs, keys" in f["message"]


def test_verify_sample_after_exit_names_the_forgotten_snapshot(loaded, exit_cli, samples):
    _terminate(exit_cli, samples)
    out = samples / "v"
    r = exit_cli("verify", "aws-tw/data-lake", "--inventory", str(samples / "after-exit" / "data-lake-after-exit.json"),
                 "--today", "2026-11-21", "-f", "json", "-f", "sarif", "-o", str(out))
    assert r.exit_code == 1, r.output
    doc = json.loads((out / "findings.json").read_text())
    by = {(f["policy"], f["resource"]["id"]): f for f in doc["findings"]}
    snap = "arn:aws:ec2:ap-northeast-1:333333333333:snapshot/snap-0d1a7e5c0ffee0001"
    f = by[("exit.residual_data", snap)]
    assert f["status"] == "FAIL" and "datalake-migration-test-2025" in f["message"] and "ap-northeast-1" in f["message"]
    assert f["controls"] == ["ETG:9.6"]
    assert by[("exit.key_shredded", "arn:aws:kms:ap-east-2:333333333333:key/mrk-datalake")]["status"] == "PASS"
    assert by[("exit.deletion_verified", "exit:aws-tw/data-lake")]["status"] == "FAIL"
    assert snap in (out / "findings.sarif").read_text()
    # remembered: exit check now reports the failed verification
    r = exit_cli("check", "--today", "2026-11-21", "-f", "json", "-o", str(samples / "o"), "-q")
    doc = json.loads((samples / "o" / "findings.json").read_text())
    f = next(f for f in doc["findings"] if f["policy"] == "exit.deletion_verified")
    assert f["status"] == "FAIL" and snap in f["message"]


def test_verify_clean_scan_passes_and_is_remembered(loaded, exit_cli, samples, tmp_path):
    from scanner.inventory import save

    _terminate(exit_cli, samples)
    clean = save(after_exit(KEY_OFF), tmp_path / "clean.json.gz")
    r = exit_cli("verify", "aws-tw/data-lake", "--inventory", str(clean), "--today", "2026-11-21", "-q")
    assert r.exit_code == 0, r.output
    r = exit_cli("check", "--today", "2026-11-21", "-f", "json", "-o", str(samples / "o"), "-q")
    doc = json.loads((samples / "o" / "findings.json").read_text())
    f = next(f for f in doc["findings"] if f["policy"] == "exit.deletion_verified")
    assert f["status"] == "PASS"


def test_verify_scan_older_than_termination_does_not_count(loaded, exit_cli, samples, tmp_path):
    from scanner.inventory import save

    _terminate(exit_cli, samples)
    old = after_exit(KEY_OFF)
    old.collected_at = "2026-11-01T00:00:00Z"
    exit_cli("verify", "aws-tw/data-lake", "--inventory", str(save(old, tmp_path / "old.json")), "--today", "2026-11-21", "-q")
    exit_cli("check", "--today", "2026-11-21", "-f", "json", "-o", str(samples / "o"), "-q")
    doc = json.loads((samples / "o" / "findings.json").read_text())
    f = next(f for f in doc["findings"] if f["policy"] == "exit.deletion_verified")
    assert f["status"] == "FAIL" and "predates the termination" in f["message"]


def test_verify_without_termination_is_one_sentence(loaded, exit_cli, samples):
    r = exit_cli("verify", "aws-tw/core-trading", "--inventory",
                 str(samples / "after-exit" / "data-lake-after-exit.json"), "-q")
    assert r.exit_code == 2 and "no termination is recorded" in str(r.exception)
