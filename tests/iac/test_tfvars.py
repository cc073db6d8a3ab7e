"""Variables and workspaces read the way Terraform reads them: terraform.tfvars,
terraform.tfvars.json, *.auto.tfvars(.json) in lexical order, then ``--var-file`` (in order),
then ``--var``; ``terraform.workspace`` from ``--workspace``, TF_WORKSPACE,
``.terraform/environment``, else ``default``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.errors import InputError
from scanner.iac.project import collect
from scanner.iac.tfload import TfInputs
from tests.conftest import run_cli

_ROOT = '''provider "aws" {
  region = "ap-east-2"
}
variable "days" {
  type    = number
  default = 1
}
variable "name" {
  default = "from-default"
}
variable "tags" {
  type    = map(string)
  default = {}
}
resource "aws_cloudwatch_log_group" "g" {
  name              = var.name
  retention_in_days = var.days
  tags              = var.tags
}
resource "aws_cloudwatch_log_group" "only_in_prod" {
  count             = terraform.workspace == "prod" ? 1 : 0
  name              = "prod-${terraform.workspace}"
  retention_in_days = 3653
}
'''


def _root(tmp_path: Path, **files: str) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "main.tf").write_text(_ROOT, encoding="utf-8")
    for name, text in files.items():
        (tmp_path / name.replace("__", ".")).write_text(text, encoding="utf-8")
    return tmp_path


def _group(inv, address="aws_cloudwatch_log_group.g"):
    r = inv.get(address)
    assert r is not None, [x.id for x in inv]
    return r


def test_files_terraform_loads_by_itself_in_its_order(tmp_path):
    # later wins: terraform.tfvars < terraform.tfvars.json < a.auto.tfvars.json < b.auto.tfvars
    root = _root(tmp_path, terraform__tfvars='days = 30\nname = "tfvars"\n',
                 terraform__tfvars__json='{"days": 60}',
                 a__auto__tfvars__json='{"days": 90, "tags": {"cloudgov:log-class": "audit"}}',
                 b__auto__tfvars='days = 400\n')
    g = _group(collect(root))
    assert g.prop("retention_days") == 400  # b.auto.tfvars sorts after a.auto.tfvars.json
    assert g.name == "tfvars"
    assert g.prop("log_class") == "audit"


def test_var_files_in_order_then_vars_win(tmp_path):
    root = _root(tmp_path, terraform__tfvars="days = 30\n")
    (tmp_path / "env").mkdir()
    one = tmp_path / "env" / "one.tfvars"
    one.write_text('days = 180\nname = "one"\n')
    two = tmp_path / "env" / "two.tfvars.json"
    two.write_text(json.dumps({"days": 365}))
    g = _group(collect(root, terraform=TfInputs(var_files=(one, two))))
    assert (g.prop("retention_days"), g.name) == (365, "one")
    g = _group(collect(root, terraform=TfInputs(var_files=(two, one))))
    assert (g.prop("retention_days"), g.name) == (180, "one")
    g = _group(collect(root, terraform=TfInputs(var_files=(one,), variables=(("days", "731"), ("name", "cli")))))
    assert (g.prop("retention_days"), g.name) == (731, "cli")


def test_var_values_are_parsed_as_terraform_parses_them(tmp_path):
    root = _root(tmp_path)
    inputs = TfInputs(variables=(("name", 'a "quoted" ${not.an.expression}'), ("days", "14"),
                                 ("tags", '{ "cloudgov:log-class" = "firewall" }')))
    from scanner.iac.tfload import load_project

    (res,) = [r for r in load_project(root, inputs).resources if r.address == "aws_cloudwatch_log_group.g"]
    assert res.attrs["name"] == 'a "quoted" ${not.an.expression}'  # a string variable takes the raw text
    g = _group(collect(root, terraform=inputs))
    assert g.prop("retention_days") == 14  # a number
    assert g.prop("log_class") == "firewall"  # a map: an HCL expression


@pytest.mark.parametrize(("environment", "given", "env", "expected"), [
    (None, None, None, "default"),
    ("prod", None, None, "prod"),  # `terraform workspace select prod` wrote .terraform/environment
    ("prod", None, "staging", "staging"),  # TF_WORKSPACE wins over the file
    ("staging", "prod", "staging", "prod"),  # --workspace wins over both
])
def test_workspace_chosen_as_terraform_chooses_it(tmp_path, monkeypatch, environment, given, env, expected):
    root = _root(tmp_path)
    if environment:
        (tmp_path / ".terraform").mkdir()
        (tmp_path / ".terraform" / "environment").write_text(environment + "\n")
    if env:
        monkeypatch.setenv("TF_WORKSPACE", env)
    else:
        monkeypatch.delenv("TF_WORKSPACE", raising=False)
    inv = collect(root, terraform=TfInputs(workspace=given) if given else None)
    prod = inv.get("aws_cloudwatch_log_group.only_in_prod[0]")
    if expected == "prod":
        assert prod is not None and prod.name == "prod-prod"
    else:  # count = 0: no instance, no finding, and no gap
        assert prod is None and not inv.coverage_gaps


def test_bad_inputs_are_one_sentence(tmp_path):
    root = _root(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        collect(root, terraform=TfInputs(var_files=(tmp_path / "missing.tfvars",)))
    with pytest.raises(InputError, match="declares variable 'nope'"):
        collect(root, terraform=TfInputs(variables=(("nope", "1"),)))
    broken = tmp_path / "broken.tfvars"
    broken.write_text("days = = 3\n")
    with pytest.raises(InputError, match=r"--var-file .*broken\.tfvars: .*expression"):
        collect(root, terraform=TfInputs(var_files=(broken,)))
    with pytest.raises(InputError, match=r"^--var: "):
        collect(root, terraform=TfInputs(variables=(("tags", "{ unclosed"),)))


def test_checkov_gets_the_same_var_files(tmp_path):
    from scanner.iac.checkov import command

    cmd = command(Path("checkov"), tmp_path, ["CKV_AWS_158"], (tmp_path / "a.tfvars", tmp_path / "b.tfvars"))
    i = cmd.index("--var-file")
    assert cmd[i:i + 4] == ["--var-file", str((tmp_path / "a.tfvars").resolve()), "--var-file",
                            str((tmp_path / "b.tfvars").resolve())]


def test_cli_var_file_var_and_workspace(tmp_path):
    root = _root(tmp_path / "infra")
    (tmp_path / "prod.tfvars").write_text("days = 3653\n")
    out = tmp_path / "out"
    proc = run_cli("iac", str(root), "--no-checkov", "--format", "json", "--output-dir", str(out),
                   "--var-file", str(tmp_path / "prod.tfvars"), "--var", "name=audit-trail", "--workspace", "prod",
                   env={"TF_WORKSPACE": ""})
    assert proc.returncode in (0, 1), proc.stderr
    findings = json.loads((out / "findings.json").read_text())["findings"]
    ids = {f["resource"]["id"] for f in findings}
    assert "aws_cloudwatch_log_group.only_in_prod[0]" in ids
    g = next(f for f in findings if f["resource"]["id"] == "aws_cloudwatch_log_group.g"
             and f["policy"] == "logging.retention_minimum")
    assert g["status"] == "PASS"  # 3653 days from --var-file


@pytest.mark.parametrize(("args", "says"), [
    (["--var", "days"], "--var 'days': expected NAME=VALUE"),
    (["--var-file", "missing.tfvars"], "--var-file missing.tfvars: no such file"),
    (["--var", "undeclared=1"], "no Terraform root under the path declares variable 'undeclared'"),
])
def test_cli_bad_var_input_exits_2_with_one_sentence(tmp_path, args, says):
    root = _root(tmp_path / "infra")
    proc = run_cli("iac", str(root), "--no-checkov", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert says in proc.stderr and "Traceback" not in proc.stderr
