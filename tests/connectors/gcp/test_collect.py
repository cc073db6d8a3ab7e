"""The real google-cloud-asset client (REST transport) against a local replay endpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("google.cloud.asset_v1")

from asset_api_server import AssetApi, recorded  # noqa: E402

from scanner.connectors.gcp import collect as collect_mod  # noqa: E402
from scanner.connectors.gcp.collect import collect, make_client, parse_scope  # noqa: E402
from scanner.connectors.gcp.directory import fetch_directory  # noqa: E402
from scanner.connectors.gcp.normalize import normalize  # noqa: E402
from scanner.errors import UsageError  # noqa: E402

DATA = Path(__file__).parents[2] / "data" / "gcp"
ORG = "organizations/100000000001"



@pytest.fixture
def api():
    server = AssetApi(
        recorded("org-export.ndjson"),
        recorded("iam-export.ndjson"),
        users=[{"primaryEmail": "chen.ops@example.com.tw", "isEnrolledIn2Sv": False},
               {"primaryEmail": "it-admin@example.com.tw", "isEnrolledIn2Sv": True, "isAdmin": True}],
    )
    url = server.start()
    server.url = url
    yield server
    server.stop()


def test_organisation_scan_reads_every_group_and_the_policies(api):
    got = collect([ORG], make_client(endpoint=api.url), retry_initial=0.01)
    assert not got.gaps and got.coverage.iam_policies
    assert "storage.googleapis.com/Bucket" in got.coverage.resource_types
    # one call per group, one for hierarchy IAM policies with auditConfigs, one search
    assert got.calls == api.calls() == len(collect_mod.ASSET_GROUPS) + 2
    inv = normalize(got.records, coverage=got.coverage, gaps=got.gaps)
    assert inv.get("//storage.googleapis.com/trading-prod-reports-asia").region == "asia"
    org_trail = inv.get("//cloudresourcemanager.googleapis.com/organizations/100000000001/auditConfigs")
    assert org_trail.properties["data_access_logs"] == ["allServices"]  # auditConfigs came through
    assert inv.get("user:chen.ops@example.com.tw").properties["roles"] == ["roles/owner"]
    # VMs and the compute project's metadata come in the compute group's one call (ETG 8.4.2)
    web = inv.get("//compute.googleapis.com/projects/trading-prod/zones/asia-east1-b/instances/web-01")
    assert web.kind == "compute.instance" and web.prop("state") == "running" and web.prop("managed.agent") is True
    batch = inv.get("//compute.googleapis.com/projects/trading-prod/zones/asia-east1-a/instances/batch-01")
    assert batch.prop("managed.detail") == "enable-osconfig TRUE in the project's metadata"


def test_paging_follows_next_page_tokens(api, monkeypatch):
    monkeypatch.setattr(collect_mod, "LIST_PAGE_SIZE", 2)
    monkeypatch.setattr(collect_mod, "SEARCH_PAGE_SIZE", 1)
    got = collect([ORG], make_client(endpoint=api.url), retry_initial=0.01)
    assert len({r.name for r in got.records if r.data is not None}) == len(recorded("org-export.ndjson"))
    storage_pages = [e for e in api.log if e["route"] == "list:RESOURCE"
                     and "storage.googleapis.com/Bucket" in json.dumps(e["query"])]
    # 3 buckets + 2 disks + 1 snapshot, 2 a page
    assert [e["query"].get("pageToken") for e in storage_pages] == [None, "2", "4"]
    assert got.calls == api.calls()


def test_quota_errors_are_retried(api):
    api.faults[("search", ORG)] += [429, 503]
    api.faults[("list:IAM_POLICY", ORG)] += [429]
    got = collect([ORG], make_client(endpoint=api.url), retry_initial=0.01)
    assert not got.gaps and got.retries == 3
    assert got.calls == api.calls() == len(collect_mod.ASSET_GROUPS) + 2 + 3


def test_retries_that_run_out_become_a_gap(api):
    api.faults[("list:RESOURCE", ORG)] += [429] * 50
    got = collect([ORG], make_client(endpoint=api.url), retry_initial=0.01, retry_deadline=0.3, workers=1,
                  groups={"kms": collect_mod.ASSET_GROUPS["kms"], "hierarchy": collect_mod.ASSET_GROUPS["hierarchy"]})
    codes = {g.service: g.code for g in got.gaps}
    assert codes["cloudasset:kms"] == "RESOURCE_EXHAUSTED"
    assert "cloudkms.googleapis.com/CryptoKey" not in got.coverage.resource_types


def test_permission_error_on_one_project_is_a_coverage_gap(api):
    api.denied.add(("list", "projects/200000000002"))
    got = collect(["projects/200000000001", "projects/200000000002"], make_client(endpoint=api.url),
                  retry_initial=0.01)
    denied = [g for g in got.gaps if g.account == "200000000002"]
    assert len(denied) == len(collect_mod.ASSET_GROUPS) + 1  # every list call for that project
    assert {g.code for g in denied} == {"PERMISSION_DENIED"}
    assert not [g for g in got.gaps if g.account == "200000000001"]
    inv = normalize(got.records, coverage=got.coverage, gaps=got.gaps)
    # the readable project is intact
    assert inv.get("//storage.googleapis.com/trading-prod-orders").properties["encryption.key_manager"] == "customer"
    assert inv.gaps_for("gcp", "200000000002", "log.store")


def test_bad_scope_is_a_usage_error():
    with pytest.raises(UsageError, match="organizations/<number>"):
        parse_scope("org/123")
    assert parse_scope("projects/trading-prod/") == "projects/trading-prod"


def test_directory_users_paged_and_refusal(api):
    import requests

    calls = []
    directory, gaps = fetch_directory("my_customer", requests.Session(), base_url=api.url, on_call=lambda: calls.append(1))
    assert not gaps and directory.users["chen.ops@example.com.tw"]["isEnrolledIn2Sv"] is False
    assert len(calls) == 1
    api.denied.add(("directory", "my_customer"))
    directory, gaps = fetch_directory("my_customer", requests.Session(), base_url=api.url, backoff=0.01)
    assert directory.error and "403" in directory.error
    (gap,) = gaps
    assert gap.service == "admin.directory" and gap.code == "PERMISSION_DENIED"


def test_directory_throttling_is_retried(api):
    import requests

    api.faults[("directory", "my_customer")] += [429, 503]
    directory, gaps = fetch_directory("my_customer", requests.Session(), base_url=api.url, backoff=0.01)
    assert not gaps and len(directory.users) == 2


def test_rejected_credentials_are_one_input_error(api):
    from scanner.errors import InputError

    api.faults[("search", ORG)] += [401]
    with pytest.raises(InputError, match="rejected the credentials"):
        collect([ORG], make_client(endpoint=api.url), retry_initial=0.01)


def test_missing_default_credentials_are_one_input_error(monkeypatch, tmp_path):
    from scanner.errors import InputError

    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(InputError, match="Application Default Credentials|credentials"):
        make_client()


def test_unreachable_endpoint_is_one_input_error():
    import socket

    from scanner.errors import InputError

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(InputError, match=f"Cannot reach the Cloud Asset API at http://127.0.0.1:{port}"):
        collect([ORG], make_client(endpoint=f"http://127.0.0.1:{port}"), retry_initial=0.01, workers=1)
