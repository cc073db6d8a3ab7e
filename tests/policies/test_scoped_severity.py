"""A policy's severity per scope (``scoped_severity``): validated when policies load, applied
by the engine from the register's materiality of the resource's service."""

from __future__ import annotations

import pytest

from policies.catalogue import load_catalogue
from policies.registry import Policy, _load_area
from scanner.errors import ConfigError
from scanner.materiality import Scope
from scanner.model import Severity

_AREA = """area: encryption
policies:
  - id: encryption.x
    title_zh: 測試
    title_en: test
    kinds: [database]
    controls: [ETG:8.7.3]
    scope: material
    predicate: customer_managed_key
"""


def _load(tmp_path, extra: str):
    path = tmp_path / "encryption.yaml"
    path.write_text(_AREA + extra, encoding="utf-8")
    return _load_area(path, load_catalogue(), None)


def test_scoped_severity_loads(tmp_path):
    (p,) = _load(tmp_path, "    severity: medium\n    scoped_severity: {material_natural_person: high}\n")
    assert p.severity is Severity.MEDIUM and p.scoped_severity == {"material_natural_person": Severity.HIGH}
    assert p.account_scoped


@pytest.mark.parametrize("extra, words", [
    ("    severity: medium\n    scoped_severity: {materiel: high}\n", "scoped_severity names 'materiel'"),
    ("    severity: medium\n    scoped_severity: {all: high}\n", "severity is the default"),
    ("    severity: high\n    scoped_severity: {material: medium}\n", "would never apply"),
    ("    severity: medium\n    scoped_severity: {material: huge}\n", "unknown severity 'huge'"),
    ("    scoped_severity: {material: high}\n", "severity must be one value"),
    ("    severity: {material: high}\n", "severity must be one value"),
])
def test_bad_scoped_severity_is_one_sentence(tmp_path, extra, words):
    with pytest.raises(ConfigError) as e:
        _load(tmp_path, extra)
    assert words in str(e.value) and "\n" not in str(e.value)


def _policy() -> Policy:
    return Policy(id="encryption.x", area="encryption", title_zh="", title_en="", severity=Severity.LOW,
                  kinds=("database",), controls=("ETG:8.7.3",), predicate=lambda r, c: None,
                  scoped_severity={"material": Severity.MEDIUM, "material_natural_person": Severity.HIGH})


@pytest.mark.parametrize("scope, expected", [
    (Scope(("a/s",), material=False, natural_person=None), Severity.LOW),
    (Scope(("a/s",), material=True, natural_person=False), Severity.MEDIUM),
    (Scope(("a/s",), material=True, natural_person=True), Severity.HIGH),
    # unknown: the higher severity that may apply (fail closed)
    (Scope(("a/s",), material=True, natural_person=None), Severity.HIGH),
    (Scope(), Severity.HIGH),
])
def test_severity_for_each_scope(scope, expected):
    assert _policy().severity_for(scope) is expected
