"""Thin I/O helpers over azure-core pipelines: JSON GETs, paging, errors as data.

Everything here runs through an azure-core pipeline (ARM: the Resource Graph client's own
``send_request``; Graph: a ``PipelineClient`` with the SDK's ``RetryPolicy``), so throttling
is retried by the SDK honouring ``Retry-After``, and tests inject a transport.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["ApiError", "CallCounter", "get_json", "get_pages", "graph_client", "GRAPH"]

GRAPH = "https://graph.microsoft.com"
ARM = "https://management.azure.com"


@dataclass
class ApiError(Exception):
    """A non-success answer: HTTP status, the API's error code and message."""

    status: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.code} ({self.status}): {self.message}"


class CallCounter:
    """API calls made, by service (a benchmark figure); thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.by_service: dict[str, int] = {}

    def add(self, service: str) -> None:
        with self._lock:
            self.by_service[service] = self.by_service.get(service, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.by_service.values())


def _error(resp: Any) -> ApiError:
    code, message = f"HTTP{resp.status_code}", ""
    try:
        body = resp.json()
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            code = str(err.get("code") or code)
            message = str(err.get("message") or "")
    except Exception:  # noqa: BLE001 - a non-JSON error body: keep the status
        message = (resp.text() if callable(getattr(resp, "text", None)) else "")[:200]
    return ApiError(resp.status_code, code, message or f"HTTP {resp.status_code}")


def get_json(send: Callable[[Any], Any], url: str, counter: CallCounter | None = None,
             service: str = "arm", *, method: str = "GET", json_body: Any = None) -> dict[str, Any]:
    """One request through a pipeline's ``send_request``; a 4xx/5xx raises :class:`ApiError`."""
    from azure.core.rest import HttpRequest

    request = HttpRequest(method, url, json=json_body) if json_body is not None else HttpRequest(method, url)
    resp = send(request)
    if counter is not None:
        counter.add(service)
    if resp.status_code >= 400:
        raise _error(resp)
    if resp.status_code == 204 or not resp.content:
        return {}
    return resp.json()


def get_pages(send: Callable[[Any], Any], url: str, counter: CallCounter | None = None,
              service: str = "graph", max_pages: int = 10_000) -> list[dict[str, Any]]:
    """Every item of a paged list: ``value[]`` + ``@odata.nextLink`` (Graph) or ``nextLink`` (ARM)."""
    items: list[dict[str, Any]] = []
    next_url: str | None = url
    for _ in range(max_pages):
        if not next_url:
            break
        page = get_json(send, next_url, counter, service)
        items.extend(page.get("value") or [])
        next_url = page.get("@odata.nextLink") or page.get("nextLink")
    return items


def graph_client(credential: Any, transport: Any = None, *, retry_total: int = 6,
                 retry_backoff_factor: float = 0.8) -> Any:
    """A Microsoft Graph pipeline: bearer token for Graph, the SDK's retry (honours Retry-After)."""
    from azure.core import PipelineClient
    from azure.core.pipeline import policies

    pipeline_policies = [
        policies.RequestIdPolicy(),
        policies.HeadersPolicy({"ConsistencyLevel": "eventual"}),
        policies.UserAgentPolicy(sdk_moniker="cloudgov"),
        policies.RetryPolicy(retry_total=retry_total, retry_backoff_factor=retry_backoff_factor),
        policies.BearerTokenCredentialPolicy(credential, f"{GRAPH}/.default"),
        policies.NetworkTraceLoggingPolicy(),
    ]
    kwargs = {"transport": transport} if transport is not None else {}
    return PipelineClient(base_url=GRAPH, policies=pipeline_policies, **kwargs)
