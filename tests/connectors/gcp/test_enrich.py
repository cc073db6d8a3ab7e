"""What Cloud Asset cannot say — group members, inherited roles, key last use — read live
from the local replay endpoint and from offline exports, asserting the findings a user sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytest.importorskip("google.cloud.asset_v1")

from asset_api_server import AssetApi, recorded  # noqa: E402

from scanner.connectors.gcp.enrich import enrich  # noqa: E402
from scanner.connectors.gcp.facts import Groups  # noqa: E402
from scanner.connectors.gcp.normalize import normalize_dicts  # noqa: E402
from scanner.connectors.offline import load_paths  # noqa: E402

DATA = Path(__file__).parents[2] / "data" / "gcp"
ORG = "organizations/100000000001"
PROJECT = "projects/200000000001"
WU = "user:wu.sre@example.com.tw"  # in platform-admins, bound to roles/owner on the folder
KAO = "user:kao.vendor@partner.example"  # in platform-admins, outside the directory
LAI = "user:lai.oncall@example.com.tw"  # in sre-oncall, nested in platform-admins
HUANG = "user:huang.ops@example.com.tw"  # roles/editor on the organization only
WANG = "user:wang.analyst@example.com.tw"  # roles/viewer on the project, and in platform-admins
DEPLOYER = "serviceAccount:deployer@trading-prod.iam.gserviceaccount.com"



def _groups() -> dict[str, list[dict]]:
    return {p.name[: -len(".json")]: json.loads(p.read_text()) for p in (DATA / "groups").glob("*.json")}


@pytest.fixture
def api():
    server = AssetApi(
        recorded("org-export.ndjson"),
        recorded("iam-export.ndjson"),
        users=[{"primaryEmail": "wu.sre@example.com.tw", "isEnrolledIn2Sv": False},
               {"primaryEmail": "lai.oncall@example.com.tw", "isEnrolledIn2Sv": True},
               {"primaryEmail": "huang.ops@example.com.tw", "isEnrolledIn2Sv": False},
               {"primaryEmail": "wang.analyst@example.com.tw", "isEnrolledIn2Sv": False}],
        groups=_groups(),
        activities={"trading-prod": json.loads((DATA / "activity-trading-prod.json").read_text())},
    )
    server.url = server.start()
    yield server
    server.stop()


def _scan(api, tmp_path, *args: str) -> tuple[dict, dict]:
    res = run_cli("scan", "gcp", "--endpoint-url", api.url, "--directory-customer", "my_customer", *args,
                  "-f", "json", "-o", str(tmp_path), "--save-inventory", str(tmp_path / "inv.json"))
    assert res.returncode in (0, 1), res.stderr
    assert "Traceback" not in res.stderr
    doc = json.loads((tmp_path / "findings.json").read_text())
    found = {(f["policy"], f["resource"]["id"]): f for f in doc["findings"]}
    return found, doc


def _status(found, policy, rid):
    return found[(policy, rid)]["status"]


def test_group_member_of_an_owner_group_without_2sv_fails(api, tmp_path):
    found, doc = _scan(api, tmp_path, "--scope", ORG, "--read-groups")
    assert _status(found, "mfa.privileged_users", WU) == "FAIL"
    assert "platform-admins" in found[("mfa.privileged_users", WU)]["message"]
    assert _status(found, "mfa.privileged_users", LAI) == "PASS"  # nested group, 2SV on
    # a viewer in their own right, an owner through the group
    assert _status(found, "mfa.privileged_users", WANG) == "FAIL"
    # known to be in a privileged group, but outside the directory: MFA unknown, never a pass
    assert _status(found, "mfa.privileged_users", KAO) == "ERROR"
    assert not [g for g in doc["coverage_gaps"] if g["service"] == "cloudidentity.groups"]
    inv = json.loads((tmp_path / "inv.json").read_text())
    (src,) = inv["sources"]
    # lookup + one page of members for each of auditors, platform-admins and the nested sre-oncall
    assert src["calls_by_api"]["cloudidentity"] == api.calls("groups") + api.calls("memberships") == 6
    assert src["api_calls"] == api.calls()


def test_unreadable_group_membership_is_an_error_not_a_pass(api, tmp_path):
    api.denied.add(("memberships", "platform-admins@example.com.tw"))
    found, doc = _scan(api, tmp_path, "--scope", ORG, "--read-groups")
    # the same user, no 2SV: a viewer on their own, and whether the group makes them an owner
    # is unknown -> ERROR, never "not privileged"
    assert _status(found, "mfa.privileged_users", WANG) == "ERROR"
    assert "group" in found[("mfa.privileged_users", WANG)]["message"]
    # a directly privileged user is still judged on their own roles
    assert _status(found, "mfa.privileged_users", HUANG) == "FAIL"
    assert ("mfa.privileged_users", WU) not in found  # named nowhere else: only the gap speaks for them
    (gap,) = [g for g in doc["coverage_gaps"] if g["service"] == "cloudidentity.groups"]
    assert gap["code"] == "PERMISSION_DENIED" and "platform-admins@example.com.tw" in gap["message"]
    gap_id = "gap:gcp:100000000001:global:cloudidentity.groups"
    assert _status(found, "mfa.privileged_users", gap_id) == "ERROR"


def test_without_read_groups_membership_stays_unknown_as_before(api, tmp_path):
    found, _ = _scan(api, tmp_path, "--scope", ORG)
    assert ("mfa.privileged_users", WU) not in found  # not named by any binding: not seen
    assert api.calls("groups") == 0
    inv = json.loads((tmp_path / "inv.json").read_text())
    group = next(r for r in inv["resources"] if r["id"] == "group:platform-admins@example.com.tw")
    assert "--read-groups" in group["properties"]["members_unknown_reason"]


def test_project_scan_sees_roles_granted_on_the_organization(api, tmp_path):
    found, doc = _scan(api, tmp_path, "--scope", PROJECT)
    assert _status(found, "mfa.privileged_users", HUANG) == "FAIL"  # org-level roles/editor, no 2SV
    assert "roles/editor" in found[("mfa.privileged_users", HUANG)]["message"]
    assert api.calls("getIamPolicy") == 2  # the folder and the organization
    assert not [g for g in doc["coverage_gaps"] if g["service"].startswith("cloudresourcemanager")]
    inv = json.loads((tmp_path / "inv.json").read_text())
    folder_trail = next(r for r in inv["resources"]
                        if r["id"] == "//cloudresourcemanager.googleapis.com/folders/300000000001/auditConfigs")
    assert folder_trail["kind"] == "log.trail"
    assert folder_trail["properties"]["covered_accounts"] == ["trading-prod"]
    assert folder_trail["properties"]["data_access_logs"] == ["storage.googleapis.com"]


def test_refused_ancestor_policy_is_a_gap(api, tmp_path):
    api.denied.add(("getIamPolicy", ORG))
    found, doc = _scan(api, tmp_path, "--scope", PROJECT)
    (gap,) = [g for g in doc["coverage_gaps"] if g["service"] == "cloudresourcemanager:getIamPolicy"]
    assert gap["account"] == "100000000001" and gap["code"] == "PERMISSION_DENIED"
    assert "identity.user" in gap["kinds"]
    assert ("mfa.privileged_users", HUANG) not in found  # the org binding was never seen
    errors = [f for f in doc["findings"] if f["policy"] == "mfa.privileged_users" and f["status"] == "ERROR"
              and "getIamPolicy" in f["message"]]
    assert errors


def test_project_without_readable_assets_asks_for_its_ancestry(api, tmp_path):
    api.denied.add(("list", PROJECT))
    api.denied.add(("search", PROJECT))
    _scan(api, tmp_path, "--scope", PROJECT)
    assert api.calls("getAncestry") == 1 and api.calls("getIamPolicy") == 2


def test_key_last_use_from_policy_analyzer(api, tmp_path):
    _scan(api, tmp_path, "--scope", ORG)
    inv = json.loads((tmp_path / "inv.json").read_text())
    sa = next(r for r in inv["resources"] if r["id"] == DEPLOYER)
    (key,) = sa["properties"]["access_keys"]
    assert key["last_used"] == "2026-03-02T07:00:00Z"
    assert sa["properties"]["last_used"] == "2026-10-28T07:00:00Z"  # any credential, not only the key
    assert api.calls("activity") == 2  # one project with keys × two activity types


def test_no_key_activity_skips_policy_analyzer(api, tmp_path):
    _scan(api, tmp_path, "--scope", ORG, "--no-key-activity")
    assert api.calls("activity") == 0


def test_refused_activity_leaves_last_use_unknown_and_is_a_gap(api, tmp_path):
    api.denied.add(("activity", "projects/trading-prod"))
    _, doc = _scan(api, tmp_path, "--scope", ORG)
    inv = json.loads((tmp_path / "inv.json").read_text())
    sa = next(r for r in inv["resources"] if r["id"] == DEPLOYER)
    assert sa["properties"]["access_keys"][0]["last_used"] is None and "last_used" not in sa["properties"]
    assert any(g["service"] == "policyanalyzer" and g["account"] == "trading-prod" for g in doc["coverage_gaps"])


def test_enrich_on_an_organisation_scan_without_keys_or_groups_makes_no_call():
    got = enrich([ORG], [], session=object())
    assert got.calls == {} and got.groups is None and got.activity is None


# --- normalization and offline files ---------------------------------------------------------------

def test_nested_group_chain_and_unreadable_placeholder():
    groups = Groups()
    for email, items in _groups().items():
        if email != "sre-oncall@example.com.tw":
            groups.add(email, items)
    inv = normalize_dicts(recorded("org-export.ndjson") + recorded("iam-export.ndjson"), groups=groups)
    assert [r.target for r in inv.outgoing("group:sre-oncall@example.com.tw", "member_of")] == [
        "group:platform-admins@example.com.tw"]
    nested = inv.get("group:sre-oncall@example.com.tw")
    assert nested.properties["roles"] == [] and "members_unknown_reason" in nested.properties
    # sre-oncall was never read: anyone may be in it
    assert "group:sre-oncall@example.com.tw" in [
        r.target for r in inv.outgoing("user:huang.ops@example.com.tw", "may_be_member_of")]


def test_offline_exports_of_groups_ancestors_and_activity(tmp_path):
    res = run_cli("scan", "snapshot", str(DATA / "org-export.ndjson"), str(DATA / "iam-export.ndjson"),
                  str(DATA / "groups"), str(DATA / "activity-trading-prod.json"), "-f", "json", "-o", str(tmp_path))
    assert res.returncode == 1, res.stderr
    found = {(f["policy"], f["resource"]["id"]): f for f in json.loads((tmp_path / "findings.json").read_text())["findings"]}
    assert found[("mfa.privileged_users", WU)]["status"] == "ERROR"  # privileged via the group; no directory
    assert "--directory-customer" in found[("mfa.privileged_users", WU)]["message"]
    inv = load_paths([DATA / "org-export.ndjson", DATA / "ancestors-iam-policy.json"])
    huang = inv.get(HUANG)
    assert huang.properties["roles"] == ["roles/editor"]
    assert huang.properties["role_scopes"] == ["//cloudresourcemanager.googleapis.com/organizations/100000000001"]


def test_membership_file_must_be_named_after_its_group(tmp_path):
    from scanner.errors import InputError

    (tmp_path / "members.json").write_text((DATA / "groups" / "auditors@example.com.tw.json").read_text())
    with pytest.raises(InputError, match="group-email"):
        load_paths([DATA / "iam-export.ndjson", tmp_path / "members.json"])
