"""Defender for Cloud plans and activity-log alert rules (issue 19), normalized from public
shapes (tests/data/azure/public/README.md) and judged by monitoring.threat_detection and
monitoring.security_alerts."""

from __future__ import annotations

import json
from pathlib import Path

from policies.registry import load_policies
from scanner.config import load_config
from scanner.connectors.azure.normalize import normalize
from scanner.connectors.azure.raw import AzureRaw, gap
from scanner.engine import evaluate
from scanner.model import Kind

PUBLIC = Path(__file__).parents[2] / "data" / "azure" / "public"
SUB, SUB2 = "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"


def _sub(sub: str) -> dict:
    return {"id": f"/subscriptions/{sub}", "name": sub, "type": "microsoft.resources/subscriptions",
            "tenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47", "subscriptionId": sub, "properties": {}}


def _judge(raw: AzureRaw) -> dict:
    result = evaluate(normalize(raw), load_policies(), load_config())
    return {(f.policy, f.resource.account): f for f in result.findings if f.resource.kind == "account"}


def _raw(**kw) -> AzureRaw:
    pricings = json.loads((PUBLIC / "defender-pricings-list.json").read_text(encoding="utf-8"))["value"]
    alerts = json.loads((PUBLIC / "arg-activity-log-alerts.json").read_text(encoding="utf-8"))["data"]
    raw = AzureRaw(tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47", containers=[_sub(SUB), _sub(SUB2)],
                   resources=alerts, pricings={SUB: pricings})
    raw.gaps.append(gap(SUB2, "arm:pricings", (Kind.DETECTOR,), "AuthorizationFailed", "denied"))
    for k, v in kw.items():
        setattr(raw, k, v)
    return raw


def test_defender_plans_from_the_list_example():
    inv = normalize(_raw())
    plans = {r.prop("plan"): r for r in inv.of_kind("monitor.detector")}
    # every plan is the subscription asked about, whatever subscription the example's ids name
    assert {r.account for r in plans.values()} == {SUB}
    assert plans["VirtualMachines"].prop("enabled") is True and plans["AppServices"].prop("enabled") is False
    assert plans["StorageAccounts"].prop("features_on") == ["OnUploadMalwareScanning", "SensitiveDataDiscovery"]
    found = _judge(_raw())
    assert found[("monitoring.threat_detection", SUB)].status.value == "PASS"
    f = found[("monitoring.threat_detection", SUB2)]
    assert f.status.value == "ERROR" and "AuthorizationFailed" in f.message


def test_a_free_plan_of_the_required_set_fails():
    pricings = json.loads((PUBLIC / "defender-pricings-list.json").read_text(encoding="utf-8"))["value"]
    for p in pricings:
        if p["name"] == "KeyVaults":
            p["properties"]["pricingTier"] = "Free"
    f = _judge(_raw(pricings={SUB: pricings}))[("monitoring.threat_detection", SUB)]
    assert f.status.value == "FAIL" and "KeyVaults (Free)" in f.message


def test_activity_log_alerts_map_to_the_cis_classes():
    inv = normalize(_raw())
    events = sorted(e for r in inv.of_kind("monitor.alert") for e in r.prop("events"))
    # one rule per operation, as the benchmark lists them; the public-IP delete rule is missing
    assert events == ["db_firewall_delete", "db_firewall_write", "policy_assignment_delete", "policy_assignment_write",
                      "public_ip_write", "security_group_delete", "security_group_write", "security_solution_delete",
                      "security_solution_write"]
    health = next(r for r in inv.of_kind("monitor.alert") if r.name == "SampleActivityLogAlertRuleWithAnyOfCondition")
    assert health.prop("events") == [] and health.prop("notifies") is True
    f = _judge(_raw())[("monitoring.security_alerts", SUB)]
    assert f.status.value == "FAIL" and f.message.startswith("1 of 10") and "public_ip_delete" in f.message


def test_a_disabled_rule_does_not_count():
    alerts = json.loads((PUBLIC / "arg-activity-log-alerts.json").read_text(encoding="utf-8"))["data"]
    for a in alerts:
        a["properties"]["enabled"] = False
    f = _judge(_raw(resources=alerts))[("monitoring.security_alerts", SUB)]
    assert f.status.value == "FAIL" and "disabled" in f.message
