"""Generate the malformed-input corpus: one folder per input kind, each file a case that
must end in exit 2, one line on stderr, nothing written (tests/test_bad_corpus.py).

    .venv/bin/python tests/data/bad/generate.py     # rewrites tests/data/bad/<kind>/

Every kind gets the same generic hostile files (encodings, bombs, wrong shapes, unsafe YAML
tags) plus mutations of a valid document of that kind (wrong types and values in the fields
that matter). The valid bases are our own samples (samples/waivers.yaml, samples/vendors.yaml,
samples/exit-plans.yaml) and small documents written here; the hostile shapes follow the
classic published attacks (billion laughs, gzip bombs, CSV/XML injection are elsewhere).
"""

from __future__ import annotations

import gzip
import json
import shutil
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]

FINDINGS = {
    "schema": "cloudgov.findings/1",
    "evaluated_at": "2026-05-01T00:00:00Z",
    "source": "corpus",
    "findings": [
        {"id": "f1", "policy": "mfa.root_account", "status": "FAIL", "severity": "critical",
         "resource": {"id": "arn:aws:iam::111111111111:root"}, "message": "no MFA"},
    ],
}
INVENTORY = {"format": "cloudgov.inventory", "version": 1, "encoding": "json", "collected_at": "2026-05-01T00:00:00Z",
             "sources": [], "resources": [], "relationships": [], "coverage_gaps": []}
CONFIG = "fail_on: high\nidentity: {unused_credentials_days: 90}\nhistory: {retention_days: 730}\n"
CSV = "provider,legal_name,service,rto_hours,material,service_model,scopes\nacme,Acme,svc,4,yes,IaaS,aws:111122223333\n"
APPETITE = "concentration: {max_provider_share: 0.8, max_region_share: 0.9}\ntop_risks: 5\n"

BILLION_LAUGHS = "\n".join(
    ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
) + "\n"
PYTHON_TAG = "!!python/object/apply:os.system ['echo pwned > /tmp/cloudgov-pwned']\n"


def _generic(ext: str) -> dict[str, bytes]:
    """Hostile files any input kind must refuse (ext: .yaml or .json)."""
    deep = ("[" * 5_000 + "]" * 5_000) if ext == ".json" else ("a: " + "[" * 5_000 + "]" * 5_000)
    cases = {
        "empty": b"",
        "whitespace": b"  \n\t\n",
        "binary": bytes(range(256)) * 4,
        "utf16-bom": "format: x\nname: 台灣\n".encode("utf-16"),
        "latin1": "name: caf\xe9 ma\xefs\n".encode("latin-1"),
        "nul-bytes": b"name: a\x00b\n",
        "deep-nesting": deep.encode(),
        "scalar": b"5\n",
        "string": b'"just a string"\n',
        "list": b"[1, 2, 3]\n",
        "truncated": b'{"format": "cloudgov' if ext == ".json" else b"a: [1, 2\nb: {c: \n",
    }
    if ext == ".yaml":
        cases |= {
            "billion-laughs": BILLION_LAUGHS.encode(),
            "python-object-tag": PYTHON_TAG.encode(),
            "impossible-date-top": b"expires: 2026-02-30\n",
            "tab-indent": b"a:\n\tb: 1\n",
            "duplicate-anchor-alias-loop": b"a: &x [*x]\n",
        }
    else:
        cases |= {
            "nan-literal": b'{"a": NaN, "b": Infinity}',
            "trailing-garbage": b'{"a": 1} {"b": 2}',
            "lone-surrogate": b'{"a": "\\ud800"}',
        }
    return cases


def _sub(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _yaml_mutations(base: str, subs: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    return {name: _sub(base, old, new).encode() for name, (old, new) in subs.items()}


def _json_mutations(base: dict, edits: dict[str, Callable[[dict], None]]) -> dict[str, bytes]:
    out = {}
    for name, edit in edits.items():
        doc = json.loads(json.dumps(base))
        edit(doc)
        out[name] = json.dumps(doc).encode()
    return out


def _f(field: str, value: object) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        doc["findings"][0][field] = value

    return edit


def _top(field: str, value: object) -> Callable[[dict], None]:
    def edit(doc: dict) -> None:
        if value is _DELETE:
            doc.pop(field, None)
        else:
            doc[field] = value

    return edit


_DELETE = object()


#: optional overlays, where an empty file means "nothing to add" (valid, not a case)
_EMPTY_IS_VALID = ("empty", "whitespace")


def _overlay(cases: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in cases.items() if k not in _EMPTY_IS_VALID}


def kinds() -> dict[str, tuple[str, dict[str, bytes]]]:
    waivers = (ROOT / "samples" / "waivers.yaml").read_text(encoding="utf-8")
    # evidence paths resolved from tests/data/bad/register/, so that a case fails for its own fault
    vendors = (ROOT / "samples" / "vendors.yaml").read_text(encoding="utf-8").replace(
        "vendor-evidence/", "../../../../samples/vendor-evidence/")
    plans = (ROOT / "samples" / "exit-plans.yaml").read_text(encoding="utf-8")
    findings_edits = {
        "status-unknown": _f("status", "PASSED"),
        "status-lowercase": _f("status", "fail"),
        "status-number": _f("status", 1),
        "severity-unknown": _f("severity", "urgent"),
        "policy-missing": _f("policy", ""),
        "resource-string": _f("resource", "arn:aws:iam::1:root"),
        "resource-no-id": _f("resource", {"provider": "aws"}),
        "finding-not-mapping": lambda d: d.__setitem__("findings", [5]),
        "findings-mapping": _top("findings", {"a": 1}),
        "findings-missing": _top("findings", _DELETE),
        "schema-wrong": _top("schema", "cloudgov.findings/9"),
        "schema-missing": _top("schema", _DELETE),
        "evaluated-at-bad": _top("evaluated_at", "yesterday"),
        "evaluated-at-number": _top("evaluated_at", 20260501),
        "controls-not-list": _f("controls", "ETG:8.2.3"),
    }
    return {
        # a list of non-mappings is reported entry by entry and waives nothing (not exit 2)
        "waivers": (".yaml", {k: v for k, v in _overlay(_generic(".yaml")).items() if k != "list"} | _yaml_mutations(waivers, {
            "impossible-date": ("expires: 2027-03-31", "expires: 2027-02-30"),
            "unknown-policy": ("policy: residency.data_location", "policy: residency.nope"),
            "waivers-mapping": ("waivers:\n  - id: W-2026-001", "waivers: {a: 1}\nignored:\n  - id: W-2026-001"),
            "waivers-text": ("waivers:\n  - id: W-2026-001", "waivers: all of them\nignored:\n  - id: W-2026-001"),
            "waivers-number": ("waivers:\n  - id: W-2026-001", "waivers: 5\nignored:\n  - id: W-2026-001"),
            "policy-glob": ("policy: residency.data_location", "policy: 'residency.*'"),
            "policy-case": ("policy: residency.data_location", "policy: Residency.Data_Location"),
            "policy-padded": ("policy: residency.data_location", "policy: ' residency.data_location'"),
        }) | {
            "unknown-policy-in-a-list": b"- {id: W, policy: nope.nope, resources: [arn:aws:s3:::abcdef], reason: r,"
                                        b" compensating_control: c, owner: o, approver: a, expires: 2027-01-01}\n",
        }),
        "config": (".yaml", _overlay(_generic(".yaml")) | {
            "unknown-key": b"jurisdictions: {}\n",
            "days-negative": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: -5").encode(),
            "days-true": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: true").encode(),
            "days-inf": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: .inf").encode(),
            "days-nan": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: .nan").encode(),
            "days-fraction": _sub(CONFIG, "unused_credentials_days: 90", "unused_credentials_days: 2.5").encode(),
            "retention-zero": _sub(CONFIG, "retention_days: 730", "retention_days: 0").encode(),
            "fail-on-unknown": _sub(CONFIG, "fail_on: high", "fail_on: urgent").encode(),
            "fail-on-list": _sub(CONFIG, "fail_on: high", "fail_on: [high]").encode(),
            "min-days-true": b"logging: {classes: {audit: {min_days: true}}}\n",
            "firm-name-bomb": (BILLION_LAUGHS.replace("a: &a", "x: &a") + "firm: {name: *i}\n").encode(),
            "firm-name-list": b"firm: {name: [a, b]}\n",
            "identity-scalar": b"identity: 5\n",
            "rule-class-unknown": b"logging: {rules: [{match: 'arn:*', class: nope}]}\n",
            "rule-no-match": b"logging: {rules: [{class: audit}]}\n",
            "default-class-unknown": b"logging: {default_class: nope}\n",
            "log-class-no-min-days": b"logging: {classes: {chat: {title_en: chat}}}\n",
            "approval-no-reference": b"jurisdiction: {regulator_approvals: [{resources: ['arn:aws:s3:::fx-*']}]}\n",
            "approval-no-resources": b"jurisdiction: {regulator_approvals: [{reference: X-1}]}\n",
            "approvals-mapping": b"jurisdiction: {regulator_approvals: {a: 1}}\n",
            "allowed-region-unknown": b"jurisdiction: {allowed_regions: [mars-north-1]}\n",
            "allowed-countries-mapping": b"jurisdiction: {allowed_countries: {TW: true}}\n",
            "accounts-mapping": b"jurisdiction: {natural_person_systems: {accounts: {a: 1}}}\n",
            "report-dates-unknown": b"report: {dates: julian}\n",
            "owners-list": b"report: {owners: [a, b]}\n",
            "roles-number": b"privileged: {roles: {aws: 5}}\n",
            "nested-unknown-key": b"identity: {unused_credentials_dayz: 90}\n",
            "retention-text": b"history: {retention_days: forever}\n",
            "firm-name-true": b"firm: {name: true}\n",
        }),
        "appetite": (".yaml", _overlay(_generic(".yaml")) | {
            "unknown-key": b"appetite_for_risk: lots\n",
            "share-above-one": _sub(APPETITE, "max_provider_share: 0.8", "max_provider_share: 1.5").encode(),
            "share-negative": _sub(APPETITE, "max_provider_share: 0.8", "max_provider_share: -0.1").encode(),
            "share-nan": _sub(APPETITE, "max_provider_share: 0.8", "max_provider_share: .nan").encode(),
            "share-text": _sub(APPETITE, "max_provider_share: 0.8", "max_provider_share: most").encode(),
            "count-true": _sub(APPETITE, "top_risks: 5", "top_risks: true").encode(),
            "count-zero": _sub(APPETITE, "top_risks: 5", "top_risks: 0").encode(),
            "count-inf": _sub(APPETITE, "top_risks: 5", "top_risks: .inf").encode(),
            "area-rate-above-one": b"areas: {mfa: {min_pass_rate: 2}}\n",
        }),
        "register": (".yaml", _generic(".yaml") | _yaml_mutations(vendors, {
            "rto-negative": ("rto_hours: 2\n", "rto_hours: -2\n"),
            "rto-inf": ("rto_hours: 2\n", "rto_hours: .inf\n"),
            "rto-nan": ("rto_hours: 2\n", "rto_hours: .nan\n"),
            "rto-true": ("rto_hours: 2\n", "rto_hours: true\n"),
            "rpo-text": ("rpo_hours: 0.25\n", "rpo_hours: quarter\n"),
            "impossible-date": ("approved_on: 2025-02-20", "approved_on: 2025-02-30"),
            "service-model-unknown": ("service_model: IaaS", "service_model: XaaS"),
            "duplicate-provider": ("  - id: nimbus-crm", "  - id: aws-tw"),
            "format-wrong": ("format: cloudgov.vendors", "format: cloudgov.vendorz"),
            "version-2": ("version: 1\n", "version: 2\n"),
            "providers-mapping": ("providers:\n  - id: aws-tw", "providers: {a: 1}\nignored:\n  - id: aws-tw"),
            "legal-name-list": ("legal_name: 台灣亞馬遜網路服務有限公司", "legal_name: [a, b]"),
            "unknown-field": ("rto_hours: 2\n", "rto_hour: 2\n"),
            "legal-name-true": ("legal_name: 台灣亞馬遜網路服務有限公司", "legal_name: true"),
            "legal-name-missing": ("    legal_name: 台灣亞馬遜網路服務有限公司\n", ""),
            "hq-three-letters": ("headquarters_country: US", "headquarters_country: USA"),
            "identifiers-list": ('identifiers: {tw_ubn: "90000001", lei: "SAMPLE0LEI0AWS0TW001"}', "identifiers: [a, b]"),
            "certifications-mapping": ("certifications: [SOC 2 Type II]", "certifications: {a: 1}"),
            "material-maybe": ("material: true", "material: maybe"),
            "scope-cloud-unknown": ('{provider: aws, account: "222222222222"}', '{provider: oracle, account: "1"}'),
            "scope-no-account": ('{provider: aws, account: "222222222222"}', "{provider: aws}"),
            "subcontractor-no-name": ("{name: Chief Telecom, role: data-centre colocation, country: TW}",
                                      "{role: data-centre colocation, country: TW}"),
            "subcontractor-country-list": ("{name: Chief Telecom, role: data-centre colocation, country: TW}",
                                           "{name: Chief Telecom, country: [TW, JP]}"),
            "notice-days-fraction": ("notice_period_days: 90", "notice_period_days: 90.5"),
            "cadence-negative": ("review_cadence_days: {material: 365, non_material: 730}",
                                 "review_cadence_days: {material: -365, non_material: 730}"),
            "cadence-unknown-class": ("review_cadence_days: {material: 365, non_material: 730}",
                                      "review_cadence_days: {critical: 90}"),
            "clause-unknown": ("audit_right_firm: {status: present", "audit_right_everyone: {status: present"),
            "clause-status-unknown": ("audit_right_firm: {status: present", "audit_right_firm: {status: maybe"),
            "duplicate-service": ("      - id: data-lake", "      - id: core-trading"),
            "audit-unknown-service": ("services: [core-trading]\n        report", "services: [no-such]\n        report"),
            "evidence-file-missing": ("vendor-evidence/aws-soc2-type2-2026.pdf", "vendor-evidence/no-such-file.pdf"),
            "audit-party-unknown": ("      - party: pooled", "      - party: auditor-general"),
            "audit-date-missing": ("        date: 2027-03-15\n", ""),
            "finding-status-unknown": ("remediation_due: 2026-09-30, status: open}", "remediation_due: 2026-09-30, status: pending}"),
            "finding-no-description": ("{description: Cross-region backup restore test not evidenced for RDS, ", "{"),
            "review-domain-unknown": ("          service_level: met\n", "          vibes: met\n"),
            "review-result-unknown": ("          service_level: met\n", "          service_level: great\n"),
            "review-no-start": ("        started: 2026-02-01\n", ""),
            "review-unknown-service": ("      - service: core-trading\n        started: 2026-02-01",
                                       "      - service: no-such\n        started: 2026-02-01"),
            "review-completed-no-approver": ("        approver: 資訊長 Chen Mei-Ling\n        declared_regions: [ap-east-2]\n        domains:",
                                             "        declared_regions: [ap-east-2]\n        domains:"),
        })),
        "register-csv": (".csv", {
            "binary": bytes(range(256)) * 4,
            "utf16-bom": CSV.encode("utf-16"),
            "latin1": "provider,legal_name,service\nacme,caf\xe9,svc\n".encode("latin-1"),
            "nul-bytes": b"provider,service\nacme,s\x00vc\n",
            "no-provider-column": b"vendor,service\nacme,svc\n",
            "provider-empty": _sub(CSV, "acme,Acme", ",Acme").encode(),
            "more-cells-than-columns": (CSV + "acme,Acme,svc2,4,yes,IaaS,aws:111122223333,extra\n").encode(),
            "unclosed-quote": (CSV + 'acme,"Acme,svc2\n').encode(),
            "rto-inf": _sub(CSV, ",4,", ",inf,").encode(),
            "rto-nan": _sub(CSV, ",4,", ",nan,").encode(),
            "rto-negative": _sub(CSV, ",4,", ",-4,").encode(),
            "rto-true": _sub(CSV, ",4,", ",true,").encode(),
            "rto-text": _sub(CSV, ",4,", ",four,").encode(),
            "material-maybe": _sub(CSV, ",yes,", ",maybe,").encode(),
            "model-unknown": _sub(CSV, ",IaaS,", ",FaaS,").encode(),
            "scope-cloud-unknown": _sub(CSV, "aws:111122223333", "oracle:1").encode(),
            "scope-no-account": _sub(CSV, "aws:111122223333", "aws").encode(),
            "duplicate-service": (CSV + "acme,Acme,svc,8,no,PaaS,\n").encode(),
            "hq-country-bad": (CSV.replace("provider,legal_name,", "provider,headquarters_country,legal_name,", 1)
                               .replace("acme,Acme,", "acme,Taiwan,Acme,", 1)).encode(),
        }),
        "exit-plans": (".yaml", _generic(".yaml") | _yaml_mutations(plans, {
            "transition-inf": ("transition_time: 1.5h", "transition_time: .inf"),
            "transition-nan": ("transition_time: 1.5h", "transition_time: .nan"),
            "transition-negative": ("transition_time: 1.5h", "transition_time: -3"),
            "transition-true": ("transition_time: 1.5h", "transition_time: true"),
            "transition-text": ("transition_time: 1.5h", "transition_time: soon"),
            "impossible-date": ("approved_on: 2025-01-20", "approved_on: 2025-01-32"),
            "strategy-unknown": ("strategy: another_provider", "strategy: run_away"),
            "format-wrong": ("format: cloudgov.exit-plans", "format: cloudgov.exit-planz"),
            "plans-mapping": ("plans:\n  - service: aws-tw/core-trading", "plans: {a: 1}\nx:\n  - service: aws-tw/core-trading"),
            "unknown-field": ("transition_time: 1.5h", "transition_tiem: 1.5h"),
            "version-2": ("version: 1\nplans:", "version: 2\nplans:"),
            "service-missing": ("  - service: aws-tw/core-trading\n", "  - name: aws-tw/core-trading\n"),
            "service-unknown": ("  - service: aws-tw/core-trading\n", "  - service: aws-tw/no-such\n"),
            "service-twice": ("  - service: aws-tw/data-lake\n", "  - service: aws-tw/core-trading\n"),
            "approved-without-approver": ("    approved_by: 資訊長 Chen Mei-Ling\n    strategy: another_provider", "    strategy: another_provider"),
            "test-kind-unknown": ("kind: tabletop, result: passed, scenario: stressed", "kind: drill, result: passed, scenario: stressed"),
            "test-result-missing": ("kind: tabletop, result: passed, scenario: stressed", "kind: tabletop, scenario: stressed"),
            "test-date-missing": ("{date: 2025-11-18, kind: tabletop", "{kind: tabletop"),
            "test-scenario-unknown": ("result: passed, scenario: stressed", "result: passed, scenario: zombie"),
            "test-twice": ("{date: 2026-05-12, kind: restore", "{date: 2025-11-18, kind: tabletop"),
            "tests-mapping": ("    tests:\n      - {date: 2025-11-18", "    tests: {a: 1}\n    x:\n      - {date: 2025-11-18"),
            "role-no-who": ("{role: exit owner, who: 資訊長 Chen Mei-Ling}", "{role: exit owner}"),
            "roles-text": ("    roles:\n      - {role: exit owner, who: 資訊長 Chen Mei-Ling}", "    roles: the CIO\n    x:\n      - {role: exit owner, who: 資訊長 Chen Mei-Ling}"),
            "playbook-no-summary": ("        summary: provider fails", "        synopsis: provider fails"),
            "triggers-mapping": ("triggers: [cost, contract end]", "triggers: {cost: true}"),
            "next-test-due-bad": ("next_test_due: 2027-05-01", "next_test_due: next spring"),
            "transition-week-text": ("transition_time: 1.5h", "transition_time: 2 fortnights"),
        })),
        "history": (".json", _generic(".json") | _json_mutations(FINDINGS, findings_edits)),
        "baseline": (".json", _generic(".json") | _json_mutations(FINDINGS, {
            k: v for k, v in findings_edits.items() if k not in ("findings-missing",)
        })),
        "inventory": (".json", _generic(".json") | _json_mutations(INVENTORY, {
            "version-9": _top("version", 9),
            "resources-mapping": _top("resources", {"a": 1}),
            "resource-not-mapping": _top("resources", [5]),
            "resource-missing-id": _top("resources", [{"provider": "aws"}]),
            "gap-not-mapping": _top("coverage_gaps", ["x"]),
        })),
    }


def main() -> None:
    for kind, (ext, cases) in kinds().items():
        folder = HERE / kind
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for name, data in sorted(cases.items()):
            (folder / f"{name}{ext}").write_bytes(data)
    gz = HERE / "inventory" / "gzip-garbage.json.gz"
    gz.write_bytes(b"\x1f\x8b\x08\x00garbage-not-deflate")
    (HERE / "inventory" / "gzip-truncated.json.gz").write_bytes(gzip.compress(json.dumps(INVENTORY).encode())[:20])


if __name__ == "__main__":
    main()
