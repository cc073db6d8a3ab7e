"""One typed record of what produced (part of) an Inventory: a connector's collection.

Every connector — live or offline, the IaC scanner, the register — describes its run with
the same fields, so outputs, history and the web application read one shape:

- ``connector``: aws, azure, gcp, iac, vendor_dd, exit_plans, snapshot
- ``mode``: live, offline, iac, register
- ``accounts`` / ``regions``: what was read (account / subscription / project ids)
- ``api_calls`` (total) and ``calls_by_api`` (per service or API), ``seconds``
- ``accounts_failed``: ``{"account", "code", "message"}`` for accounts that could not be entered
- ``details``: what only that connector can say (files read, scopes, HTTP requests, retries)

Snapshots keep the record as a plain dict (:meth:`to_dict`); :meth:`from_dict` also reads
the free-form dicts older snapshots carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Source"]

_FIELDS = ("connector", "mode", "accounts", "regions", "api_calls", "calls_by_api", "seconds", "accounts_failed")


@dataclass(frozen=True, eq=True)
class Source:
    connector: str
    mode: str
    accounts: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    api_calls: int = 0
    calls_by_api: Mapping[str, int] = field(default_factory=dict)
    seconds: float | None = None
    accounts_failed: tuple[Mapping[str, str], ...] = ()
    details: Mapping[str, Any] = field(default_factory=dict)

    __hash__ = None  # type: ignore[assignment]  # mappings inside: compared, never hashed

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "connector": self.connector,
            "mode": self.mode,
            "accounts": list(self.accounts),
            "regions": list(self.regions),
            "api_calls": self.api_calls,
            "calls_by_api": dict(self.calls_by_api),
            "seconds": self.seconds,
            "accounts_failed": [dict(a) for a in self.accounts_failed],
        }
        if self.details:
            out["details"] = dict(self.details)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Source:
        """The record of :meth:`to_dict`, or the best reading of an older free-form dict."""
        d = dict(d)
        details = dict(d.pop("details", None) or {})
        calls = d.pop("api_calls", 0)
        by_api = d.pop("calls_by_api", None) or d.pop("api_calls_by_service", None) or {}
        if isinstance(calls, Mapping):  # older Azure snapshots: per-API counts only
            by_api, calls = dict(calls), sum(int(v) for v in calls.values())
        connector = d.pop("connector", None) or d.pop("provider", None) or d.pop("source", None) or d.pop("type", "")
        seconds = d.pop("seconds", None)
        out = cls(
            connector=str(connector),
            mode=str(d.pop("mode", "") or ""),
            accounts=tuple(str(a) for a in d.pop("accounts", None) or ()),
            regions=tuple(str(r) for r in d.pop("regions", None) or ()),
            api_calls=int(calls or 0),
            calls_by_api={str(k): int(v) for k, v in dict(by_api).items()},
            seconds=float(seconds) if seconds is not None else None,
            accounts_failed=tuple(dict(a) for a in d.pop("accounts_failed", None) or ()),
            details={**d, **details},
        )
        return out

    def with_details(self, **more: Any) -> Source:
        from dataclasses import replace

        return replace(self, details={**self.details, **more})
