"""Each renderer: SARIF valid against the OASIS schema, JUnit parsed back, CSV, JSON schema."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest

from policies.registry import load_policies
from scanner.config import load_config
from scanner.connectors.offline import load_paths
from scanner.engine import evaluate
from scanner.outputs import render, resolve_formats
from scanner.errors import UsageError
from scanner.waivers import load_waivers

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def result():
    policies = load_policies()
    inv = load_paths([ROOT / "samples" / "estate"])
    waivers = load_waivers(ROOT / "samples" / "waivers.yaml", policies)
    return evaluate(inv, policies, load_config(), waivers, source="samples")


def rendered(result, name: str) -> str:
    buf = io.StringIO()
    render(result, name, buf)
    return buf.getvalue()


def test_sarif_is_valid_against_the_oasis_schema(result):
    doc = json.loads(rendered(result, "sarif"))
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    run = doc["runs"][0]
    results = run["results"]
    statuses = {r["properties"]["status"] for r in results}
    assert statuses == {"FAIL", "ERROR", "WAIVED"}  # only non-passing results
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    for r in results:
        assert r["ruleId"] == rule_ids[r["ruleIndex"]]
        fqn = r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        assert fqn and not fqn.startswith("<")
    waived = [r for r in results if r["properties"]["status"] == "WAIVED"]
    assert waived and all(r["suppressions"][0]["status"] == "accepted" for r in waived)
    assert any("補償性措施" in r["suppressions"][0]["justification"] for r in waived)
    errors = [r for r in results if r["properties"]["status"] == "ERROR"]
    assert errors and all(r["kind"] == "review" and r["level"] == "none" for r in errors)


def test_sarif_physical_location_when_the_finding_has_a_file(result):
    f = next(f for f in result.findings if f.status.value == "FAIL")
    f.location = {"file": "infra/s3.tf", "start_line": 3, "end_line": 9}
    try:
        doc = json.loads(rendered(result, "sarif"))
    finally:
        f.location = None
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc)
    located = [r for r in doc["runs"][0]["results"]
               if r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "infra/s3.tf"]
    assert len(located) == 1
    phys = located[0]["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "infra/s3.tf"
    assert phys["region"] == {"startLine": 3, "endLine": 9}


def test_junit_fails_only_what_the_threshold_fails(result):
    from scanner.model import Severity

    root = ET.fromstring(rendered(result, "junit"))
    blocking = result.failing(result.config.fail_on)  # no threshold given: the config's (high)
    assert result.config.fail_on is Severity.HIGH
    assert int(root.get("failures")) == sum(f.status.value == "FAIL" for f in blocking)
    assert int(root.get("errors")) == sum(f.status.value == "ERROR" for f in blocking)
    cases = list(root.iter("testcase"))
    assert int(root.get("tests")) == len(cases) < len(result.findings) // 5  # not one per finding
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {p.id for p in result.policies}
    assert len(suites["mfa.root_account"].findall("testcase/failure")) == 1
    # below the threshold: a property of its policy's suite, never a failing test
    low = next(f for f in result.findings if f.status.value == "FAIL" and f.severity.rank < Severity.HIGH.rank)
    suite = suites[low.policy]
    assert not [c for c in suite.findall("testcase") if c.get("name") == low.resource.id]
    names = {p.get("name") for p in suite.iter("property")}
    assert f"FAIL {low.severity.value} {low.resource.id}" in names
    counts = {p.get("name"): p.get("value") for p in suite.iter("property") if p.get("name").startswith("count.")}
    assert int(counts["count.FAIL"]) == sum(f.policy == low.policy and f.status.value == "FAIL" for f in result.findings)


def test_junit_follows_the_run_threshold(result):
    result.extra["threshold"] = {"fail_on": "low", "errors_fail": False}
    try:
        root = ET.fromstring(rendered(result, "junit"))
    finally:
        del result.extra["threshold"]
    counts = result.counts()
    assert int(root.get("failures")) == counts["FAIL"] and int(root.get("errors")) == 0


def test_json_document_validates_against_its_schema(result):
    doc = json.loads(rendered(result, "json"))
    schema = json.loads((ROOT / "scanner" / "outputs" / "findings-1.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(doc)
    assert doc["schema"] == "cloudgov.findings/1"
    assert len(doc["findings"]) == len(result.findings)
    ids = [f["id"] for f in doc["findings"]]
    assert len(ids) == len(set(ids))  # one finding per (policy, resource)


def test_pretty_documents_hold_what_the_compact_ones_hold(result):
    """--pretty only lays the JSON and SARIF out for reading; compact is one finding per line."""
    for name in ("json", "sarif"):
        compact = rendered(result, name)
        buf = io.StringIO()
        render(result, name, buf, pretty=True)
        pretty = buf.getvalue()
        a, b = json.loads(compact), json.loads(pretty)
        a.pop("generated_at", None), b.pop("generated_at", None)
        assert a == b, name
        assert len(pretty.splitlines()) > len(compact.splitlines())
        assert ": " not in compact.splitlines()[0][:200] and "\n  " in pretty
    lines = rendered(result, "json").splitlines()
    findings = [line for line in lines[1:-1]]
    assert len(findings) == len(result.findings)
    assert all(line.startswith('{"id":') for line in findings)


def test_csv_has_one_row_per_finding(result):
    text = rendered(result, "csv")
    assert text.startswith("\ufeff")  # UTF-8 BOM: Excel on a zh-TW Windows reads UTF-8, not cp950
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == len(result.findings)
    assert {"remediation_en", "remediation_zh", "title_zh"} <= set(rows[0])
    root = next(r for r in rows if r["policy"] == "mfa.root_account" and r["status"] == "FAIL")
    assert root["remediation_zh"] and root["remediation_en"] and root["title_zh"]
    assert {r["status"] for r in rows} == {"PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "WAIVED"}
    assert all(r["controls"] for r in rows)


def test_table_mentions_failures_and_summary(result):
    text = rendered(result, "table")
    assert "mfa.root_account" in text and "findings over" in text


def test_format_resolution():
    assert resolve_formats(["sarif,json", "json"], Path("out")) == ["sarif", "json"]
    with pytest.raises(UsageError):
        resolve_formats(["xml"], None)
    with pytest.raises(UsageError):
        resolve_formats(["sarif", "json"], None)  # two files cannot share stdout


def test_fast_json_encoding_equals_the_plain_finding_dict(result):
    from scanner.outputs.json_doc import finding_dict

    doc = json.loads(rendered(result, "json"))
    get = result.policies.get
    for f, encoded in zip(result.findings, doc["findings"]):
        assert encoded == json.loads(json.dumps(finding_dict(f, get(f.policy)), ensure_ascii=False))


def test_compact_findings_are_byte_for_byte_the_plain_encoding(result):
    """The pieces the writer shares (heads, middles, ends, resource references) put together
    give exactly what encoding finding_dict compactly gives: same keys, order and escapes."""
    from scanner.outputs.json_doc import finding_dict

    lines = rendered(result, "json").splitlines()[1:-1]
    get = result.policies.get
    for f, line in zip(result.findings, lines, strict=True):
        plain = json.dumps(finding_dict(f, get(f.policy)), ensure_ascii=False, separators=(",", ":"))
        assert line.rstrip(",") == plain


def test_resource_reference_escaped_as_the_encoder_does():
    from scanner.model import Resource
    from scanner.outputs.common import Encoder
    from scanner.outputs.json_doc import _ref

    encode = Encoder()
    for r in [
        Resource("aws", "1", None, "kms.key", "AWS::KMS::Key", "arn:k", ""),
        Resource("gcp", "p", "asia-east1", "storage.object", "x", 'a "quoted"\\ id\n', "名稱\u2028"),
        Resource("azure", 123, "eastasia", "database", "y", "/subscriptions/s/db", "db"),  # type: ignore[arg-type]
    ]:
        assert _ref(r, encode) == encode(r.ref()).encode()
        assert _ref(r, encode) == json.dumps(r.ref(), ensure_ascii=False, separators=(",", ":")).encode()


def test_compact_encoder_equals_json_dumps_also_after_a_refused_value():
    from scanner.outputs.common import Encoder

    encode = Encoder()
    shared = {"k": [1, 2.5, True, None, "é\n"]}
    assert encode({"a": shared, "b": shared}) == json.dumps({"a": shared, "b": shared}, ensure_ascii=False,
                                                            separators=(",", ":"))
    assert encode({("x", 1): 1}) == '{"(\'x\', 1)":1}'  # refused by the C encoder: json_safe's fallback
    # a value refused half-way leaves the C encoder's circular-reference marker for it behind
    evidence: dict = {"k": {("x",): 1}}
    assert encode(evidence) == '{"k":{"(\'x\',)":1}}'
    evidence["k"] = 1
    assert encode(evidence) == '{"k":1}'  # not "Circular reference detected"
    assert encode("a\"b") == '"a\\"b"'


def test_json_file_written_as_bytes_equals_the_text_stream(result, tmp_path):
    """A UTF-8 file gets the findings as bytes on its buffer; any other stream gets text: the
    same document either way, Chinese titles included."""
    from scanner.outputs import render_all

    (path,) = render_all(result, ["json"], tmp_path)
    on_disk = path.read_text(encoding="utf-8")
    in_memory = rendered(result, "json")
    strip = lambda text: text.split('"generated_at":', 1)[1].split(",", 1)[1]  # noqa: E731
    assert strip(on_disk) == strip(in_memory)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in on_disk.splitlines()[-2])  # a finding's title_zh
    assert on_disk.endswith("\n]}\n")


def test_csv_file_opens_in_excel_as_utf8(tmp_path):
    from tests.conftest import run_cli

    proc = run_cli("scan", "snapshot", "samples/estate/", "-f", "csv", "-o", str(tmp_path), "-q")
    assert proc.returncode == 1, proc.stderr
    data = (tmp_path / "findings.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # what makes Excel choose UTF-8
    text = data.decode("utf-8-sig")
    assert "根帳號" in text  # a zh-TW title survives
    assert data.count(b"\r\n") == len(text.splitlines())  # CRLF rows, as Excel writes them
