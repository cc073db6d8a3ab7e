"""Network timeouts every live connector uses, configurable from the environment.

A dead endpoint (one that accepts the connection and never answers) used to hold a scan for
minutes while the SDKs retried with long read timeouts, and then blame the credentials. Each
connector now reads these values; its first call (the identity probe) retries at most once,
so an unreachable or silent endpoint is one sentence naming it within about
``2 × (connect + read)`` seconds.

* ``CLOUDGOV_CONNECT_TIMEOUT`` — seconds to open a connection (default 10)
* ``CLOUDGOV_READ_TIMEOUT``    — seconds to wait for an answer (default 60)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from scanner.errors import UsageError

__all__ = ["Timeouts", "timeouts"]


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float
    #: attempts of the first call (the identity probe): 1 retry, not the SDKs' 8-10
    probe_attempts: int = 2


def _seconds(var: str, default: float) -> float:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{var} must be a number of seconds, not {raw!r}") from None
    if not (0 < value < 86_400):
        raise UsageError(f"{var} must be between 0 and 86400 seconds, not {raw!r}")
    return value


def timeouts() -> Timeouts:
    return Timeouts(connect=_seconds("CLOUDGOV_CONNECT_TIMEOUT", 10.0), read=_seconds("CLOUDGOV_READ_TIMEOUT", 60.0))
