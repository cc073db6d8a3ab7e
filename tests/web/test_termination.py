"""Terminations in the web (ETG 9.6): record the end of a service with its certificate of
deletion, then check a post-exit scan uploaded as export files — the same services as
``cloudgov exit terminate`` / ``verify``, on the samples' ``aws-tw/data-lake`` (a snapshot
left in Tokyo and a key still enabled: the check fails)."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from tests.web.conftest import add_user, sign_in

ROOT = Path(__file__).resolve().parents[2]
AFTER = ROOT / "samples" / "after-exit"
PAGE = "/exit-plans/aws-tw/data-lake"


def _post_files(client, path, data, files):
    token = client.csrf(PAGE)
    return client.http.post(path, data={**data, "csrf_token": token}, files=files, follow_redirects=False)


def test_record_termination_then_verify_a_post_exit_scan(samples_app):
    vm = sign_in(samples_app, "vm", add_user(samples_app, "vm", ["vendor_manager"]))
    auditor = sign_in(samples_app, "aud", add_user(samples_app, "aud", ["auditor"]))
    page = auditor.http.get(PAGE)
    assert page.status_code == 200 and 'id="termination-form"' not in page.text  # read-only for an auditor
    assert "尚未記錄終止" in page.text

    cert = AFTER / "deletion-certificate-data-lake.pdf"
    with cert.open("rb") as fh:
        r = _post_files(vm, f"{PAGE}/termination",
                        {"terminated_on": "2026-10-31", "reason": "moved to the new data platform",
                         "issued_by": "AWS Taiwan", "issued_on": "2026-11-05",
                         "scope": ["primary_data", "backups", "keys"], "also_scope": "aws:444455556666"},
                        {"certificate": (cert.name, fh, "application/pdf")})
    assert r.status_code == 303, r.text
    page = auditor.http.get(PAGE).text
    assert hashlib.sha256(cert.read_bytes()).hexdigest() in page
    assert "2026-10-31" in page and "AWS Taiwan" in page and "aws:444455556666" in page
    assert "複本 ✗" in page and "提供者保存的日誌 ✗" in page  # not covered by the certificate

    # a post-exit scan: what is left fails the check; the scope never scanned is named
    scan = AFTER / "data-lake-after-exit.json"
    with scan.open("rb") as fh:
        r = _post_files(vm, f"{PAGE}/verification", {}, {"files": (scan.name, fh, "application/json")})
    assert r.status_code == 303, r.text
    page = auditor.http.get(PAGE).text
    rows = re.search(r'<table id="verification-list">(.*?)</table>', page, re.S).group(1)
    assert "未通過：仍有殘留" in rows
    assert "snapshot" in rows.lower()
    assert "aws:444455556666: not in the scan" in html.unescape(rows)

    from exit_plans.service import termination_for
    from scanner.store.db import session_scope
    from vendor_dd.register import find_service

    with session_scope(samples_app.state.engine) as s:
        term = termination_for(s, find_service(s, "aws-tw/data-lake"))
        assert term.recorded_by == "vm" and term.verifications[-1].recorded_by == "vm"
        assert term.verifications[-1].result == "fail" and term.scope == ["backups", "keys", "primary_data"]
    changes = auditor.http.get("/changes", params={"key": "aws-tw/data-lake"}).text
    assert "verify" in changes and "vm" in changes


def test_termination_refusals(samples_app):
    eng = sign_in(samples_app, "eng", add_user(samples_app, "eng", ["cloud_engineer"]))
    r = eng.post(f"{PAGE}/termination", {"terminated_on": "2026-10-31"}, token_from=PAGE)
    assert r.status_code == 403 and r.headers["x-cloudgov-denied"] == "needs register.edit"
    vm = sign_in(samples_app, "vm", add_user(samples_app, "vm", ["vendor_manager"]))
    r = vm.post(f"{PAGE}/verification", {}, token_from=PAGE)
    assert r.status_code == 400 and "aws-tw/data-lake：尚未記錄終止；請先記錄" in html.unescape(r.text)
    r = vm.post(f"{PAGE}/termination", {"terminated_on": "2099-01-01", "scope": "primary_data"}, token_from=PAGE)
    assert r.status_code == 400 and "終止日期 2099-01-01 在未來" in html.unescape(r.text)
    assert vm.http.get("/exit-plans/aws-tw/no-such").status_code == 400
