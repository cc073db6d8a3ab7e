"""The live collector over real SDK clients and an injected azure-core transport (no network)."""

from __future__ import annotations

import pytest
from azure_recorded import ARG, GRAPH, IDS, FakeCredential, tenant_exchanges

from scanner.connectors.azure.collect import AzureCollector, collect_inventory
from scanner.connectors.azure.normalize import normalize
from scanner.connectors.azure.replay import Exchange, ReplayMiss, ReplayTransport


def run(exchanges, **kw):
    transport = ReplayTransport(exchanges)
    collector = AzureCollector(FakeCredential(), transport=transport, retry_backoff_factor=0, **kw)
    raw = collector.collect()
    return transport, collector, normalize(raw)


def by_name(inv, name):
    return next(r for r in inv if r.name == name)


def test_every_recording_is_used_and_pages_are_followed():
    transport, collector, inv = run(tenant_exchanges())
    assert transport.unused() == []
    # resources came in two Resource Graph pages (skip token), users in two Graph pages (nextLink)
    assert by_name(inv, "orders").kind == "database"  # from page 2 of resources
    assert by_name(inv, "dave@contoso.example").kind == "identity.user"  # from page 2 of users
    assert by_name(inv, "mi-backup-runner").prop("access_keys") == []  # from page 2 of servicePrincipals
    # VMs come in the same resources query (no call of their own), with power state and patch settings
    vm = by_name(inv, "vm-trading-01")
    assert vm.kind == "compute.instance" and vm.prop("state") == "running" and vm.prop("managed.agent") is True
    assert by_name(inv, "vm-jumpbox").prop("managed.agent") is False
    # ARM: + PIM eligibility per subscription; Graph: + eligibility, applications, 2 pages of servicePrincipals
    # + Defender plans per subscription, Conditional Access (ETG 8.2.2); + the log storage
    # account's containers and its two log containers' immutability policies (CSM CC-18000 (4)c)
    assert collector.counter.by_service == {"resourcegraph": 4, "arm": 14, "graph": 11}


def test_throttled_query_is_retried_after_retry_after():
    transport, collector, inv = run(tenant_exchanges(throttle_resources=True))
    statuses = [s for m, url, s in transport.calls if url.startswith(ARG)]
    assert statuses.count(429) == 1 and statuses.count(200) == 4
    assert by_name(inv, "stcustdatatw").prop("encryption.key_manager") == "customer"
    assert not [g for g in inv.coverage_gaps if g.service.startswith("resourcegraph")]


def test_403_on_one_subscription_is_a_gap_and_the_rest_is_intact():
    _, _, inv = run(tenant_exchanges())
    gaps = [g for g in inv.coverage_gaps if g.account == IDS["sub2"]]
    assert sorted((g.service, g.code, tuple(g.kinds)) for g in gaps) == [
        ("arm:diagnosticSettings", "AuthorizationFailed", ("log.trail",)),
        ("arm:pricings", "AuthorizationFailed", ("monitor.detector",))]
    trails = inv.of_kind("log.trail")
    assert [t.account for t in trails] == [IDS["sub1"]]  # no invented trail for sub2
    assert trails[0].prop("enabled") is True and trails[0].prop("management_events") is True
    assert {r.target for r in inv.outgoing(trails[0].id, "logs_to")} == {IDS["workspace"], IDS["log_storage"]}


def test_user_without_mfa_registration():
    _, _, inv = run(tenant_exchanges())
    bob = by_name(inv, "bob@contoso.example")
    assert bob.prop("mfa") is False and bob.prop("mfa_evidence") == "userRegistrationDetails"
    assert bob.prop("privileged") is True  # Contributor at subscription scope
    assert by_name(inv, "alice@contoso.example").prop("mfa") is True


def test_registration_report_forbidden_falls_back_to_conditional_access():
    transport, _, inv = run(tenant_exchanges(registration_403=True))
    assert transport.unused() == []
    alice = by_name(inv, "alice@contoso.example")  # Global Administrator: covered by the admins policy
    assert alice.prop("mfa") is True
    assert alice.prop("mfa_evidence") == "conditional_access: Require MFA for admins"
    bob = by_name(inv, "bob@contoso.example")  # only the report-only policy covers bob: unknown, not PASS
    assert bob.prop("mfa") is None
    assert "userRegistrationDetails unreadable" in bob.prop("mfa_evidence")
    gap = next(g for g in inv.coverage_gaps if g.service == "graph:userRegistrationDetails")
    assert gap.code == "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
    assert gap.kinds == ()  # fallback evidence was readable: users are judged one by one


def test_grs_account_in_hong_kong_replicates_to_singapore_from_live_pairs():
    _, _, inv = run(tenant_exchanges())
    grs = by_name(inv, "streportsgrs")
    assert grs.region == "eastasia"
    assert grs.prop("geo_redundant") is True
    assert grs.prop("secondary_regions") == ["southeastasia"]
    assert grs.prop("replica_regions") == []  # the pair is geo_redundant_storage's fact, not a replica


def test_whole_resource_graph_forbidden_is_a_tenant_gap_not_an_empty_pass():
    denied = {"error": {"code": "AuthorizationFailed", "message": "no access"}}
    exchanges = [
        Exchange("POST", ARG, 403, denied, repeat=True),
        Exchange("GET", f"{GRAPH}/users", 403, denied, repeat=True),
        Exchange("GET", f"{GRAPH}/directoryRoles", 403, denied),
        Exchange("GET", f"{GRAPH}/roleManagement/directory/roleEligibilityScheduleInstances", 403, denied),
        Exchange("GET", f"{GRAPH}/applications", 403, denied),
        Exchange("GET", f"{GRAPH}/servicePrincipals", 403, denied),
        Exchange("GET", f"{GRAPH}/reports/authenticationMethods/userRegistrationDetails", 403, denied),
        Exchange("GET", f"{GRAPH}/policies/identitySecurityDefaultsEnforcementPolicy", 403, denied),
        Exchange("GET", f"{GRAPH}/identity/conditionalAccess/policies", 403, denied),
    ]
    _, _, inv = run(exchanges, tenant=IDS["tenant"])
    services = {g.service for g in inv.coverage_gaps}
    assert {"resourcegraph:resourcecontainers", "resourcegraph:resources",
            "resourcegraph:authorizationresources", "graph:users"} <= services
    data_gap = next(g for g in inv.coverage_gaps if g.service == "resourcegraph:resources")
    assert "storage.object" in data_gap.kinds and data_gap.account == IDS["tenant"]
    mfa_gap = next(g for g in inv.coverage_gaps if g.service == "graph:userRegistrationDetails")
    assert mfa_gap.kinds == ("identity.user",)
    assert len(inv) == 0


def test_requested_subscription_not_visible_is_a_gap():
    exchanges = tenant_exchanges()
    _, _, inv = run(exchanges, subscriptions=[IDS["sub1"], IDS["sub2"], "bbbbbbbb-0000-0000-0000-000000000009"])
    assert any(g.account == "bbbbbbbb-0000-0000-0000-000000000009" and g.code == "SubscriptionNotFound"
               for g in inv.coverage_gaps)


def test_subscription_scope_is_sent_to_resource_graph():
    transport = ReplayTransport(tenant_exchanges())
    collector = AzureCollector(FakeCredential(), transport=transport, retry_backoff_factor=0,
                               subscriptions=[IDS["sub1"]])
    captured = []
    original = transport.send

    def spy(request, **kw):
        if request.url.startswith(ARG):
            captured.append(request.content if isinstance(request.content, str) else str(request.content))
        return original(request, **kw)

    transport.send = spy  # instance attribute on our own object: no module globals touched
    collector.collect()
    assert captured and all(IDS["sub1"] in body for body in captured)


def test_quota_exhausted_waits_for_reset():
    exchanges = tenant_exchanges()
    exchanges[0].headers = {"x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:03"}
    slept = []
    transport = ReplayTransport(exchanges)
    AzureCollector(FakeCredential(), transport=transport, retry_backoff_factor=0, sleep=slept.append).collect()
    assert slept == [3.0]


def test_unrecorded_request_fails_loudly():
    transport = ReplayTransport([])
    with pytest.raises(ReplayMiss):
        AzureCollector(FakeCredential(), transport=transport, retry_backoff_factor=0).query("resources")


def test_collect_inventory_records_api_calls_in_sources():
    inv = collect_inventory(FakeCredential(), transport=ReplayTransport(tenant_exchanges()), retry_backoff_factor=0)
    (src,) = inv.sources
    assert src.connector == "azure" and src.mode == "live"
    assert src.calls_by_api["resourcegraph"] == 4 and src.api_calls == sum(src.calls_by_api.values())


# --- audit-log stores as evidence (CSM CC-18000 (4)c): container immutability ---------------

def _audit_immutable(exchanges):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.engine import evaluate

    _, _, inv = run(exchanges)
    result = evaluate(inv, load_policies(), load_config())
    (f,) = [f for f in result.findings if f.policy == "logging.audit_store_immutable" and f.resource.id == IDS["log_storage"]]
    return inv, f


def _replace(exchanges, url_end, **kw):
    out = []
    for e in exchanges:
        if e.url.endswith(url_end):
            e = Exchange(e.method, e.url, **kw)
        out.append(e)
    return out


def test_locked_policies_on_every_log_container_make_the_store_immutable():
    inv, f = _audit_immutable(tenant_exchanges())
    assert inv.get(IDS["log_storage"]).prop("immutability") == "locked"
    assert f.status.value == "PASS", f.message


def test_an_unlocked_log_container_fails_and_one_without_a_policy_fails():
    import copy

    from azure_recorded import load

    unlocked = copy.deepcopy(load("public/immutability-policy-auditevent.json"))
    unlocked["properties"]["state"] = "Unlocked"
    ex = _replace(tenant_exchanges(), "insights-logs-auditevent/immutabilityPolicies/default", body=unlocked)
    inv, f = _audit_immutable(ex)
    assert inv.get(IDS["log_storage"]).prop("immutability") == "unlocked"
    assert f.status.value == "FAIL" and "lifted" in f.message
    # the activity-log container without any policy: nothing keeps its records
    bare = copy.deepcopy(load("public/blob-containers-auditlogs.json"))
    bare["value"][0]["properties"]["hasImmutabilityPolicy"] = False
    ex = [e for e in _replace(tenant_exchanges(), "/blobServices/default/containers", body=bare)
          if not e.url.endswith("insights-activity-logs/immutabilityPolicies/default")]
    inv, f = _audit_immutable(ex)
    assert inv.get(IDS["log_storage"]).prop("immutability") == "none" and f.status.value == "FAIL"


def test_an_unreadable_container_list_leaves_it_unknown_and_hides_no_resource():
    denied = {"error": {"code": "AuthorizationFailed", "message": "The client does not have authorization to perform "
                        "action 'Microsoft.Storage/storageAccounts/blobServices/containers/read'"}}
    ex = [e for e in _replace(tenant_exchanges(), "/blobServices/default/containers", status=403, body=denied)
          if "/immutabilityPolicies/" not in e.url]
    inv, f = _audit_immutable(ex)
    assert f.status.value == "ERROR", f.message
    (gap,) = [g for g in inv.coverage_gaps if g.service == "arm:containers"]
    assert gap.kinds == () and gap.code == "AuthorizationFailed"


def test_container_states_combine_as_the_weakest():
    from scanner.connectors.azure.logs import containers_immutability

    def c(name, has=None, hold=None, state=None):
        p = {"hasImmutabilityPolicy": has, "hasLegalHold": hold}
        if state:
            p["immutabilityPolicy"] = {"properties": {"state": state}}
        return {"name": name, "properties": {k: v for k, v in p.items() if v is not None}}

    assert containers_immutability([]) is None  # nothing written yet: unknown
    assert containers_immutability([c("insights-a", True, False, "Locked"), c("other", False, False)]) == "locked"
    assert containers_immutability([c("insights-a", True, False, "Locked"), c("insights-b", False, True)]) == "unlocked"
    assert containers_immutability([c("insights-a", True, False, "Locked"), c("insights-b", True)]) is None
    assert containers_immutability([c("insights-a", True), c("insights-b", False, False)]) == "none"
    assert containers_immutability([c("evidence", True, False, "Locked")]) == "locked"  # no insights-*: all of them
