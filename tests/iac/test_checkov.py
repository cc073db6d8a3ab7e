"""The checkov runner and mapping: recorded output parsed, verdicts folded in, and what
happens when checkov is missing or fails. No test imports checkov."""

from __future__ import annotations

import json
import stat
import sys

import pytest

from scanner.errors import InputError
from scanner.iac import checkov as ck
from scanner.iac.mapping import BUILTIN, SUPPRESSED_TAIWAN, apply_checkov, custom_checks, requested_checks
from scanner.iac.project import collect
from tests.conftest import run_cli
from tests.iac.conftest import DATA


def test_recorded_output_is_parsed():
    run = ck.parse_output((DATA / "checkov-output.json").read_text())
    assert run.version == "3.3.30"
    got = {(r.check_id, r.resource, r.result) for r in run.results}
    assert ("CKV_AWS_145", "module.m.aws_s3_bucket.inner", "FAILED") in got
    assert ("CKV_AWS_145", "aws_s3_bucket.logs", "PASSED") in got
    fail = next(r for r in run.results if r.resource == "module.m.aws_cloudwatch_log_group.lg")
    assert fail.file == "mod/main.tf" and (fail.start_line, fail.end_line) == (4, 7)


def test_empty_scan_summary_and_garbage():
    assert ck.parse_output('{"passed": 0, "failed": 0, "checkov_version": "3.3.30"}').results == []
    with pytest.raises(InputError, match="did not produce JSON"):
        ck.parse_output("Traceback (most recent call last):\n boom", returncode=2)
    with pytest.raises(InputError, match="checkov failed"):
        ck.parse_output("", returncode=2, stderr="something broke")


def test_taiwan_profile_never_requests_offshore_copy_checks():
    ids = requested_checks()
    assert not set(ids) & set(SUPPRESSED_TAIWAN)
    assert "CKV_AWS_144" in SUPPRESSED_TAIWAN and "CKV_AZURE_102" in SUPPRESSED_TAIWAN
    assert set(custom_checks()) <= set(ids) and "CKV_AWS_145" in ids


def test_every_mapped_check_names_a_real_policy():
    from policies.registry import load_policies

    known = {p.id for p in load_policies()}
    for check_id, m in BUILTIN.items():
        assert m.policy in known, check_id
    for check_id, spec in custom_checks().items():
        assert spec["policy"] in known, check_id


def _verdict(check_id, result, resource, lines, details=()):
    return {"check_id": check_id, "check_result": {"result": result}, "resource": resource,
            "file_path": "/main.tf", "file_line_range": list(lines), "details": list(details)}


def test_a_failed_verdict_fills_an_unknown_a_passed_one_never(tmp_path, monkeypatch):
    (tmp_path / "main.tf").write_text(
        'variable "k" {\n  type = string\n}\n'
        'resource "aws_ebs_volume" "v" {\n  availability_zone = "a"\n  size = 1\n  encrypted = true\n  kms_key_id = var.k\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        'resource "aws_cloudwatch_log_group" "g" {\n  name = "g"\n  kms_key_id = var.k\n}\n'
    )
    monkeypatch.chdir(tmp_path)
    inv = collect(tmp_path)
    assert inv.get("aws_ebs_volume.v").prop("encryption.key_manager") is None
    output = {"check_type": "terraform", "summary": {"checkov_version": "3.3.30"}, "results": {
        "passed_checks": [
            _verdict("CKV_AWS_189", "PASSED", "aws_ebs_volume.v", (4, 9)),  # claims a CMK: evidence only
            _verdict("CKV_AWS_145", "PASSED", "aws_s3_bucket.b", (10, 12)),
        ],
        "failed_checks": [
            _verdict("CKV_AWS_158", "FAILED", "aws_cloudwatch_log_group.g", (13, 16)),
            _verdict("CKV_AWS_144", "FAILED", "aws_s3_bucket.b", (10, 12)),
        ],
    }}
    stats = apply_checkov(inv, ck.parse_output(json.dumps(output)), tmp_path)
    vol = inv.get("aws_ebs_volume.v")
    assert vol.prop("encryption.key_manager") is None and "filled_by_checkov" not in vol.raw
    assert vol.raw["checkov"] == {"CKV_AWS_189": "PASSED"}
    group = inv.get("aws_cloudwatch_log_group.g")
    assert group.prop("encryption.key_manager") == "provider"
    assert group.raw["filled_by_checkov"] == {"encryption.key_manager": "CKV_AWS_158"}
    bucket = inv.get("aws_s3_bucket.b")
    assert bucket.prop("encryption.key_manager") == "provider"
    assert "CKV_AWS_144" not in bucket.raw.get("checkov", {})  # suppressed under the Taiwan profile
    assert stats["matched"] == 3


def test_custom_check_details_are_evidence_not_values(tmp_path, monkeypatch):
    (tmp_path / "main.tf").write_text(
        'variable "d" {\n  type = number\n}\n'
        'resource "aws_cloudwatch_log_group" "g" {\n  name = "g"\n  retention_in_days = var.d\n}\n'
    )
    monkeypatch.chdir(tmp_path)
    inv = collect(tmp_path)
    assert inv.get("aws_cloudwatch_log_group.g").prop("retention_days") is None
    output = {"results": {"passed_checks": [
        _verdict("CKV_CGOV_1", "PASSED", "aws_cloudwatch_log_group.g", (4, 7), ["retention_days=3653", "log_class=audit"])]}}
    apply_checkov(inv, ck.parse_output(json.dumps(output)), tmp_path)
    g = inv.get("aws_cloudwatch_log_group.g")
    assert g.prop("retention_days") is None
    assert g.raw["checkov_details"]["CKV_CGOV_1"]["retention_days"] == 3653


def _findings(path, inv):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate
    from scanner.iac import IacScan

    result = evaluate(inv, load_policies(), load_config(None), source="test")
    IacScan(inv).annotate(result)
    return {(f.policy, f.resource.id): f for f in result.findings}


@pytest.mark.parametrize("case", sorted(p.name for p in (DATA / "policies").iterdir() if (p / "main.tf").exists()))
def test_checkov_can_never_make_a_pass_of_ours(case, monkeypatch):
    """Every mapped check PASSED (custom ones with the best values) on every resource: not
    one finding of ours changes to PASS; where checkov disagrees, the evidence says so."""
    path = DATA / "policies" / case
    before = _findings(path, collect(path))
    inv = collect(path)
    good = ["retention_days=3653", "retention_unlimited=true", "encryption.key_id=arn:aws:kms:x", "log_class=audit"]
    passed = []
    for r in inv:
        loc = r.raw["location"]
        lines = (loc["start_line"], loc["end_line"])
        file = "/" + loc["file"].split(f"policies/{case}/", 1)[1]
        resource = r.raw["terraform"]["address"]
        for check_id in requested_checks():
            v = _verdict(check_id, "PASSED", resource, lines, good if check_id not in BUILTIN else ())
            passed.append({**v, "file_path": file})
    apply_checkov(inv, ck.parse_output(json.dumps({"results": {"passed_checks": passed}})), path)
    after = _findings(path, inv)
    assert after.keys() == before.keys()
    changed = {k: (before[k].status.value, after[k].status.value) for k in before if before[k].status != after[k].status}
    assert changed == {}
    not_pass = [f for f in after.values() if f.status.value in ("FAIL", "ERROR") and f.evidence.get("checkov")]
    assert all(f.evidence.get("checkov_disagrees") for f in not_pass)
    # cases no mapped checkov check speaks to: MFA; VM management (no checkov check reads patch
    # assessment or enable-osconfig); image repositories (checkov's ECR checks CKV_AWS_51 and
    # CKV_AWS_163 are not mapped onto compute.registry_* yet)
    assert not_pass or case in ("mfa", "compute", "images")


def _isolate_from_installed_checkov(monkeypatch, tmp_path):
    monkeypatch.delenv("CLOUDGOV_CHECKOV", raising=False)
    monkeypatch.setattr(ck, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(ck, "user_venv_dir", lambda: tmp_path / "nowhere")
    monkeypatch.setenv("PATH", str(tmp_path))


def test_missing_checkov_names_the_setup_command(monkeypatch, tmp_path):
    _isolate_from_installed_checkov(monkeypatch, tmp_path)
    with pytest.raises(InputError) as e:
        ck.find_checkov()
    assert "cloudgov iac setup" in str(e.value)


def test_lookup_order_env_repo_userdir_path(monkeypatch, tmp_path):
    _isolate_from_installed_checkov(monkeypatch, tmp_path)
    fake = tmp_path / "bin" / "checkov"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent))
    assert ck.find_checkov() == fake
    repo = tmp_path / ".venv-checkov" / "bin" / "checkov"
    repo.parent.mkdir(parents=True)
    repo.write_text("#!/bin/sh\n")
    repo.chmod(0o755)
    assert ck.find_checkov() == repo
    monkeypatch.setenv("CLOUDGOV_CHECKOV", str(fake))
    assert ck.find_checkov() == fake


def test_cli_without_checkov_exits_2_with_one_sentence():
    proc = run_cli("iac", "samples/terraform", "-q", env={"CLOUDGOV_CHECKOV": "/nonexistent/checkov"})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cloudgov iac setup" in lines[0] and "Traceback" not in proc.stderr


def test_checkov_crash_is_a_clear_error(tmp_path):
    fake = tmp_path / "checkov"
    fake.write_text(f"#!{sys.executable}\nimport sys\nprint('ImportError: broken install', file=sys.stderr)\nsys.exit(2)\n")
    fake.chmod(0o755)
    proc = run_cli("iac", "samples/terraform", "-q", env={"CLOUDGOV_CHECKOV": str(fake)})
    assert proc.returncode == 2
    assert "checkov failed (exit 2): ImportError: broken install" in proc.stderr
