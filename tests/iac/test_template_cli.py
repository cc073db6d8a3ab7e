"""`cloudgov iac` on CloudFormation and ARM, end to end in a subprocess: the samples' known
violations, SARIF with file and line, auto-detection of every format in one run, Bicep."""

from __future__ import annotations

import json
import shutil

import jsonschema

from tests.conftest import DATA as TEST_DATA
from tests.conftest import ROOT, run_cli

BAD = ("FAIL", "ERROR")

CFN_EXPECTED = {
    ("records.yaml#ReportsKey", "encryption.key_rotation", "FAIL"),
    ("records.yaml#ReportsKey", "encryption.key_policy_public", "FAIL"),
    ("records.yaml#MonthlyReports", "encryption.object_storage_cmk", "FAIL"),
    ("records.yaml#MonthlyReports", "residency.replica_location", "ERROR"),
    ("records.yaml#AuditLogs", "logging.retention_minimum", "FAIL"),
    ("records.yaml#AuditLogs", "encryption.log_store_cmk", "FAIL"),
    ("records.yaml#OrdersDb", "encryption.database_cmk", "FAIL"),
    ("records.yaml#OrdersDb", "encryption.database_encrypted", "FAIL"),
    ("records.yaml#OpsAdmin", "mfa.privileged_users", "FAIL"),
    # no AWS::S3::BucketPolicy denies aws:SecureTransport false; the DB's default parameter group is not in the template
    ("records.yaml#CustomerRecords", "encryption.storage_tls_only", "FAIL"),
    ("records.yaml#MonthlyReports", "encryption.storage_tls_only", "FAIL"),
    ("records.yaml#OrdersDb", "encryption.database_tls_only", "ERROR"),
    ("records.yaml#OrdersDb", "encryption.tls_minimum_version", "ERROR"),
    ("audit-trail.json#TrailBucket", "logging.retention_minimum", "FAIL"),
    ("audit-trail.json#TrailBucket", "encryption.log_store_cmk", "FAIL"),
    ("audit-trail.json#TrailBucket", "logging.audit_store_immutable", "FAIL"),  # no Object Lock declared
}
_SA, _KV, _LAW = ("azuredeploy.json#Microsoft.Storage/storageAccounts/", "azuredeploy.json#Microsoft.KeyVault/vaults/",
                  "azuredeploy.json#Microsoft.OperationalInsights/workspaces/")
ARM_EXPECTED = {
    (_KV + "kv-brokerage-tw/keys/legacy", "encryption.key_rotation", "FAIL"),
    (_SA + "tradearchive", "encryption.object_storage_cmk", "FAIL"),
    (_SA + "tradearchive", "residency.data_location", "ERROR"),
    (_SA + "tradearchive", "residency.geo_redundant_storage", "ERROR"),
    (_SA + "tradearchive", "residency.replica_location", "ERROR"),
    (_SA + "tradearchive", "residency.offshore_transfer_encrypted", "ERROR"),  # offshore or not: decided at deployment
    ("azuredeploy.json#Microsoft.Compute/disks/hk-app-data", "residency.data_location", "FAIL"),
    ("azuredeploy.json#Microsoft.Compute/disks/hk-app-data", "encryption.block_storage_cmk", "FAIL"),
    # offshore, and the template does not say whether it is a material natural-person system (ETG 8.6.3.3)
    ("azuredeploy.json#Microsoft.Compute/disks/hk-app-data", "residency.offshore_without_local_backup", "ERROR"),
    ("azuredeploy.json#Microsoft.Sql/servers/sql-orders-tw", "encryption.database_cmk", "FAIL"),
    ("azuredeploy.json#Microsoft.Sql/servers/sql-orders-tw", "residency.geo_redundant_storage", "ERROR"),
    ("azuredeploy.json#Microsoft.Sql/servers/sql-orders-tw", "residency.replica_location", "ERROR"),
    (_LAW + "law-firewall-tw", "logging.retention_minimum", "FAIL"),
    (_LAW + "law-firewall-tw", "encryption.log_store_cmk", "FAIL"),
    (_LAW + "law-audit-tw", "encryption.log_store_cmk", "FAIL"),
    ("logs.json#Microsoft.OperationalInsights/workspaces/law-pii-access", "logging.retention_minimum", "FAIL"),
    ("logs.json#Microsoft.OperationalInsights/workspaces/law-pii-access", "encryption.log_store_cmk", "FAIL"),
    # kty RSA: a software-protected key (ETG 8.7.4; materiality unknown without a register, so judged)
    (_KV + "kv-brokerage-tw/keys/legacy", "encryption.key_in_hsm", "FAIL"),
}


def _bad(out):
    doc = json.loads((out / "findings.json").read_text())
    return {(f["resource"]["id"], f["policy"], f["status"]) for f in doc["findings"] if f["status"] in BAD}


def _sarif(out):
    doc = json.loads((out / "findings.sarif").read_text())
    jsonschema.Draft4Validator(json.loads((TEST_DATA / "sarif-schema-2.1.0.json").read_text())).validate(doc)
    return doc["runs"][0]["results"]


def _result(results, rule, fqn):
    hits = [r for r in results if r["ruleId"] == rule
            and r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == fqn]
    assert len(hits) == 1
    return hits[0]["locations"][0]["physicalLocation"]


def test_cloudformation_sample_known_violations_and_sarif(tmp_path):
    proc = run_cli("iac", "samples/cloudformation", "--no-checkov", "--region", "ap-east-2",
                   "-f", "sarif", "-f", "json", "-o", str(tmp_path), "--fail-on", "high")
    assert proc.returncode == 1, proc.stderr
    assert _bad(tmp_path) == CFN_EXPECTED
    phys = _result(_sarif(tmp_path), "encryption.object_storage_cmk", "records.yaml#MonthlyReports")
    assert phys["artifactLocation"]["uri"] == "samples/cloudformation/records.yaml"
    assert phys["region"] == {"startLine": 52, "endLine": 67}
    phys = _result(_sarif(tmp_path), "logging.retention_minimum", "audit-trail.json#TrailBucket")
    assert phys["artifactLocation"]["uri"] == "samples/cloudformation/audit-trail.json"
    assert phys["region"]["startLine"] == 5


def test_cloudformation_without_region_residency_is_error(tmp_path):
    proc = run_cli("iac", "samples/cloudformation", "--no-checkov", "-f", "json", "-o", str(tmp_path), "-q")
    assert proc.returncode == 1
    doc = json.loads((tmp_path / "findings.json").read_text())
    residency = [f for f in doc["findings"] if f["policy"] == "residency.data_location"]
    assert residency and all(f["status"] == "ERROR" and "decided at deployment" in f["message"]
                             for f in residency if f["resource"]["region"] != "global")


def test_arm_sample_known_violations_and_sarif(tmp_path):
    proc = run_cli("iac", "samples/arm", "--no-checkov", "-f", "sarif", "-f", "json", "-o", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert "logs.bicep: Bicep read through its compiled ARM template" in proc.stderr
    assert _bad(tmp_path) == ARM_EXPECTED
    phys = _result(_sarif(tmp_path), "residency.data_location", "azuredeploy.json#Microsoft.Compute/disks/hk-app-data")
    assert phys["artifactLocation"]["uri"] == "samples/arm/azuredeploy.json"
    lines = (ROOT / "samples/arm/azuredeploy.json").read_text().splitlines()
    start, end = phys["region"]["startLine"], phys["region"]["endLine"]
    assert lines[start - 1].strip() == "{" and lines[end - 1].strip() in ("}", "},")
    assert any('"name": "hk-app-data"' in line for line in lines[start - 1:end])


def test_arm_location_option(tmp_path):
    run_cli("iac", "samples/arm", "--no-checkov", "--location", "Taiwan North", "-f", "json", "-o", str(tmp_path), "-q")
    bad = _bad(tmp_path)
    assert (_SA + "tradearchive", "residency.data_location", "ERROR") not in bad
    assert (_SA + "tradearchive", "residency.geo_redundant_storage", "ERROR") in bad  # paired region not in code


def test_every_format_detected_in_one_run(tmp_path):
    infra = tmp_path / "infra"
    (infra / "tf").mkdir(parents=True)
    (infra / "tf" / "main.tf").write_text('provider "aws" {\n  region = "ap-east-2"\n}\n'
                                          'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n')
    shutil.copy(ROOT / "samples/cloudformation/audit-trail.json", infra / "trail.template")
    shutil.copy(ROOT / "samples/arm/logs.json", infra / "logs.json")
    (infra / "values.yaml").write_text("replicas: 2\nimage: nginx\n")  # not a template: ignored
    proc = run_cli("iac", str(infra), "--no-checkov", "--region", "ap-east-2", "-f", "json", "-o", str(tmp_path / "o"))
    assert "templates: 1 CloudFormation, 1 ARM" in proc.stderr
    ids = {f["resource"]["id"] for f in json.loads((tmp_path / "o" / "findings.json").read_text())["findings"]}
    assert {"tf/aws_sns_topic.t", "trail.template#TrailBucket",
            "logs.json#Microsoft.OperationalInsights/workspaces/law-pii-access"} <= ids


def test_uncompiled_bicep_is_a_coverage_gap(tmp_path):
    (tmp_path / "main.bicep").write_text("param location string = 'taiwannorth'\n")
    proc = run_cli("iac", str(tmp_path), "--no-checkov", "-f", "json", "-o", str(tmp_path / "o"))
    assert proc.returncode == 1
    assert "Bicep is not read directly; run `az bicep build --file" in proc.stderr
    doc = json.loads((tmp_path / "o" / "findings.json").read_text())
    assert any(f["status"] == "ERROR" and "az bicep build" in f["message"] for f in doc["findings"])


def test_unparsable_template_is_a_coverage_gap(tmp_path):
    (tmp_path / "bad.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  B: [unclosed\n")
    proc = run_cli("iac", str(tmp_path), "--no-checkov", "-f", "json", "-o", str(tmp_path / "o"))
    assert proc.returncode == 1
    doc = json.loads((tmp_path / "o" / "findings.json").read_text())
    assert any(f["status"] == "ERROR" and "cannot parse template" in f["message"] for f in doc["findings"])


def test_nothing_to_scan_names_every_format(tmp_path):
    (tmp_path / "values.yaml").write_text("a: 1\n")
    proc = run_cli("iac", str(tmp_path), "--no-checkov", "-q")
    assert proc.returncode == 2 and "no Terraform files (*.tf), CloudFormation or ARM templates found" in proc.stderr
