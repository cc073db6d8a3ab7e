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


@pytest.mark.parametrize(("provider", "zone", "region"), [
    ("gcp", "asia-east1-b", "asia-east1"),
    ("gcp", "us-central2-b", "us-central2"),   # a restricted region the table lists
    ("gcp", "us-central9-a", None),            # the shape of a zone, of no region the table knows
    ("gcp", "asia-east1", None),               # a region is not its own zone
    ("aws", "ap-northeast-1a", "ap-northeast-1"),
    ("aws", "us-west-2-lax-1a", "us-west-2"),  # a Local Zone (Los Angeles) belongs to its parent region
    ("aws", "us-gov-west-1a", "us-gov-west-1"),
    ("aws", "use1-az1", None),                 # an AZ id, not a zone name
    ("azure", "centraluseuap", None),          # Azure locations have no zones in their names
])
def test_zone_region_comes_from_the_jurisdiction_tables(provider, zone, region):
    from scanner.config import default_jurisdictions
    from scanner.iac.regions import zone_region

    assert zone_region(provider, zone) == region
    assert default_jurisdictions().region_of_zone(provider, zone) == region  # the live connectors' table, the same answer


def test_odd_zones_and_locations_in_code(tmp_path):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate

    (tmp_path / "main.tf").write_text(
        'resource "google_compute_disk" "tpu" {\n  name = "t"\n  zone = "us-central2-b"\n}\n'
        'resource "google_compute_disk" "typo" {\n  name = "u"\n  zone = "asia-east9-a"\n}\n'
        'resource "aws_ebs_volume" "lax" {\n  availability_zone = "us-west-2-lax-1a"\n  size = 1\n  encrypted = true\n}\n'
        'resource "aws_ebs_volume" "tokyo" {\n  availability_zone = "ap-northeast-1a"\n  size = 1\n  encrypted = true\n}\n'
        'resource "aws_ebs_volume" "by_id" {\n  availability_zone = "apne1-az1"\n  size = 1\n  encrypted = true\n}\n'
        'resource "azurerm_managed_disk" "canary" {\n  name = "c"\n  location = "Central US EUAP"\n}\n'
    )
    inv = collect(tmp_path)
    assert inv.get("google_compute_disk.tpu").region == "us-central2"
    assert inv.get("google_compute_disk.typo").region == "asia-east9-a"  # as written, never cut to a guess
    assert inv.get("aws_ebs_volume.lax").region == "us-west-2"
    assert inv.get("aws_ebs_volume.tokyo").region == "ap-northeast-1"
    assert inv.get("aws_ebs_volume.tokyo").raw["terraform"]["region_source"] == "availability_zone argument"
    assert inv.get("aws_ebs_volume.by_id").region is None  # an AZ id says no region; no provider either
    assert inv.get("azurerm_managed_disk.canary").region == "centraluseuap"

    result = evaluate(inv, load_policies(), load_config(None), source="test")
    got = {f.resource.id: (f.status.value, f.message) for f in result.findings if f.policy == "residency.data_location"}
    assert got["google_compute_disk.tpu"][0] == "FAIL" and "US" in got["google_compute_disk.tpu"][1]
    assert got["aws_ebs_volume.lax"][0] == "FAIL" and "US" in got["aws_ebs_volume.lax"][1]
    assert got["aws_ebs_volume.tokyo"][0] == "FAIL" and "JP" in got["aws_ebs_volume.tokyo"][1]
    assert got["google_compute_disk.typo"][0] == "ERROR" and "not in the jurisdiction table" in got["google_compute_disk.typo"][1]
    assert got["azurerm_managed_disk.canary"][0] == "ERROR" and "canary" in got["azurerm_managed_disk.canary"][1]
    assert got["aws_ebs_volume.by_id"][0] == "ERROR"
