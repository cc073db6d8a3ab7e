"""boto3 sessions and clients: adaptive retries, a pool sized to the workers, regional
STS, an optional emulator endpoint, and a counter of API calls (a benchmark figure).

boto3 is imported inside the functions: the CLI must start without it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scanner.errors import InputError

__all__ = ["ApiCounter", "AccountClients", "base_session", "is_credential_error", "error_code", "CREDENTIAL_ERRORS"]

#: Codes that mean the credentials themselves are bad: one clear error, exit 2.
CREDENTIAL_ERRORS = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "RequestExpired",
        "InvalidToken",
        "AuthFailure",
    }
)


class ApiCounter:
    """Counts API operations (``before-call``) and HTTP requests incl. retries
    (``before-send``), thread-safe, by service."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.requests = 0

    def attach(self, events: Any) -> None:
        events.register("before-call", self._on_call)
        events.register("before-send", self._on_send)

    def _on_call(self, event_name: str = "", **_: Any) -> None:
        service = event_name.split(".")[1] if event_name.count(".") >= 2 else "?"
        with self._lock:
            self.calls[service] += 1

    def _on_send(self, **_: Any) -> None:
        with self._lock:
            self.requests += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def summary(self) -> dict[str, Any]:
        return {"api_calls": self.total, "http_requests": self.requests, "api_calls_by_service": dict(sorted(self.calls.items()))}


def error_code(exc: BaseException) -> str:
    resp = getattr(exc, "response", None)
    if isinstance(resp, dict):
        code = (resp.get("Error") or {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


def is_credential_error(exc: BaseException) -> bool:
    from botocore.exceptions import NoCredentialsError, PartialCredentialsError, TokenRetrievalError

    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, TokenRetrievalError)):
        return True
    return error_code(exc) in CREDENTIAL_ERRORS


def base_session(profile: str | None, region: str | None) -> Any:
    import boto3
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise InputError(f"AWS profile {profile!r} is not configured (see ~/.aws/config).") from None


@dataclass
class AccountClients:
    """Clients for one account (its own session: the caller's, or an assumed role's).

    boto3 sessions are not thread-safe, clients are: clients are built under a lock
    and cached per (service, region)."""

    account: str
    session: Any
    counter: ApiCounter
    workers: int = 16
    endpoint_url: str | None = None
    home_region: str = "us-east-1"
    _cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: tests inject faults here (a callable receiving the botocore event system)
    instrument: Callable[[Any], None] | None = None

    def __post_init__(self) -> None:
        self.counter.attach(self.session.events)
        if self.instrument:
            self.instrument(self.session.events)

    def client(self, service: str, region: str | None = None, *, probe: bool = False, raw_policies: bool = False) -> Any:
        """A cached client; ``probe`` — for the first call — retries once instead of eight
        times, so a dead endpoint is reported in seconds, not minutes. ``raw_policies``: a
        client of its own whose IAM policy documents stay the URL-encoded text the API
        sends (botocore otherwise decodes every one; the caller decodes the few it reads)."""
        from botocore.config import Config

        from scanner.connectors.timeouts import timeouts

        region = region or self.home_region
        key = (service, region + ("#probe" if probe else "") + ("#raw" if raw_policies else ""))
        t = timeouts()
        with self._lock:
            c = self._cache.get(key)
            if c is None:
                cfg = Config(
                    retries={"mode": "adaptive", "max_attempts": t.probe_attempts if probe else 8},
                    max_pool_connections=max(10, self.workers),
                    connect_timeout=t.connect,
                    read_timeout=t.read,
                    user_agent_extra="cloudgov",
                )
                kwargs: dict[str, Any] = {"region_name": region, "config": cfg}
                if self.endpoint_url:
                    kwargs["endpoint_url"] = self.endpoint_url
                c = self.session.client(service, **kwargs)
                if raw_policies:
                    from botocore.handlers import json_decode_policies

                    c.meta.events.unregister(f"after-call.{service}", json_decode_policies)
                self._cache[key] = c
            return c


def assume_role_session(
    clients: AccountClients, role_arn: str, session_name: str = "cloudgov"
) -> Any:
    """A new boto3 session with the role's temporary credentials (regional STS)."""
    import boto3

    sts = clients.client("sts", clients.home_region)
    creds = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name, DurationSeconds=3600)["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=clients.home_region,
    )
