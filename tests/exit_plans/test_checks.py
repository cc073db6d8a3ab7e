"""Each exit check with passing and failing plans, through the real policies and engine."""

from __future__ import annotations

from datetime import date

import pytest


def _evaluate(inv):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate

    return evaluate(inv, load_policies(), load_config(None), None, source="test", areas={"exit"})


def _findings(register, day=date(2026, 11, 21)):
    from exit_plans.check import build_inventory

    with register.session() as s:
        inv = build_inventory(s, day)
    return {(f.policy, f.resource.id): f for f in _evaluate(inv).findings}


def _status(findings, policy, key):
    return findings[(policy, f"exit:{key}")].status.value


def test_sample_plans_give_the_documented_findings(loaded):
    f = _findings(loaded)
    # core-trading: everything in order
    for policy in ("exit.plan_exists", "exit.plan_before_go_live", "exit.plan_tested", "exit.next_test_scheduled",
                   "exit.transition_within_rto", "exit.stressed_exit_playbook", "exit.plan_complete",
                   "exit.portable_export_formats"):
        assert _status(f, policy, "aws-tw/core-trading") == "PASS", policy
    # no plan at all
    assert _status(f, "exit.plan_exists", "formosa-msp/azure-ops") == "FAIL"
    assert ("exit.plan_tested", "exit:formosa-msp/azure-ops") not in f  # only plan_exists applies to exit.service
    # approved after go-live: the contract start decides it
    g = f[("exit.plan_before_go_live", "exit:nimbus-crm/crm")]
    assert g.status.value == "FAIL" and "2023-11-01" in g.message and "nimbus-msa-2023" in g.message
    assert _status(f, "exit.plan_before_go_live", "aws-tw/data-lake") == "FAIL"
    # test older than 12 months, next test overdue, 30 days against a 24 h RTO, no stressed playbook
    assert "529 days old" in f[("exit.plan_tested", "exit:nimbus-crm/crm")].message
    assert _status(f, "exit.next_test_scheduled", "nimbus-crm/crm") == "FAIL"
    t = f[("exit.transition_within_rto", "exit:nimbus-crm/crm")]
    assert t.status.value == "FAIL" and "720 h" in t.message and "24 h" in t.message
    assert _status(f, "exit.stressed_exit_playbook", "nimbus-crm/crm") == "FAIL"
    # testing the exit plan is the firm's practice in support of ETG 9.5, kept for material
    # services (ETG 9.2 is about continuity drills and is not cited)
    assert _status(f, "exit.plan_tested", "aws-tw/data-lake") == "NOT_APPLICABLE"
    assert f[("exit.plan_tested", "exit:nimbus-crm/crm")].controls == ("ETG:9.5",)


def _plan(**overrides):
    """A plan resource as exit_plans.facts builds it, for one check at a time."""
    from scanner.inventory import Inventory
    from scanner.model import Resource

    props = {
        "service": "p/s", "material": True, "rto_hours": 4.0, "plan.exists": True, "plan.version": "1",
        "plan.approved_on": "2025-01-01", "plan.approved_by": "CIO", "go_live": "2025-02-01",
        "go_live.basis": "contract c", "test.last_date": "2026-06-01", "test.last_kind": "restore",
        "test.last_result": "passed", "test.last_passing_date": "2026-06-01", "test.next_due": "2027-06-01",
        "transition_hours": 3.0, "playbook.stressed": {"summary": "failover"}, "playbook.planned": {"summary": "x"},
        "plan.missing_elements": [], "export_formats": ["csv", "vendor-blob"], "export_formats.open": ["csv"],
    }
    props.update(overrides)
    inv = Inventory(collected_at="2026-11-21T00:00:00Z")
    inv.add(Resource("cloudgov", "p", None, "exit.plan", "cloudgov::exit::Plan", "exit:p/s", properties=props))
    return {f.policy: f for f in _evaluate(inv).findings}


@pytest.mark.parametrize(
    "policy, overrides, status, words",
    [
        ("exit.plan_before_go_live", {}, "PASS", "before go-live"),
        ("exit.plan_before_go_live", {"plan.approved_on": "2025-03-01"}, "FAIL", "28 days after go-live"),
        ("exit.plan_before_go_live", {"plan.approved_on": None}, "FAIL", "not been approved"),
        ("exit.plan_before_go_live", {"go_live": None}, "ERROR", "go-live is unknown"),
        ("exit.plan_tested", {}, "PASS", "tested 2026-06-01"),
        ("exit.plan_tested", {"test.last_date": None, "test.last_passing_date": None}, "FAIL", "never been tested"),
        ("exit.plan_tested", {"test.last_date": "2025-10-01", "test.last_passing_date": "2025-10-01"}, "FAIL", "416 days old"),
        ("exit.plan_tested", {"test.last_result": "failed"}, "FAIL", "failed"),
        ("exit.plan_tested", {"material": None}, "ERROR", "materiality"),
        ("exit.plan_tested", {"material": False}, "NOT_APPLICABLE", "not a material"),
        ("exit.next_test_scheduled", {}, "PASS", "2027-06-01"),
        ("exit.next_test_scheduled", {"test.next_due": None}, "FAIL", "no next"),
        ("exit.next_test_scheduled", {"test.next_due": "2026-11-01"}, "FAIL", "overdue by 20 days"),
        ("exit.transition_within_rto", {}, "PASS", "within the RTO"),
        ("exit.transition_within_rto", {"transition_hours": 48.0}, "FAIL", "48 h is longer"),
        ("exit.transition_within_rto", {"transition_hours": None}, "ERROR", "does not estimate"),
        ("exit.transition_within_rto", {"rto_hours": None}, "ERROR", "no RTO"),
        ("exit.stressed_exit_playbook", {}, "PASS", "failover"),
        ("exit.stressed_exit_playbook", {"playbook.stressed": None}, "FAIL", "provider fails"),
        ("exit.plan_complete", {}, "PASS", "strategy"),
        ("exit.plan_complete", {"plan.missing_elements": ["roles", "triggers"]}, "FAIL", "lacks: roles, triggers"),
        ("exit.portable_export_formats", {}, "PASS", "csv"),
        ("exit.portable_export_formats", {"export_formats.open": []}, "FAIL", "only provider-specific"),
        ("exit.portable_export_formats", {"export_formats": [], "export_formats.open": []}, "FAIL", "no data export"),
        ("exit.plan_exists", {}, "PASS", "version 1"),
    ],
)
def test_each_plan_check_passes_and_fails(policy, overrides, status, words):
    f = _plan(**overrides)[policy]
    assert f.status.value == status, f.message
    assert words in f.message


def test_go_live_from_first_scan_when_no_contract(loaded, as_of):
    """A service with no contract: the first scan that saw its cloud dates its go-live."""
    from sqlalchemy import select

    from exit_plans.service import note_sightings
    from scanner.inventory import Inventory
    from scanner.model import Resource
    from vendor_dd.models import Contract

    with loaded.session() as s:
        for c in s.scalars(select(Contract)).all():
            if c.provider.slug == "aws-tw":
                s.delete(c)
    scan = Inventory(collected_at="2025-01-10T00:00:00Z")
    scan.add(Resource("aws", "333333333333", "global", "account", "AWS::Organizations::Account", "acct-444"))
    later = Inventory(collected_at="2025-06-01T00:00:00Z")
    later.add(Resource("aws", "333333333333", "global", "account", "AWS::Organizations::Account", "acct-444"))
    with loaded.session() as s:
        assert note_sightings(s, as_of(), later, source="june.json") == ["aws-tw/data-lake"]
        assert note_sightings(s, as_of(), scan, source="jan.json") == ["aws-tw/data-lake"]  # earlier wins
        assert note_sightings(s, as_of(), later, source="june.json") == []
    f = _findings(loaded)[("exit.plan_before_go_live", "exit:aws-tw/data-lake")]
    assert f.status.value == "FAIL" and "2025-01-10" in f.message and "first scan (jan.json)" in f.message


def test_check_cli_outputs_and_exit_code(loaded, exit_cli, tmp_path):
    import json

    out = tmp_path / "out"
    r = exit_cli("check", "--today", "2026-11-21", "-f", "json", "-o", str(out), "-q")
    assert r.exit_code == 1, r.output
    doc = json.loads((out / "findings.json").read_text())
    failed = {(f["policy"], f["resource"]["id"]) for f in doc["findings"] if f["status"] == "FAIL"}
    assert ("exit.plan_exists", "exit:formosa-msp/azure-ops") in failed
    assert ("exit.transition_within_rto", "exit:nimbus-crm/crm") in failed
    assert not any(k[1] == "exit:aws-tw/core-trading" for k in failed)
    # below the threshold nothing fails the run
    r = exit_cli("check", "--today", "2026-11-21", "--fail-on", "critical", "-q")
    assert r.exit_code == 0, r.output


def test_controls_coverage_shows_etg_9_served(invoke):
    r = invoke("controls", "--coverage", "--regulation", "ETG", "--format", "json")
    import json

    rows = {c["id"]: c for c in json.loads(r.stdout)["controls"]}
    for cid in ("ETG:9", "ETG:9.1", "ETG:9.5", "ETG:9.6"):
        assert any(p.startswith("exit.") for p in rows[cid]["policies"]), cid
    # ETG 7.2 (contract terms for material natural-person systems) is the contract's, served by
    # vendor.exit_clauses, not by the completeness of a plan that applies to every service
    assert rows["ETG:7.2"]["policies"] == ["vendor.exit_clauses"]
    assert "exit.portable_export_formats" in rows["ETG:5.3.2"]["policies"]


def test_check_inventory_option_remembers_first_sighting(loaded, exit_cli, tmp_path):
    import json

    from sqlalchemy import select

    from exit_plans.models import Sighting
    from scanner.inventory import Inventory, save
    from scanner.model import Resource

    scan = Inventory(collected_at="2024-12-01T00:00:00Z")
    scan.add(Resource("aws", "222222222222", "global", "account", "AWS::Organizations::Account", "acct-1111"))
    path = save(scan, tmp_path / "first.json")
    out = tmp_path / "o"
    r = exit_cli("check", "--inventory", str(path), "--today", "2026-11-21", "-f", "json", "-o", str(out), "-q")
    assert r.exit_code == 1, r.output
    with loaded.session() as s:
        rows = s.scalars(select(Sighting)).all()
        assert [(x.first_seen.isoformat(), x.source) for x in rows] == [("2024-12-01", "first.json")]
    doc = json.loads((out / "findings.json").read_text())
    f = next(f for f in doc["findings"]
             if f["policy"] == "exit.plan_before_go_live" and f["resource"]["id"] == "exit:aws-tw/core-trading")
    # seen in a scan before the contract started and before the plan was approved (2025-01-20)
    assert f["status"] == "FAIL" and "2024-12-01" in f["message"] and "first scan (first.json)" in f["message"]
