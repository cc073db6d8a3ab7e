"""Data-driven policy tests: tests/policies/cases/<area>.yaml hold resources in and the
expected status out. No code per policy: add a case, not a test function."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
import yaml

from policies.registry import load_policies
from scanner.config import load_config
from scanner.engine import evaluate
from scanner.inventory import Inventory
from scanner.materiality import Materiality
from scanner.model import CoverageGap, Resource
from scanner.waivers import parse_waivers

CASES_DIR = Path(__file__).parent / "cases"
#: recorded pseudo-resources of the sample register (tests/data/register/README.md)
REGISTER_DIR = Path(__file__).parents[1] / "data" / "register"
NOW = "2026-11-01T00:00:00Z"


@cache
def _recorded(name: str) -> dict:
    return json.loads((REGISTER_DIR / name).read_text(encoding="utf-8"))


def _based(d: dict) -> tuple[dict, str | None]:
    """A case resource ``{base: FILE#ID, properties: {...}, unset: [...]}``: the recorded
    resource with those properties changed and removed (and the recording's date)."""
    if "base" not in d:
        return d, None
    name, _, rid = d["base"].partition("#")
    doc = _recorded(name)
    base = next((r for r in doc["resources"] if r["id"] == rid), None)
    assert base is not None, f"{d['base']}: no such recorded resource"
    props = {**base["properties"], **(d.get("properties") or {})}
    for key in d.get("unset") or ():
        assert key in props, f"{d['base']}: unset {key!r}, which it does not have"
        props.pop(key)
    rest = {k: v for k, v in d.items() if k not in ("base", "properties", "unset")}
    return {**base, **rest, "properties": props}, doc.get("collected_at")


def _resource(d: dict, default_id: str) -> Resource:
    d, _ = _based(d)
    return Resource(
        provider=d.get("provider", "aws"),
        account=str(d.get("account", "111111111111")),
        region=d.get("region", "ap-east-2"),
        kind=d["kind"],
        native_type=d.get("native_type", "Test::Resource"),
        id=d.get("id", default_id),
        name=d.get("name", d.get("id", default_id)),
        tags=d.get("tags") or {},
        properties=d.get("properties") or {},
    )


def _cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for i, case in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            yield pytest.param(case, id=f"{path.stem}:{case['policy']}:{case.get('name', i)}")


@pytest.mark.parametrize("case", list(_cases()))
def test_policy_case(case, tmp_path):
    policies = load_policies()
    assert case["policy"] in policies, f"unknown policy {case['policy']}"
    inv = Inventory(collected_at=case.get("now") or _based(case["resource"])[1] or NOW)
    subject = _resource(case["resource"], "subject")
    inv.add(subject)
    for i, extra in enumerate(case.get("inventory") or ()):
        inv.add(_resource(extra, f"extra-{i}"))
    for src, typ, dst in case.get("relationships") or ():
        inv.relate(src, typ, dst)
    for g in case.get("gaps") or ():
        inv.gap(CoverageGap.from_dict(g))
    config = load_config()
    if case.get("config"):  # settings a cloudgov.yaml would give
        cfg = tmp_path / "cloudgov.yaml"
        cfg.write_text(yaml.safe_dump(case["config"], allow_unicode=True), encoding="utf-8")
        config = load_config(cfg)
    if case.get("allowed_regions"):
        config = config.with_allowed_regions(case["allowed_regions"])
    waivers = parse_waivers(case["waivers"], policies) if case.get("waivers") else None
    materiality = None
    if "register" in case:  # the vendor register's account → service → materiality links
        claims: dict = {}
        for c in case["register"] or ():
            claims.setdefault((c.get("provider", "aws"), str(c["account"])), []).append(
                (c["service"], c.get("material"), c.get("natural_person")))
        materiality = Materiality(claims)
    result = evaluate(inv, policies, config, waivers, materiality=materiality)
    mine = [f for f in result.findings if f.policy == case["policy"] and f.resource.id == subject.id]
    assert len(mine) == 1, f"expected one finding for {subject.id}, got {len(mine)}"
    finding = mine[0]
    assert finding.status.value == case["expect"], finding.message
    if "message_contains" in case:
        assert case["message_contains"] in finding.message
    if "controls" in case:
        assert list(finding.controls) == case["controls"]


# every policy of every area having PASS, FAIL and ERROR cases: tests/test_vocabulary.py
