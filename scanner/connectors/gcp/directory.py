"""Admin SDK Directory API: users' 2-step verification (I/O).

The only place Google says whether a person has 2SV (``isEnrolledIn2Sv``). Read with plain
google-auth + requests (no discovery client): one call per 500 users.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from scanner.connectors.gcp.identities import Directory
from scanner.errors import InputError
from scanner.model import CoverageGap, Kind

__all__ = ["DIRECTORY_SCOPE", "DEFAULT_BASE_URL", "fetch_directory", "directory_session"]

DIRECTORY_SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly"
DEFAULT_BASE_URL = "https://admin.googleapis.com"
_FIELDS = (
    "nextPageToken,users(primaryEmail,aliases,isEnrolledIn2Sv,isEnforcedIn2Sv,isAdmin,"
    "suspended,archived,lastLoginTime,creationTime)"
)
_RETRY_STATUS = {429, 500, 502, 503, 504}


def directory_session(*, anonymous: bool = False):
    """An authorized requests session from Application Default Credentials."""
    import requests

    if anonymous:
        return requests.Session()
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession

    try:
        creds, _ = google.auth.default(scopes=[DIRECTORY_SCOPE])
    except DefaultCredentialsError:
        raise InputError(
            "no Google Application Default Credentials: run `gcloud auth application-default login` "
            "or set GOOGLE_APPLICATION_CREDENTIALS"
        ) from None
    return AuthorizedSession(creds)


def fetch_directory(
    customer: str,
    session: Any,
    *,
    base_url: str = DEFAULT_BASE_URL,
    on_call: Callable[[], None] | None = None,
    retries: int = 5,
    backoff: float = 1.0,
) -> tuple[Directory, list[CoverageGap]]:
    """Every user of the customer. A refusal becomes ``Directory.error`` plus a coverage gap."""
    users: list[dict[str, Any]] = []
    token: str | None = None
    url = base_url.rstrip("/") + "/admin/directory/v1/users"
    while True:
        params = {"customer": customer, "maxResults": 500, "projection": "basic", "fields": _FIELDS}
        if token:
            params["pageToken"] = token
        resp = None
        for attempt in range(retries + 1):
            if on_call:
                on_call()
            try:
                resp = session.get(url, params=params, timeout=60)
            except Exception as e:  # network errors: requests, google-auth refresh
                error = _auth_error(e)
                if error:
                    raise InputError(error) from None
                if attempt == retries:
                    return _refused(customer, "UNAVAILABLE", str(e))
                time.sleep(backoff * 2**attempt)
                continue
            if resp.status_code not in _RETRY_STATUS or attempt == retries:
                break
            time.sleep(backoff * 2**attempt)
        assert resp is not None
        if resp.status_code != 200:
            code, message = _error_of(resp)
            return _refused(customer, code, f"HTTP {resp.status_code}: {message}")
        body = resp.json()
        users.extend(body.get("users") or [])
        token = body.get("nextPageToken")
        if not token:
            return Directory.from_users(customer, users), []


def _refused(customer: str, code: str, message: str) -> tuple[Directory, list[CoverageGap]]:
    gap = CoverageGap(
        "gcp", customer, None, "admin.directory", (Kind.IDENTITY_USER,), code,
        f"Directory API users.list refused for customer {customer}: {message}; 2-step verification is unknown",
    )
    return Directory(customer=customer, error=message), [gap]


def _error_of(resp: Any) -> tuple[str, str]:
    try:
        err = resp.json().get("error") or {}
    except ValueError:
        return str(resp.status_code), resp.text[:200]
    return str(err.get("status") or err.get("code") or resp.status_code), str(err.get("message") or "")[:300]


def _auth_error(e: Exception) -> str | None:
    from google.auth.exceptions import DefaultCredentialsError, RefreshError

    if isinstance(e, (RefreshError, DefaultCredentialsError)):
        return f"Google credentials could not be refreshed ({e}); run `gcloud auth application-default login`"
    return None
