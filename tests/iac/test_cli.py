"""`cloudgov iac` end to end, in a subprocess: the commands examples/ and the pre-commit hook run."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from scanner.iac.checkov import find_checkov
from tests.conftest import DATA as TEST_DATA
from tests.conftest import run_cli

try:
    find_checkov()
    HAVE_CHECKOV = True
except Exception:
    HAVE_CHECKOV = False

needs_checkov = pytest.mark.skipif(not HAVE_CHECKOV, reason="checkov not set up (cloudgov iac setup)")


def _findings(path):
    return json.loads((path / "findings.json").read_text())


def test_sarif_points_at_file_and_line_and_is_valid(tmp_path):
    # the GitHub Actions example's command (without checkov, to stay fast)
    proc = run_cli("iac", "samples/terraform", "--no-checkov", "--format", "sarif", "--format", "junit",
                   "--output-dir", str(tmp_path), "--fail-on", "high", "-q")
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((tmp_path / "findings.sarif").read_text())
    schema = json.loads((TEST_DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(doc)
    results = doc["runs"][0]["results"]
    tokyo = [r for r in results if r["ruleId"] == "residency.data_location"
             and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "aws/aws_s3_bucket.reports_tokyo"]
    assert len(tokyo) == 1
    phys = tokyo[0]["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "samples/terraform/aws/main.tf"
    assert phys["region"] == {"startLine": 50, "endLine": 53}
    ET.parse(tmp_path / "findings.junit.xml")  # GitLab's JUnit report parses


def test_baseline_counts_only_new_failures(tmp_path):
    first = run_cli("iac", "samples/terraform", "--no-checkov", "-f", "json", "-o", str(tmp_path / "a"), "-q")
    assert first.returncode == 1
    baseline = tmp_path / "a" / "findings.json"
    again = run_cli("iac", "samples/terraform", "--no-checkov", "-f", "json", "-o", str(tmp_path / "b"),
                    "--baseline", str(baseline))
    assert again.returncode == 0, again.stderr
    doc = _findings(tmp_path / "b")
    failing = sum(1 for f in doc["findings"] if f["status"] in ("FAIL", "ERROR"))
    assert doc["extra"]["baseline"] == {"file": str(baseline), "suppressed": failing, "new": 0}
    assert f"{failing} known failure(s) suppressed, 0 new" in again.stderr


def test_baseline_new_failure_still_fails(tmp_path):
    (tmp_path / "infra").mkdir()
    tf = tmp_path / "infra" / "main.tf"
    tf.write_text('provider "aws" {\n  region = "ap-east-2"\n}\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    out = tmp_path / "out"
    run_cli("iac", str(tmp_path / "infra"), "--no-checkov", "-f", "json", "-o", str(out), "-q")
    tf.write_text(tf.read_text() + 'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n')
    proc = run_cli("iac", str(tmp_path / "infra"), "--no-checkov", "-f", "json", "-o", str(tmp_path / "o2"),
                   "--baseline", str(out / "findings.json"), "--fail-on", "low")
    assert proc.returncode == 1
    assert _findings(tmp_path / "o2")["extra"]["baseline"]["new"] >= 1


def test_bad_baseline_is_one_sentence(tmp_path):
    bad = tmp_path / "b.json"
    bad.write_text("{}")
    proc = run_cli("iac", "samples/terraform", "--no-checkov", "--baseline", str(bad), "-q")
    assert proc.returncode == 2 and "not a cloudgov findings JSON" in proc.stderr


def test_no_terraform_is_a_usage_error(tmp_path):
    proc = run_cli("iac", str(tmp_path), "--no-checkov", "-q")
    assert proc.returncode == 2 and "no Terraform files" in proc.stderr


@needs_checkov
@pytest.mark.slow
def test_with_checkov_once_and_same_findings(tmp_path):
    proc = run_cli("iac", "samples/terraform", "-f", "json", "-o", str(tmp_path), "--fail-on", "high")
    assert proc.returncode == 1, proc.stderr
    doc = _findings(tmp_path)
    meta = doc["extra"]["checkov"]
    assert meta["version"] and meta["matched"] > 0 and meta["unmatched"] == 0
    keys = [(f["policy"], f["resource"]["id"]) for f in doc["findings"]]
    assert len(keys) == len(set(keys))  # each finding once, under our policy ids
    assert not any(f["policy"].startswith("CKV") for f in doc["findings"])
    expected = {
        ("encryption.object_storage_cmk", "aws/aws_s3_bucket.reports_tokyo"),
        ("residency.data_location", "aws/aws_s3_bucket.reports_tokyo"),
        ("logging.retention_minimum", "aws/module.logs.aws_cloudwatch_log_group.audit"),
        ("mfa.privileged_users", "aws/aws_iam_user.ops_admin"),
        ("residency.data_location", "azure/azurerm_managed_disk.hk"),
        ("logging.retention_minimum", "gcp/google_logging_project_bucket_config.pii_access"),
        ("encryption.object_storage_cmk", "gcp/google_storage_bucket.archive"),
    }
    failed = {(f["policy"], f["resource"]["id"]) for f in doc["findings"] if f["status"] == "FAIL"}
    assert expected <= failed
