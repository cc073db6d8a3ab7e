"""Register workflows as pages: providers, services (materiality approval), contracts and
clauses, due-diligence review submit → approve with separation of duties, audits and their
findings, evidence upload (hashed, revisions, limits, safe names), exit plans, export."""

from __future__ import annotations

import hashlib
import re

import yaml

from tests.web.conftest import add_user, sign_in


def test_every_register_page_renders_on_the_samples(samples_app, users):
    vm = users["vendor_manager"]
    page = vm.http.get("/providers")
    assert page.status_code == 200
    slugs = re.findall(r'href="/providers/([a-z0-9\-]+)"', page.text)
    assert slugs
    for slug in set(slugs):
        r = vm.http.get(f"/providers/{slug}")
        assert r.status_code == 200, (slug, r.text[:500])
        for svc in set(re.findall(rf'href="/providers/{slug}/services/([a-z0-9\-]+)"', r.text)):
            assert vm.http.get(f"/providers/{slug}/services/{svc}").status_code == 200
        for c in set(re.findall(rf'href="/providers/{slug}/contracts/([a-z0-9\-]+)"', r.text)):
            assert vm.http.get(f"/providers/{slug}/contracts/{c}").status_code == 200
    for path in ("/exit-plans", "/changes", "/export/register.yaml"):
        assert vm.http.get(path).status_code == 200, path
    assert users["auditor"].http.get("/changes").status_code == 200


def test_provider_service_contract_round_trip(samples_app, users, tmp_path):
    vm = users["vendor_manager"]
    r = vm.post("/providers", {"id": "acme-cloud", "legal_name": "艾克米雲端股份有限公司", "tw_ubn": "12345678",
                               "headquarters_country": "TW", "certifications": "ISO 27001, SOC 2"})
    assert r.status_code == 303 and r.headers["location"] == "/providers/acme-cloud"
    r = vm.post("/providers/acme-cloud/services", {"id": "crm", "name": "CRM SaaS", "service_model": "SaaS",
                                                   "material": "yes", "materiality_criteria": "core, customer data",
                                                   "scopes": "aws:123456789012"})
    assert r.status_code == 303
    clauses = {"clause.audit_right_firm": "present", "section.audit_right_firm": "12.1",
               "clause.deletion_certificate": "missing", "clause.data_location": "partial"}
    r = vm.post("/providers/acme-cloud/contracts", {"id": "msa-2026", "title": "Master agreement",
                                                    "expires": "2029-12-31", **clauses})
    assert r.status_code == 303
    # the register export holds everything the pages set, and imports back with no change
    doc = yaml.safe_load(vm.http.get("/export/register.yaml").text)
    acme = next(p for p in doc["providers"] if p["id"] == "acme-cloud")
    assert acme["identifiers"] == {"tw_ubn": "12345678"} and acme["certifications"] == ["ISO 27001", "SOC 2"]
    svc = acme["services"][0]
    assert svc["materiality"] == {"material": True, "criteria": ["core", "customer data"]}  # not yet approved
    assert svc["scopes"] == [{"provider": "aws", "account": "123456789012"}]
    assert acme["contracts"][0]["clauses"]["audit_right_firm"] == {"status": "present", "section": "12.1"}
    from scanner.records.changelog import Who
    from scanner.store.db import session_scope
    from vendor_dd.importer import import_document

    with session_scope(samples_app.state.engine) as s:
        rep = import_document(s, Who.resolve("x"), doc, base_dir=tmp_path, evidence_root=tmp_path / "ev", source="rt")
        assert not [u for u in rep.updated if "acme" in u] and not [c for c in rep.created if "acme" in c]


def test_materiality_needs_another_persons_approval(samples_app, users):
    vm, ap = users["vendor_manager"], users["approver"]
    vm.post("/providers", {"id": "acme", "legal_name": "Acme"})
    vm.post("/providers/acme/services", {"id": "db", "name": "DB", "material": "yes"})
    page = ap.http.get("/approvals")
    aid = re.search(r'action="/approvals/(\d+)/approve"', page.text).group(1)
    # the vendor manager may not approve at all; the approver may, once
    assert vm.post(f"/approvals/{aid}/approve").status_code == 403
    assert ap.post(f"/approvals/{aid}/approve").status_code == 303
    assert "approver" in ap.http.get("/providers/acme/services/db").text


def test_review_submit_approve_with_separation_of_duties(samples_app, app):
    from vendor_dd.domains import REVIEW_DOMAINS

    vm_secret = add_user(app, "mgr", ["vendor_manager", "approver"])  # both roles: still not their own
    ap_secret = add_user(app, "appr2", ["approver"])
    vm, ap = sign_in(app, "mgr", vm_secret), sign_in(app, "appr2", ap_secret)
    vm.post("/providers", {"id": "acme", "legal_name": "Acme"})
    vm.post("/providers/acme/services", {"id": "db", "name": "DB"})
    assert vm.post("/providers/acme/services/db/review/start").status_code == 303
    form = {f"result.{d}": "met" for d in REVIEW_DOMAINS}
    form["result.backup"] = "not_met"
    form["compensating.backup"] = "nightly copy to the firm's own site <script>alert(1)</script>"
    form.pop("result.compliance")
    assert vm.post("/providers/acme/services/db/review", form).status_code == 303
    r = vm.post("/providers/acme/services/db/review/submit")
    assert r.status_code == 400 and "compliance" in r.text  # a domain without a result
    vm.post("/providers/acme/services/db/review", {**form, "result.compliance": "met"})
    assert vm.post("/providers/acme/services/db/review/submit").status_code == 303
    page = vm.http.get("/providers/acme/services/db/review")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert(1)" not in page.text
    aid = re.search(r'action="/approvals/(\d+)/approve"', page.text).group(1)
    r = vm.post(f"/approvals/{aid}/approve")
    assert r.status_code == 403 and "職務分離" in r.text
    assert ap.post(f"/approvals/{aid}/approve").status_code == 303
    from scanner.store.db import session_scope
    from vendor_dd.models import Change, Review

    with session_scope(app.state.engine) as s:
        review = s.query(Review).order_by(Review.id.desc()).first()
        assert (review.status, review.reviewer, review.approver) == ("completed", "mgr", "appr2")
        actors = {c.actor for c in s.query(Change).filter(Change.key == "acme/db")}
        assert actors == {"mgr", "appr2"}


def test_audit_findings_open_owner_due_close(samples_app, users):
    vm = users["vendor_manager"]
    vm.post("/providers", {"id": "acme", "legal_name": "Acme"})
    vm.post("/providers/acme/audits", {"party": "firm", "date": "2026-10-01", "findings": "no MFA on console\nold TLS"})
    page = vm.http.get("/providers/acme")
    ids = re.findall(r'id="audit-finding-(\d+)"', page.text)
    assert len(ids) == 2
    r = vm.post(f"/audit-findings/{ids[0]}", {"action": "close"})
    assert r.status_code == 400  # an owner first
    vm.post(f"/audit-findings/{ids[0]}", {"owner": "ops@example.tw", "due": "2026-12-31", "action": "save"})
    assert vm.post(f"/audit-findings/{ids[0]}", {"action": "close"}).status_code == 303
    doc = yaml.safe_load(vm.http.get("/export/register.yaml").text)
    findings = next(p for p in doc["providers"] if p["id"] == "acme")["audits"][0]["findings"]
    assert findings[0]["owner"] == "ops@example.tw" and findings[0]["status"] == "closed"
    assert findings[0]["remediation_due"] == "2026-12-31" and findings[1]["status"] == "open"


def test_evidence_upload_hashed_revisions_limits_and_names(samples_app, users, app):
    vm = users["vendor_manager"]
    vm.post("/providers", {"id": "acme", "legal_name": "Acme"})
    pdf = b"%PDF-1.4\n% SOC 2 report\n" + b"x" * 5000
    r = vm.post("/providers/acme/evidence", {"kind": "soc2-type2", "valid_until": "2027-06-30"},
                files={"upload": ("../../etc/passwd/..\\soc2 report.pdf", pdf, "application/pdf")})
    assert r.status_code == 303
    page = vm.http.get("/providers/acme")
    assert "soc2 report.pdf" in page.text and "passwd" not in page.text
    # same bytes: no new revision; new bytes, same name: revision 2; the first is kept
    vm.post("/providers/acme/evidence", {"kind": "soc2-type2"}, files={"upload": ("soc2 report.pdf", pdf, "application/pdf")})
    vm.post("/providers/acme/evidence", {"kind": "soc2-type2"},
            files={"upload": ("soc2 report.pdf", pdf + b"v2", "application/pdf")})
    from scanner.store.db import session_scope
    from vendor_dd.models import Evidence

    with session_scope(app.state.engine) as s:
        rows = s.query(Evidence).filter(Evidence.filename == "soc2 report.pdf").order_by(Evidence.revision).all()
        assert [e.revision for e in rows] == [1, 2]
        assert rows[0].sha256 == hashlib.sha256(pdf).hexdigest() and rows[0].added_by == "vendor-manager"
        first = rows[0].id
    got = vm.http.get(f"/evidence/{first}/download")
    assert got.content == pdf and got.headers["content-type"] == "application/octet-stream"
    assert "attachment" in got.headers["content-disposition"]
    # type and size limits
    assert vm.post("/providers/acme/evidence", {"kind": "other"},
                   files={"upload": ("x.html", b"<script>alert(1)</script>", "text/html")}).status_code == 400
    assert vm.post("/providers/acme/evidence", {"kind": "other"},
                   files={"upload": ("fake.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")}).status_code == 400
    app.state.settings.max_upload_bytes = 10_000
    r = vm.post("/providers/acme/evidence", {"kind": "other"}, files={"upload": ("big.pdf", b"%PDF-" + b"0" * 200_000)})
    assert r.status_code in (400, 413)
    for name in ("..", "/", "...", "\x00\x01"):
        assert vm.post("/providers/acme/evidence", {"kind": "other"},
                       files={"upload": (name, b"hello", "text/plain")}).status_code == 400


def test_board_member_cannot_read_the_register(samples_app, users):
    assert users["board_member"].http.get("/providers").status_code == 403
