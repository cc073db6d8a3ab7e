"""Scans in the browser and the API: stored scans, findings filter, diff, coverage gaps,
waivers request → approve → expire (never self-approved), the board dashboard and report."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import add_user, sign_in


def _scan_ids(client) -> list[int]:
    return [int(x) for x in re.findall(r'<td><a href="/scans/(\d+)">', client.http.get("/scans").text)]


def test_scans_findings_filter_diff_and_gaps(samples_app, users):
    eng = users["cloud_engineer"]
    ids = _scan_ids(eng)
    assert len(ids) == 4  # samples/history: four quarters
    newest, previous = ids[0], ids[1]
    api = eng.http.get(f"/api/scans/{newest}/findings", params={"per_page": 500}).json()
    assert api["total"] == len(api["findings"]) > 0
    fails = [f for f in api["findings"] if f["status"] == "FAIL"]
    by_area = eng.http.get(f"/api/scans/{newest}/findings", params={"area": "mfa", "status": "FAIL"}).json()
    assert by_area["total"] == sum(1 for f in fails if f["area"] == "mfa") > 0
    control = fails[0]["controls"][0]
    by_control = eng.http.get(f"/api/scans/{newest}/findings", params={"control": control}).json()
    assert by_control["total"] == sum(1 for f in api["findings"] if control in f["controls"])
    page = eng.http.get(f"/scans/{newest}", params={"area": "mfa", "status": "FAIL"})
    assert page.status_code == 200 and f"{by_area['total']}" in page.text
    # HTMX asks for the table only
    part = eng.http.get(f"/scans/{newest}", params={"area": "mfa"}, headers={"HX-Request": "true"})
    assert "<html" not in part.text and "findings-table" in part.text
    one = fails[0]
    detail = eng.http.get(f"/scans/{newest}/findings/{one['id']}")
    assert detail.status_code == 200 and one["resource_id"] in detail.text
    d = eng.http.get(f"/api/scans/{newest}/diff/{previous}").json()
    new_fp = {f["fingerprint"] for f in d["new"]}
    still_fp = {f["fingerprint"] for f in d["still"]}
    now_fp = {f["fingerprint"] for f in api["findings"]}
    assert new_fp | still_fp == now_fp and not new_fp & still_fp
    assert eng.http.get(f"/scans/{newest}/diff/{previous}").status_code == 200
    assert isinstance(eng.http.get(f"/api/scans/{newest}/gaps").json(), list)
    assert eng.http.get("/api/scans/999999/findings").status_code == 400


def test_vendor_filter_limits_to_the_providers_accounts(samples_app, users):
    eng = users["cloud_engineer"]
    newest = _scan_ids(eng)[0]
    everything = eng.http.get(f"/api/scans/{newest}/findings", params={"per_page": 500}).json()["findings"]
    vendors = eng.http.get("/api/providers", headers={}).status_code
    assert vendors == 200
    from scanner.store.db import session_scope
    from vendor_dd.models import CloudScope, Provider, Service

    with session_scope(samples_app.state.engine) as s:
        slug, pairs = None, set()
        for p in s.query(Provider):
            pairs = {(c.cloud, c.account) for c in s.query(CloudScope).join(Service).filter(Service.provider_id == p.id)}
            if pairs:
                slug = p.slug
                break
    got = eng.http.get(f"/api/scans/{newest}/findings", params={"vendor": slug, "per_page": 500}).json()
    assert got["total"] == sum(1 for f in everything if (f["provider"], f["account"]) in pairs)


def test_waiver_request_approve_expire_and_no_self_approval(samples_app, app, monkeypatch):
    eng_secret = add_user(app, "eng", ["cloud_engineer", "approver"])  # may approve, but not their own
    ap_secret = add_user(app, "ap", ["approver"])
    eng, ap = sign_in(app, "eng", eng_secret), sign_in(app, "ap", ap_secret)
    form = {"policy": "residency.data_location", "resources": "arn:aws:s3:::fmsa-research-hk",
            "reason": "<img src=x onerror=alert(1)> research mirror", "compensating_control": "nightly copy to ap-east-2",
            "owner": "infra@example.tw", "expires": "2099-01-01"}
    assert eng.post("/waivers", {**form, "resources": "*"}).status_code == 400  # a bare * waives everything
    assert eng.post("/waivers", {**form, "policy": "no.such_policy"}).status_code == 400
    assert eng.post("/waivers", form).status_code == 303
    page = eng.http.get("/waivers")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text and "<img src=x" not in page.text
    wid = re.search(r'action="/waivers/(\d+)/approve"', page.text).group(1)
    r = eng.post(f"/waivers/{wid}/approve")
    assert r.status_code == 403 and "職務分離" in r.text
    assert ap.post(f"/waivers/{wid}/approve").status_code == 303
    import yaml

    doc = yaml.safe_load(eng.http.get("/waivers.yaml").text)
    assert doc["waivers"][0]["approver"] == "ap" and doc["waivers"][0]["resources"] == ["arn:aws:s3:::fmsa-research-hk"]
    from scanner.waivers import parse_waivers

    assert len(parse_waivers(doc)) == 1  # the file a scan reads
    monkeypatch.setenv("CLOUDGOV_TODAY", "2099-01-02")
    assert eng.http.get("/api/waivers").json()[0]["status"] == "expired"


def test_board_dashboard_and_report(samples_app, users):
    board = users["board_member"]
    page = board.http.get("/board", params={"period": "2026-Q3"})
    assert page.status_code == 200 and 'id="posture"' in page.text
    html = board.http.get("/board/report", params={"period": "2026-Q3", "fmt": "html"})
    assert html.status_code == 200 and "<html" in html.text
    assert board.http.get("/board/report", params={"period": "nonsense"}).status_code == 400
    assert board.http.get("/api/board", params={"period": "2026-Q3"}).json()["has_scans"] is True


@pytest.mark.slow
def test_board_pdf(samples_app, users):
    pytest.importorskip("weasyprint")
    r = users["board_member"].http.get("/board/report", params={"period": "2026-Q3", "fmt": "pdf"})
    assert r.status_code == 200 and r.content.startswith(b"%PDF")


def test_api_changes_need_the_csrf_header_with_a_session(samples_app, users):
    vm = users["vendor_manager"]
    body = {"legal_name": "Acme API"}
    assert vm.http.put("/api/providers/acme-api", json=body).status_code == 403
    r = vm.http.put("/api/providers/acme-api", json=body, headers={"X-CSRF-Token": vm.csrf("/account")})
    assert r.status_code == 200 and r.json()["legal_name"] == "Acme API"
