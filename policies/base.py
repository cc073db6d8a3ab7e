"""What predicates return and what they may consult.

A predicate is ``fn(resource, ctx) -> Outcome``: pure, no I/O. It reads canonical
properties (docs/model.md) and, through ``ctx``, the rest of the inventory.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from scanner.context import Context
from scanner.model import Status

__all__ = [
    "Outcome",
    "Context",
    "passed",
    "failed",
    "unknown",
    "not_applicable",
    "parse_time",
]


class Outcome(NamedTuple):
    status: Status
    message: str
    evidence: Mapping[str, Any]
    #: the articles this particular result serves, when narrower than the policy's list
    #: (e.g. a firewall-log store's retention serves CSM:CC-17010.b.c)
    cite: tuple[str, ...] | None = None

    def citing(self, cite: tuple[str, ...] | None) -> Outcome:
        """The same result, serving only ``cite`` (None: the policy's own list)."""
        return self._replace(cite=cite)


# The evidence is every keyword argument, so no other parameter may share the keyword space
# (a ``cite`` keyword made ``passed(msg, **fields)`` ill-typed): narrower citations go
# through ``Outcome.citing``.


# Built as tuple.__new__ does it: every finding's outcome passes here, and the named tuple's
# own __new__ is one more Python call (a tenth of a second over 600,000 findings).
_new = tuple.__new__
_PASS, _FAIL, _ERROR, _NOT_APPLICABLE = Status.PASS, Status.FAIL, Status.ERROR, Status.NOT_APPLICABLE


def passed(message: str, **evidence: Any) -> Outcome:
    return _new(Outcome, (_PASS, message, evidence, None))


def failed(message: str, **evidence: Any) -> Outcome:
    return _new(Outcome, (_FAIL, message, evidence, None))


def unknown(message: str, **evidence: Any) -> Outcome:
    """The data needed is missing or unreadable: ERROR, never PASS."""
    return _new(Outcome, (_ERROR, message, evidence, None))


def not_applicable(message: str, **evidence: Any) -> Outcome:
    return _new(Outcome, (_NOT_APPLICABLE, message, evidence, None))


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 (with Z or offset, or a bare date) → aware UTC datetime; None if unparsable."""
    if not value or not isinstance(value, str):
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
