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
