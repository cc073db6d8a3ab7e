"""Replay recorded HTTP exchanges through azure-core's own transport hook.

The collectors take an ``azure.core.pipeline.transport.HttpTransport``; this one answers
from recordings instead of the network, so the real SDK clients (Resource Graph, ARM
``send_request``, the Graph pipeline) run their full policy chain — retries with
``Retry-After``, authentication headers, deserialization — offline. Used by the tests and
the benchmark; never by a live scan.

A recording is a list of :class:`Exchange`. A request consumes the first unused exchange
whose method, host and path match (and whose ``body_contains`` / ``query_contains``
substrings all occur), so a sequence such as 429-then-200 or page 1-then-page 2 replays
in order. A request with no recording raises :class:`ReplayMiss`; :meth:`unused` lists
recordings nobody asked for (replay is strict both ways).
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from azure.core.pipeline.transport import HttpTransport

__all__ = ["Exchange", "ReplayTransport", "ReplayMiss", "load_exchanges"]


class ReplayMiss(AssertionError):
    """A request that no recording answers."""


@dataclass
class Exchange:
    method: str
    url: str  # https://host/path (query string ignored unless query_contains is given)
    status: int = 200
    body: Any = None  # JSON-serialisable, or str
    headers: dict[str, str] = field(default_factory=dict)
    body_contains: tuple[str, ...] = ()
    query_contains: tuple[str, ...] = ()
    repeat: bool = False  # may answer any number of times (e.g. token endpoints)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Exchange:
        return cls(
            method=d.get("method", "GET"),
            url=d["url"],
            status=int(d.get("status", 200)),
            body=d.get("body"),
            headers=dict(d.get("headers") or {}),
            body_contains=tuple(d.get("body_contains") or ()),
            query_contains=tuple(d.get("query_contains") or ()),
            repeat=bool(d.get("repeat", False)),
        )

    def key(self) -> tuple[str, str, str]:
        u = urlsplit(self.url)
        return (self.method.upper(), u.netloc.lower(), unquote(u.path).rstrip("/").lower())


def load_exchanges(path: str | Path) -> list[Exchange]:
    with Path(path).open(encoding="utf-8") as fh:
        return [Exchange.from_dict(d) for d in json.load(fh)]


class ReplayTransport(HttpTransport):
    """An azure-core transport serving recorded exchanges; counts the calls it answers."""

    def __init__(self, exchanges: Iterable[Exchange]):
        self._pending: dict[tuple[str, str, str], list[Exchange]] = {}
        for ex in exchanges:
            self._pending.setdefault(ex.key(), []).append(ex)
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str, int]] = []  # (method, url, status) in order

    # HttpTransport's context-manager protocol: nothing to open or close.
    def __enter__(self) -> ReplayTransport:
        return self

    def __exit__(self, *args: Any) -> None:
        return None

    def open(self) -> None:
        return None

    def close(self) -> None:
        return None

    def send(self, request: Any, **kwargs: Any) -> Any:
        u = urlsplit(request.url)
        key = (request.method.upper(), u.netloc.lower(), unquote(u.path).rstrip("/").lower())
        body = _request_body(request)
        query = unquote(u.query)
        with self._lock:
            candidates = self._pending.get(key, [])
            for i, ex in enumerate(candidates):
                if all(s in body for s in ex.body_contains) and all(s in query for s in ex.query_contains):
                    if not ex.repeat:
                        candidates.pop(i)
                    break
            else:
                raise ReplayMiss(f"no recording for {request.method} {request.url} body={body[:200]!r}")
            self.calls.append((request.method.upper(), request.url, ex.status))
        return _response(request, ex)

    def unused(self) -> list[Exchange]:
        return [ex for exs in self._pending.values() for ex in exs if not ex.repeat]

    def count(self, host: str | None = None) -> int:
        return sum(1 for _, url, _ in self.calls if host is None or urlsplit(url).netloc == host)


def _request_body(request: Any) -> str:
    content = getattr(request, "content", None)
    if content is None:
        content = getattr(request, "data", None) or getattr(request, "body", None)
    if content is None:
        return ""
    if isinstance(content, bytes):
        return content.decode("utf-8", errors="replace")
    if isinstance(content, (dict, list)):
        return json.dumps(content)
    return str(content)


def _response(request: Any, ex: Exchange) -> Any:
    import requests
    from azure.core.rest._requests_basic import RestRequestsTransportResponse

    raw = requests.Response()
    raw.status_code = ex.status
    raw.reason = _REASONS.get(ex.status, "")
    raw.url = request.url
    payload = ex.body if isinstance(ex.body, str) else ("" if ex.body is None else json.dumps(ex.body))
    data = payload.encode("utf-8")
    raw.raw = io.BytesIO(data)
    raw.headers.update({"Content-Type": "application/json; charset=utf-8", **ex.headers})
    response = RestRequestsTransportResponse(request=request, internal_response=raw)
    response._content = data  # the whole body, already read: no stream to drain
    return response


_REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
