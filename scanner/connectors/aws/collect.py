"""Live collection: accounts × regions in a bounded worker pool → one Inventory.

Phase 1 runs, for every account, one IAM task (IAM throttles account-wide, so its calls
stay sequential per account) and one task per enabled region. Phase 2 lists the buckets
and reads each bucket in its own region, knowing by then which buckets receive trails.
Every account's payloads are normalized by the same pure functions the offline path uses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from scanner.connectors import Progress
from scanner.connectors.aws.clients import (
    AccountClients,
    ApiCounter,
    assume_role_session,
    base_session,
    error_code,
    is_credential_error,
)
from scanner.connectors.aws.common import ALL_KINDS, LOG_CLASS_TAG, PROVIDER, arn_partition
from scanner.connectors.aws.fetch import Reader, Unreadable, fetch_iam, fetch_organization
from scanner.connectors.aws.fetch_regional import fetch_bucket, fetch_global_clusters, fetch_region, list_buckets
from scanner.connectors.aws.normalize import normalize_account
from scanner.connectors.aws.plan import Plan
from scanner.connectors.aws.regions import plan_regions
from scanner.errors import InputError
from scanner.inventory import Inventory, merge
from scanner.model import CoverageGap
from scanner.source import Source

__all__ = ["ScanRequest", "collect"]



@dataclass
class ScanRequest:
    profile: str | None = None
    regions: list[str] | None = None  # None: every enabled region
    accounts: list[str] | None = None  # None: the caller's account (or the organisation's)
    organization: bool = False
    role_name: str | None = None
    endpoint_url: str | None = None
    workers: int = 16
    home_region: str | None = None
    #: the collection units to read (scanner.connectors.aws.plan: ``plan_for(selected policies).units``);
    #: None: every unit (no selection)
    units: tuple[str, ...] | None = None


@dataclass
class _Account:
    id: str
    clients: AccountClients
    reader: Reader
    bundle: dict[str, Any] = field(default_factory=dict)


class _Tracker:
    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.total = 0
        self.done = 0
        self.lock = threading.Lock()

    def add(self, n: int) -> None:
        with self.lock:
            self.total += n
        if self.progress:
            self.progress("", self.done, self.total)

    def tick(self, label: str) -> None:
        with self.lock:
            self.done += 1
        if self.progress:
            self.progress(label, self.done, self.total)


def _credential_error(exc: BaseException) -> InputError:
    code = error_code(exc)
    if code in ("NoCredentialsError", "PartialCredentialsError"):
        return InputError("No AWS credentials found: set a profile (--profile), environment variables or an SSO login, then retry.")
    return InputError(f"AWS rejected the credentials ({code}): they are expired or invalid; refresh them (e.g. aws sso login) and retry.")


def collect(
    req: ScanRequest,
    *,
    session: Any = None,
    instrument: Callable[[Any], None] | None = None,
    progress: Progress | None = None,
) -> Inventory:
    """Scan live. ``session`` (a boto3 Session) and ``instrument`` (called with each
    session's event system) are for tests: fault injection without patching globals."""
    from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, ReadTimeoutError

    started = time.monotonic()
    plan = Plan(req.units)
    counter = ApiCounter()
    session = session or base_session(req.profile, req.home_region)
    home = req.home_region or session.region_name or "us-east-1"
    caller = AccountClients("caller", session, counter, req.workers, req.endpoint_url, home, instrument=instrument)
    try:
        ident = caller.client("sts", home, probe=True).get_caller_identity()
    except EndpointConnectionError as e:
        raise InputError(f"Cannot reach the AWS endpoint ({e.kwargs.get('endpoint_url', req.endpoint_url)}).") from None
    except ReadTimeoutError as e:
        from scanner.connectors.timeouts import timeouts

        raise InputError(
            f"The AWS endpoint {e.kwargs.get('endpoint_url', req.endpoint_url)} accepted the connection but did not "
            f"answer within {timeouts().read:g} s (twice); check the network or proxy (CLOUDGOV_READ_TIMEOUT)."
        ) from None
    except (ClientError, BotoCoreError) as e:
        if is_credential_error(e):
            raise _credential_error(e) from None
        raise InputError(f"AWS STS GetCallerIdentity failed ({error_code(e)}): {e}") from None
    caller_account = ident["Account"]
    partition = arn_partition(ident.get("Arn"))
    caller.account = caller_account

    account_ids = _account_list(req, caller, caller_account)
    tracker = _Tracker(progress)
    gaps: list[CoverageGap] = []
    accounts: list[_Account] = []
    failed: list[dict[str, str]] = []

    with ThreadPoolExecutor(max_workers=max(1, req.workers), thread_name_prefix="cloudgov-aws") as pool:
        # --- enter every account -------------------------------------------------------
        tracker.add(len(account_ids))
        entered: dict[str, Future] = {
            a: pool.submit(_enter, a, req, caller, caller_account, partition, counter, instrument, plan) for a in account_ids
        }
        for a, fut in entered.items():
            try:
                acct = fut.result()
                accounts.append(acct)
            except _EnterFailed as e:
                failed.append({"account": a, "code": e.code, "message": e.message})
                gaps.append(CoverageGap(PROVIDER, a, None, "sts", ALL_KINDS, e.code, e.message))
            tracker.tick(f"account {a}")

        # --- phase 1: IAM and regions ----------------------------------------------------
        futures: list[tuple[Future, Callable[[Any], None], str]] = []
        for acct in accounts:
            acct.bundle = {"account_id": acct.id, "partition": partition, "regions": {}}
            if not plan.everything:
                acct.bundle["not_collected"] = plan.skipped  # not read for this selection: no gap either
            regions = _regions_for(acct, req, home)
            futures.append((pool.submit(_global, acct), partial(_put_global, acct), f"{acct.id} iam"))
            for region in regions:
                futures.append(
                    (pool.submit(fetch_region, acct.reader, region), partial(_put_region, acct, region),
                     f"{acct.id} {region}")
                )
        tracker.add(len(futures))
        for fut, store, label in futures:
            store(fut.result())
            tracker.tick(label)

        # --- account-wide follow-ups: Aurora global databases, organisations -----------------
        globals_ = [(acct, pool.submit(fetch_global_clusters, acct.reader, acct.bundle["regions"])) for acct in accounts]
        for acct, fut in globals_:
            found = fut.result()
            if found is not None:
                acct.bundle["rds_global_clusters"] = found
        known = _known_organizations(req, accounts, caller, caller_account, account_ids)
        for acct in accounts:
            if known:
                acct.bundle["known_organizations"] = known

        # --- phase 2: S3 ---------------------------------------------------------------------
        bucket_futures: list[tuple[_Account, Future]] = []
        for acct in accounts if plan.wants("s3") else ():
            try:
                buckets = list_buckets(acct.reader, home)
            except Unreadable:
                continue  # gap recorded; buckets unknown
            log_names = _log_bucket_names(acct.bundle)
            tagged = frozenset(r for r, reg in acct.bundle["regions"].items() if "tags" in reg)
            tracker.add(len(buckets))
            acct.bundle["s3"] = {"buckets": []}
            for b in buckets:
                bucket_futures.append((acct, pool.submit(fetch_bucket, acct.reader, b, home, log_bucket=b["Name"] in log_names,
                                                         tagged_regions=tagged)))
        for acct, fut in bucket_futures:
            b = fut.result()
            acct.bundle["s3"]["buckets"].append(b)
            tracker.tick(f"s3 {b['Name']}")
        for acct in accounts:
            _untagged_bucket_gaps(acct)

    shards = []
    for acct in accounts:
        acct.bundle["gaps"] = list(acct.reader.gaps)
        shards.append(normalize_account(acct.bundle))
    inv = merge(shards)
    for g in gaps:
        inv.gap(g)
    inv.collected_at = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    elapsed = time.monotonic() - started
    inv.sources = [
        Source(
            connector="aws",
            mode="live",
            accounts=tuple(sorted(a.id for a in accounts)),
            regions=tuple(sorted({r for a in accounts for r in a.bundle.get("regions", {})})),
            api_calls=counter.total,
            calls_by_api=dict(sorted(counter.calls.items())),
            seconds=round(elapsed, 3),
            accounts_failed=tuple(failed),
            details={
                "caller_account": caller_account,
                "endpoint_url": req.endpoint_url,
                "resources": len(inv),
                "http_requests": counter.requests,
                **({} if plan.everything else {"not_collected": plan.skipped}),
            },
        )
    ]
    return inv


def _put_global(acct: _Account, section: dict[str, Any]) -> None:
    acct.bundle.update(section)


def _put_region(acct: _Account, region: str, section: dict[str, Any]) -> None:
    acct.bundle["regions"][region] = section


class _EnterFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _account_list(req: ScanRequest, caller: AccountClients, caller_account: str) -> list[str]:
    from botocore.exceptions import ClientError

    if req.organization:
        try:
            pages = caller.client("organizations").get_paginator("list_accounts").paginate()
            ids = [a["Id"] for p in pages for a in p["Accounts"] if a.get("Status", "ACTIVE") == "ACTIVE"]
        except ClientError as e:
            raise InputError(
                f"--organization: cannot list the organisation's accounts ({error_code(e)}); run from the management "
                "or a delegated-administrator account, or give --accounts."
            ) from None
        return sorted(set(ids))
    if req.accounts:
        return list(dict.fromkeys(req.accounts))
    return [caller_account]


def _enter(account: str, req: ScanRequest, caller: AccountClients, caller_account: str, partition: str,
           counter: ApiCounter, instrument: Callable[[Any], None] | None, plan: Plan) -> _Account:
    from botocore.exceptions import BotoCoreError, ClientError

    if account == caller_account:
        clients = caller
    else:
        if not req.role_name:
            raise _EnterFailed("NoRole", f"account {account}: no --role-name to assume in it")
        role_arn = f"arn:{partition}:iam::{account}:role/{req.role_name}"
        try:
            session = assume_role_session(caller, role_arn)
        except (ClientError, BotoCoreError) as e:
            raise _EnterFailed(error_code(e), f"could not assume {role_arn}: {e}") from None
        clients = AccountClients(account, session, counter, req.workers, req.endpoint_url, caller.home_region, instrument=instrument)
    return _Account(account, clients, Reader(account, clients.client, plan))


def _regions_for(acct: _Account, req: ScanRequest, home: str) -> list[str]:
    try:
        # without AllRegions, DescribeRegions lists only the regions enabled for the account
        listed = acct.reader.call("ec2", home, "describe_regions")["Regions"]
        enabled = [r["RegionName"] for r in listed]
    except Unreadable:
        enabled = None
    regions, closed = plan_regions(req.regions, enabled)
    if enabled is None and not regions:
        regions = [home]
    for r in closed:
        acct.reader.gap("ec2", r, "OptInRequired", f"region {r} is not enabled in account {acct.id}", ALL_KINDS)
    return regions


def _global(acct: _Account) -> dict[str, Any]:
    out: dict[str, Any] = {"iam": fetch_iam(acct.reader)} if acct.reader.wants("iam") else {}
    org = fetch_organization(acct.reader) if acct.reader.wants("organizations") else None
    if org:
        out["organization"] = org
    return out


def _log_bucket_names(bundle: dict[str, Any]) -> set[str]:
    names = set()
    for reg in bundle.get("regions", {}).values():
        for t in reg.get("cloudtrail") or []:
            if t.get("S3BucketName"):
                names.add(t["S3BucketName"])
        for arn, tags in (reg.get("tags") or {}).items():
            if arn.startswith("arn:") and ":s3:::" in arn and LOG_CLASS_TAG in tags:
                names.add(arn.split(":::", 1)[1])
    return names


def _known_organizations(req: ScanRequest, accounts: list[_Account], caller: AccountClients, caller_account: str,
                         account_ids: list[str]) -> list[dict[str, Any]]:
    """The organisations some scanned account could describe; with ``--organization`` the
    caller's, with the ``ListAccounts`` answer as its members (one extra call only when the
    caller's own account is not among those scanned)."""
    orgs: dict[str, dict[str, Any]] = {}
    for acct in accounts:
        o = acct.bundle.get("organization") or {}
        if o.get("Id"):
            orgs.setdefault(o["Id"], {"Id": o["Id"], "MasterAccountId": o.get("MasterAccountId")})
    if req.organization:
        mine = next((a.bundle.get("organization") for a in accounts if a.id == caller_account), None)
        if mine is None and caller_account not in {a.id for a in accounts}:
            mine = fetch_organization(Reader(caller_account, caller.client))
        if mine and mine.get("Id"):
            entry = orgs.setdefault(mine["Id"], {"Id": mine["Id"], "MasterAccountId": mine.get("MasterAccountId")})
            entry["Accounts"] = sorted(account_ids)
    return sorted(orgs.values(), key=lambda o: o["Id"])


def _untagged_bucket_gaps(acct: _Account) -> None:
    """Buckets are tagged through the tagging API of their own region; where that was not
    read, a bucket that is not a trail destination cannot be classified as a log store."""
    from scanner.connectors.aws.normalize_data import bucket_region

    regions = acct.bundle.get("regions", {})
    for b in acct.bundle.get("s3", {}).get("buckets", []):
        region = bucket_region(b)
        if "Tags" in b or region is None or "tags" in regions.get(region, {}):
            continue
        denied = next((g.code for g in acct.reader.gaps if g.service == "resourcegroupstaggingapi" and g.region == region), None)
        why = f"the tagging API answered {denied}" if denied else "the region was not scanned"
        acct.reader.gap("s3", region, "TagsUnavailable",
                        f"tags of the buckets in {region} were not read ({why}): a bucket tagged {LOG_CLASS_TAG} there "
                        "is not recognised as a log store", ("log.store",))
