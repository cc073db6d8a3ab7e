"""Service-principal credentials (access_keys) and PIM eligible roles: the pure mapping on
recorded payloads, and the live collector through the engine over the injected transport."""

from __future__ import annotations

import copy

import pytest
from azure_recorded import GRAPH, IDS, FakeCredential, named, recorded_raw, tenant_exchanges

from scanner.connectors.azure.normalize import normalize
from scanner.connectors.azure.replay import Exchange, ReplayTransport

# --- pure normalization ------------------------------------------------------------------------


def test_active_application_secret_is_an_active_key_without_its_hint():
    sp = named(normalize(recorded_raw()), "deploy-pipeline")
    assert sp.prop("access_keys") == [{
        "id": "k0000000-0000-0000-0000-00000000ac71", "active": True, "created": "2025-03-01T00:00:00Z",
        "last_used": None, "type": "client_secret", "owner": "application", "expires": "2099-03-01T00:00:00Z",
        "name": "pipeline-secret"}]
    assert "Xy~" not in repr(sp.properties) and "Xy~" not in repr(sp.raw)  # the secret hint is dropped
    assert sp.prop("credential_evidence").startswith("1 active of 1")


def test_expired_secret_is_inactive_and_federated_credentials_are_not_counted():
    sp = named(normalize(recorded_raw()), "report-exporter")
    assert [(k["id"], k["active"]) for k in sp.prop("access_keys")] == [("k0000000-0000-0000-0000-0000000e4b1d", False)]
    assert sp.prop("federated_credentials") == 1
    assert "federated identity credential(s) not counted" in sp.prop("credential_evidence")


def test_expiry_is_judged_at_collection_time():
    raw = recorded_raw()
    raw.collected_at = "2025-01-01T00:00:00Z"  # before the secret ended
    assert named(normalize(raw), "report-exporter").prop("access_keys")[0]["active"] is True


def test_managed_identity_has_no_keys():
    mi = named(normalize(recorded_raw()), "mi-backup-runner")
    assert mi.prop("access_keys") == [] and mi.prop("credential_evidence").startswith("managed identity")


def test_unreadable_or_foreign_credentials_stay_unknown():
    raw = recorded_raw()
    raw.applications, raw.credentials_error = None, "application credentials unreadable (applications: 403)"
    sp = named(normalize(raw), "deploy-pipeline")
    assert "access_keys" not in sp.properties and "403" in sp.prop("credential_evidence")

    raw = recorded_raw()
    foreign = next(s for s in raw.service_principals if s["id"] == IDS["sp"])
    foreign["appOwnerOrganizationId"] = "22222222-2222-2222-2222-222222222222"
    raw.applications = [a for a in raw.applications if a["appId"] != IDS["app_deploy"]]
    sp = named(normalize(raw), "deploy-pipeline")
    assert "access_keys" not in sp.properties and "registered in tenant 2222" in sp.prop("credential_evidence")

    raw = recorded_raw()
    for s in raw.service_principals:  # a page exported without the credential fields
        s.pop("passwordCredentials")
    assert "access_keys" not in named(normalize(raw), "report-exporter").properties


def test_saml_signing_certificate_is_not_a_sign_in_credential():
    raw = recorded_raw()
    sp = next(s for s in raw.service_principals if s["id"] == IDS["sp_expired"])
    sp["keyCredentials"] = [{"keyId": "k-sign", "usage": "Sign", "endDateTime": "2099-01-01T00:00:00Z"},
                            {"keyId": "k-verify", "usage": "Verify", "endDateTime": "2099-01-01T00:00:00Z",
                             "startDateTime": "2025-01-01T00:00:00Z"}]
    keys = named(normalize(raw), "report-exporter").prop("access_keys")
    assert [(k["id"], k["type"], k["owner"], k["active"]) for k in keys] == [
        ("k0000000-0000-0000-0000-0000000e4b1d", "client_secret", "application", False),
        ("k-verify", "certificate", "service_principal", True)]


def test_eligible_global_administrator_is_privileged():
    erin = named(normalize(recorded_raw()), "erin@contoso.example")
    assert erin.prop("roles") == ["Global Administrator"]
    assert erin.prop("eligible_roles") == ["Global Administrator"]
    assert erin.prop("privileged") is True
    assert erin.prop("privileged_reason") == "eligible (PIM) for directory role Global Administrator"


def test_eligible_owner_and_administrative_unit_scope():
    carol = named(normalize(recorded_raw()), "carol@contoso.example")
    assert carol.prop("roles") == ["Directory Readers", "Owner", "Reader"]  # not the AU-scoped role
    assert carol.prop("eligible_roles") == [
        f"Owner at /subscriptions/{IDS['sub1']}",
        "User Administrator (directory scope /administrativeUnits/au000000-0000-0000-0000-0000000000a1)"]
    assert carol.prop("privileged_reason").startswith("eligible (PIM) for Owner at subscription scope")


def test_active_reason_wins_over_eligible():
    raw = recorded_raw()
    inst = copy.deepcopy(raw.directory_eligibility[0])
    inst["principalId"] = inst["principal"]["id"] = IDS["users"]["alice"]
    raw.directory_eligibility.append(inst)
    assert named(normalize(raw), "alice@contoso.example").prop("privileged_reason") == \
        "directory role Global Administrator"


def test_unread_eligibility_leaves_privilege_unknown():
    raw = recorded_raw()
    raw.directory_eligibility = None
    erin = named(normalize(raw), "erin@contoso.example")
    assert "roles" not in erin.properties and "privileged" not in erin.properties
    raw = recorded_raw()
    raw.eligibility_unread = [f"/subscriptions/{IDS['sub2']}: AuthorizationFailed"]
    assert "actions" not in named(normalize(raw), "dave@contoso.example").properties


def test_eligible_custom_role_not_in_the_definitions_is_unresolved():
    raw = recorded_raw()
    inst = copy.deepcopy(raw.rbac_eligibility[0])
    props = inst["properties"]
    props["principalId"] = IDS["users"]["erin"]
    props["roleDefinitionId"] = props["roleDefinitionId"].rsplit("/", 1)[0] + "/dddddddd-0000-0000-0000-000000000001"
    props["expandedProperties"]["roleDefinition"] = {"displayName": "Secret Ops", "type": "CustomRole"}
    raw.rbac_eligibility = [inst]
    raw.directory_eligibility = []
    erin = named(normalize(raw), "erin@contoso.example")
    assert "roles" not in erin.properties  # permissions of that role are unknown, not harmless


# --- live collection through the engine ---------------------------------------------------------


def evaluate(exchanges):
    from policies.registry import load_policies
    from scanner.config import load_config
    from scanner.connectors.azure.collect import collect_inventory
    from scanner.engine import evaluate as run

    transport = ReplayTransport(exchanges)
    inv = collect_inventory(FakeCredential(), transport=transport, retry_backoff_factor=0)
    assert transport.unused() == []
    result = run(inv, load_policies(), load_config(None), None, source="test")
    return inv, {(f.policy, f.resource.name): f.status.value for f in result.findings}


def test_privileged_service_principal_keys_and_eligible_admin_through_the_engine():
    inv, status = evaluate(tenant_exchanges())
    assert status[("mfa.privileged_access_keys", "deploy-pipeline")] == "FAIL"  # active client secret
    assert status[("mfa.privileged_access_keys", "report-exporter")] == "PASS"  # only an expired secret
    assert status[("mfa.privileged_access_keys", "mi-backup-runner")] == "PASS"  # managed identity
    assert status[("mfa.privileged_users", "erin@contoso.example")] == "FAIL"  # eligible GA, no MFA
    assert status[("mfa.privileged_users", "carol@contoso.example")] == "PASS"  # eligible Owner, MFA
    assert inv.collected_at and not [g for g in inv.coverage_gaps if "ligib" in g.service or "applic" in g.service]


def test_refused_application_read_is_a_gap_and_error_not_pass():
    inv, status = evaluate(tenant_exchanges(applications_403=True))
    gap = next(g for g in inv.coverage_gaps if g.service == "graph:applications")
    assert gap.code == "Authorization_RequestDenied" and gap.kinds == ("identity.user",)
    assert "Application.Read.All" in gap.message
    assert status[("mfa.privileged_access_keys", "deploy-pipeline")] == "ERROR"
    assert status[("mfa.privileged_access_keys", "report-exporter")] == "ERROR"
    assert status[("mfa.privileged_access_keys", "graph:applications (Authorization_RequestDenied)")] == "ERROR"
    assert status[("mfa.privileged_access_keys", "mi-backup-runner")] == "PASS"  # known from its type


def test_refused_pim_read_makes_privilege_unknown_not_absent():
    inv, status = evaluate(tenant_exchanges(pim_403=True))
    gap = next(g for g in inv.coverage_gaps if g.service == "graph:roleEligibilityScheduleInstances")
    assert gap.kinds == ("identity.user", "identity.group")
    assert status[("mfa.privileged_users", "erin@contoso.example")] == "ERROR"  # was NOT_APPLICABLE
    assert status[("mfa.privileged_users", "bob@contoso.example")] == "FAIL"  # active privilege still known


@pytest.mark.parametrize("host", ["graph", "arm"])
def test_tenant_without_pim_licence_has_no_eligible_roles(host):
    no_p2 = {"error": {"code": "AadPremiumLicenseRequired", "message": "The tenant needs to have Microsoft "
                       "Entra ID P2 or Microsoft Entra ID Governance license."}}
    exchanges = []
    for ex in tenant_exchanges():
        if "roleeligibilityscheduleinstances" in ex.url.lower() and (ex.url.startswith(GRAPH) == (host == "graph")):
            ex = Exchange(ex.method, ex.url, 400, no_p2)
        exchanges.append(ex)
    inv, status = evaluate(exchanges)
    licence = [g for g in inv.coverage_gaps if g.code == "AadPremiumLicenseRequired"]
    assert len(licence) == 1 and licence[0].kinds == ()  # recorded, but blanks nothing
    assert status[("mfa.privileged_users", "dave@contoso.example")] != "ERROR"
    expected = "NOT_APPLICABLE" if host == "graph" else "FAIL"
    assert status[("mfa.privileged_users", "erin@contoso.example")] == expected


def test_eligibility_refused_on_one_subscription_is_a_gap_for_it():
    exchanges = []
    for ex in tenant_exchanges():
        if ex.url.endswith(f"{IDS['sub2']}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances"):
            ex = Exchange(ex.method, ex.url, 403, {"error": {"code": "AuthorizationFailed", "message": "no"}})
        exchanges.append(ex)
    inv, status = evaluate(exchanges)
    gap = next(g for g in inv.coverage_gaps if g.service == "arm:roleEligibilityScheduleInstances")
    assert gap.account == IDS["sub2"] and gap.code == "AuthorizationFailed"
    assert status[("mfa.privileged_users", "carol@contoso.example")] == "PASS"  # what was read still counts


def test_management_group_eligibility_is_read_and_merged_by_id():
    from azure_recorded import ARM, load

    from scanner.connectors.azure.collect import AzureCollector

    mg = "/providers/Microsoft.Management/managementGroups/mg-root"
    seen_from_sub = load("arm-role-eligibility-sub1.json")["value"][0]  # also listed at the group: once
    at_group = copy.deepcopy(seen_from_sub)
    at_group["id"] = f"{mg}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances/c0000000-mg"
    at_group["properties"].update(principalId=IDS["users"]["dave"], scope=mg)
    exchanges = tenant_exchanges() + [Exchange(
        "GET", f"{ARM}{mg}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances",
        body={"value": [seen_from_sub, at_group]})]
    transport = ReplayTransport(exchanges)
    raw = AzureCollector(FakeCredential(), transport=transport, retry_backoff_factor=0,
                         management_group="mg-root").collect()
    assert transport.unused() == []
    assert len(raw.rbac_eligibility) == 2
    dave = named(normalize(raw), "dave@contoso.example")
    assert dave.prop("privileged_reason") == f"eligible (PIM) for Owner at management group scope {mg}"
    assert f"Owner at {mg}" in dave.prop("eligible_roles")
