"""Network timeouts every live connector uses, configurable from the environment.

A dead endpoint (one that accepts the connection and never answers) used to hold a scan for
minutes while the SDKs retried with long read timeouts, and then blame the credentials. Each
connector now reads these values; its first call (the identity probe) retries at most once,
so an unreachable or silent endpoint is one sentence naming it within about
``2 × (connect + read)`` seconds.

* ``CLOUDGOV_CONNECT_TIMEOUT`` — seconds to open a connection (default 10)
* ``CLOUDGOV_READ_TIMEOUT``    — seconds to wait for an answer (default 60)
* ``CLOUDGOV_SCAN_DEADLINE``   — seconds a whole live scan may take (default 14400, four
  hours; Azure and GCP): past it the scan stops with one sentence naming what it was
  waiting on, instead of retrying for ever. A :class:`Deadline` caps each call's timeouts
  and the SDKs' retry budget at what is left.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from scanner.errors import InputError, UsageError

__all__ = ["Timeouts", "timeouts", "Deadline", "DeadlineExceeded"]


@dataclass(frozen=True)
class Timeouts:
    connect: float
    read: float
    #: attempts of the first call (the identity probe): 1 retry, not the SDKs' 8-10
    probe_attempts: int = 2


def _seconds(var: str, default: float, top: float = 86_400) -> float:
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"{var} must be a number of seconds, not {raw!r}") from None
    if not (0 < value <= top):
        raise UsageError(f"{var} must be more than 0 and at most {top:g} seconds, not {raw!r}")
    return value


def timeouts() -> Timeouts:
    return Timeouts(connect=_seconds("CLOUDGOV_CONNECT_TIMEOUT", 10.0), read=_seconds("CLOUDGOV_READ_TIMEOUT", 60.0))


def scan_deadline() -> float:
    return _seconds("CLOUDGOV_SCAN_DEADLINE", 14_400.0, top=7 * 86_400)


class DeadlineExceeded(InputError):
    """The scan ran out of its total time."""


class Deadline:
    """A scan's total time (``seconds``, default ``CLOUDGOV_SCAN_DEADLINE``) and the per-call
    timeouts capped by what is left of it."""

    def __init__(self, connector: str, seconds: float | None = None, *, clock=time.monotonic) -> None:
        self.connector = connector
        self.seconds = scan_deadline() if seconds is None else seconds
        if not self.seconds > 0:
            raise UsageError(f"the scan deadline must be more than 0 seconds, not {self.seconds!r}")
        self.timeouts = timeouts()
        self._clock = clock
        self._end = clock() + self.seconds

    def remaining(self) -> float:
        return self._end - self._clock()

    def check(self, waiting_on: str) -> float:
        """What is left (seconds); DeadlineExceeded naming ``waiting_on`` when nothing is."""
        left = self.remaining()
        if left <= 0:
            raise self.exceeded(waiting_on)
        return left

    def exceeded(self, waiting_on: str) -> DeadlineExceeded:
        return DeadlineExceeded(
            f"the {self.connector} scan did not finish within its deadline of {self.seconds:g} s "
            f"(CLOUDGOV_SCAN_DEADLINE); it was waiting on {waiting_on}."
        )

    def connect(self, waiting_on: str) -> float:
        return min(self.timeouts.connect, self.check(waiting_on))

    def read(self, waiting_on: str) -> float:
        return min(self.timeouts.read, self.check(waiting_on))
