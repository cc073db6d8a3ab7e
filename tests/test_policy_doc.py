"""docs/policy-reference.md is generated from the policies and SARIF links each rule to its
section; informationUri and helpUri are only ever our own address, never a guessed one."""

from __future__ import annotations

import json

from tests.conftest import ROOT, run_cli

DOC = ROOT / "docs" / "policy-reference.md"


def test_the_committed_reference_is_the_generated_one() -> None:
    proc = run_cli("policies", "--format", "markdown")
    assert proc.returncode == 0, proc.stderr
    assert DOC.read_text(encoding="utf-8") == proc.stdout, (
        "docs/policy-reference.md is stale: run `cloudgov policies --format markdown > docs/policy-reference.md`")


def test_every_rule_links_to_its_section_when_the_address_is_known() -> None:
    base = "https://github.example/acme/cloudgov/blob/v1"
    proc = run_cli("scan", "snapshot", "samples/estate/", "-f", "sarif", "-q", env={"CLOUDGOV_DOCS_URL": base})
    driver = json.loads(proc.stdout)["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == base
    text = DOC.read_text(encoding="utf-8")
    for rule in driver["rules"]:
        assert rule["helpUri"] == f"{base}/docs/policy-reference.md#{rule['id']}"
        assert f'<a id="{rule["id"]}"></a>' in text


def test_no_address_is_made_up() -> None:
    proc = run_cli("scan", "snapshot", "samples/estate/", "-f", "sarif", "-q", env={"CLOUDGOV_DOCS_URL": ""})
    driver = json.loads(proc.stdout)["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver and all("helpUri" not in r for r in driver["rules"])
    doc = json.loads(run_cli("scan", "snapshot", "samples/estate/", "-f", "json", "-q",
                             env={"CLOUDGOV_DOCS_URL": ""}).stdout)
    assert "information_uri" not in doc["tool"]
