"""Live collection through Cloud Asset Inventory (I/O only; normalization is elsewhere).

Per scope (organization, folder or project) a handful of paged calls, run concurrently:

* ``list_assets`` with content type RESOURCE, one call chain per group of asset types,
  1,000 assets a page: the deep fields (bucket default KMS key, disk key, BigQuery and
  Cloud SQL encryption, log bucket retention and CMEK);
* ``list_assets`` with content type IAM_POLICY for organizations, folders and projects:
  their IAM policies *with* ``auditConfigs``;
* ``search_all_iam_policies``, 500 policies a page: every other IAM policy in the scope.

Throttling (RESOURCE_EXHAUSTED / 429) and UNAVAILABLE are retried with exponential backoff;
a refusal (PERMISSION_DENIED) or retries running out becomes a coverage gap for the kinds
that call would have fed, never a silent empty result.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from scanner.connectors.gcp.assets import AssetRecord, from_asset, from_iam_search_result
from scanner.connectors.gcp.context import Coverage
from scanner.connectors.gcp.services import ASSET_GROUPS, kinds_of
from scanner.connectors.timeouts import Deadline
from scanner.errors import InputError, UsageError
from scanner.model import CoverageGap

__all__ = ["ASSET_GROUPS", "Collected", "collect", "make_client", "parse_scope"]

_SCOPE_RE = re.compile(r"^(organizations/\d+|folders/\d+|projects/[a-z0-9][a-z0-9.:-]{3,62})$")
DEFAULT_ENDPOINT = "https://cloudasset.googleapis.com"
LIST_PAGE_SIZE = 1000  # list_assets maximum
SEARCH_PAGE_SIZE = 500  # search_all_iam_policies maximum


def parse_scope(text: str) -> str:
    scope = text.strip().rstrip("/")
    if not _SCOPE_RE.match(scope):
        raise UsageError(
            f"--scope {text!r}: give organizations/<number>, folders/<number> or projects/<id-or-number>"
        )
    return scope


@dataclass
class Collected:
    records: list[AssetRecord] = field(default_factory=list)
    gaps: list[CoverageGap] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    calls: int = 0
    retries: int = 0
    pages: dict[str, int] = field(default_factory=dict)  # job → pages read


def make_client(*, endpoint: str | None = None, quota_project: str | None = None):
    """An AssetServiceClient on the REST transport. With ``endpoint`` (an emulator or a
    local replay server) it uses anonymous credentials."""
    from google.api_core.client_options import ClientOptions
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import asset_v1

    options = ClientOptions(api_endpoint=endpoint, quota_project_id=quota_project)
    if endpoint:
        from google.auth.credentials import AnonymousCredentials

        return asset_v1.AssetServiceClient(credentials=AnonymousCredentials(), transport="rest", client_options=options)
    try:
        return asset_v1.AssetServiceClient(transport="rest", client_options=options)
    except DefaultCredentialsError:
        raise InputError(
            "no Google Application Default Credentials: run `gcloud auth application-default login` "
            "or set GOOGLE_APPLICATION_CREDENTIALS"
        ) from None


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.retries = 0

    def call(self) -> None:
        with self._lock:
            self.calls += 1

    def retry(self, _exc: Exception | None = None) -> None:
        with self._lock:
            self.calls += 1
            self.retries += 1


def _retry(counter: _Counter, initial: float, deadline: float):
    from google.api_core import exceptions as gexc
    from google.api_core.retry import Retry, if_exception_type

    return Retry(
        predicate=if_exception_type(gexc.TooManyRequests, gexc.ServiceUnavailable, gexc.InternalServerError),
        initial=initial,
        maximum=32.0,
        multiplier=2.0,
        timeout=deadline,
        on_error=counter.retry,
    )


def _scope_account(scope: str) -> str:
    return scope.split("/", 1)[1]


def collect(
    scopes: list[str],
    client: Any,
    *,
    workers: int = 4,
    progress: Callable[[str, int], None] | None = None,
    retry_initial: float = 1.0,
    retry_deadline: float = 300.0,
    groups: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None,
    deadline: Deadline | None = None,
    endpoint: str | None = None,
) -> Collected:
    """Read every scope. ``progress(job, n)`` is told of each page (n assets). Each call's
    timeout and the retries' budget are capped by ``deadline`` (the scan's total time);
    an endpoint that cannot be reached or does not answer is one sentence naming it."""
    from google.api_core import exceptions as gexc
    from google.cloud import asset_v1

    groups = groups or ASSET_GROUPS
    counter = _Counter()
    deadline = deadline or Deadline("GCP")
    host = endpoint or getattr(getattr(client, "transport", None), "_host", None) or DEFAULT_ENDPOINT
    where = f"the Cloud Asset API at {host}"
    retry = _retry(counter, retry_initial, min(retry_deadline, deadline.check(where)))
    out = Collected()
    lock = threading.Lock()
    failed_types: set[str] = set()
    iam_failed = False

    def run(scope: str, job: str) -> None:
        nonlocal iam_failed
        label = f"{scope} {job}"
        got: list[AssetRecord] = []
        pages = 0
        try:
            if job == "iam-policies":
                pager = client.search_all_iam_policies(
                    request={"scope": scope, "page_size": SEARCH_PAGE_SIZE}, retry=retry,
                    timeout=deadline.read(where),
                )
                for page in pager.pages:
                    deadline.check(where)
                    counter.call()
                    pages += 1
                    got.extend(from_iam_search_result(_to_dict(r, snake=False)) for r in page.results)
                    if progress:
                        progress(label, len(page.results))
            else:
                iam = job == "hierarchy-iam"
                types = groups["hierarchy"][0] if iam else groups[job][0]
                content = asset_v1.ContentType.IAM_POLICY if iam else asset_v1.ContentType.RESOURCE
                pager = client.list_assets(
                    request={"parent": scope, "asset_types": list(types), "content_type": content,
                             "page_size": LIST_PAGE_SIZE},
                    retry=retry,
                    timeout=deadline.read(where),
                )
                for page in pager.pages:
                    deadline.check(where)
                    counter.call()
                    pages += 1
                    got.extend(from_asset(_to_dict(a, snake=True)) for a in page.assets)
                    if progress:
                        progress(label, len(page.assets))
        except gexc.Unauthenticated as e:
            raise InputError(f"Google rejected the credentials ({e.message}); run `gcloud auth application-default login`") from None
        except gexc.InvalidArgument as e:
            raise UsageError(f"Cloud Asset API refused scope {scope}: {e.message}") from None
        except (gexc.GoogleAPICallError, gexc.RetryError) as e:
            if deadline.remaining() <= 0:
                raise deadline.exceeded(where) from None
            if not isinstance(e, gexc.RetryError) and not _retryable(e):
                counter.call()  # the refused call itself (retried failures are counted by on_error)
            code, message = _code_of(e)
            kinds = kinds_of(job) if job in ("iam-policies", "hierarchy-iam") else groups[job][1]
            gap = CoverageGap("gcp", _scope_account(scope), None, f"cloudasset:{job}", tuple(kinds), code,
                              f"{scope}: {message}")
            with lock:
                out.gaps.append(gap)
                if job in ("iam-policies", "hierarchy-iam"):
                    iam_failed = True
                else:
                    failed_types.update(groups[job][0])
        except Exception as e:  # google-auth refresh problems surface here
            import requests
            from google.auth.exceptions import GoogleAuthError, TransportError

            if isinstance(e, (TransportError, requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
                if deadline.remaining() <= 0:
                    raise deadline.exceeded(where) from None
                first = str(e).splitlines()[0][:200] if str(e) else type(e).__name__
                if isinstance(e, requests.exceptions.ReadTimeout):
                    raise InputError(f"{where[0].upper()}{where[1:]} did not answer within "
                                     f"{deadline.timeouts.read:g} s; check the network or proxy "
                                     f"(CLOUDGOV_READ_TIMEOUT, CLOUDGOV_CONNECT_TIMEOUT): {first}") from None
                raise InputError(f"Cannot reach {where}; check the network or proxy: {first}") from None
            if isinstance(e, GoogleAuthError):  # refresh failed (expired, revoked, anonymous)
                raise InputError(
                    f"Google rejected the credentials ({e}); run `gcloud auth application-default login`"
                ) from None
            raise
        with lock:
            out.records.extend(got)
            out.pages[label] = pages

    jobs = [(s, j) for s in scopes for j in [*groups.keys(), "hierarchy-iam", "iam-policies"]]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="cloudgov-gcp") as pool:
        futures = [pool.submit(run, s, j) for s, j in jobs]
        try:
            for f in futures:
                f.result()  # re-raise user errors (bad credentials, bad scope, a dead endpoint)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)  # what has not started never will
            raise
    listed = {t for types, _ in groups.values() for t in types} - failed_types
    out.coverage = Coverage(resource_types=frozenset(listed), iam_policies=not iam_failed)
    out.calls, out.retries = counter.calls, counter.retries
    return out


_HTTP_CODES = {403: "PERMISSION_DENIED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
               503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


def _retryable(e: Exception) -> bool:
    from google.api_core import exceptions as gexc

    return isinstance(e, (gexc.TooManyRequests, gexc.ServiceUnavailable, gexc.InternalServerError))


def _code_of(e: Exception) -> tuple[str, str]:
    from google.api_core import exceptions as gexc

    if isinstance(e, gexc.RetryError):
        cause = e.cause
        code, message = _code_of(cause) if cause is not None else ("DEADLINE_EXCEEDED", str(e))
        return code, f"gave up after retries: {message}"
    status = getattr(e, "grpc_status_code", None)
    http = getattr(e, "code", None)
    if status is not None:
        code = status.name
    else:
        code = _HTTP_CODES.get(http, str(http)) if isinstance(http, int) else str(http or "UNKNOWN")
    return code, str(getattr(e, "message", e))


def _to_dict(message: Any, *, snake: bool) -> dict[str, Any]:
    from google.protobuf.json_format import MessageToDict

    pb = getattr(message, "_pb", message)
    return MessageToDict(pb, preserving_proto_field_name=snake)
