"""Azure collection benchmark: API calls and time for a synthetic recorded tenant replayed
through the azure-core transport (no network). Run:

    .venv/bin/python benchmarks/azure/bench_collect.py [--resources 1000] [--subscriptions 5]

Calls should grow with resources / 1,000 (Resource Graph pages) plus per-subscription,
per-workspace, per-vault and per-SQL-server reads — never one call per resource, user or
service principal.
"""

from __future__ import annotations

import argparse
import time

from azure.core.credentials import AccessToken

from scanner.connectors.azure.collect import AzureCollector
from scanner.connectors.azure.normalize import normalize
from scanner.connectors.azure.replay import Exchange, ReplayTransport

ARM = "https://management.azure.com"
ARG = f"{ARM}/providers/Microsoft.ResourceGraph/resources"
GRAPH = "https://graph.microsoft.com/v1.0"
TENANT = "11111111-1111-1111-1111-111111111111"


class Credential:
    def get_token(self, *scopes, **kw):
        return AccessToken("bench", int(time.time()) + 3600)


def synthetic_tenant(n_resources: int, n_subs: int, n_users: int = 500, n_apps: int = 300,
                     n_service_principals: int = 1500) -> list[Exchange]:
    subs = [f"aaaaaaaa-0000-0000-0000-{i:012d}" for i in range(n_subs)]
    rows, ws_ids, vaults = [], [], []
    kinds = ["storage", "disk", "cosmos", "workspace", "vault"]
    for i in range(n_resources):
        sub = subs[i % n_subs]
        rg = f"/subscriptions/{sub}/resourceGroups/rg{i % 7}"
        k = kinds[i % 5] if i < 50 else kinds[i % 3]  # a few workspaces and vaults, mostly data
        if k == "storage":
            rows.append({"id": f"{rg}/providers/Microsoft.Storage/storageAccounts/st{i}", "name": f"st{i}",
                         "type": "microsoft.storage/storageaccounts", "location": "taiwannorth",
                         "subscriptionId": sub, "tenantId": TENANT, "sku": {"name": "Standard_GRS"},
                         "properties": {"encryption": {"keySource": "Microsoft.Storage"}}})
        elif k == "disk":
            rows.append({"id": f"{rg}/providers/Microsoft.Compute/disks/d{i}", "name": f"d{i}",
                         "type": "microsoft.compute/disks", "location": "taiwannorth", "subscriptionId": sub,
                         "properties": {"encryption": {"type": "EncryptionAtRestWithPlatformKey"}}})
        elif k == "cosmos":
            rows.append({"id": f"{rg}/providers/Microsoft.DocumentDB/databaseAccounts/c{i}", "name": f"c{i}",
                         "type": "microsoft.documentdb/databaseaccounts", "location": "taiwannorth",
                         "subscriptionId": sub, "properties": {"locations": [{"locationName": "Taiwan North"}]}})
        elif k == "workspace":
            wid = f"{rg}/providers/Microsoft.OperationalInsights/workspaces/law{i}"
            ws_ids.append(wid)
            rows.append({"id": wid, "name": f"law{i}", "type": "microsoft.operationalinsights/workspaces",
                         "location": "taiwannorth", "subscriptionId": sub, "properties": {"retentionInDays": 90}})
        else:
            vid = f"{rg}/providers/Microsoft.KeyVault/vaults/kv{i}"
            vaults.append(vid)
            rows.append({"id": vid, "name": f"kv{i}", "type": "microsoft.keyvault/vaults", "location": "taiwannorth",
                         "subscriptionId": sub, "properties": {}})
    ex: list[Exchange] = [Exchange("POST", ARG, body={
        "totalRecords": n_subs, "count": n_subs, "resultTruncated": "false",
        "data": [{"id": f"/subscriptions/{s}", "name": s, "type": "microsoft.resources/subscriptions",
                  "subscriptionId": s, "tenantId": TENANT, "properties": {}} for s in subs]},
        body_contains=("resourcecontainers",))]
    pages = [rows[i:i + 1000] for i in range(0, len(rows), 1000)] or [[]]
    for n, page in enumerate(pages):
        body = {"totalRecords": len(rows), "count": len(page), "resultTruncated": "false", "data": page}
        if n + 1 < len(pages):
            body["$skipToken"] = f"page{n + 1}"
        cond = ("| where type in~ ('microsoft.storage",) + ((f'"$skipToken": "page{n}"',) if n else ())
        ex.append(Exchange("POST", ARG, body=body, body_contains=cond))
    ex.append(Exchange("POST", ARG, body={"totalRecords": 0, "count": 0, "resultTruncated": "false", "data": []},
                       body_contains=("authorizationresources",)))
    ex.append(Exchange("GET", f"{ARM}/subscriptions/{subs[0]}/locations", body={"value": [
        {"name": "taiwannorth", "metadata": {"pairedRegion": [{"name": "taiwannorthwest"}]}}]}))
    for s in subs:
        ex.append(Exchange("GET", f"{ARM}/subscriptions/{s}/providers/Microsoft.Insights/diagnosticSettings",
                           body={"value": []}))
        ex.append(Exchange("GET", f"{ARM}/subscriptions/{s}/providers/Microsoft.Authorization/"
                                  "roleEligibilityScheduleInstances", body={"value": []}))
    ex += [Exchange("GET", f"{ARM}{w}/tables", body={"value": []}) for w in ws_ids]
    ex += [Exchange("GET", f"{ARM}{v}/keys", body={"value": []}) for v in vaults]
    users = [{"id": f"u{i:08d}", "userPrincipalName": f"user{i}@contoso.example", "accountEnabled": True}
             for i in range(n_users)]
    user_pages = [users[i:i + 999] for i in range(0, len(users), 999)] or [[]]
    for n, page in enumerate(user_pages):
        body: dict = {"value": page}
        if n + 1 < len(user_pages):
            body["@odata.nextLink"] = f"{GRAPH}/users?$skiptoken=p{n + 1}"
        ex.append(Exchange("GET", f"{GRAPH}/users", body=body,
                           query_contains=(f"$skiptoken=p{n}",) if n else ("signInActivity",)))
    ex.append(Exchange("GET", f"{GRAPH}/directoryRoles", body={"value": []}))
    ex.append(Exchange("GET", f"{GRAPH}/roleManagement/directory/roleEligibilityScheduleInstances",
                       body={"value": []}))
    secret = [{"keyId": "k", "startDateTime": "2025-01-01T00:00:00Z", "endDateTime": "2099-01-01T00:00:00Z"}]
    apps = [{"id": f"o{i:08d}", "appId": f"a{i:08d}", "passwordCredentials": secret, "keyCredentials": [],
             "federatedIdentityCredentials": []} for i in range(n_apps)]
    sps = [{"id": f"s{i:08d}", "appId": f"a{i:08d}", "servicePrincipalType": "Application",
            "appOwnerOrganizationId": TENANT, "passwordCredentials": [], "keyCredentials": []}
           for i in range(n_service_principals)]
    for path, items in (("applications", apps), ("servicePrincipals", sps)):
        pages = [items[i:i + 999] for i in range(0, len(items), 999)] or [[]]
        for n, page in enumerate(pages):
            body = {"value": page}
            if n + 1 < len(pages):
                body["@odata.nextLink"] = f"{GRAPH}/{path}?$skiptoken=p{n + 1}"
            ex.append(Exchange("GET", f"{GRAPH}/{path}", body=body,
                               query_contains=(f"$skiptoken=p{n}",) if n else ("passwordCredentials",)))
    ex.append(Exchange("GET", f"{GRAPH}/reports/authenticationMethods/userRegistrationDetails", body={"value": [
        {"id": u["id"], "isMfaRegistered": True} for u in users]}))
    return ex


def run(n_resources: int, n_subs: int) -> dict:
    transport = ReplayTransport(synthetic_tenant(n_resources, n_subs))
    started = time.perf_counter()
    collector = AzureCollector(Credential(), transport=transport, retry_backoff_factor=0)
    raw = collector.collect()
    collected = time.perf_counter()
    inv = normalize(raw)
    done = time.perf_counter()
    assert not transport.unused(), "recordings left unused"
    return {"resources": n_resources, "subscriptions": n_subs, "inventory": len(inv),
            "calls": dict(collector.counter.by_service), "total_calls": collector.counter.total,
            "collect_s": round(collected - started, 3), "normalize_s": round(done - collected, 3)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, nargs="*", default=[1000, 5000, 20000])
    ap.add_argument("--subscriptions", type=int, default=5)
    args = ap.parse_args()
    print("resources  subs  inventory  resourcegraph  arm  graph  total  collect_s  normalize_s")
    for n in args.resources:
        r = run(n, args.subscriptions)
        c = r["calls"]
        print(f"{n:9d}  {args.subscriptions:4d}  {r['inventory']:9d}  {c.get('resourcegraph', 0):13d}  "
              f"{c.get('arm', 0):3d}  {c.get('graph', 0):5d}  {r['total_calls']:5d}  {r['collect_s']:9.3f}  "
              f"{r['normalize_s']:11.3f}")


if __name__ == "__main__":
    main()
