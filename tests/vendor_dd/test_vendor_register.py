"""Import, export, reviews, audits and the change log, on every backend."""

from __future__ import annotations

import json
from datetime import date

import pytest
import yaml
from sqlalchemy import func, select

from scanner.errors import InputError
from vendor_dd import facts
from vendor_dd.importer import import_document, read_document
from vendor_dd.models import Change, Clause, Evidence, Provider, Service
from scanner.records.changelog import Who
from vendor_dd.register import complete_review, find_service, record_domain, start_review

WHO = Who("tester", date(2026, 11, 21), __import__("datetime").datetime(2026, 11, 21, 12, tzinfo=__import__("datetime").UTC))


def _import(register, path):
    doc = read_document(path)
    with register.session() as s:
        return import_document(s, WHO, doc, base_dir=path.parent, evidence_root=register.evidence, source=path.name)


def _count(register, model) -> int:
    with register.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_import_sample_then_again_changes_nothing(register, sample_copy):
    first = _import(register, sample_copy)
    assert "provider aws-tw" in first.created and "service nimbus-crm/crm" in first.created
    counts = {m.__name__: _count(register, m) for m in (Provider, Service, Clause, Evidence, Change)}
    assert counts["Provider"] == 3 and counts["Service"] == 4
    second = _import(register, sample_copy)
    assert second.created == [] and second.updated == []
    assert {m.__name__: _count(register, m) for m in (Provider, Service, Clause, Evidence, Change)} == counts


def test_import_records_who_and_what(register, sample_copy):
    _import(register, sample_copy)
    text = sample_copy.read_text().replace("rto_hours: 2\n", "rto_hours: 1\n", 1)
    sample_copy.write_text(text)
    rep = _import(register, sample_copy)
    assert rep.updated == ["service aws-tw/core-trading"]
    with register.session() as s:
        last = s.scalars(select(Change).order_by(Change.id.desc())).first()
        assert (last.actor, last.action, last.entity, last.key) == ("tester", "update", "service", "aws-tw/core-trading")
        assert last.details == {"rto_hours": [2.0, 1.0]}


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: t.replace("approved_on: 2025-02-20", "approved_on: 2025/02/20", 1), "is not a date in the form YYYY-MM-DD"),
        (lambda t: t.replace("  - id: nimbus-crm", "  - id: aws-tw", 1), "duplicate id 'aws-tw'"),
        (lambda t: t.replace("aws-soc2-type2-2026.pdf", "missing-report.pdf", 1), "no such evidence file"),
        (lambda t: t.replace("service_model: SaaS", "service_model: FaaS", 1), "unknown service model 'FaaS'"),
        (lambda t: t.replace("audit_right_regulator: missing", "audit_right_regulator: maybe", 1), "unknown clause status"),
        (lambda t: t.replace("providers:\n", "providers: [\n", 1), "malformed YAML at line"),
    ],
    ids=["date-format", "duplicate-provider", "missing-evidence-file", "bad-choice", "bad-clause-status", "malformed-yaml"],
)
def test_bad_input_is_one_sentence_and_writes_nothing(register, sample_copy, mutate, message):
    sample_copy.write_text(mutate(sample_copy.read_text()))
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        _import(register, sample_copy)
    assert _count(register, Provider) == 0 and _count(register, Change) == 0


def test_cli_bad_input_exit_2_without_traceback(register, sample_copy, cli):
    sample_copy.write_text(sample_copy.read_text().replace("expires: 2028-01-31", "expires: 31/01/2028"))
    r = cli("vendor", "import", str(sample_copy), "--db", register.url)
    assert r.returncode == 2
    assert r.stderr.strip().startswith("cloudgov: error:") and "Traceback" not in r.stderr
    assert "expires: '31/01/2028' is not a date" in r.stderr
    r = cli("vendor", "show", "no-such-vendor", "--db", register.url)
    assert r.returncode == 2 and "unknown provider 'no-such-vendor'" in r.stderr


def test_export_yaml_reimports_to_the_same_register(register, sample_copy, tmp_path, monkeypatch, vendor_cli):
    assert vendor_cli("import", str(sample_copy)).exit_code == 0
    out = vendor_cli("export", "--format", "yaml")
    assert out.exit_code == 0
    exported = yaml.safe_load(out.stdout)
    assert [p["id"] for p in exported["providers"]] == ["aws-tw", "formosa-msp", "nimbus-crm"]
    (tmp_path / "export.yaml").write_text(out.stdout)
    # into a fresh SQLite register with its own evidence store
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("CLOUDGOV_EVIDENCE_DIR", str(tmp_path / "other-evidence"))
    r = vendor_cli("--", "vendor", "import", str(tmp_path / "export.yaml"), "--db", other)
    assert r.exit_code == 0, r.output
    again = vendor_cli("--", "vendor", "export", "--format", "yaml", "--db", other)
    def strip(doc):  # store paths and who added the files differ between the two stores
        for p in doc["providers"]:
            for e in p.get("evidence", []):
                e.pop("file", None)
            for a in p.get("audits", []):
                a.pop("report", None)
        return doc
    assert strip(yaml.safe_load(again.stdout)) == strip(exported)


def test_export_csv_and_json(register, sample_copy, vendor_cli):
    vendor_cli("import", str(sample_copy))
    csv_text = vendor_cli("export", "--format", "csv").stdout
    lines = csv_text.splitlines()
    assert lines[0].startswith("provider,legal_name,name_en,headquarters_country,service,")
    assert len(lines) == 5  # header + 4 services
    crm = next(line for line in lines if line.startswith("nimbus-crm,"))
    assert ",overdue," in crm and "missing" in crm
    doc = json.loads(vendor_cli("export", "--format", "json").stdout)
    assert doc["format"] == "cloudgov.vendors" and doc["review_cadence_days"] == {"material": 365, "non_material": 730}
    assert vendor_cli("export", "--format", "xml").exit_code == 2


def test_csv_sheet_imports(register, tmp_path, vendor_cli):
    sheet = tmp_path / "vendors.csv"
    sheet.write_text(
        "provider,legal_name,service,service_name,service_model,material,scopes,declared_regions\n"
        "gcp-tw,Google Cloud Taiwan,ledger,Ledger DB,PaaS,true,gcp:ledger-prod;gcp:ledger-dr,asia-east1\n"
    )
    assert vendor_cli("import", str(sheet)).exit_code == 0
    with register.session() as s:
        svc = find_service(s, "gcp-tw/ledger")
        assert svc.material is True and svc.service_model == "PaaS"
        assert [(x.cloud, x.account) for x in svc.scopes] == [("gcp", "ledger-dr"), ("gcp", "ledger-prod")]
        assert svc.declared_regions == ["asia-east1"]


def test_review_lifecycle_and_next_due(register, sample_copy):
    _import(register, sample_copy)
    with register.session() as s:
        start_review(s, WHO, "formosa-msp/azure-ops")
    with register.session() as s:
        with pytest.raises(InputError, match="already in progress"):
            start_review(s, WHO, "formosa-msp/azure-ops")
    with register.session() as s:
        with pytest.raises(InputError, match="domains without a result: service_level"):
            complete_review(s, WHO, "formosa-msp/azure-ops", "CISO")
    with register.session() as s:
        for d in ("service_level", "backup", "data_destruction", "logical_isolation", "log_retention",
                  "security_capability", "incident_notification", "bcp_dr", "expertise", "internal_control", "compliance"):
            record_domain(s, WHO, "formosa-msp/azure-ops", d, "met")
        record_domain(s, WHO, "formosa-msp/azure-ops", "financial_soundness", "not_met",
                      finding="losses two years running", compensating="escrow of runbooks; quarterly financial review")
        with pytest.raises(InputError, match="unknown result"):
            record_domain(s, WHO, "formosa-msp/azure-ops", "backup", "fine")
    with register.session() as s:
        complete_review(s, WHO, "formosa-msp/azure-ops", "CISO Lee", declared_regions=["taiwannorth"])
    with register.session() as s:
        svc = find_service(s, "formosa-msp/azure-ops")
        # materiality unassessed → the material cadence (365 days), never the longer one
        assert facts.next_review_due(svc) == (date(2027, 11, 21), "cadence")
        svc.material = False
    with register.session() as s:
        svc = find_service(s, "formosa-msp/azure-ops")
        assert facts.next_review_due(svc, {"non_material": 730}) == (date(2028, 11, 20), "cadence")
        svc.next_review_override = date(2027, 1, 31)
        assert facts.next_review_due(svc) == (date(2027, 1, 31), "override")
        assert [c.action for c in s.scalars(select(Change).where(Change.entity == "review"))][-1] == "complete"


def test_review_cli(register, sample_copy, vendor_cli):
    vendor_cli("import", str(sample_copy))
    r = vendor_cli("review", "start", "aws-tw/core-trading")
    assert r.exit_code == 0, r.output
    assert vendor_cli("review", "set", "aws-tw/core-trading", "backup", "--result", "met").exit_code == 0
    r = vendor_cli("review", "complete", "aws-tw/core-trading", "--approver", "CIO")
    assert r.exit_code == 2 and "domains without a result" in str(r.exception)
    assert vendor_cli("review", "start", "aws-tw/nope").exit_code == 2


def test_audit_add_last_real_audit_and_overdue_findings(register, sample_copy, tmp_path, vendor_cli):
    vendor_cli("import", str(sample_copy))
    report = tmp_path / "audit.pdf"
    report.write_bytes(b"regulator audit report")
    r = vendor_cli("audit", "add", "nimbus-crm", "--party", "regulator", "--date", "2026-06-30", "--report", str(report),
                   "--finding", "No deletion certificate", "--due", "2026-10-31", "--scope", "CRM data handling")
    assert r.exit_code == 0, r.output
    vendor_cli("audit", "add", "nimbus-crm", "--party", "firm", "--date", "2027-02-01")  # planned
    assert vendor_cli("audit", "add", "nimbus-crm", "--party", "auditor", "--date", "2026-01-01").exit_code == 2
    assert vendor_cli("audit", "add", "nimbus-crm", "--party", "firm", "--date", "2026-01-01", "--finding", "a",
                      "--finding", "b", "--due", "2026-02-01").exit_code == 2
    with register.session() as s:
        svc = find_service(s, "nimbus-crm/crm")
        last = facts.last_real_audit(svc, date(2026, 11, 21))
        assert (last.party, last.audit_date, last.report.kind) == ("regulator", date(2026, 6, 30), "audit-report")
        f = facts.service_facts(svc, date(2026, 11, 21))
        assert f["audit.last_date"] == "2026-06-30"
        assert f["audit.findings_overdue"][0]["description"] == "No deletion certificate"
