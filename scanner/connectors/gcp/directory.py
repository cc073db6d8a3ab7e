"""Admin SDK Directory API: users' 2-step verification (I/O).

The only place Google says whether a person has 2SV (``isEnrolledIn2Sv``). Read with plain
google-auth + requests (no discovery client): one call per 500 users.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scanner.connectors.gcp.identities import Directory
from scanner.connectors.gcp.rest import Refusal, RestCaller, authorized_session
from scanner.connectors.gcp.services import kinds_of
from scanner.model import CoverageGap

__all__ = ["DIRECTORY_SCOPE", "DEFAULT_BASE_URL", "fetch_directory", "directory_session"]

DIRECTORY_SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly"
DEFAULT_BASE_URL = "https://admin.googleapis.com"
_FIELDS = (
    "nextPageToken,users(primaryEmail,aliases,isEnrolledIn2Sv,isEnforcedIn2Sv,isAdmin,"
    "suspended,archived,lastLoginTime,creationTime)"
)


def directory_session(*, anonymous: bool = False):
    """An authorized requests session from Application Default Credentials."""
    return authorized_session([DIRECTORY_SCOPE], anonymous=anonymous)


def fetch_directory(
    customer: str,
    session: Any,
    *,
    base_url: str = DEFAULT_BASE_URL,
    on_call: Callable[[], None] | None = None,
    retries: int = 5,
    backoff: float = 1.0,
    deadline: Any = None,
) -> tuple[Directory, list[CoverageGap]]:
    """Every user of the customer. A refusal becomes ``Directory.error`` plus a coverage gap."""
    users: list[dict[str, Any]] = []
    caller = RestCaller(session, on_call, retries, backoff, deadline)
    url = base_url.rstrip("/") + "/admin/directory/v1/users"
    params = {"customer": customer, "maxResults": 500, "projection": "basic", "fields": _FIELDS}
    for page in caller.pages(url, params, key="users"):
        if isinstance(page, Refusal):
            return _refused(customer, page.code, page.message)
        users.extend(page)
    return Directory.from_users(customer, users), []


def _refused(customer: str, code: str, message: str) -> tuple[Directory, list[CoverageGap]]:
    gap = CoverageGap(
        "gcp", customer, None, "admin.directory", kinds_of("admin.directory"), code,
        f"Directory API users.list refused for customer {customer}: {message}; 2-step verification is unknown",
    )
    return Directory(customer=customer, error=message), [gap]
