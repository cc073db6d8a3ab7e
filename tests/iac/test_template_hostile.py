"""CloudFormation and ARM templates that cannot be read are coverage gaps (ERROR findings
for every kind they could hold), never silently skipped: Latin-1, oversize, a scalar where
the resource map belongs, ARM ``resources: 5``. A UTF-16 template with its BOM is read."""

from __future__ import annotations

import json

import pytest

from scanner.iac import scan_iac

CFN = (
    'AWSTemplateFormatVersion: "2010-09-09"\n'
    "Description: Caf\u00e9 records\n"
    "Resources:\n  Records:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: records-caf\u00e9}\n"
)
ARM_SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def _gaps(inv) -> dict[str, str]:
    return {g.service.split(":", 1)[1]: g.message for g in inv.coverage_gaps if g.service.startswith("template:")}


@pytest.fixture
def templates(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "infra"
    d.mkdir()
    (d / "latin1.yaml").write_bytes(CFN.encode("latin-1"))
    (d / "utf16.yaml").write_bytes(CFN.replace("Records:", "Utf16Records:").encode("utf-16"))
    (d / "scalar-resources.yaml").write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources: 5\n', encoding="utf-8")
    (d / "scalar-resource.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Bucket: 5\n', encoding="utf-8")
    (d / "arm-resources-5.json").write_text(json.dumps({"$schema": ARM_SCHEMA, "resources": 5}), encoding="utf-8")
    big = CFN + "# padding\n" * 300
    (d / "big.yaml").write_text(big, encoding="utf-8")
    monkeypatch.setattr("scanner.iac.templates._MAX_BYTES", len(big.encode()) - 1)
    return d


def test_unreadable_templates_are_gaps_naming_the_file(templates):
    inv = scan_iac(templates, use_checkov=False).inventory
    gaps = _gaps(inv)
    assert set(gaps) >= {"infra/latin1.yaml", "infra/scalar-resources.yaml", "infra/scalar-resource.yaml",
                         "infra/arm-resources-5.json", "infra/big.yaml"}, gaps
    assert "not UTF-8" in gaps["infra/latin1.yaml"]
    assert "not a mapping" in gaps["infra/scalar-resources.yaml"]
    assert "not a list" in gaps["infra/arm-resources-5.json"]
    assert "more than" in gaps["infra/big.yaml"]
    assert all(g.kinds for g in inv.coverage_gaps)


def test_a_utf16_template_with_its_bom_is_read(templates):
    inv = scan_iac(templates, use_checkov=False).inventory
    assert any("Utf16Records" in r.id for r in inv.resources.values()), list(inv.resources)
    assert "infra/utf16.yaml" not in _gaps(inv)
