"""Property-based fuzzing of every document reader (hypothesis): a valid document of each
kind, with one node anywhere in it replaced by an arbitrary JSON/YAML value, must either be
accepted or be refused with a CloudgovError whose message is one line — never another
exception. And whatever is accepted obeys the schema (a waiver's text fields are text and
its globs name something; durations are finite and not negative; statuses are known).

Bounded for CI: a fixed number of examples per reader, no deadline."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.errors import CloudgovError

ROOT = Path(__file__).resolve().parent.parent
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

leaves = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20)
    | st.sampled_from(["", "*", "?*", "arn:*", "**/*", "2026-02-30", "=HYPERLINK(1)", "\x1b[2J", "PASSED", "-1", "inf"])
)
values = st.recursive(leaves, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
                      max_leaves=12)


def _paths(node: Any, here: tuple = ()) -> list[tuple]:
    out = [here]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*here, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*here, i))
    return out


def _replace(node: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, dict):
        return {**node, head: _replace(node[head], rest, value)}
    copy = list(node)
    copy[head] = _replace(copy[head], rest, value)
    return copy


def mutated(base: Any):
    """A strategy: ``base`` with one node (chosen anywhere) replaced by an arbitrary value."""
    paths = _paths(base)
    return st.tuples(st.sampled_from(paths), values).map(lambda pv: _replace(base, pv[0], pv[1]))


def _yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _refused_in_one_line(fn, *args) -> Any:
    try:
        return fn(*args)
    except CloudgovError as e:
        assert "\n" not in str(e).strip(), str(e)
        return None


def _sample(name: str) -> Any:
    return yaml.safe_load((ROOT / "samples" / name).read_text(encoding="utf-8"))


WAIVERS = _sample("waivers.yaml")
VENDORS = _sample("vendors.yaml")
PLANS = _sample("exit-plans.yaml")
FINDINGS = {
    "schema": "cloudgov.findings/1", "evaluated_at": "2026-05-01T00:00:00Z", "source": "fuzz",
    "policies": [{"id": "mfa.root_account", "area": "mfa", "severity": "critical"}],
    "findings": [{"id": "f1", "policy": "mfa.root_account", "status": "FAIL", "severity": "critical", "area": "mfa",
                  "resource": {"id": "arn:aws:iam::1:root", "provider": "aws", "account": "1"}, "message": "m",
                  "controls": ["ETG:8.2.1"], "waiver": None, "evidence": {}}],
}
CONFIG = {"fail_on": "high", "identity": {"unused_credentials_days": 90}, "history": {"retention_days": 730},
          "firm": {"name": "福爾摩沙證券"}, "logging": {"classes": {"audit": {"min_days": 1095}}}}
APPETITE = {"concentration": {"max_provider_share": 0.8, "max_region_share": 0.9}, "top_risks": 5,
            "heat_map": {"likelihood_bins": [1, 2, 4, 11, 51], "persistent_periods": 3}}
INVENTORY = {"format": "cloudgov.inventory", "version": 1, "encoding": "json", "collected_at": "2026-05-01T00:00:00Z",
             "sources": [], "resources": [{"provider": "aws", "account": "1", "region": "ap-east-2",
                                           "kind": "storage.object", "native_type": "AWS::S3::Bucket",
                                           "id": "arn:aws:s3:::b", "name": "b", "properties": {}}],
             "relationships": [], "coverage_gaps": []}


@FUZZ
@given(doc=mutated(WAIVERS))
def test_waivers(doc):
    from policies.registry import load_policies
    from scanner.waivers import parse_waivers

    ws = _refused_in_one_line(parse_waivers, doc, load_policies())
    for w in ws.entries if ws else ():
        from scanner.waivers import too_broad

        assert all(isinstance(v, str) and v.strip() for v in (w.reason, w.owner, w.approver, w.compensating_control))
        assert not any(too_broad(r) for r in w.resources)


@FUZZ
@given(doc=mutated(CONFIG))
def test_config(doc, tmp_path_factory):
    from scanner.config import load_config

    f = tmp_path_factory.mktemp("cfg") / "cloudgov.yaml"
    f.write_text(_yaml(doc), encoding="utf-8")
    c = _refused_in_one_line(load_config, f)
    if c is not None:
        assert isinstance(c.unused_credentials_days, int) and not isinstance(c.unused_credentials_days, bool)
        assert c.unused_credentials_days > 0
        assert all(lc.min_days > 0 for lc in c.log_classes.values())
        assert isinstance(c.firm_name, str)


@FUZZ
@given(doc=mutated(APPETITE))
def test_appetite(doc, tmp_path_factory):
    from scanner.report.appetite import load_appetite

    f = tmp_path_factory.mktemp("app") / "appetite.yaml"
    f.write_text(_yaml(doc), encoding="utf-8")
    a = _refused_in_one_line(load_appetite, f)
    if a is not None:
        share = a["concentration"]["max_provider_share"]
        assert not isinstance(share, bool) and 0 <= share <= 1
        assert isinstance(a["top_risks"], int) and not isinstance(a["top_risks"], bool) and a["top_risks"] > 0


@FUZZ
@given(doc=mutated(FINDINGS))
def test_history_document(doc, tmp_path_factory):
    from scanner.store.history import read_document

    f = tmp_path_factory.mktemp("hist") / "findings.json"
    f.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    d = _refused_in_one_line(read_document, f)
    if d is not None:
        assert all(x["status"] in ("PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "WAIVED") for x in d["findings"])


@FUZZ
@given(doc=mutated(FINDINGS))
def test_baseline(doc, tmp_path_factory):
    from scanner.iac.baseline import load_baseline

    f = tmp_path_factory.mktemp("base") / "findings.json"
    f.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    known = _refused_in_one_line(load_baseline, f)
    assert known is None or all(isinstance(k, str) for k in known)


@FUZZ
@given(doc=mutated(INVENTORY))
def test_inventory_snapshot(doc, tmp_path_factory):
    from scanner.inventory import load

    f = tmp_path_factory.mktemp("inv") / "inventory.json"
    f.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8")
    _refused_in_one_line(load, f)


def _import(kind: str, doc: Any, tmp: Path) -> Any:
    import exit_plans.models  # noqa: F401
    import vendor_dd.models  # noqa: F401
    from scanner.store.db import open_db, session_scope
    from vendor_dd.register import Who

    f = tmp / "doc.yaml"
    f.write_text(_yaml(doc), encoding="utf-8")
    engine = open_db(f"sqlite:///{tmp / 'r.db'}")
    who = Who.resolve("fuzz", "2026-06-01")
    if kind == "register":
        from vendor_dd.importer import import_document, read_document

        d = read_document(f)
        with session_scope(engine) as s:
            return import_document(s, who, d, base_dir=ROOT / "samples", evidence_root=tmp / "ev", source="fuzz")
    from exit_plans.importer import import_document, read_document
    from vendor_dd.importer import import_document as import_vendors
    from vendor_dd.importer import read_document as read_vendors

    with session_scope(engine) as s:
        import_vendors(s, who, read_vendors(ROOT / "samples" / "vendors.yaml"), base_dir=ROOT / "samples",
                       evidence_root=tmp / "ev", source="samples")
    d = read_document(f)
    with session_scope(engine) as s:
        return import_document(s, who, d, source="fuzz")


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(doc=mutated(VENDORS))
def test_register(doc, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reg")
    _refused_in_one_line(_import, "register", doc, tmp)
    _durations_are_sane(tmp, "SELECT rto_hours, rpo_hours FROM vendor_service")


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(doc=mutated(PLANS))
def test_exit_plans(doc, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plans")
    _refused_in_one_line(_import, "exit-plans", doc, tmp)
    _durations_are_sane(tmp, "SELECT transition_hours FROM exit_plan")


def _durations_are_sane(tmp: Path, sql: str) -> None:
    import sqlite3

    db = tmp / "r.db"
    if not db.exists():
        return
    with sqlite3.connect(db) as conn:
        rows = conn.execute(sql).fetchall()
    for row in rows:
        for v in row:
            assert v is None or (isinstance(v, int | float) and math.isfinite(v) and v >= 0), row


# --- strategies built from each new schema: documents valid by construction -----------------
# Each strategy draws a document the schema must accept, with values drawn across the
# field's whole legal range (numbers as text from a spreadsheet, dates as dates or text,
# lists as comma-separated text). The properties: every such document is accepted, what
# comes out is what went in, and the same document with one node replaced by an arbitrary
# value is accepted or refused in one sentence naming the file.

texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(
    lambda s: s.strip() and not s.strip().startswith(("#", "&", "*", "!", "|", ">", "%", "@", "`")))
slugs = st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True)
dates = st.dates(min_value=__import__("datetime").date(2000, 1, 1), max_value=__import__("datetime").date(2099, 12, 31))
hours = st.one_of(st.integers(0, 10_000), st.floats(0, 10_000, allow_nan=False, allow_infinity=False))
flags = st.sampled_from([True, False, None, "yes", "no", "unknown"])


def _waiver_entries():
    from scanner.waivers import MIN_LITERAL_IN_NAME

    names = st.from_regex(rf"[a-z]{{{MIN_LITERAL_IN_NAME},12}}", fullmatch=True)
    resources = st.lists(names.map(lambda n: f"arn:aws:s3:::{n}") | names.map(lambda n: f"arn:aws:s3:::{n}-*"),
                         min_size=1, max_size=3)
    return st.fixed_dictionaries({
        "id": slugs, "policy": st.sampled_from(["residency.data_location", "encryption.object_storage_cmk"]),
        "resources": resources, "reason": texts, "compensating_control": texts, "owner": texts, "approver": texts,
        "expires": dates | dates.map(lambda d: d.isoformat()),
    })


waiver_docs = st.lists(_waiver_entries(), min_size=1, max_size=4).map(lambda ws: {"waivers": ws})

config_docs = st.fixed_dictionaries({}, optional={
    "fail_on": st.sampled_from(["info", "low", "medium", "high", "critical"]),
    "firm": st.fixed_dictionaries({"name": texts}),
    "history": st.fixed_dictionaries({"retention_days": st.none() | st.integers(1, 10_000)}),
    "identity": st.fixed_dictionaries({"unused_credentials_days": st.integers(1, 3650)}),
    "logging": st.fixed_dictionaries({"classes": st.dictionaries(
        slugs, st.fixed_dictionaries({"min_days": st.integers(1, 36_500)}), max_size=3)}),
    "report": st.fixed_dictionaries({"dates": st.sampled_from(["roc", "iso"])}),
})


def _services():
    return st.fixed_dictionaries({"id": slugs}, optional={
        "name": texts, "service_model": st.sampled_from(["IaaS", "PaaS", "SaaS"]),
        "materiality": st.fixed_dictionaries({}, optional={"material": flags, "criteria": st.lists(texts, max_size=3)}),
        "natural_person_data": flags, "rto_hours": hours | hours.map(str), "rpo_hours": hours,
        "substitutability": st.sampled_from(["easy", "moderate", "difficult", "impossible"]),
        "declared_regions": st.lists(slugs, max_size=3) | st.lists(slugs, min_size=1, max_size=3).map(",".join),
        "scopes": st.lists(st.fixed_dictionaries({"provider": st.sampled_from(["aws", "azure", "gcp"]),
                                                  "account": st.from_regex(r"[0-9]{12}", fullmatch=True)}),
                           max_size=2),
    })


def _providers():
    return st.fixed_dictionaries({
        "id": slugs, "legal_name": texts,
        "services": st.lists(_services(), max_size=3, unique_by=lambda s: s["id"]),
    }, optional={"headquarters_country": st.sampled_from(["TW", "US", "sg"]), "certifications": st.lists(texts, max_size=3)})


register_docs = st.lists(_providers(), min_size=1, max_size=3, unique_by=lambda p: p["id"]).map(
    lambda ps: {"format": "cloudgov.vendors", "version": 1, "providers": ps})

plan_docs = st.lists(st.fixed_dictionaries({
    "service": st.tuples(slugs, slugs).map("/".join),
}, optional={
    "version": texts, "strategy": st.sampled_from(["another_provider", "in_house"]),
    "transition_time": hours | st.tuples(st.integers(0, 999), st.sampled_from(["h", "d", "w", " hours"])).map(
        lambda t: f"{t[0]}{t[1]}"),
    "triggers": st.lists(texts, max_size=3),
    "tests": st.lists(st.fixed_dictionaries({"date": dates, "kind": st.sampled_from(["tabletop", "restore"]),
                                             "result": st.sampled_from(["passed", "failed"])}),
                      max_size=3, unique_by=lambda t: (t["date"], t["kind"])),
}), min_size=1, max_size=3, unique_by=lambda p: p["service"]).map(
    lambda ps: {"format": "cloudgov.exit-plans", "version": 1, "plans": ps})


def _write(tmp: Path, name: str, doc: Any) -> Path:
    f = tmp / name
    f.write_text(_yaml(doc), encoding="utf-8")
    return f


@FUZZ
@given(doc=waiver_docs)
def test_waiver_schema_accepts_what_it_describes(doc, tmp_path_factory):
    from policies.registry import load_policies
    from scanner.waivers import load_waivers

    ws = load_waivers(_write(tmp_path_factory.mktemp("w"), "w.yaml", doc), load_policies())
    assert not ws.problems, ws.problems
    assert [w.id for w in ws.entries] == [str(w["id"]) for w in doc["waivers"]]
    assert [w.reason for w in ws.entries] == [w["reason"].strip() for w in doc["waivers"]]


@FUZZ
@given(doc=config_docs)
def test_config_schema_accepts_what_it_describes(doc, tmp_path_factory):
    from scanner.config import load_config

    c = load_config(_write(tmp_path_factory.mktemp("c"), "cloudgov.yaml", doc))
    if "identity" in doc:
        assert c.unused_credentials_days == doc["identity"]["unused_credentials_days"]
    for name, lc in doc.get("logging", {}).get("classes", {}).items():
        assert c.log_classes[name].min_days == lc["min_days"]


@FUZZ
@given(doc=register_docs)
def test_register_schema_accepts_what_it_describes(doc, tmp_path_factory):
    from vendor_dd.importer import read_document

    d = read_document(_write(tmp_path_factory.mktemp("r"), "vendors.yaml", doc))
    assert [p.id for p in d.providers] == [p["id"] for p in doc["providers"]]
    for p, raw in zip(d.providers, doc["providers"], strict=True):
        for s, rs in zip(p.services, raw["services"], strict=True):
            if "rto_hours" in rs:
                assert s.rto_hours == float(rs["rto_hours"])
            assert s.rto_hours is None or (math.isfinite(s.rto_hours) and s.rto_hours >= 0)


@FUZZ
@given(doc=plan_docs)
def test_exit_plan_schema_accepts_what_it_describes(doc, tmp_path_factory):
    from exit_plans.importer import read_document

    d = read_document(_write(tmp_path_factory.mktemp("p"), "plans.yaml", doc))
    assert [p.service for p in d.plans] == [p["service"] for p in doc["plans"]]
    assert all(p.transition is None or (math.isfinite(p.transition) and p.transition >= 0) for p in d.plans)


def _refused_naming_the_file(fn, path: Path) -> Any:
    try:
        return fn(path)
    except CloudgovError as e:
        assert "\n" not in str(e).strip(), str(e)
        assert str(path) in str(e), str(e)  # the sentence names the file
        return None


@FUZZ
@given(data=st.data())
def test_mutated_schema_documents_are_refused_naming_file_and_line(data, tmp_path_factory):
    """A valid document of each schema with one node replaced: accepted, or refused in one
    sentence naming the file — and, when a field is at fault, its line."""
    from exit_plans.importer import read_document as read_plans
    from vendor_dd.importer import read_document as read_register

    kind = data.draw(st.sampled_from(["register", "plans"]))
    base = data.draw(register_docs if kind == "register" else plan_docs)
    doc = data.draw(mutated(base))
    f = _write(tmp_path_factory.mktemp("m"), "doc.yaml", doc)
    try:
        (read_register if kind == "register" else read_plans)(f)
    except CloudgovError as e:
        msg = str(e)
        assert "\n" not in msg.strip() and msg.startswith(str(f)), msg
        if isinstance(doc, dict) and ("providers" in msg or "plans[" in msg):
            assert ": line " in msg, msg


csv_cells = st.one_of(texts, st.sampled_from(["", "inf", "nan", "-1", "true", "=HYPERLINK(1)", "aws", "aws:1:2",
                                             "IaaS", "FaaS", "yes", "maybe", '"', "\r", "a,b"]))


@FUZZ
@given(rows=st.lists(st.fixed_dictionaries({k: csv_cells for k in (
    "provider", "legal_name", "service", "service_model", "rto_hours", "material", "scopes")}), max_size=5))
def test_register_csv(rows, tmp_path_factory):
    import csv
    import io

    from vendor_dd.importer import read_document

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["provider", "service"])
    w.writeheader()
    w.writerows(rows)
    f = tmp_path_factory.mktemp("csv") / "vendors.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    d = _refused_naming_the_file(read_document, f)
    for p in d.providers if d else ():
        for s in p.services:
            assert s.rto_hours is None or (math.isfinite(s.rto_hours) and s.rto_hours >= 0)
            assert s.service_model in (None, "IaaS", "PaaS", "SaaS")
