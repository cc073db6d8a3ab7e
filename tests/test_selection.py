"""Choosing what runs (--policy, --skip-policy, --area, --min-severity) and waivers chosen by
tag selector."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.model import Resource
from scanner.waivers import parse_waivers
from tests.conftest import run_cli

SNAP = ("scan", "snapshot", "samples/estate/", "--format", "json", "--quiet")


def _policies(*args: str) -> set[str]:
    proc = run_cli(*SNAP, *args)
    assert proc.returncode in (0, 1), proc.stderr
    return {f["policy"] for f in json.loads(proc.stdout)["findings"]}


def test_policy_globs_and_skips() -> None:
    every = _policies()
    residency = _policies("--policy", "residency.*")
    assert residency == {p for p in every if p.startswith("residency.")} and residency
    assert _policies("--policy", "mfa.root_account,encryption.key_rotation") == {"mfa.root_account",
                                                                                 "encryption.key_rotation"}
    assert _policies("--skip-policy", "residency.*") == every - residency


def test_area_and_min_severity() -> None:
    assert {p.split(".")[0] for p in _policies("--area", "mfa", "--area", "logging")} == {"mfa", "logging"}
    from policies.registry import load_policies

    high = {p.id for p in load_policies() if p.severity.rank >= 3 and p.area not in ("vendor", "exit")}
    got = _policies("--min-severity", "high")
    assert got and got <= high and "encryption.key_rotation" not in got  # medium


@pytest.mark.parametrize(("args", "says"), [
    (("--policy", "residency.nowhere"), "--policy residency.nowhere: no such policy"),
    (("--skip-policy", "nope.*"), "--skip-policy nope.*: no such policy"),
    (("--area", "mfa2"), "--area mfa2: no such area"),
    (("--min-severity", "severe"), "--min-severity"),
    (("--area", "mfa", "--skip-policy", "mfa.*"), "no policy is left"),
])
def test_a_choice_that_names_nothing_stops_the_run(args: tuple[str, ...], says: str) -> None:
    proc = run_cli(*SNAP, *args)
    assert proc.returncode == 2 and says in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_the_register_checks_keep_their_own_area(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert run_cli("vendor", "import", "samples/vendors.yaml", "--db", db).returncode == 0
    proc = run_cli("vendor", "check", "--db", db, "--area", "mfa", "--quiet")
    assert proc.returncode == 2 and "--area mfa: no such area; use one of vendor" in proc.stderr


def _waiver(**fields) -> dict:
    return {"id": "W-T", "policy": "logging.retention_minimum", "reason": "r", "compensating_control": "c",
            "owner": "o", "approver": "a", "expires": "2099-01-01", **fields}


def _res(rid: str, tags: dict[str, str]) -> Resource:
    return Resource(provider="aws", account="1", region="ap-east-2", kind="log.store", native_type="x", id=rid,
                    tags=tags)


def test_tag_selector_matches_every_key_exact_or_glob() -> None:
    ws = parse_waivers([_waiver(tags={"cloudgov:log-class": "firewall", "env": "dr-*"})])
    assert not ws.problems
    assert ws.match("logging.retention_minimum", _res("a", {"cloudgov:log-class": "firewall", "env": "dr-tokyo"}))
    assert not ws.match("logging.retention_minimum", _res("b", {"cloudgov:log-class": "firewall"}))  # env missing
    assert not ws.match("logging.retention_minimum", _res("c", {"cloudgov:log-class": "firewalls", "env": "dr-1"}))
    assert not ws.match("encryption.log_store_cmk", _res("a", {"cloudgov:log-class": "firewall", "env": "dr-1"}))


def test_tags_and_resources_together_narrow() -> None:
    ws = parse_waivers([_waiver(resources=["arn:aws:logs:*:log-group:/vpc/flow*"], tags={"env": "prod"})])
    assert ws.match("logging.retention_minimum", _res("arn:aws:logs:x:log-group:/vpc/flow-a", {"env": "prod"}))
    assert not ws.match("logging.retention_minimum", _res("arn:aws:logs:x:log-group:/app/flow-a", {"env": "prod"}))
    assert not ws.match("logging.retention_minimum", _res("arn:aws:logs:x:log-group:/vpc/flow-a", {"env": "dev"}))


@pytest.mark.parametrize(("fields", "says"), [
    ({}, "missing resources (ids or globs) or tags"),
    ({"tags": {"env": "*"}}, "values are all '*'"),
    ({"tags": ["env"]}, "tags must be a mapping"),
])
def test_a_tag_selector_that_would_waive_too_much_waives_nothing(fields: dict, says: str) -> None:
    ws = parse_waivers([_waiver(**fields)])
    assert len(ws) == 0 and any(says in p for p in ws.problems), ws.problems


def test_tag_waiver_end_to_end(tmp_path: Path) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - id: W-2026-900\n"
        "    policy: logging.retention_minimum\n"
        "    tags: {cloudgov:log-class: firewall}\n"
        "    reason: flow logs archived to tape for 3 years\n"
        "    compensating_control: monthly tape export, kept in-country\n"
        "    owner: netops@fmsa.com.tw\n"
        "    approver: ciso@fmsa.com.tw\n"
        "    expires: 2027-06-30\n", encoding="utf-8")
    proc = run_cli(*SNAP, "--waivers", str(waivers), "--policy", "logging.retention_minimum")
    by_id = {f["resource"]["id"]: f for f in json.loads(proc.stdout)["findings"]}
    flow = by_id["arn:aws:logs:ap-east-2:222222222222:log-group:/fmsa/vpc/flow-logs"]
    assert flow["status"] == "WAIVED" and flow["waiver"]["tags"] == {"cloudgov:log-class": "firewall"}
    orders = by_id["arn:aws:logs:ap-east-2:222222222222:log-group:/fmsa/app/orders"]
    assert orders["status"] == "FAIL"  # no such tag: not waived


def test_waivers_of_policies_not_chosen_stay_valid() -> None:
    proc = run_cli(*SNAP, "--waivers", "samples/waivers.yaml", "--policy", "mfa.*")
    assert proc.returncode == 1, proc.stderr  # W-2026-001 (residency) is not "an unknown policy"
    assert {f["policy"].split(".")[0] for f in json.loads(proc.stdout)["findings"]} == {"mfa"}
