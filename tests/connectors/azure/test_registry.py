"""Azure Container Registry (ETG 8.4.1): the REST specs' RegistryGet example, alone (an
export without Defender plans) and with the public pricings list, judged by the compute
policies. ACR's tag locks are data-plane: tag immutability is ERROR with that reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies.registry import load_policies
from scanner.config import load_config
from scanner.connectors.azure.normalize import normalize
from scanner.connectors.azure.raw import AzureRaw, gap
from scanner.connectors.azure.registries import defender_registry_scan
from scanner.engine import evaluate
from scanner.model import Kind

PUBLIC = Path(__file__).parents[2] / "data" / "azure" / "public"
SUB = "00000000-0000-0000-0000-000000000000"


def _load(name):
    return json.loads((PUBLIC / name).read_text(encoding="utf-8"))


def _judge(raw: AzureRaw) -> dict:
    inv = normalize(raw)
    result = evaluate(inv, load_policies(), load_config())
    return inv, {f.policy: f for f in result.findings if f.resource.kind == "compute.registry"}


def _raw(pricings=None) -> AzureRaw:
    row = {**_load("acr-registry-get.json"), "subscriptionId": SUB}
    row["type"] = row["type"].lower()
    return AzureRaw(tenant_id="t", resources=[row], pricings={SUB: pricings} if pricings is not None else {})


def test_registry_with_the_public_defender_plans():
    inv, found = _judge(_raw(_load("defender-pricings-list.json")["value"]))
    (reg,) = inv.of_kind("compute.registry")
    assert reg.prop("sku") == "Standard" and reg.prop("images.content_trust") is False and reg.prop("images.quarantine") is False
    f = found["compute.registry_images_scanned"]
    assert f.status.value == "PASS" and "Containers plan (Standard, ContainerRegistriesVulnerabilityAssessments on)" in f.message
    f = found["compute.registry_tags_immutable"]
    assert f.status.value == "ERROR" and "data plane" in f.message, f.message


def test_plans_denied_is_error_with_the_code():
    raw = _raw()
    raw.gaps.append(gap(SUB, "arm:pricings", (Kind.DETECTOR,), "AuthorizationFailed", "denied"))
    _, found = _judge(raw)
    f = found["compute.registry_images_scanned"]
    assert f.status.value == "ERROR" and "AuthorizationFailed" in f.message, f.message


@pytest.mark.parametrize("plans,scanned", [
    ([{"name": "Containers", "properties": {"pricingTier": "Free"}}], False),
    ([{"name": "Containers", "properties": {"pricingTier": "Standard", "extensions": [
        {"name": "ContainerRegistriesVulnerabilityAssessments", "isEnabled": "False"}]}}], False),
    ([{"name": "CloudPosture", "properties": {"pricingTier": "Standard", "extensions": [
        {"name": "ContainerRegistriesVulnerabilityAssessments", "isEnabled": "True"}]}}], True),
    ([{"name": "ContainerRegistry", "properties": {"pricingTier": "Standard"}}], True),  # the retired plan
    ([{"name": "Containers", "properties": {"pricingTier": "Standard"}}], None),  # extension state not given
])
def test_which_plans_scan_registries(plans, scanned):
    props = defender_registry_scan(plans)
    assert props.get("images.scan_on_push") is scanned, props
    if scanned is None:
        assert "not in the Containers plan's answer" in props["images.unread"]


def test_an_export_without_plans_is_error(tmp_path):
    from tests.connectors.conftest import scan_snapshot

    got = scan_snapshot([PUBLIC / "acr-registry-get.json"], tmp_path / "out", (), key="name")
    assert got[("compute.registry_images_scanned", "myRegistry")]["status"] == "ERROR"
    assert got[("compute.registry_tags_immutable", "myRegistry")]["status"] == "ERROR"
