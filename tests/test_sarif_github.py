"""SARIF that GitHub code scanning ingests, for snapshot, IaC and live scans.

The OASIS schema says what SARIF may be; GitHub's "SARIF support for code scanning" page
(docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/
sarif-support-for-code-scanning) says what an upload must hold to be accepted and shown.
Its rules, written down here as checks:

1. ``version`` is ``2.1.0``; at most 20 runs per file.
2. ``runs[].tool.driver.name`` is set; at most 25,000 rules and 25,000 results per run.
3. A rule (``reportingDescriptor``) has an ``id``; ``shortDescription`` / ``fullDescription``
   / ``help`` carry ``text``; ``properties.security-severity`` is a number from 0.0 to 10.0
   given as a string; ``properties.tags`` at most 20; ``defaultConfiguration.level`` and a
   result's ``level`` are ``none``, ``note``, ``warning`` or ``error``.
4. A result has ``ruleId`` and ``message.text``; ``ruleIndex``, when given, points at the rule
   with that id.
5. A result needs at least one location to be shown, and the location must be physical:
   ``physicalLocation.artifactLocation.uri`` and ``physicalLocation.region.startLine`` (≥ 1).
   The uri is relative to the repository root (or an absolute URI), never an absolute local
   path, and the same for the same resource from run to run (fingerprints depend on it).
   At most 1,000 locations per result.
6. The upload is gzip-compressed and at most 10 MB.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import jsonschema
import pytest

from tests.conftest import ROOT, run_cli

SCHEMA = json.loads((ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")) \
    if (ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json").exists() \
    else json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
LEVELS = {"none", "note", "warning", "error"}


def github_problems(doc: dict) -> list[str]:
    """Every way ``doc`` breaks GitHub's documented ingestion rules (empty: accepted)."""
    problems: list[str] = []
    if doc.get("version") != "2.1.0":
        problems.append(f"version {doc.get('version')!r}")
    runs = doc.get("runs") or []
    if not 1 <= len(runs) <= 20:
        problems.append(f"{len(runs)} runs")
    for run in runs:
        driver = (run.get("tool") or {}).get("driver") or {}
        if not driver.get("name"):
            problems.append("tool.driver.name missing")
        rules = driver.get("rules") or []
        results = run.get("results") or []
        if len(rules) > 25_000 or len(results) > 25_000:
            problems.append("too many rules or results")
        for rule in rules:
            rid = rule.get("id")
            if not rid:
                problems.append("rule without id")
            for key in ("shortDescription", "fullDescription", "help"):
                if not (rule.get(key) or {}).get("text"):
                    problems.append(f"{rid}: {key}.text missing")
            sev = (rule.get("properties") or {}).get("security-severity")
            if not (isinstance(sev, str) and 0.0 <= float(sev) <= 10.0):
                problems.append(f"{rid}: security-severity {sev!r}")
            if len((rule.get("properties") or {}).get("tags") or []) > 20:
                problems.append(f"{rid}: more than 20 tags")
            if (rule.get("defaultConfiguration") or {}).get("level", "warning") not in LEVELS:
                problems.append(f"{rid}: level")
        for i, res in enumerate(results):
            where = f"result {i} ({res.get('ruleId')})"
            if not res.get("ruleId") or not (res.get("message") or {}).get("text"):
                problems.append(f"{where}: ruleId or message.text missing")
            if "ruleIndex" in res and rules[res["ruleIndex"]].get("id") != res.get("ruleId"):
                problems.append(f"{where}: ruleIndex points at another rule")
            if res.get("level", "warning") not in LEVELS:
                problems.append(f"{where}: level {res.get('level')!r}")
            locations = res.get("locations") or []
            if not 1 <= len(locations) <= 1000:
                problems.append(f"{where}: {len(locations)} locations")
            for loc in locations:
                phys = loc.get("physicalLocation") or {}
                uri = (phys.get("artifactLocation") or {}).get("uri")
                line = (phys.get("region") or {}).get("startLine")
                if not uri:
                    problems.append(f"{where}: no physicalLocation.artifactLocation.uri")
                elif uri.startswith("/") or "\\" in uri:
                    problems.append(f"{where}: uri {uri!r} is a local absolute path")
                if not (isinstance(line, int) and line >= 1):
                    problems.append(f"{where}: region.startLine {line!r}")
    if len(gzip.compress(json.dumps(doc).encode("utf-8"))) > 10 * 1024 * 1024:
        problems.append("more than 10 MB gzip-compressed")
    return problems


def _sarif(*args: str, cwd: Path = ROOT) -> dict:
    proc = run_cli(*args, "--format", "sarif", "--quiet", cwd=cwd)
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    return doc


def test_the_rules_catch_what_github_rejects() -> None:
    """The checker is not a rubber stamp: each broken rule is reported."""
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "t", "rules": [
        {"id": "r", "shortDescription": {"text": "s"}, "fullDescription": {"text": "f"}, "help": {"text": "h"},
         "properties": {"security-severity": "8.0"}}]}},
        "results": [{"ruleId": "r", "ruleIndex": 0, "message": {"text": "m"}, "level": "error", "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": "a.json"}, "region": {"startLine": 3}}}]}]}]}
    assert github_problems(good) == []
    no_phys = json.loads(json.dumps(good))
    no_phys["runs"][0]["results"][0]["locations"] = [{"logicalLocations": [{"fullyQualifiedName": "arn:x"}]}]
    assert any("no physicalLocation" in p for p in github_problems(no_phys))
    absolute = json.loads(json.dumps(good))
    absolute["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "/home/a.json"
    assert any("local absolute path" in p for p in github_problems(absolute))
    bad_sev = json.loads(json.dumps(good))
    bad_sev["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] = 8
    assert any("security-severity" in p for p in github_problems(bad_sev))


def test_snapshot_sarif_has_the_file_and_line_of_every_resource() -> None:
    doc = _sarif("scan", "snapshot", "samples/estate/")
    assert github_problems(doc) == []
    results = doc["runs"][0]["results"]
    assert len(results) >= 40
    estate = {p.name: p.read_text(encoding="utf-8").splitlines() for p in (ROOT / "samples" / "estate").glob("*.json")}
    for res in results:
        phys = res["locations"][0]["physicalLocation"]
        uri = phys["artifactLocation"]["uri"]
        assert uri.startswith("samples/estate/"), uri  # the export file itself, relative to the repository
        line = estate[Path(uri).name][phys["region"]["startLine"] - 1]
        fqn = res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        gap = res["properties"]["evidence"].get("coverage_gap")
        assert json.dumps(gap["message"] if gap else fqn, ensure_ascii=False) in line, (fqn, line)


def test_snapshot_sarif_locations_do_not_depend_on_how_the_path_is_given(tmp_path: Path) -> None:
    a = _sarif("scan", "snapshot", "samples/estate/")
    b = _sarif("scan", "snapshot", str(ROOT / "samples" / "estate"))
    locs = [[r["locations"][0]["physicalLocation"] for r in d["runs"][0]["results"]] for d in (a, b)]
    assert locs[0] == locs[1]


def test_iac_sarif_points_at_the_terraform() -> None:
    doc = _sarif("iac", "samples/terraform/", "--no-checkov")
    assert github_problems(doc) == []
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert uris and all(u.endswith(".tf") for u in uris), uris


@pytest.fixture
def live_like(tmp_path: Path) -> Path:
    """A saved live inventory read back: its resources have no file of origin in the result."""
    from scanner import inventory
    from scanner.connectors.offline import load_paths

    inv = load_paths([ROOT / "samples" / "estate" / "aws.json"])
    out = tmp_path / "inv.json"
    inventory.save(inv, out)
    return out


def test_live_sarif_has_a_stable_per_resource_location(live_like: Path) -> None:
    import io

    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate
    from scanner.inventory import load
    from scanner.outputs import render

    docs = []
    for _ in range(2):
        result = evaluate(load(live_like), load_policies(), load_config(), None, source="aws:live")
        buf = io.StringIO()
        render(result, "sarif", buf)
        docs.append(json.loads(buf.getvalue()))
    doc = docs[0]
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert github_problems(doc) == []
    for res in doc["runs"][0]["results"]:
        uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert uri.startswith("cloudgov-resources/aws/"), uri
    assert docs[0]["runs"][0]["results"] == docs[1]["runs"][0]["results"]
