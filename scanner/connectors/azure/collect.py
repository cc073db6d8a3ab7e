"""Live collection from Azure (I/O only): Resource Graph in bulk, a few targeted ARM reads,
Microsoft Graph for identities. Returns an :class:`AzureRaw`; :func:`collect_inventory`
also normalizes it.

API calls grow with resources / 1,000 (Resource Graph pages) plus per-subscription reads
(activity-log export, PIM eligible roles), per-workspace (tables), per-vault (keys), per-SQL-server (TDE
protector) and per-log-storage-account (lifecycle) reads — never one call per resource.
Clients take an injected azure-core transport, so the same code runs against recordings.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from functools import partial
from types import SimpleNamespace
from typing import Any, cast

from scanner.connectors import Progress
from scanner.connectors.azure.common import (
    BACKUP_VAULT,
    LOG_CLASS_TAG,
    RSV,
    SQL_SERVER,
    STORAGE,
    VAULT,
    WORKSPACE,
    row_type,
)
from scanner.connectors.azure.graph_collect import NO_PIM_CODES, collect_identities
from scanner.connectors.azure.http import ARM, ApiError, CallCounter, get_json, get_pages, graph_client
from scanner.connectors.azure.raw import AzureRaw, gap
from scanner.connectors.azure.services import (
    ALL_KINDS,
    RG_AUTHORIZATION,
    RG_CONTAINERS,
    RG_RECOVERY,
    RG_RESOURCES,
    SERVICES,
    SUBSCRIPTION_LIST_KINDS,
    TYPE_KINDS,
    fetched_by,
)
from scanner.connectors.timeouts import Deadline
from scanner.errors import InputError
from scanner.source import Source

__all__ = ["AzureCollector", "collect_inventory", "QUERIES"]

_ROW = "id, name, type, tenantId, subscriptionId"


def _types_of(fetch: str) -> str:
    """The KQL list of the Resource Graph types the services read by ``fetch`` list."""
    return ", ".join(f"'{t}'" for s in SERVICES.values() if s.fetch == fetch for t in s.types)


QUERIES = {
    "resourcecontainers": f"resourcecontainers | where type in~ ({_types_of(RG_CONTAINERS)}) "
                          f"| project {_ROW}, tags, properties | order by id asc",
    "resources": f"resources | where type in~ ({_types_of(RG_RESOURCES)}) "
                 f"| project {_ROW}, kind, location, resourceGroup, sku, tags, properties, managedBy "
                 "| order by id asc",
    "authorizationresources": f"authorizationresources | where type in~ ({_types_of(RG_AUTHORIZATION)}) "
                              f"| project {_ROW}, properties | order by id asc",
    "recoveryservicesresources": f"recoveryservicesresources | where type in~ ({_types_of(RG_RECOVERY)}) "
                                 f"| project {_ROW}, location, resourceGroup, properties | order by id asc",
}
_ARG_URL = f"{ARM}/providers/Microsoft.ResourceGraph/resources"
_API = {"diag": "2021-05-01-preview", "pricings": "2024-01-01", "locations": "2022-12-01", "tables": "2022-10-01", "sql": "2021-11-01",
        "keys": "2023-07-01", "storage": "2023-05-01", "pim": "2020-10-01"}


class AzureCollector:
    def __init__(self, credential: Any, *, transport: Any = None, tenant: str | None = None,
                 management_group: str | None = None, subscriptions: list[str] | None = None,
                 max_workers: int = 8, retry_total: int = 6, retry_backoff_factor: float = 0.8,
                 on_step: Callable[[str], None] | None = None, sleep: Callable[[float], None] = time.sleep,
                 deadline: Deadline | None = None, progress: Progress | None = None):
        from azure.mgmt.resourcegraph import ResourceGraphClient

        kw: dict[str, Any] = {"retry_total": retry_total, "retry_backoff_factor": retry_backoff_factor}
        if transport is not None:
            kw["transport"] = transport
        self.arm = ResourceGraphClient(credential, **kw)
        self.graph = graph_client(credential, transport, retry_total=retry_total,
                                  retry_backoff_factor=retry_backoff_factor)
        self.tenant = tenant
        self.management_group = management_group
        self.subscriptions = [s.strip() for s in subscriptions or [] if s.strip()]
        self.max_workers = max(1, max_workers)
        self.counter = CallCounter()
        self.on_step = on_step or (lambda _msg: None)
        self.progress = progress
        self.sleep = sleep
        self.deadline = deadline or Deadline("Azure")
        self.probed = False  # the first call retries at most once (a dead endpoint: seconds, not minutes)

    # --- every call: timeouts capped by the deadline, a dead endpoint one sentence ------------
    def _call(self, url: str, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args, **timeouts)`` for the call to ``url``: connect and read timeouts and the
        SDK's retry budget capped by what is left of the scan's deadline; an endpoint that
        cannot be reached or does not answer ends the scan with one sentence naming it."""
        from azure.core.exceptions import ServiceRequestError, ServiceResponseError

        d = self.deadline
        options: dict[str, Any] = {"connection_timeout": d.connect(url), "read_timeout": d.read(url),
                                   "timeout": d.check(url)}
        if not self.probed:
            options["retry_total"] = d.timeouts.probe_attempts - 1
        try:
            result = fn(*args, **options)
        except ServiceResponseError as e:
            raise self._dead(url, e, answered=False) from None
        except ServiceRequestError as e:
            raise self._dead(url, e, answered=None) from None
        self.probed = True
        return result

    def _dead(self, url: str, e: Exception, *, answered: bool | None) -> InputError:
        if self.deadline.remaining() <= 0:
            return self.deadline.exceeded(url)
        t = self.deadline.timeouts
        first = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        if answered is False or "timed out" in first.lower():
            return InputError(f"The Azure endpoint {url} did not answer within {t.read:g} s; check the network "
                              f"or proxy (CLOUDGOV_READ_TIMEOUT, CLOUDGOV_CONNECT_TIMEOUT): {first}")
        return InputError(f"Cannot reach the Azure endpoint {url}; check the network or proxy: {first}")

    def arm_send(self, request: Any) -> Any:
        # resourcegraph 8 names it _send_request (the generated clients' public send_request)
        return self._call(request.url, self.arm._send_request, request)

    def graph_send(self, request: Any) -> Any:
        return self._call(request.url, self.graph.send_request, request)

    # --- Resource Graph ------------------------------------------------------------------
    def query(self, table: str) -> list[dict[str, Any]]:
        """All rows of one KQL query, following ``$skipToken``, within the tenant's quota."""
        from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

        rows: list[dict[str, Any]] = []
        skip: str | None = None
        while True:
            request = QueryRequest(
                query=QUERIES[table],
                subscriptions=self.subscriptions or None,
                management_groups=[self.management_group] if self.management_group else None,
                options=QueryRequestOptions(top=1000, skip_token=skip, result_format="objectArray"),
            )
            # cls= makes the SDK return (deserialized, headers), which its annotation does not say
            result, headers = cast(tuple[Any, Any], self._call(
                _ARG_URL, partial(self.arm.resources, cls=lambda pr, d, _h: (d, pr.http_response.headers)), request))
            self.counter.add("resourcegraph")
            rows.extend(result.data or [])
            self._respect_quota(headers)
            skip = result.skip_token
            if not skip:
                return rows

    def _respect_quota(self, headers: Any) -> None:
        """Resource Graph's per-user quota: when it is spent, wait until it resets (bounded)."""
        remaining = headers.get("x-ms-user-quota-remaining")
        if remaining is None or int(remaining) > 0:
            return
        h, m, s = (headers.get("x-ms-user-quota-resets-after") or "00:00:05").split(":")
        wait = min(int(h) * 3600 + int(m) * 60 + float(s), 60.0)
        self.sleep(min(wait, self.deadline.check(_ARG_URL)))

    # --- ARM --------------------------------------------------------------------------------
    def arm_get(self, path: str, api: str) -> dict[str, Any]:
        return get_json(self.arm_send, f"{ARM}{path}?api-version={_API[api]}", self.counter, "arm")

    def arm_list(self, path: str, api: str) -> list[dict[str, Any]]:
        return get_pages(self.arm_send, f"{ARM}{path}?api-version={_API[api]}", self.counter, "arm")

    # --- the scan -----------------------------------------------------------------------------
    def collect(self) -> AzureRaw:
        from datetime import datetime

        started = time.monotonic()
        raw = AzureRaw(tenant_id=self.tenant if _is_guid(self.tenant) else None,
                       collected_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"))
        scope = self.management_group and f"management group {self.management_group}" or (
            f"{len(self.subscriptions)} subscriptions" if self.subscriptions else "the tenant")
        account = self.tenant or "tenant"

        self.on_step("Resource Graph: subscriptions")
        raw.containers = self._bulk("resourcecontainers", raw, account, SUBSCRIPTION_LIST_KINDS) or []
        subs = [str(r["subscriptionId"]) for r in raw.containers
                if str(r.get("type", "")).lower() == "microsoft.resources/subscriptions"]
        raw.tenant_id = raw.tenant_id or next((r.get("tenantId") for r in raw.containers if r.get("tenantId")), None)
        account = raw.tenant_id or account
        for missing in sorted({s.lower() for s in self.subscriptions} - {s.lower() for s in subs}):
            raw.gaps.append(gap(missing, "resourcegraph", ALL_KINDS, "SubscriptionNotFound",
                                f"subscription {missing} is not visible to these credentials"))
        self.on_step("Resource Graph: resources")
        raw.resources = self._bulk("resources", raw, account, fetched_by(RG_RESOURCES)) or []
        vault_subs = sorted({str(row.get("subscriptionId") or str(row["id"]).split("/")[2]) for row in raw.resources
                             if row_type(row) in (RSV, BACKUP_VAULT)})
        if vault_subs:  # protected items live in vaults: without one there is nothing to ask
            self.on_step("Resource Graph: backup items")
            raw.backup_items = self._bulk("recoveryservicesresources", raw, account, fetched_by(RG_RECOVERY))
            if raw.backup_items is None:  # what the refusal hides sits in the vaults' subscriptions
                refused = raw.gaps.pop()
                raw.gaps.extend(dataclasses.replace(refused, account=sub) for sub in vault_subs)
        self.on_step("Resource Graph: role assignments")
        raw.authorization = self._bulk("authorizationresources", raw, account, fetched_by(RG_AUTHORIZATION))

        self.on_step(f"ARM: {len(subs)} subscriptions")
        raw.locations = self._locations(subs, raw, account)
        with ThreadPoolExecutor(max_workers=self.max_workers) as pool:
            for sub, settings in zip(subs, pool.map(lambda s: self._diagnostics(s, raw), subs), strict=True):
                if settings is not None:
                    raw.diagnostic_settings[sub] = settings
            for sub, plans in zip(subs, pool.map(lambda s: self._pricings(s, raw), subs), strict=True):
                if plans is not None:
                    raw.pricings[sub] = plans
            self._eligibility(pool, subs, raw, account)
            self._targeted(pool, raw)

        self.on_step("Microsoft Graph: identities")
        principals = {str((r.get("properties") or {}).get("principalId")):
                      str((r.get("properties") or {}).get("principalType", "")).lower()
                      for r in (raw.authorization or []) + (raw.rbac_eligibility or [])
                      if str(r.get("type", "")).lower() in ("microsoft.authorization/roleassignments",
                                                            "microsoft.authorization/roleeligibilityscheduleinstances")}
        collect_identities(SimpleNamespace(send_request=self.graph_send), raw, self.counter, account, principals)
        by_api = dict(sorted(self.counter.by_service.items()))
        raw.sources.append(Source(connector="azure", mode="live", accounts=tuple(sorted(subs)),
                                  api_calls=sum(by_api.values()), calls_by_api=by_api,
                                  seconds=round(time.monotonic() - started, 3),
                                  details={"scope": scope, "tenant": raw.tenant_id}))
        return raw

    def _bulk(self, table: str, raw: AzureRaw, account: str, kinds: tuple[str, ...]):
        from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

        try:
            return self.query(table)
        except ClientAuthenticationError:
            raise  # no usable credentials: a user error for the CLI, not a gap
        except HttpResponseError as e:
            code, message = _sdk_error(e)
            raw.gaps.append(gap(account, f"resourcegraph:{table}", kinds, code, message))
            return None

    def _locations(self, subs: list[str], raw: AzureRaw, account: str) -> list[dict[str, Any]] | None:
        """Region pairs, read live (never hard-coded): from the first subscription that answers."""
        last: ApiError | None = None
        for sub in subs:
            try:
                return self.arm_list(f"/subscriptions/{sub}/locations", "locations")
            except ApiError as e:
                last = e
        if last is not None:
            raw.gaps.append(gap(account, "arm:locations", (), last.code,
                                f"paired regions unreadable: {last.message}; GRS secondaries stay unknown"))
        return None

    def _pricings(self, sub: str, raw: AzureRaw) -> list[dict[str, Any]] | None:
        """Defender for Cloud plans of the subscription (ETG 8.3.2, 8.4.4)."""
        try:
            return self.arm_list(f"/subscriptions/{sub}/providers/Microsoft.Security/pricings", "pricings")
        except ApiError as e:
            raw.gaps.append(gap(sub, "arm:pricings", fetched_by("arm:pricings"), e.code,
                                f"Defender for Cloud plans unreadable: {e.message}"))
            return None

    def _diagnostics(self, sub: str, raw: AzureRaw) -> list[dict[str, Any]] | None:
        try:
            return self.arm_list(f"/subscriptions/{sub}/providers/Microsoft.Insights/diagnosticSettings", "diag")
        except ApiError as e:
            raw.gaps.append(gap(sub, "arm:diagnosticSettings", fetched_by("arm:diagnosticSettings"), e.code,
                                f"activity-log export settings unreadable: {e.message}"))
            return None

    def _eligibility(self, pool: ThreadPoolExecutor, subs: list[str], raw: AzureRaw, account: str) -> None:
        """PIM eligible Azure roles: one list per subscription (unfiltered, it returns the scopes at,
        above and below it) and one at the scanned management group; duplicates are merged by id."""
        scopes = [f"/subscriptions/{s}" for s in subs]
        if self.management_group:
            scopes.append(f"/providers/Microsoft.Management/managementGroups/{self.management_group}")
        if not scopes:
            return  # nothing to ask: eligibility stays unknown
        path = "/providers/Microsoft.Authorization/roleEligibilityScheduleInstances"
        results = pool.map(lambda sc: _attempt(lambda: self.arm_list(f"{sc}{path}", "pim")), scopes)
        rows: dict[str, dict[str, Any]] = {}
        no_pim: ApiError | None = None
        for scope, (value, err) in zip(scopes, results, strict=True):
            if err is None:
                for row in value:
                    rows.setdefault(str(row.get("id", "")).lower(), row)
            elif err.code in NO_PIM_CODES:
                no_pim = err
            else:
                raw.eligibility_unread.append(f"{scope}: {err.code}")
                raw.gaps.append(gap(scope.split("/")[2] if scope.startswith("/subscriptions/") else account,
                                    "arm:roleEligibilityScheduleInstances",
                                    fetched_by("arm:roleEligibilityScheduleInstances"),
                                    err.code, f"PIM eligible Azure roles at {scope} unreadable: {err.message}"))
        if no_pim is not None:
            raw.gaps.append(gap(account, "arm:roleEligibilityScheduleInstances", (), no_pim.code,
                                "no Entra ID P2 / Governance licence: PIM for Azure resources is unavailable, "
                                "no Azure role can be held as eligible"))
        raw.rbac_eligibility = list(rows.values())

    def _targeted(self, pool: ThreadPoolExecutor, raw: AzureRaw) -> None:
        """The reads Resource Graph cannot answer: one per workspace / vault / SQL server /
        log storage account (and per storage account whose encryption Resource Graph omitted)."""
        log_targets = {str((s.get("properties") or {}).get(k, "")).lower()
                       for settings in raw.diagnostic_settings.values() for s in settings
                       for k in ("storageAccountId",)}
        jobs: list[tuple[str, str, Callable[[], Any]]] = []
        for row in raw.resources:
            rid, t = str(row["id"]), str(row.get("type", "")).lower()
            key = rid.lower()
            if t == WORKSPACE:
                jobs.append(("tables", rid, partial(self.arm_list, f"{rid}/tables", "tables")))
            elif t == VAULT:
                jobs.append(("keys", rid, partial(self.arm_list, f"{rid}/keys", "keys")))
            elif t == SQL_SERVER:
                jobs.append(("sql", rid, partial(self.arm_get, f"{rid}/encryptionProtector/current", "sql")))
            elif t == STORAGE:
                if key in log_targets or LOG_CLASS_TAG in (row.get("tags") or {}):
                    jobs.append(("lifecycle", rid, partial(self.arm_get, f"{rid}/managementPolicies/default", "storage")))
                    jobs.append(("containers", rid, partial(self._log_containers, rid)))
                if "encryption" not in (row.get("properties") or {}):
                    jobs.append(("storage", rid, partial(self.arm_get, rid, "storage")))
        results = pool.map(lambda job: _attempt(job[2]), jobs)
        types = {str(row["id"]).lower(): str(row.get("type", "")).lower() for row in raw.resources}
        for done, ((what, rid, _), (value, err)) in enumerate(zip(jobs, results, strict=True), start=1):
            if self.progress is not None:
                self.progress(f"ARM: {what} of {rid.rsplit('/', 1)[-1]}", done, len(jobs))
            key = rid.lower()
            if err is not None and what == "lifecycle" and err.status == 404:
                raw.lifecycle[key] = None  # no management policy: nothing expires
                continue
            if err is not None:
                # an unread container list hides no resource: the store's immutability stays unknown
                kinds = () if what == "containers" else TYPE_KINDS[types[key]]
                raw.gaps.append(gap(rid.split("/")[2], f"arm:{what}", kinds, err.code, f"{rid}: {err.message}"))
                continue
            if what == "tables":
                raw.workspace_tables[key] = value
            elif what == "keys":
                raw.vault_keys[key] = value
            elif what == "sql":
                raw.sql_protectors[key.split("/encryptionprotector")[0]] = value
            elif what == "lifecycle":
                raw.lifecycle[key] = value
            elif what == "containers":
                raw.blob_containers[key] = value
            elif what == "storage":
                for row in raw.resources:
                    if str(row["id"]).lower() == key:
                        row.setdefault("properties", {}).update(value.get("properties") or {})


    def _log_containers(self, rid: str) -> list[dict[str, Any]]:
        """A log storage account's blob containers; the log containers that have an
        immutability policy get its state (List Containers says only that there is one)."""
        from scanner.connectors.azure.logs import log_containers

        items = self.arm_list(f"{rid}/blobServices/default/containers", "storage")
        for c in log_containers(items):
            p = c.setdefault("properties", {})
            if p.get("hasImmutabilityPolicy") is True and not ((p.get("immutabilityPolicy") or {}).get("properties") or {}).get("state"):
                policy = self.arm_get(f"{c['id']}/immutabilityPolicies/default", "storage")
                p["immutabilityPolicy"] = {"properties": policy.get("properties") or {}}
        return items


def _attempt(fn: Callable[[], Any]) -> tuple[Any, ApiError | None]:
    try:
        return fn(), None
    except ApiError as e:
        return None, e


def _sdk_error(e: Exception) -> tuple[str, str]:
    err = getattr(e, "error", None)
    code = getattr(err, "code", None) or getattr(e, "status_code", None) or type(e).__name__
    return str(code), str(getattr(e, "message", None) or e).splitlines()[0][:300]


def _is_guid(text: str | None) -> bool:
    import re

    return bool(text and re.fullmatch(r"[0-9a-fA-F-]{36}", text))


def collect_inventory(credential: Any, **kwargs: Any):
    """Collect and normalize: the Inventory of one Azure scan."""
    from scanner.connectors.azure.normalize import normalize

    return normalize(AzureCollector(credential, **kwargs).collect())
