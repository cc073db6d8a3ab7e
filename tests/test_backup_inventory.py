"""`cloudgov backups`: the backup inventory (備份清冊, ETG 9.3) of the sample estate."""

from __future__ import annotations

import csv
import io
import json


def test_json_lists_every_store_vault_and_backup(cli):
    r = cli("backups", "samples/estate/", "-f", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    stores = {row["id"]: row for row in doc["stores"]}
    crm = stores["arn:aws:rds:ap-east-2:222222222222:db:crm-legacy"]
    assert (crm["automated_backups"], crm["backups"], crm["latest_backup"]) == ("off", 0, None)
    core = stores["arn:aws:rds:ap-east-2:222222222222:db:trading-core"]
    assert core["automated_backups"] == "on" and core["retention_days"] == 35 and core["backups"] == 11
    vol = stores["arn:aws:ec2:ap-east-2:222222222222:volume/vol-0a0001"]
    assert vol["automated_backups"] == "n/a" and vol["latest_backup"] == "2026-10-31T18:00:00Z" and vol["vault_lock"] == "locked"
    assert stores["arn:aws:ec2:ap-east-2:222222222222:volume/vol-0a0040"]["backups"] == 0
    locks = {row["name"]: row["vault_lock"] for row in doc["vaults"]}
    assert locks == {"fmsa-trading-vault": "locked", "fmsa-data-vault": "none", "bv-fmsa-disks": "locked", "rsv-fmsa": "unlocked"}
    # every database and disk of the estate is listed, and every backup that is not a vault
    assert len(doc["stores"]) == 85
    assert all(row["record"] == "backup" for row in doc["backups"]) and len(doc["backups"]) > 60


def test_csv_has_one_header_and_a_record_column(cli, tmp_path):
    out = tmp_path / "backups.csv"
    r = cli("backups", "samples/estate/", "-f", "csv", "--output", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {row["record"] for row in rows} == {"store", "vault", "backup"}
    assert any(row["name"] == "crm-legacy" and row["automated_backups"] == "off" for row in rows)


def test_table_says_how_many_stores_have_no_backup(cli):
    r = cli("backups", "samples/estate/")
    assert r.returncode == 0, r.stderr
    assert "85 data stores, 2 with no backup found" in r.stdout


def test_bad_input_is_one_sentence(cli, tmp_path):
    r = cli("backups", "samples/estate/", "-f", "xml")
    assert r.returncode == 2 and "unknown format" in r.stderr and "Traceback" not in r.stderr
    r = cli("backups", str(tmp_path / "missing.json"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
