"""The command line as a user meets it: one clear line and exit 2 for bad input, never a traceback."""

from __future__ import annotations

import json

import pytest


def one_line_error(r) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_help_lists_commands(cli):
    r = cli("--help")
    assert r.returncode == 0
    for cmd in ("scan", "controls", "policies"):
        assert cmd in r.stdout


def test_missing_file(cli):
    line = one_line_error(cli("scan", "snapshot", "does/not/exist.json"))
    assert "no such file" in line


def test_malformed_json(cli, tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{"format": "cloudgov.inventory", "version": 1, "resources": [}', encoding="utf-8")
    assert "malformed JSON" in one_line_error(cli("scan", "snapshot", str(p)))


def test_wrong_snapshot_version(cli, tmp_path):
    p = tmp_path / "v2.json"
    p.write_text(json.dumps({"format": "cloudgov.inventory", "version": 2}), encoding="utf-8")
    assert "version 2 is not supported" in one_line_error(cli("scan", "snapshot", str(p)))


def test_unrecognised_file(cli, tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("hello", encoding="utf-8")
    assert "not a recognised input" in one_line_error(cli("scan", "snapshot", str(p)))


def test_unknown_policy_in_waiver(cli, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text(
        "waivers:\n  - {id: W1, policy: mfa.nonexistent, resources: [x], reason: r, compensating_control: c,"
        " owner: o, approver: a, expires: 2027-01-01}\n",
        encoding="utf-8",
    )
    line = one_line_error(cli("scan", "snapshot", "samples/estate/", "--waivers", str(w)))
    assert "unknown policy id 'mfa.nonexistent'" in line


def test_malformed_waiver_yaml(cli, tmp_path):
    w = tmp_path / "w.yaml"
    w.write_text("waivers: [\n", encoding="utf-8")
    assert "malformed YAML" in one_line_error(cli("scan", "snapshot", "samples/estate/", "--waivers", str(w)))


def test_unknown_format(cli):
    assert "unknown output format 'xml'" in one_line_error(cli("scan", "snapshot", "samples/estate/", "-f", "xml"))


def test_bad_fail_on(cli):
    assert "--fail-on" in one_line_error(cli("scan", "snapshot", "samples/estate/", "--fail-on", "urgent"))


def test_bad_config_key(cli, tmp_path):
    c = tmp_path / "cloudgov.yaml"
    c.write_text("jurisdiction:\n  allowed_contries: [TW]\n", encoding="utf-8")
    line = one_line_error(cli("scan", "snapshot", "samples/estate/", "--config", str(c)))
    assert "unknown configuration key 'jurisdiction.allowed_contries'" in line


def test_usage_error_from_the_parser_is_exit_2(cli):
    r = cli("scan", "snapshot", "--no-such-option")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_config_changes_thresholds(cli, tmp_path):
    """A firm that allows Japan as well sees the Tokyo findings pass."""
    c = tmp_path / "cloudgov.yaml"
    c.write_text("jurisdiction:\n  allowed_countries: [TW, JP]\nfail_on: critical\n", encoding="utf-8")
    r = cli("scan", "snapshot", "samples/estate/", "--config", str(c), "-f", "json", "-q")
    doc = json.loads(r.stdout)
    fx = [f for f in doc["findings"] if f["resource"]["id"] == "arn:aws:s3:::fmsa-fx-archive-tokyo"
          and f["policy"] == "residency.data_location"]
    assert fx[0]["status"] == "PASS"
    assert doc["config"]["fail_on"] == "critical"


def test_allowed_regions_flag(cli):
    r = cli("scan", "snapshot", "samples/estate/", "--allowed-regions", "ap-east-2,ap-northeast-1", "-f", "json", "-q")
    doc = json.loads(r.stdout)
    statuses = {(f["resource"]["id"], f["policy"]): f["status"] for f in doc["findings"]}
    assert statuses[("arn:aws:s3:::fmsa-fx-archive-tokyo", "residency.data_location")] == "PASS"
    # taiwannorth is not in this one-off list
    assert statuses[(
        "/subscriptions/aaaaaaaa-1111-4aaa-8aaa-000000000001/resourceGroups/rg-data/providers/"
        "Microsoft.Storage/storageAccounts/stfmsaprod", "residency.data_location")] == "FAIL"


def test_save_inventory_and_rescan(cli, tmp_path):
    inv = tmp_path / "inventory.json.gz"
    r = cli("scan", "snapshot", "samples/estate/", "--save-inventory", str(inv), "-f", "json", "-q")
    first = json.loads(r.stdout)
    r2 = cli("scan", "snapshot", str(inv), "-f", "json", "-q")
    second = json.loads(r2.stdout)
    key = lambda d: sorted((f["policy"], f["resource"]["id"], f["status"]) for f in d["findings"])  # noqa: E731
    assert key(first) == key(second)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_controls_listing(cli, fmt):
    r = cli("controls", "--coverage", "--regulation", "ETG", "--format", fmt)
    assert r.returncode == 0, r.stderr
    assert "ETG:8.2.3" in r.stdout


def test_controls_coverage_is_computed_from_policies(cli):
    r = cli("controls", "--coverage", "--format", "json")
    rows = {c["id"]: c for c in json.loads(r.stdout)["controls"]}
    assert "mfa.privileged_users" in rows["ETG:8.2.3"]["policies"]
    assert "logging.retention_minimum" in rows["CSM:CC-17010.b.c"]["policies"]


def test_unknown_regulation(cli):
    assert "unknown regulation" in one_line_error(cli("controls", "--regulation", "XYZ"))
