"""Pure normalization over recorded payloads (no clients, no transports)."""

from __future__ import annotations

import copy

from azure_recorded import IDS, load, named, recorded_raw

from scanner.connectors.azure.identity import scope_level
from scanner.connectors.azure.logs import iso_days
from scanner.connectors.azure.normalize import normalize

S1 = IDS["sub1"]


def test_subscription_is_an_account_with_its_tenant():
    inv = normalize(recorded_raw())
    sub = inv.get(f"/subscriptions/{S1}")
    assert sub.kind == "account" and sub.account == S1 and sub.prop("organization_id") == IDS["tenant"]


def test_storage_cmk_and_redundancy():
    inv = normalize(recorded_raw())
    cmk = named(inv, "stcustdatatw")
    assert cmk.native_type == "Microsoft.Storage/storageAccounts"
    assert cmk.prop("encryption.key_manager") == "customer"
    key = inv.outgoing(cmk.id, "encrypted_by")[0].target
    assert inv.get(key).prop("rotation_enabled") is True and inv.get(key).prop("rotation_period_days") == 90
    assert cmk.prop("geo_redundant") is False and cmk.prop("replica_regions") == []


def test_unknown_sku_and_missing_encryption_stay_unknown():
    raw = recorded_raw()
    row = next(r for r in raw.resources if r["name"] == "stcustdatatw")
    row["sku"] = {}
    del row["properties"]["encryption"]
    acct = named(normalize(raw), "stcustdatatw")
    for key in ("geo_redundant", "replica_regions", "encryption.key_manager", "encryption.enabled"):
        assert key not in acct.properties


def test_grs_without_readable_pairs_leaves_secondary_unknown():
    raw = recorded_raw()
    raw.locations = None
    grs = named(normalize(raw), "streportsgrs")
    assert grs.prop("geo_redundant") is True
    assert "secondary_regions" not in grs.properties
    assert grs.prop("replica_regions") == []  # an unknown pair is geo_redundant_storage's one ERROR


def test_disks_sql_cosmos():
    inv = normalize(recorded_raw())
    assert named(inv, "vm-orders-osdisk").prop("encryption.key_manager") == "customer"
    assert named(inv, "scratch").prop("encryption.key_manager") == "provider"
    assert named(inv, "orders").prop("encryption.key_manager") == "customer"
    assert not [r for r in inv if r.name == "master"]
    cosmos = named(inv, "cosmos-quotes")
    assert "japaneast" in cosmos.prop("data_locations")  # every region of locations[] holds the data
    assert cosmos.prop("replica_regions") == []


def test_workspace_and_table_retention_with_log_class():
    inv = normalize(recorded_raw())
    ws = named(inv, "law-audit")
    assert ws.kind == "log.store" and ws.prop("retention_days") == 90 and ws.prop("log_class") == "audit"
    table = named(inv, "law-audit/AzureActivity")
    assert table.prop("retention_days") == 1095 and table.prop("log_class") == "audit"
    assert not [r for r in inv if r.name == "law-audit/Heartbeat"]  # default retention: the workspace's


def test_log_storage_account_retention_from_lifecycle():
    raw = recorded_raw()
    assert named(normalize(raw), "stauditlogs").prop("retention_days") == 400
    raw.lifecycle[IDS["log_storage"].lower()] = None  # 404: no policy
    assert named(normalize(raw), "stauditlogs").prop("retention_unlimited") is True
    del raw.lifecycle[IDS["log_storage"].lower()]  # not read: unknown
    acct = named(normalize(raw), "stauditlogs")
    assert "retention_days" not in acct.properties and "retention_unlimited" not in acct.properties


def test_no_activity_log_export_is_a_disabled_trail():
    raw = recorded_raw()
    raw.diagnostic_settings = {S1: []}
    trail = normalize(raw).of_kind("log.trail")[0]
    assert trail.prop("enabled") is False and trail.prop("all_regions") is True


def test_privilege_by_scope_and_groups():
    inv = normalize(recorded_raw())
    dave = named(inv, "dave@contoso.example")  # Contributor on a resource group only
    assert "privileged" not in dave.properties and dave.prop("roles") == ["Contributor"]
    group = named(inv, "sg-platform-ops")
    assert group.kind == "identity.group" and group.prop("privileged") is True
    assert "Microsoft.Authorization/*" in group.prop("actions")
    assert [r.target for r in inv.outgoing(dave.id, "member_of")] == [group.id]
    sp = named(inv, "deploy-pipeline")
    assert sp.prop("human") is False and sp.native_type == "Microsoft.Graph/servicePrincipals"
    assert sp.account == IDS["tenant"] and sp.region == "global"


def test_roles_unknown_when_rbac_unread():
    raw = recorded_raw()
    raw.authorization = None
    alice = named(normalize(raw), "alice@contoso.example")
    assert alice.prop("roles") == ["Global Administrator"]  # what is known is kept
    carol = named(normalize(raw), "carol@contoso.example")
    assert "actions" not in carol.properties


def test_security_defaults_evidence():
    raw = recorded_raw()
    raw.registration, raw.registration_error = None, "userRegistrationDetails unreadable (403)"
    raw.security_defaults = {"isEnabled": True}
    bob = named(normalize(raw), "bob@contoso.example")
    assert bob.prop("mfa") is True and bob.prop("mfa_evidence").startswith("security_defaults")


def test_conditional_access_excluding_an_unread_group_claims_nothing():
    raw = recorded_raw()
    raw.registration = None
    policy = copy.deepcopy(load("graph-ca-policies.json")["value"][0])
    policy["conditions"]["users"] = {"includeUsers": ["All"], "excludeGroups": ["g-unknown"]}
    raw.ca_policies = [policy]
    assert named(normalize(raw), "alice@contoso.example").prop("mfa") is None
    policy["conditions"]["users"] = {"includeUsers": ["All"], "excludeUsers": [IDS["users"]["bob"]]}
    inv = normalize(raw)
    assert named(inv, "alice@contoso.example").prop("mfa") is True
    assert named(inv, "bob@contoso.example").prop("mfa") is None


def test_mfa_or_compliant_device_is_not_mfa():
    raw = recorded_raw()
    raw.registration = None
    policy = copy.deepcopy(load("graph-ca-policies.json")["value"][0])
    policy["grantControls"] = {"operator": "OR", "builtInControls": ["mfa", "compliantDevice"]}
    raw.ca_policies = [policy]
    assert named(normalize(raw), "alice@contoso.example").prop("mfa") is None


def test_helpers():
    assert iso_days("P90D") == 90 and iso_days("P1Y") == 365 and iso_days("P2M") == 60 and iso_days("x") is None
    assert scope_level("/") == "root"
    assert scope_level("/providers/Microsoft.Management/managementGroups/mg") == "management_group"
    assert scope_level(f"/subscriptions/{S1}") == "subscription"
    assert scope_level(f"/subscriptions/{S1}/resourceGroups/rg") == "resource_group"
    assert scope_level(f"/subscriptions/{S1}/resourceGroups/rg/providers/x/y/z") == "resource"


def test_sign_in_activity_is_last_used_and_users_have_no_keys():
    alice = named(normalize(recorded_raw()), "alice@contoso.example")
    assert alice.prop("last_used") == "2026-10-21T05:00:00Z"
    assert alice.prop("access_keys") == []
    assert "last_used" not in named(normalize(recorded_raw()), "bob@contoso.example").properties
