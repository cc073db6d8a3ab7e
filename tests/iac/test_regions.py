"""Resource → provider configuration → region, as Terraform resolves it."""

from __future__ import annotations

import pytest

from scanner.iac.project import collect
from tests.iac.conftest import DATA


@pytest.fixture(scope="module")
def inv():
    return collect(DATA / "regions")


@pytest.mark.parametrize(
    "address, region, source",
    [
        ("aws_s3_bucket.default_provider", "ap-east-2", "provider.aws region"),  # from a variable's default
        ("aws_s3_bucket.aliased", "ap-northeast-1", "provider.aws.tokyo region"),
        ("module.mapped.aws_sqs_queue.q", "ap-northeast-1", "provider.aws.tokyo region"),  # providers = {aws = aws.tokyo}
        ("module.inherited.aws_sqs_queue.q", "ap-east-2", "provider.aws region"),  # default provider inherited
    ],
)
def test_region_resolved(inv, address, region, source):
    r = inv.get(address)
    assert r.region == region
    assert r.raw["terraform"]["region_source"] == source
    assert "region_unresolved" not in r.properties


def test_unresolvable_region_is_unknown_with_the_reason(inv):
    r = inv.get("aws_s3_bucket.unresolvable")
    assert r.region is None
    assert "var.unset" in r.prop("region_unresolved")


def test_unresolvable_region_is_an_error_finding_saying_why(inv):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate
    from scanner.iac import IacScan

    result = evaluate(inv, load_policies(), load_config(None))
    IacScan(inv).annotate(result)
    f = next(f for f in result.findings if f.policy == "residency.data_location" and f.resource.id == "aws_s3_bucket.unresolvable")
    assert f.status.value == "ERROR"
    assert "region not resolvable from code" in f.message and "var.unset" in f.message


def test_azure_and_gcp_locations(tmp_path):
    (tmp_path / "main.tf").write_text(
        'provider "google" {\n  region = "asia-east1"\n}\n'
        'resource "google_compute_disk" "zoned" {\n  name = "d"\n  zone = "asia-east2-a"\n}\n'
        'resource "google_compute_disk" "by_provider" {\n  name = "e"\n}\n'
        'resource "azurerm_managed_disk" "named" {\n  name = "x"\n  location = "Taiwan North"\n}\n'
        'resource "azurerm_managed_disk" "expr" {\n  name = "y"\n  location = azurerm_resource_group.rg.location\n}\n'
    )
    inv = collect(tmp_path)
    assert inv.get("google_compute_disk.zoned").region == "asia-east2"
    assert inv.get("google_compute_disk.by_provider").region == "asia-east1"
    assert inv.get("azurerm_managed_disk.named").region == "taiwannorth"
    assert inv.get("azurerm_managed_disk.expr").region is None


def test_parse_error_becomes_a_coverage_gap(tmp_path):
    (tmp_path / "good.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    (tmp_path / "bad.tf").write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n')
    inv = collect(tmp_path)
    assert inv.get("aws_sqs_queue.q") is not None
    assert len(inv.coverage_gaps) == 1
    gap = inv.coverage_gaps[0]
    assert gap.code == "ParseError" and gap.service.endswith("bad.tf")


def test_provider_v6_resource_region_and_a_null_region_variable(tmp_path):
    # AWS provider v6: `region` on the resource overrides the provider's; a module's
    # `region = var.region` left at its null default means the provider's region applies
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text(
        'variable "region" {\n  type = string\n  default = null\n}\n'
        'resource "aws_sqs_queue" "q" {\n  name = "q"\n  region = var.region\n}\n')
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "ap-east-2"\n}\n'
        'resource "aws_sqs_queue" "tokyo" {\n  name = "t"\n  region = "ap-northeast-1"\n}\n'
        'module "default_region" {\n  source = "./m"\n}\n'
        'module "osaka" {\n  source = "./m"\n  region = "ap-northeast-3"\n}\n')
    inv = collect(tmp_path)
    assert inv.get("aws_sqs_queue.tokyo").region == "ap-northeast-1"
    assert inv.get("aws_sqs_queue.tokyo").raw["terraform"]["region_source"] == "region argument"
    assert inv.get("module.default_region.aws_sqs_queue.q").region == "ap-east-2"
    assert inv.get("module.default_region.aws_sqs_queue.q").raw["terraform"]["region_source"] == "provider.aws region"
    assert inv.get("module.osaka.aws_sqs_queue.q").region == "ap-northeast-3"
