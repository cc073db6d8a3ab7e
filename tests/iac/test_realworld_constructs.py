"""Constructs met in public module repositories (benchmarks/iac/realworld.tsv), as tiny
hand-written snippets: they parse, and what cannot be followed is a coverage gap."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.iac.project import collect


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_legacy_and_unusual_syntax_parses(tmp_path):
    # unquoted block label (Terraform 0.11 style), two spaces between labels, object with
    # ":" separators, legacy splat, escaped quotes, heredoc, no newline at the end
    write(tmp_path / "main.tf", '''provider azurerm {
  features {}
}
resource "aws_iam_role" "r" {
  name = "r"
  assume_role_policy = <<POLICY
{"Version": "2012-10-17"}
POLICY
}
resource "aws_sqs_queue"  "q" {
  name   = "q"
  policy = join(",", aws_iam_role.r.*.arn)
  tags   = { pattern = "{ $.errorCode = \\"AccessDenied\\" }" }
}
module "m" {
  source = "./m"
  placement = {
    data_locations : ["ASIA-EAST1"]
  }
}''')
    write(tmp_path / "m" / "main.tf", 'resource "aws_sns_topic" "t" {\n  name = "t"\n}\n')
    inv = collect(tmp_path)
    assert inv.coverage_gaps == []
    assert inv.get("aws_sqs_queue.q").properties.get("region_unresolved")
    assert inv.get("aws_sqs_queue.q").tags == {"pattern": '{ $.errorCode = "AccessDenied" }'}
    assert inv.get("module.m.aws_sns_topic.t") is not None


def test_module_called_many_times_gives_each_call_its_own_values(tmp_path):
    write(tmp_path / "mod" / "main.tf", 'variable "name" {}\nresource "aws_sqs_queue" "q" {\n  name = var.name\n}\n')
    calls = "\n".join(f'module "q{i}" {{\n  source = "./mod"\n  name   = "q{i}"\n}}' for i in range(5))
    write(tmp_path / "main.tf", calls + "\n")
    inv = collect(tmp_path)
    assert sorted(r.id for r in inv) == [f"module.q{i}.aws_sqs_queue.q" for i in range(5)]
    from scanner.iac.tfload import load_project

    project = load_project(tmp_path)
    assert sorted(r.attrs["name"] for r in project.resources) == [f"q{i}" for i in range(5)]


def test_edited_file_is_parsed_again(tmp_path):
    tf = tmp_path / "main.tf"
    write(tf, 'resource "aws_sqs_queue" "a" {\n  name = "a"\n}\n')
    assert collect(tmp_path).get("aws_sqs_queue.a") is not None
    write(tf, 'resource "aws_sqs_queue" "b" {\n  name = "b"\n}\n')  # same size, same instant
    inv = collect(tmp_path)
    assert inv.get("aws_sqs_queue.b") is not None and inv.get("aws_sqs_queue.a") is None


def test_unparsable_file_is_a_gap_on_every_load(tmp_path):
    write(tmp_path / "bad.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = \n')
    write(tmp_path / "ok.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    for _ in range(2):  # the second load is served from the parse cache
        inv = collect(tmp_path)
        assert [g.code for g in inv.coverage_gaps] == ["ParseError"]


@pytest.mark.parametrize("cwd_is_scan_dir", [False, True])
def test_gap_names_the_file_once_in_a_multi_root_scan(tmp_path, monkeypatch, cwd_is_scan_dir):
    # a registry module without `terraform init` in one of several roots
    write(tmp_path / "a" / "main.tf", 'module "k" {\n  source = "terraform-aws-modules/kms/aws"\n}\n')
    write(tmp_path / "b" / "main.tf", 'resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    if cwd_is_scan_dir:
        monkeypatch.chdir(tmp_path)
    inv = collect(tmp_path)
    (gap,) = inv.coverage_gaps
    assert "not a local path and was not downloaded" in gap.message
    file, _, block = gap.service.removeprefix("terraform:").partition("#")
    assert block == "a/module.k"
    assert Path(file).resolve() == (tmp_path / "a" / "main.tf").resolve()


def test_for_each_key_the_evaluator_drops_is_a_gap_not_absent(tmp_path):
    # tfparse 0.6.22 gives no instance for a for_each key whose value is null
    write(tmp_path / "m" / "main.tf", 'variable "k" {\n  default = null\n}\nresource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    write(tmp_path / "main.tf", 'module "m" {\n  source = "./m"\n  for_each = { a = "x", b = null }\n  k = each.value\n}\n')
    inv = collect(tmp_path)
    assert inv.get('module.m["a"].aws_sqs_queue.q') is not None
    (gap,) = inv.coverage_gaps
    assert gap.code == "InstancesUnknown" and gap.service.endswith('#module.m["b"]')


def test_unknown_count_is_a_gap_and_no_invented_instance(tmp_path):
    write(tmp_path / "main.tf", 'variable "n" {\n  type = number\n}\n'
          'resource "aws_sqs_queue" "q" {\n  count = var.n\n  name = "q"\n}\n'
          'resource "aws_sqs_queue" "z" {\n  count = 0\n  name = "z"\n}\n'
          'resource "aws_sqs_queue" "e" {\n  for_each = var.m\n  name = each.key\n}\n'
          'variable "m" {\n  type = map(string)\n}\n')
    inv = collect(tmp_path)
    assert len(inv) == 0
    assert sorted(g.service.rsplit("#", 1)[1] for g in inv.coverage_gaps) == ["aws_sqs_queue.e", "aws_sqs_queue.q"]
    assert all(g.kinds == ("messaging.queue",) for g in inv.coverage_gaps)


_SSE_MODULE = '''variable "sse" {
  type    = any
  default = {}
}
resource "aws_s3_bucket" "this" {
  bucket = "b"
}
resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count  = length(keys(var.sse)) > 0 ? 1 : 0
  bucket = aws_s3_bucket.this.id
  dynamic "rule" {
    for_each = try(flatten([var.sse["rule"]]), [])
    content {
      dynamic "apply_server_side_encryption_by_default" {
        for_each = try([rule.value.apply_server_side_encryption_by_default], [])
        content {
          sse_algorithm     = apply_server_side_encryption_by_default.value.sse_algorithm
          kms_master_key_id = try(apply_server_side_encryption_by_default.value.kms_master_key_id, null)
        }
      }
    }
  }
}
'''


@pytest.mark.parametrize(("key", "manager"), [
    # defsec cannot give a data source's attribute: the rule is dropped by its flatten(); the
    # module evaluated again gives the rule, and the key stays unknown (never "no key")
    ('data.aws_kms_alias.k.target_key_arn', None),
    ('aws_kms_key.k.arn', "customer"),  # known to the evaluator: SSE-KMS with this key
])
def test_dynamic_block_over_an_unknown_leaf_is_evaluated_again(tmp_path, key, manager):
    write(tmp_path / "m" / "main.tf", _SSE_MODULE)
    write(tmp_path / "main.tf", 'provider "aws" {\n  region = "ap-east-2"\n}\n'
          'data "aws_kms_alias" "k" {\n  name = "alias/s3"\n}\nresource "aws_kms_key" "k" {}\n'
          'module "b" {\n  source = "./m"\n  sse = {\n    rule = {\n      apply_server_side_encryption_by_default = {\n'
          f'        sse_algorithm     = "aws:kms"\n        kms_master_key_id = {key}\n      }}\n    }}\n  }}\n}}\n')
    inv = collect(tmp_path)
    bucket = inv.get("module.b.aws_s3_bucket.this")
    assert bucket is not None and not inv.coverage_gaps
    assert bucket.properties.get("encryption.enabled") is True
    assert bucket.properties.get("encryption.key_manager") == manager
