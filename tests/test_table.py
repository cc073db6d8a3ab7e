"""The terminal table: verdict first, grouped by policy, one resource per line (full id,
region, reason), within the width; --wide, --no-wrap, -q; waiver problems in plain words."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import run_cli

ARGS = ("scan", "snapshot", "samples/estate/", "--waivers", "samples/waivers.yaml")


def _table(*extra: str, columns: int = 100):
    return run_cli(*ARGS, *extra, env={"COLUMNS": str(columns), "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def findings() -> list[dict]:
    proc = run_cli(*ARGS, "--format", "json")
    return [f for f in json.loads(proc.stdout)["findings"] if f["status"] in ("FAIL", "ERROR", "WAIVED")]


@pytest.mark.parametrize("columns", [80, 120, 200])
def test_headline_then_every_resource_with_its_full_id(columns: int, findings: list[dict]) -> None:
    proc = _table(columns=columns)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("FAILED: ") and "(exit 1)" in lines[0]
    counts = {s: sum(f["status"] == s for f in findings) for s in ("FAIL", "ERROR", "WAIVED")}
    assert f"{counts['FAIL']} FAIL · {counts['ERROR']} ERROR · {counts['WAIVED']} WAIVED" in lines[1]
    text = proc.stdout
    for f in findings:
        assert f["resource"]["id"] in text  # whole, never cut, so it can be copied
    headers = [line for line in lines if re.match(r"(FAIL|ERROR|WAIVED) (critical|high|medium|low|info) ", line)]
    assert len(headers) == len({(f["status"], f["policy"]) for f in findings})  # one group per policy
    ids = {f["resource"]["id"] for f in findings}
    for line in lines:
        if line.strip() in ids:
            continue  # an id longer than the line stands alone, whole
        assert len(line) <= columns, line


def test_the_verdict_follows_the_threshold() -> None:
    proc = _table("--fail-on", "critical", "--errors-pass")
    first = proc.stdout.splitlines()[0]
    assert proc.returncode == 1 and first.startswith("FAILED: ") and "at or above critical" in first
    ok = run_cli("scan", "snapshot", "samples/estate/gcp.json", "--fail-on", "critical", "--errors-pass",
                 env={"NO_COLOR": "1"})
    assert ok.returncode == 0 and ok.stdout.splitlines()[0].startswith("PASSED: ")


def test_no_wrap_is_one_line_per_resource(findings: list[dict]) -> None:
    proc = _table("--no-wrap", columns=200)
    lines = proc.stdout.splitlines()
    row = next(line for line in lines if "arn:aws:s3:::fmsa-reports" in line)
    assert "ap-east-2" in row and "replica" in row
    assert all(len(line) <= 200 for line in lines if line.strip() not in {f["resource"]["id"] for f in findings})


def test_wide_puts_id_region_and_reason_on_one_line(findings: list[dict]) -> None:
    proc = _table("--wide", columns=80)
    lines = proc.stdout.splitlines()
    for f in findings:
        rid, why = f["resource"]["id"], f["message"].split(":")[0]
        assert any(line.strip().startswith(rid + " ") and why in line for line in lines), rid


def test_quiet_shows_only_what_fails_the_run(findings: list[dict]) -> None:
    proc = _table("-q")
    assert proc.stderr == "" or "waiver problem" in proc.stderr
    assert "WAIVED high" not in proc.stdout and "FAIL high" in proc.stdout
    assert "coverage gaps" not in proc.stdout


def test_waiver_problems_in_plain_words() -> None:
    proc = _table()
    problems = [line for line in proc.stderr.splitlines() if line.startswith("waiver problem: ")]
    assert any("W-2025-014: expired on 2026-09-30" in p for p in problems), proc.stderr
    assert "waiver waiver" not in proc.stderr


def test_the_readme_shows_the_table_as_it_is_at_100_columns() -> None:
    from tests.conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("at 100 columns (`tests/test_table.py` checks this excerpt against a\n  real run):\n\n```text\n",
                         1)[1].split("…\n```", 1)[0]
    shown = block.splitlines()
    proc = _table(columns=100)
    actual = [line.rstrip() for line in proc.stdout.splitlines()]
    assert len(shown) >= 20
    assert actual[: len(shown)] == shown, (
        "the README's table excerpt is stale: paste the first lines of `COLUMNS=100 NO_COLOR=1 cloudgov scan "
        "snapshot samples/estate/ --waivers samples/waivers.yaml | head -24` (trailing spaces removed)")
