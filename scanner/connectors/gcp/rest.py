"""Plain REST calls to Google APIs with google-auth + requests (I/O).

The Directory, Cloud Identity Groups, Resource Manager and Policy Analyzer APIs are a few
calls each, so they share one small helper instead of four discovery clients: retries on
throttling and 5xx with exponential backoff, paging by ``nextPageToken``, and a refusal
returned as :class:`Refusal` (the caller turns it into a coverage gap), never raised.
Rejected or unrefreshable credentials are one :class:`~scanner.errors.InputError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from scanner.connectors.timeouts import Deadline, timeouts
from scanner.errors import InputError

__all__ = ["CLOUD_PLATFORM_SCOPE", "Refusal", "RestCaller", "authorized_session"]

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_RETRY_STATUS = {429, 500, 502, 503, 504}


def authorized_session(scopes: list[str], *, anonymous: bool = False, quota_project: str | None = None):
    """An authorized requests session from Application Default Credentials (anonymous for a
    local replay endpoint)."""
    import requests

    if anonymous:
        return requests.Session()
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession

    try:
        creds, _ = google.auth.default(scopes=scopes, quota_project_id=quota_project)
    except DefaultCredentialsError:
        raise InputError(
            "no Google Application Default Credentials: run `gcloud auth application-default login` "
            "or set GOOGLE_APPLICATION_CREDENTIALS"
        ) from None
    return AuthorizedSession(creds)


@dataclass(frozen=True)
class Refusal:
    """An API said no (or retries ran out): the status name and a one-line message."""

    code: str
    message: str


@dataclass
class RestCaller:
    session: Any
    on_call: Callable[[], None] | None = None
    retries: int = 5
    backoff: float = 1.0
    #: the scan's deadline: caps each call's timeouts and the waits between retries
    deadline: Deadline | None = None

    def _timeouts(self, url: str) -> tuple[float, float]:
        if self.deadline is not None:
            return self.deadline.connect(url), self.deadline.read(url)
        t = timeouts()
        return t.connect, t.read

    def _wait(self, seconds: float, url: str) -> None:
        time.sleep(seconds if self.deadline is None else min(seconds, self.deadline.check(url)))

    def call(self, method: str, url: str, *, params: dict[str, Any] | None = None,
             body: dict[str, Any] | None = None) -> dict[str, Any] | Refusal:
        resp = None
        for attempt in range(self.retries + 1):
            if self.on_call:
                self.on_call()
            try:
                resp = self.session.request(method, url, params=params, json=body, timeout=self._timeouts(url))
            except Exception as e:  # network errors: requests, google-auth refresh
                error = _auth_error(e)
                if error:
                    raise InputError(error) from None
                if self.deadline is not None and self.deadline.remaining() <= 0:
                    raise self.deadline.exceeded(url) from None
                if attempt == self.retries:
                    return Refusal("UNAVAILABLE", f"{url}: {str(e)[:300]}")
                self._wait(self.backoff * 2**attempt, url)
                continue
            if resp.status_code not in _RETRY_STATUS or attempt == self.retries:
                break
            self._wait(self.backoff * 2**attempt, url)
        assert resp is not None
        if resp.status_code == 401:
            raise InputError("Google rejected the credentials (HTTP 401); run `gcloud auth application-default login`")
        if resp.status_code != 200:
            code, message = _error_of(resp)
            return Refusal(code, f"HTTP {resp.status_code}: {message}")
        try:
            return resp.json()
        except ValueError:
            return Refusal("INVALID_RESPONSE", f"HTTP 200 with a body that is not JSON: {resp.text[:100]!r}")

    def pages(self, url: str, params: dict[str, Any], *, key: str,
              token_param: str = "pageToken") -> Iterator[list[dict[str, Any]] | Refusal]:
        """Each page's ``key`` list; a refusal ends the iteration as its last item."""
        token: str | None = None
        while True:
            query = dict(params)
            if token:
                query[token_param] = token
            body = self.call("GET", url, params=query)
            if isinstance(body, Refusal):
                yield body
                return
            yield list(body.get(key) or [])
            token = body.get("nextPageToken")
            if not token:
                return


def _error_of(resp: Any) -> tuple[str, str]:
    try:
        err = resp.json().get("error") or {}
    except (ValueError, AttributeError):
        return str(resp.status_code), resp.text[:200]
    return str(err.get("status") or err.get("code") or resp.status_code), str(err.get("message") or "")[:300]


def _auth_error(e: Exception) -> str | None:
    from google.auth.exceptions import DefaultCredentialsError, RefreshError

    if isinstance(e, (RefreshError, DefaultCredentialsError)):
        return f"Google credentials could not be refreshed ({e}); run `gcloud auth application-default login`"
    return None
