"""The issue's pipeline command on the bundled samples finds exactly what samples/README.md lists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "samples" / "README.md"
ROW = re.compile(r"^\| (FAIL|ERROR|WAIVED) \| ([a-z_.]+) \| `([^`]+)` \|")


def expected(section: str) -> set[tuple[str, str, str]]:
    text = README.read_text(encoding="utf-8")
    start = text.index(section)
    end = text.find("\n## ", start + 1)
    rows = set()
    for line in text[start : end if end != -1 else None].splitlines():
        m = ROW.match(line)
        if m:
            rows.add((m[1], m[2], m[3]))
    assert rows, f"no rows parsed under {section!r}"
    return rows


def non_passing(doc: dict) -> set[tuple[str, str, str]]:
    return {
        (f["status"], f["policy"], f["resource"]["id"])
        for f in doc["findings"]
        if f["status"] in ("FAIL", "ERROR", "WAIVED")
    }


def test_pipeline_command_on_samples(cli, tmp_path):
    out = tmp_path / "out"
    r = cli(
        "scan", "snapshot", "samples/estate/",
        "--format", "sarif", "--format", "junit", "--format", "json",
        "--output-dir", str(out), "--fail-on", "high",
    )
    assert r.returncode == 1, r.stderr  # high-severity failures exist
    assert "Traceback" not in r.stderr
    for name in ("findings.json", "findings.sarif", "findings.junit.xml"):
        assert (out / name).is_file()
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert non_passing(doc) == expected("## Expected findings (no waivers)")
    # every finding cites the articles it serves
    assert all(f["controls"] for f in doc["findings"])
    assert doc["summary"]["resources"] == 451


def test_samples_with_waivers(cli, tmp_path):
    r = cli("scan", "snapshot", "samples/estate/", "--waivers", "samples/waivers.yaml", "-f", "json", "-q")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert non_passing(doc) == expected("## With `--waivers samples/waivers.yaml`")
    problems = " ".join(doc["waiver_problems"])
    assert "W-2026-003" in problems and "missing approver" in problems
    assert "W-2025-014" in problems and "expired" in problems
    waived = [f for f in doc["findings"] if f["status"] == "WAIVED"]
    assert all(f["waiver"]["compensating_control"] for f in waived)


@pytest.mark.parametrize("threshold,code", [("critical", 1), ("info", 1)])
def test_exit_code_threshold(cli, threshold, code):
    r = cli("scan", "snapshot", "samples/estate/", "-f", "json", "-q", "--fail-on", threshold)
    assert r.returncode == code


def test_exit_zero_when_nothing_at_threshold_fails(cli, tmp_path):
    """Only low-severity failures (the SQS queue) in a one-resource estate: --fail-on high passes."""
    from scanner.inventory import Inventory, save
    from scanner.model import Resource

    inv = Inventory(collected_at="2026-11-01T00:00:00Z")
    inv.add(Resource("aws", "1", "ap-east-2", "messaging.queue", "AWS::SQS::Queue", "arn:aws:sqs:ap-east-2:1:q", "q",
                     properties={"encryption.key_manager": "provider"}))
    save(inv, tmp_path / "inv.json")
    r = cli("scan", "snapshot", str(tmp_path / "inv.json"), "-f", "json", "-q", "--fail-on", "high")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["summary"]["by_status"]["FAIL"] == 1
    r = cli("scan", "snapshot", str(tmp_path / "inv.json"), "-f", "json", "-q", "--fail-on", "low")
    assert r.returncode == 1


def test_module_based_terraform_estate(cli, tmp_path):
    """samples/terraform-modules: the module-based estate finds exactly what samples/README.md lists,
    and the count = 0 bucket of module.legacy_archive has no finding at all."""
    r = cli("iac", "samples/terraform-modules/", "--no-checkov", "--format", "json", "--output-dir", str(tmp_path), "-q")
    assert r.returncode == 1, r.stderr
    doc = json.loads((tmp_path / "findings.json").read_text(encoding="utf-8"))
    assert non_passing(doc) == expected("## Module-based Terraform estate")
    ids = {f["resource"]["id"] for f in doc["findings"]}
    assert not any("legacy_archive" in i for i in ids)
    assert 'live/aws/module.buckets["statements"].aws_s3_bucket.this[0]' in ids
