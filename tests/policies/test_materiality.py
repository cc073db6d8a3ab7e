"""Scope by materiality (重大性) from the register: `scan --register` gives each finding the
materiality of the service its account belongs to, so an article for material outsourcing
(ETG 8.7.3 CMK, 8.7.4, 8.6.3.3) applies only where it binds — and unknown stays unknown."""

from __future__ import annotations

import json


def _findings(cli, tmp_path, *extra):
    out = tmp_path / "out"
    r = cli("scan", "snapshot", "samples/estate/", "--format", "json", "--output-dir", str(out), "-q", *extra)
    assert r.returncode == 1, r.stderr  # the sample estate has high failures either way
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return {(f["policy"], f["resource"]["id"]): f for f in doc["findings"]}


def test_register_scopes_cmk_to_material_services(cli, tmp_path):
    without = _findings(cli, tmp_path / "a")
    with_register = _findings(cli, tmp_path / "b", "--register", "samples/vendors.yaml")

    # 333333333333 is the data lake, assessed not material: ETG 8.7.3 does not bind it
    key = ("encryption.object_storage_cmk", "arn:aws:s3:::fmsa-research-hk")
    assert without[key]["status"] != "NOT_APPLICABLE"
    assert "no vendor register was given" in without[key]["evidence"]["materiality"]["note"]
    f = with_register[key]
    assert f["status"] == "NOT_APPLICABLE"
    assert "aws-tw/data-lake is assessed not material" in f["message"]
    assert f["evidence"]["materiality"]["services"] == ["aws-tw/data-lake"]
    # ETG 8.1.1 (encrypted at all) binds every service: still judged there
    assert with_register[("encryption.object_storage_encrypted", "arn:aws:s3:::fmsa-research-hk")]["status"] == "PASS"
    # the coverage gap in the data lake no longer raises an ERROR for a CMK article that cannot bind
    gap = ("encryption.database_cmk", "gap:aws:333333333333:ap-northeast-1:dynamodb")
    assert without[gap]["status"] == "ERROR" and gap not in with_register
    assert with_register[("encryption.database_encrypted", gap[1])]["status"] == "ERROR"

    # 222222222222 is core trading, material with natural-person data: CMK judged, 8.6.3.3 cited
    def of(policy, service):
        return [f for (p, _), f in with_register.items()
                if p == policy and f["evidence"]["materiality"]["services"] == [service]]

    core = of("encryption.object_storage_cmk", "aws-tw/core-trading")
    assert core and all(f["status"] != "NOT_APPLICABLE" for f in core)
    assert all("ETG:8.6.3.3" in f["controls"] for f in of("residency.data_location", "aws-tw/core-trading"))
    lake = of("residency.data_location", "aws-tw/data-lake")
    assert lake and all("ETG:8.6.3.3" not in f["controls"] for f in lake)
    # an account no service claims: judged, and the finding says the materiality is unknown
    unclaimed = [f for (p, _), f in with_register.items() if p == "encryption.object_storage_cmk"
                 and not f["evidence"]["materiality"]["services"]]
    assert unclaimed and all("no service in the register claims" in f["evidence"]["materiality"]["note"]
                             and f["status"] != "NOT_APPLICABLE" for f in unclaimed)


def test_an_unreadable_register_is_one_sentence(cli, tmp_path):
    bad = tmp_path / "vendors.yaml"
    bad.write_text("format: cloudgov.vendors\nversion: 1\nproviders: 5\n", encoding="utf-8")
    r = cli("scan", "snapshot", "samples/estate/", "--register", str(bad), "-q")
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = cli("scan", "snapshot", "samples/estate/", "--register", str(tmp_path / "missing.yaml"), "-q")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_cmk_severity_follows_materiality(cli, tmp_path):
    """ETG 8.7.3 (宜評估, material outsourcing): a CMK finding is high on a material
    natural-person system, medium on other material services, and high where materiality is
    unknown (fail closed: a --fail-on high gate must not pass an unclaimed account)."""
    register = tmp_path / "vendors.yaml"
    text = open("samples/vendors.yaml", encoding="utf-8").read()
    register.write_text(text.replace("natural_person_data: true", "natural_person_data: false", 1), encoding="utf-8")
    np_register = _findings(cli, tmp_path / "a", "--register", "samples/vendors.yaml")
    plain = _findings(cli, tmp_path / "b", "--register", str(register))

    def severities(findings, service):
        return {f["severity"] for (p, _), f in findings.items() if p == "encryption.database_cmk"
                and f["status"] != "NOT_APPLICABLE" and f["evidence"]["materiality"]["services"] == service}

    assert severities(np_register, ["aws-tw/core-trading"]) == {"high"}
    assert severities(plain, ["aws-tw/core-trading"]) == {"medium"}
    assert severities(plain, []) == {"high"}  # unclaimed account: unknown materiality


def test_the_register_from_cloudgov_yaml(cli, tmp_path):
    """`register:` in cloudgov.yaml is --register by default (relative to the file); the
    command line overrides it; a bad value is one sentence and exit 2."""
    import shutil
    shutil.copy("samples/vendors.yaml", tmp_path / "vendors.yaml")
    config = tmp_path / "cloudgov.yaml"
    config.write_text("register: vendors.yaml\n", encoding="utf-8")
    key = ("encryption.object_storage_cmk", "arn:aws:s3:::fmsa-research-hk")
    assert _findings(cli, tmp_path / "a", "--config", str(config))[key]["status"] == "NOT_APPLICABLE"
    empty = tmp_path / "empty.yaml"
    empty.write_text("format: cloudgov.vendors\nversion: 1\nproviders: []\n", encoding="utf-8")
    overridden = _findings(cli, tmp_path / "b", "--config", str(config), "--register", str(empty))
    assert overridden[key]["status"] != "NOT_APPLICABLE"
    for bad in ("register: [a, b]\n", "register: ''\n", "register: missing.yaml\n"):
        config.write_text(bad, encoding="utf-8")
        r = cli("scan", "snapshot", "samples/estate/", "--config", str(config), "-q")
        assert r.returncode == 2, (bad, r.stderr)
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
