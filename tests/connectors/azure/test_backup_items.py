"""What Azure vaults back up (ETG 9.3): Recovery Services protected items and Backup vault
backup instances from Resource Graph's recoveryservicesresources table, judged by
backup.data_store_backed_up on the disks they protect. Payloads: tests/data/azure/public
(arg-backup-vaults-disks.json, arg-backup-items.json; sources in the README beside them);
the verdicts are ours."""

from __future__ import annotations

import json

from azure_recorded import ARG, DATA, FakeCredential, arg_page, tenant_exchanges

from policies.registry import load_policies
from scanner.config import load_config
from scanner.connectors.azure.collect import AzureCollector
from scanner.connectors.azure.normalize import normalize
from scanner.connectors.azure.offline import read_exports
from scanner.connectors.azure.replay import Exchange, ReplayTransport
from scanner.engine import evaluate

PUBLIC = DATA / "public"
NOW = "2026-11-01T02:00:00Z"


def _verdicts(inv):
    inv.collected_at = NOW
    result = evaluate(inv, load_policies(), load_config())
    return {(f.policy, f.resource.name): f for f in result.findings}


def _offline(*names):
    raw = read_exports([PUBLIC / n for n in names])
    raw.collected_at = NOW
    return normalize(raw)


def test_disks_are_judged_by_what_the_vaults_back_up():
    v = _verdicts(_offline("arg-backup-vaults-disks.json", "arg-backup-items.json"))
    judged = {name: f for (p, name), f in v.items() if p == "backup.data_store_backed_up"}
    # a VM's protected item backs up every disk attached to it (managedBy)
    assert judged["vm-orders-os"].status.value == "PASS" and judged["vm-orders-data"].status.value == "PASS"
    assert "vm-orders" in judged["vm-orders-os"].message
    # protection configured, first backup not taken yet (lastBackupTime 2001-01-01): unknown, never a pass
    assert judged["vm-new-os"].status.value == "ERROR" and "IRPending" in judged["vm-new-os"].message
    # a disk backup instance carries no backup time: unknown
    assert judged["data-disk-protected"].status.value == "ERROR"
    # a NotProtected instance protects nothing; a disk nothing backs up fails now that every way is read
    assert judged["data-disk-notprotected"].status.value == "FAIL"
    assert judged["data-disk-none"].status.value == "FAIL"
    assert "Recovery Services vault VM backups" in judged["data-disk-none"].message


def test_items_are_backups_held_in_their_vault():
    inv = _offline("arg-backup-vaults-disks.json", "arg-backup-items.json")
    item = next(r for r in inv if r.name == "VM;iaasvmcontainerv2;rg-app;vm-orders")
    assert item.kind == "backup" and item.prop("created") == "2026-10-31T19:04:11Z"
    assert item.prop("vault").endswith("/vaults/rsv-tw") and item.prop("encryption.enabled") is True
    assert item.region == "taiwannorth" and item.prop("protection_state") == "Protected"
    pending = next(r for r in inv if r.name == "VM;iaasvmcontainerv2;rg-app;vm-new")
    assert pending.prop("created") is None  # 2001-01-01 is Azure Backup's "never"


def test_an_export_with_vaults_but_no_items_is_unknown_not_a_fail():
    inv = _offline("arg-backup-vaults-disks.json")
    gaps = [g for g in inv.coverage_gaps if g.service == "export:recoveryservicesresources"]
    assert gaps and gaps[0].kinds == ("backup",)
    v = _verdicts(inv)
    assert v[("backup.data_store_backed_up", "data-disk-none")].status.value == "ERROR"


def _with_vaults(exchanges, items_status=200):
    rows = json.loads((PUBLIC / "arg-backup-vaults-disks.json").read_text())
    items = json.loads((PUBLIC / "arg-backup-items.json").read_text())
    out = []
    for e in exchanges:
        if e.method == "POST" and e.url == ARG and '"$skipToken": "ew0KICAiJGlkIjogIjEiLA0K"' in e.body_contains:
            body = dict(e.body)
            body["data"] = list(body["data"]) + rows["data"]
            e = Exchange(e.method, e.url, e.status, body, e.headers, e.body_contains)
        out.append(e)
    if items_status == 200:
        out.append(Exchange("POST", ARG, body=arg_page(items), body_contains=("recoveryservicesresources",)))
    else:
        out.append(Exchange("POST", ARG, items_status, {"error": {"code": "AuthorizationFailed", "message": "denied"}},
                            body_contains=("recoveryservicesresources",)))
    return out


def test_live_collection_asks_resource_graph_for_the_items_once():
    transport = ReplayTransport(_with_vaults(tenant_exchanges()))
    collector = AzureCollector(FakeCredential(), transport=transport, retry_backoff_factor=0)
    inv = normalize(collector.collect())
    assert transport.unused() == []
    assert collector.counter.by_service["resourcegraph"] == 5  # + recoveryservicesresources
    v = _verdicts(inv)
    assert v[("backup.data_store_backed_up", "vm-orders-os")].status.value == "PASS"
    assert v[("backup.data_store_backed_up", "data-disk-none")].status.value == "FAIL"


def test_live_refused_items_query_is_a_gap_and_unknown():
    transport = ReplayTransport(_with_vaults(tenant_exchanges(), items_status=403))
    inv = normalize(AzureCollector(FakeCredential(), transport=transport, retry_backoff_factor=0).collect())
    (gap,) = [g for g in inv.coverage_gaps if g.service == "resourcegraph:recoveryservicesresources"]
    assert gap.kinds == ("backup",)
    assert _verdicts(inv)[("backup.data_store_backed_up", "data-disk-none")].status.value == "ERROR"


def test_without_a_vault_nothing_is_asked():
    transport = ReplayTransport(tenant_exchanges())
    collector = AzureCollector(FakeCredential(), transport=transport, retry_backoff_factor=0)
    collector.collect()
    assert collector.counter.by_service["resourcegraph"] == 4
