"""``cloudgov vendor check``: the register's facts through the shared engine and outputs."""

from __future__ import annotations

import json
from datetime import date

import pytest

from scanner.inventory import Inventory, save
from scanner.model import CoverageGap, Resource
from vendor_dd.check import build_inventory


def _findings(vendor_cli, *extra: str, tmp_path) -> dict[tuple[str, str], dict]:
    out = tmp_path / "out"
    r = vendor_cli("check", "--format", "json", "--output-dir", str(out), "--quiet", *extra)
    assert r.exit_code in (0, 1), r.output
    doc = json.loads((out / "findings.json").read_text())
    return {(f["policy"], f["resource"]["id"]): f for f in doc["findings"]}, r.exit_code


def test_sample_register_findings(register, sample_copy, tmp_path, vendor_cli):
    vendor_cli("import", str(sample_copy))
    f, code = _findings(vendor_cli, tmp_path=tmp_path)
    assert code == 1  # critical and high failures
    status = {k: v["status"] for k, v in f.items()}
    # the deliberate gaps of samples/vendors.yaml
    assert status[("vendor.audit_right_regulator", "vendor:nimbus-crm/crm")] == "FAIL"
    assert "CSM:CC-19000.4" in f[("vendor.audit_right_regulator", "vendor:nimbus-crm/crm")]["controls"]
    assert status[("vendor.deletion_certificate_clause", "vendor:nimbus-crm/crm")] == "FAIL"
    assert status[("vendor.assurance_report_current", "vendor:nimbus-crm")] == "FAIL"
    assert status[("vendor.review_current", "vendor:nimbus-crm/crm")] == "FAIL"
    assert status[("vendor.review_current", "vendor:formosa-msp/azure-ops")] == "FAIL"
    assert status[("vendor.audit_performed", "vendor:nimbus-crm/crm")] == "FAIL"
    assert status[("vendor.review_shortfalls_compensated", "vendor:nimbus-crm/crm")] == "FAIL"
    assert status[("vendor.audit_right_association", "vendor:aws-tw/core-trading")] == "FAIL"
    assert status[("vendor.audit_findings_tracked", "vendor:aws-tw/core-trading")] == "FAIL"
    assert status[("vendor.interoperability_clause", "vendor:formosa-msp/azure-ops")] == "FAIL"
    assert status[("vendor.evidence_expiring", "vendor:formosa-msp")] == "FAIL"
    assert status[("vendor.materiality_assessed", "vendor:formosa-msp/azure-ops")] == "FAIL"
    # unknown materiality is unknown for the checks an article limits to material services
    # (ETG 7.2: material natural-person systems): ERROR, never PASS
    assert status[("vendor.exit_clauses", "vendor:formosa-msp/azure-ops")] == "ERROR"
    # ETG 6.1 / 6.2 bind all cloud outsourcing, not only material services: judged whatever
    # the materiality
    assert status[("vendor.audit_right_regulator", "vendor:formosa-msp/azure-ops")] == "PASS"
    assert status[("vendor.audit_performed", "vendor:formosa-msp/azure-ops")] == "FAIL"
    # what is in order passes
    for pid in ("vendor.audit_right_regulator", "vendor.review_current", "vendor.audit_performed",
                "vendor.exit_clauses", "vendor.deletion_certificate_clause", "vendor.contract_in_force"):
        assert status[(pid, "vendor:aws-tw/core-trading")] == "PASS", pid
    assert status[("vendor.assurance_report_current", "vendor:aws-tw")] == "PASS"
    assert status[("vendor.audit_right_regulator", "vendor:aws-tw/data-lake")] == "PASS"
    assert status[("vendor.exit_clauses", "vendor:aws-tw/data-lake")] == "NOT_APPLICABLE"
    # without scans, the observed-region check does not pretend
    assert status[("vendor.data_location_observed", "vendor:aws-tw/core-trading")] == "NOT_APPLICABLE"
    # the renewed Nimbus contract is the one in force
    assert "nimbus-renewal-2026" in f[("vendor.contract_in_force", "vendor:nimbus-crm/crm")]["message"]


def test_review_overdue_depends_on_today(register, sample_copy, tmp_path, vendor_cli):
    vendor_cli("import", str(sample_copy))
    f, _ = _findings(vendor_cli, "--today", "2027-03-11", tmp_path=tmp_path)
    assert f[("vendor.review_current", "vendor:aws-tw/core-trading")]["status"] == "FAIL"
    assert "overdue since 2027-03-10" in f[("vendor.review_current", "vendor:aws-tw/core-trading")]["message"]
    f, _ = _findings(vendor_cli, "--today", "2027-03-10", tmp_path=tmp_path)
    assert f[("vendor.review_current", "vendor:aws-tw/core-trading")]["status"] == "PASS"


def test_waiver_and_fail_on(register, sample_copy, tmp_path, vendor_cli):
    vendor_cli("import", str(sample_copy))
    _, code = _findings(vendor_cli, "--fail-on", "critical", "--errors-pass", tmp_path=tmp_path)
    assert code == 1  # nimbus: no regulator audit right (critical)
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - id: W-VDD-1\n    policy: vendor.audit_right_regulator\n    resources: ['vendor:nimbus-crm/crm']\n"
        "    reason: renegotiation under way\n    compensating_control: quarterly documentary review\n"
        "    owner: vendor-mgmt\n    approver: CRO\n    expires: 2027-06-30\n"
    )
    f, code = _findings(vendor_cli, "--fail-on", "critical", "--errors-pass", "--waivers", str(waivers), tmp_path=tmp_path)
    assert f[("vendor.audit_right_regulator", "vendor:nimbus-crm/crm")]["status"] == "WAIVED"
    assert code == 0


def _scan(tmp_path, resources, gaps=()) -> str:
    inv = Inventory(collected_at="2026-11-20T00:00:00Z")
    inv.add_all(resources)
    for g in gaps:
        inv.gap(g)
    path = tmp_path / "scan.json"
    save(inv, path)
    return str(path)


def _bucket(account: str, region: str, **props) -> Resource:
    return Resource("aws", account, region, "storage.object", "AWS::S3::Bucket", f"arn:aws:s3:::{account}-{region}",
                    properties=props)


def test_observed_regions_from_linked_scans(register, sample_copy, tmp_path, vendor_cli):
    vendor_cli("import", str(sample_copy))
    scan = _scan(tmp_path, [
        _bucket("222222222222", "ap-east-2"),
        _bucket("333333333333", "ap-east-2", replica_regions=["ap-northeast-1"]),
        Resource("aws", "333333333333", "global", "identity.user", "AWS::IAM::User", "arn:aws:iam::333333333333:user/x"),
    ])
    f, _ = _findings(vendor_cli, "--inventory", scan, tmp_path=tmp_path)
    core = f[("vendor.data_location_observed", "vendor:aws-tw/core-trading")]
    assert core["status"] == "PASS" and core["evidence"]["observed_regions"] == ["ap-east-2"]
    lake = f[("vendor.data_location_observed", "vendor:aws-tw/data-lake")]
    assert lake["status"] == "FAIL" and "ap-northeast-1" in lake["message"]
    # a linked scope absent from the scans is unknown, not clean
    azure = f[("vendor.data_location_observed", "vendor:formosa-msp/azure-ops")]
    assert azure["status"] == "ERROR" and "azure:aaaaaaaa-1111-4aaa-8aaa-000000000001" in azure["message"]


def test_coverage_gap_in_a_linked_scope_is_error(register, sample_copy, tmp_path, vendor_cli):
    vendor_cli("import", str(sample_copy))
    gap = CoverageGap("aws", "222222222222", "ap-east-2", "s3", ("storage.object",), "AccessDenied", "denied")
    scan = _scan(tmp_path, [_bucket("222222222222", "ap-east-2")], [gap])
    f, _ = _findings(vendor_cli, "--inventory", scan, tmp_path=tmp_path)
    assert f[("vendor.data_location_observed", "vendor:aws-tw/core-trading")]["status"] == "ERROR"


def test_check_sarif_and_bad_inventory(register, sample_copy, tmp_path, vendor_cli):
    vendor_cli("import", str(sample_copy))
    out = tmp_path / "sarif"
    r = vendor_cli("check", "--format", "sarif", "--output-dir", str(out), "--quiet")
    assert r.exit_code == 1
    sarif = json.loads(next(out.iterdir()).read_text())
    rules = {rule["id"] for run in sarif["runs"] for rule in run["tool"]["driver"]["rules"]}
    assert "vendor.audit_right_regulator" in rules
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    r = vendor_cli("check", "--inventory", str(bad))
    assert r.exit_code == 2 and "malformed JSON" in str(r.exception)


def test_pseudo_resources_shape(register, sample_copy, vendor_cli):
    vendor_cli("import", str(sample_copy))
    with register.session() as s:
        inv = build_inventory(s, date(2026, 11, 21))
    svc = inv.get("vendor:aws-tw/core-trading")
    assert (svc.provider, svc.account, svc.region, svc.kind) == ("cloudgov", "aws-tw", None, "vendor.service")
    assert svc.prop("review.next_due") == "2027-03-10"
    assert svc.prop("clause.audit_right_regulator") == "present"
    assert svc.prop("clause.audit_right_regulator.where") == "aws-enterprise-2025 §FSA 4.2"
    assert svc.prop("declared_regions") == ["ap-east-2"]
    # the planned (future) pooled audit is not the last real audit
    assert svc.prop("audit.last_date") == "2026-06-30"
    crm = inv.get("vendor:nimbus-crm/crm")
    assert crm.prop("scopes") == [] and crm.prop("clause.deletion_certificate") == "missing"
    prov = inv.get("vendor:nimbus-crm")
    assert prov.prop("evidence.soc2_type2.valid_until") == "2026-08-14"
    assert [(r.source, r.type) for r in inv.relationships][0] == ("aws:222222222222", "operated_by")
    assert inv.collected_at == "2026-11-21T00:00:00Z"


def test_no_contract_means_unknown_clauses(register, tmp_path, vendor_cli):
    reg = tmp_path / "bare.yaml"
    reg.write_text("providers:\n  - {id: bare, legal_name: Bare Co, services: [{id: s, materiality: {material: true}}]}\n")
    vendor_cli("import", str(reg))
    f, _ = _findings(vendor_cli, tmp_path=tmp_path)
    assert f[("vendor.audit_right_regulator", "vendor:bare/s")]["status"] == "ERROR"
    assert f[("vendor.contract_in_force", "vendor:bare/s")]["status"] == "FAIL"
    assert f[("vendor.assurance_report_current", "vendor:bare")]["status"] == "FAIL"


@pytest.mark.parametrize("control", ["ETG:5.1", "ETG:5.2", "ETG:5.3", "ETG:6.1", "ETG:6.2", "ETG:6.4", "ETG:7.2", "CSM:CC-19000.4", "CSM:CC-21100.1.a"])
def test_controls_served_by_vendor_policies(control):
    from policies.registry import load_policies

    served = load_policies().controls_index().get(control, [])
    assert any(p.startswith("vendor.") for p in served), control


def test_concentration_of_material_services(register, tmp_path, vendor_cli):
    """ETG 4.1.4 (風險適度分散): a provider carrying more than 80 % of the material services FAILs;
    unassessed materiality is never counted as spread."""
    def run(name, text):
        (tmp_path / name).mkdir()
        reg = tmp_path / name / "r.yaml"
        reg.write_text(text)
        vendor_cli("import", str(reg))
        f, _ = _findings(vendor_cli, tmp_path=tmp_path / name)
        return {k[1]: v for k, v in f.items() if k[0] == "vendor.concentration"}

    one = run("one", "providers:\n"
              "  - {id: big, legal_name: Big, services: [{id: a, materiality: {material: true}},"
              " {id: b, materiality: {material: true}}, {id: c, materiality: {material: true}}]}\n"
              "  - {id: small, legal_name: Small, services: [{id: d, materiality: {material: false}}]}\n")
    assert one["vendor:big"]["status"] == "FAIL" and "3 of 3 material services (100%)" in one["vendor:big"]["message"]
    assert one["vendor:small"]["status"] == "PASS"
    more = run("more", "providers:\n"
               "  - {id: other, legal_name: Other, services: [{id: e, materiality: {material: true}},"
               " {id: f, materiality: {material: true}}]}\n")
    assert more["vendor:big"]["status"] == "PASS"  # 3 of 5 now
    assert more["vendor:other"]["evidence"]["share"] == 0.4


def test_concentration_unknown_when_nothing_is_assessed(register, tmp_path, vendor_cli):
    reg = tmp_path / "u.yaml"
    reg.write_text("providers:\n  - {id: u, legal_name: U, services: [{id: s}]}\n")
    vendor_cli("import", str(reg))
    f, _ = _findings(vendor_cli, tmp_path=tmp_path)
    assert f[("vendor.concentration", "vendor:u")]["status"] == "ERROR"
    reg.write_text("providers:\n  - {id: u, legal_name: U, services: [{id: s, materiality: {material: false}}]}\n")
    vendor_cli("import", str(reg))
    f, _ = _findings(vendor_cli, tmp_path=tmp_path / "again")
    assert f[("vendor.concentration", "vendor:u")]["status"] == "NOT_APPLICABLE"
