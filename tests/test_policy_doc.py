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


def test_every_rule_carries_its_documentation_without_any_address() -> None:
    """With no address to link to, the documentation itself travels in the SARIF: GitHub shows
    ``help.markdown`` on the alert page. It is the policy's section of the reference, word for word."""
    proc = run_cli("scan", "snapshot", "samples/estate/", "-f", "sarif", "-q", env={"CLOUDGOV_DOCS_URL": ""})
    rules = json.loads(proc.stdout)["runs"][0]["tool"]["driver"]["rules"]
    text = DOC.read_text(encoding="utf-8")
    assert rules
    for rule in rules:
        md = rule["help"]["markdown"]
        title, _, body = md.partition("\n\n")
        section = text.split(f'<a id="{rule["id"]}"></a>', 1)[1].split("<a id=", 1)[0]
        assert title == f"**{rule['shortDescription']['text']}**"
        assert body.strip() and body.strip() in section, rule["id"]
        assert "**Remediation.**" in body and "**改善建議。**" in body


def test_chinese_is_shown_with_the_articles_in_their_chinese_form() -> None:
    """Wherever the policy's Chinese is shown, its articles are cited as a zh-TW reader cites
    them (第八條第六項第三款第三目), beside the stable ids."""
    import csv
    import io

    sarif = json.loads(run_cli("scan", "snapshot", "samples/estate/", "-f", "sarif", "-q").stdout)
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    backup = rules["encryption.backup_cmk"]
    assert "依據：新興科技資通安全管控指引第八條第七項第三款" in backup["help"]["text"]
    assert "- 依據：新興科技資通安全管控指引第八條第七項第三款" in backup["help"]["markdown"]
    proc = run_cli("controls", "--regulation", "ETG", "--format", "csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(proc.stdout))}
    assert rows["ETG:8.6.3.3"]["cited_zh"] == "新興科技資通安全管控指引第八條第六項第三款第三目"
    table = run_cli("controls", "--regulation", "ETG", env={"COLUMNS": "160"}).stdout
    assert "第八條第六項第三款第三目" in table


def test_the_findings_csv_cites_in_chinese_too(tmp_path) -> None:
    import csv

    proc = run_cli("scan", "snapshot", "samples/estate/", "-f", "csv", "-o", str(tmp_path), "-q")
    assert proc.returncode in (0, 1), proc.stderr
    with open(tmp_path / "findings.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    cmk = [r for r in rows if r["policy"] == "encryption.backup_cmk"]
    assert cmk and all(r["controls_zh"] == "新興科技資通安全管控指引第八條第七項第三款" for r in cmk)
    assert all(r["controls_zh"] for r in rows)
