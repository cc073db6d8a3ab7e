"""The API calls: each fetcher returns one section of the account bundle (see
:mod:`scanner.connectors.aws.normalize`) in JSON-safe form, and records what it could
not read as a coverage gap. Bulk calls are preferred so the number of calls grows with
buckets, regions and distinct keys, not with users or log groups.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from scanner.connectors.aws.common import PROVIDER, SERVICE_KINDS, jsonable
from scanner.connectors.aws.plan import EVERYTHING, Plan
from scanner.model import CoverageGap

__all__ = ["Reader", "Unreadable", "SERVICE_KINDS"]


#: "not configured" answers: the API positively says there is none.
NOT_CONFIGURED = frozenset(
    {
        "ServerSideEncryptionConfigurationNotFoundError",
        "ReplicationConfigurationNotFoundError",
        "NoSuchLifecycleConfiguration",
        "ObjectLockConfigurationNotFoundError",
        "NoSuchTagSet",
        "NoSuchBucketPolicy",
        "PolicyNotFoundException",  # DynamoDB GetResourcePolicy: the table has none
    }
)


class Unreadable(Exception):
    """A call failed; the gap is already recorded."""


class Reader:
    """Calls the API for one account and records gaps (deduplicated per service, region, code)."""

    def __init__(self, account: str, client: Callable[..., Any], plan: Plan | None = None) -> None:
        self.account = account
        self.client = client
        #: what this scan collects (scanner.connectors.aws.plan): every unit unless policies were selected
        self.plan = plan or EVERYTHING
        self.gaps: list[CoverageGap] = []
        self._seen: set[tuple[str, str | None, str, tuple[str, ...]]] = set()
        self._lock = threading.Lock()

    def wants(self, unit: str) -> bool:
        """Whether the scan collects this unit (a REGION_SERVICES key, ``<service>.<part>``)."""
        return self.plan.wants(unit)

    def gap(self, service: str, region: str | None, code: str, message: str, kinds: tuple[str, ...] | None = None) -> None:
        kinds = kinds if kinds is not None else SERVICE_KINDS.get(service, ())
        key = (service, region, code, kinds)
        with self._lock:
            if key in self._seen:
                return
            self._seen.add(key)
            self.gaps.append(
                CoverageGap(PROVIDER, self.account, region, service, kinds, code, message)
            )

    def call(self, service: str, region: str | None, op: str, *, not_configured_ok: bool = False,
             gap_kinds: tuple[str, ...] | None = None, **kw: Any) -> Any:
        """One call; ``None`` for a "not configured" answer when allowed; Unreadable on failure.
        ``gap_kinds``: the kinds a failure leaves incomplete, when not all of the service's
        (``()``: it hides no resource, only a property the resource's finding reports unread)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            resp = getattr(self.client(service, region), op)(**kw)
        except ClientError as e:
            if not_configured_ok and (e.response.get("Error") or {}).get("Code", "ClientError") in NOT_CONFIGURED:
                return None
            raise self._unreadable(e, service, region, op, gap_kinds) from None
        except BotoCoreError as e:
            raise self._unreadable(e, service, region, op, gap_kinds) from None
        return jsonable(resp)

    def pages(self, service: str, region: str | None, op: str, key: str, *, global_call: bool = False,
              gap_kinds: tuple[str, ...] | None = None, **kw: Any) -> list[Any]:
        """Every page's ``key`` items. ``global_call``: the call answers for every region (S3
        ListBuckets), so a failure is a gap of every region, not of the region it was sent to.
        ``gap_kinds``: the kinds a failure leaves incomplete, when not all of the service's
        (CloudWatch Logs metric filters hide alerts, not log groups)."""
        from botocore.exceptions import BotoCoreError, ClientError

        out: list[Any] = []
        try:
            for page in self.client(service, region).get_paginator(op).paginate(**kw):
                out.extend(jsonable(page.get(key) or []))
        except (ClientError, BotoCoreError) as e:
            raise self._unreadable(e, service, None if global_call else region, op, gap_kinds) from None
        return out

    def _unreadable(self, e: Exception, service: str, region: str | None, op: str,
                    kinds: tuple[str, ...] | None = None) -> Unreadable:
        """Record an SDK failure as a coverage gap; the exception for the caller to raise."""
        error = (getattr(e, "response", None) or {}).get("Error")
        if error is not None:  # ClientError: the API's own code and message
            code = error.get("Code", "ClientError")
            msg = error.get("Message") or str(e)
        else:  # BotoCoreError: no answer from the API
            code, msg = type(e).__name__, str(e)
        self.gap(service, region, code, f"{service}:{op}: {msg}", kinds)
        return Unreadable(code)


def _try(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, or _ABSENT when the call was unreadable (its gap recorded)."""
    try:
        return fn(*args, **kwargs)
    except Unreadable:
        return _ABSENT


_ABSENT = object()


def _put(d: dict[str, Any], key: str, fn: Callable[[], Any]) -> None:
    value = _try(fn)
    if value is not _ABSENT:
        d[key] = value


# --- global ------------------------------------------------------------------------------


def fetch_iam(r: Reader) -> dict[str, Any]:  # one unit ("iam"): the four calls feed one normalizer
    iam: dict[str, Any] = {}
    _put(iam, "account_summary", lambda: r.call("iam", None, "get_account_summary")["SummaryMap"])
    _put(iam, "credential_report", lambda: _credential_report(r))
    _put(iam, "authorization_details", lambda: _authorization_details(r))
    _put(iam, "virtual_mfa_devices", lambda: r.pages("iam", None, "list_virtual_mfa_devices", "VirtualMFADevices", AssignmentStatus="Assigned"))
    return iam


def _credential_report(r: Reader, wait_s: float = 30.0) -> str:
    # Poll from 0.2 s doubling to 2 s: an emulator (or a report built in the last 4 hours)
    # answers at once, and a report that takes seconds costs no more calls than a 1 s poll.
    deadline = time.monotonic() + wait_s
    pause = 0.2
    while True:
        state = r.call("iam", None, "generate_credential_report").get("State")
        if state == "COMPLETE":
            break
        if time.monotonic() > deadline:
            r.gap("iam", None, "ReportInProgress", "iam:GenerateCredentialReport did not complete in time", ("identity.user",))
            raise Unreadable("ReportInProgress")
        time.sleep(pause)
        pause = min(2.0, pause * 2)
    return r.call("iam", None, "get_credential_report")["Content"]


def _authorization_details(r: Reader) -> dict[str, Any]:
    """Users, groups, roles and managed policies in one paginated call. No ``Filter``: it
    can only leave out whole entity types, and every type is needed (AWS-managed policies
    for what ReadOnlyAccess or AdministratorAccess grant, local ones for the rest). The
    policy documents stay URL-encoded text: normalize_iam decodes only the default version
    of each policy something is attached to (an emulator sends every AWS-managed policy)."""
    merged: dict[str, list[Any]] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}
    from botocore.exceptions import ClientError

    try:
        paginator = r.client("iam", None, raw_policies=True).get_paginator("get_account_authorization_details")
        for page in paginator.paginate(PaginationConfig={"PageSize": 1000}):
            for k in merged:
                merged[k].extend(jsonable(page.get(k) or []))
    except ClientError as e:
        code = (e.response.get("Error") or {}).get("Code", "ClientError")
        r.gap("iam", None, code, f"iam:GetAccountAuthorizationDetails: {(e.response.get('Error') or {}).get('Message')}")
        raise Unreadable(code) from None
    return merged


def fetch_organization(r: Reader) -> dict[str, Any] | None:
    """The account's Organization, or None: not in one, or not allowed to ask (member
    accounts' audit roles often are not). No gap: the collector may still derive the
    organisation from the management account (see ``known_organizations``)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return jsonable(r.client("organizations", None).describe_organization()["Organization"])
    except (ClientError, BotoCoreError):
        return None
