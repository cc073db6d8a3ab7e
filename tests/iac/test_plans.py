"""`cloudgov iac plan.json`: plan files from a public test suite (tests/data/iac/plans/README.md)
judged through the real engine; each expected.yaml is policy → status → resource ids."""

from __future__ import annotations

import pytest
import yaml

from tests.conftest import run_cli
from tests.iac.conftest import DATA
from tests.iac.test_policies import evaluate

CASES = sorted(p.name for p in (DATA / "plans").iterdir() if (p / "expected.yaml").exists())


@pytest.mark.parametrize("case", CASES)
def test_expected_statuses(case):
    result = evaluate(DATA / "plans" / case / "tfplan.json")
    got = {(f.policy, f.resource.id): f.status.value for f in result.findings}
    expected = yaml.safe_load((DATA / "plans" / case / "expected.yaml").read_text())
    problems = [
        f"{policy} {rid}: expected {status}, got {got.get((policy, rid))}"
        for policy, by_status in expected.items() for status, ids in by_status.items() for rid in ids
        if got.get((policy, rid)) != status
    ]
    assert not problems, "\n".join(problems)
    for f in result.findings:  # a plan has no source lines: the line of the resource's address
        assert f.location["file"] == f"tests/data/iac/plans/{case}/tfplan.json"
        text = (DATA / "plans" / case / "tfplan.json").read_text().splitlines()[f.location["start_line"] - 1]
        assert f.resource.id in text.replace('\\"', '"')


def test_cli_reads_a_plan(tmp_path):
    proc = run_cli("iac", str(DATA / "plans" / "nested-modules" / "tfplan.json"), "--no-checkov",
                   "--format", "json", "--output-dir", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    assert "module.s3_module.module.s3_submodule.aws_s3_bucket.submodule_bucket" in (tmp_path / "findings.json").read_text()


def test_a_json_file_that_is_not_a_plan_is_not_read_as_one(tmp_path):
    from scanner.iac.project import _plan

    (tmp_path / "x.json").write_text('{"format_version": "1.0"}')
    assert _plan(tmp_path / "x.json") is None


@pytest.mark.parametrize("case", CASES)
def test_every_planned_instance_has_its_own_findings(case):
    """Every instance `planned_values` holds, of a type we judge, is its own resource with the
    address terraform prints (count/for_each keys included) and its own findings."""
    import json

    from scanner.iac.normalize import TYPES

    result = evaluate(DATA / "plans" / case / "tfplan.json")  # registers the normalizers (TYPES) too
    plan = json.loads((DATA / "plans" / case / "tfplan.json").read_text())
    planned: list[str] = []

    def walk(module):
        planned.extend(r["address"] for r in module.get("resources", [])
                       if r.get("mode") == "managed" and r["type"] in TYPES)
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan["planned_values"]["root_module"])
    by_id: dict[str, set[str]] = {}
    for f in result.findings:
        by_id.setdefault(f.resource.id, set()).add(f.policy)
    assert planned
    missing = [a for a in planned if a not in by_id]
    assert not missing, missing
    keyed = [a for a in planned if a.endswith("]")]
    if case in ("infracost-for-each", "compliance-module-for-each"):
        assert keyed and all(by_id[a] for a in keyed)
