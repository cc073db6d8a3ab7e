"""What the APIs beside Cloud Asset said, parsed into plain facts (pure).

* :class:`Groups` — Cloud Identity group memberships (``groups.memberships.list`` or
  ``gcloud identity groups memberships list --format=json``), by group e-mail;
* :class:`Activity` — Policy Analyzer authentication activity (``activities:query`` or
  ``gcloud policy-intelligence query-activity --format=json``): when each service account
  and each service-account key last authenticated.

Live collection and offline files fill the same objects, so normalization is one code path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Groups", "Activity", "KEY_ACTIVITY", "ACCOUNT_ACTIVITY", "is_activity", "is_membership"]

KEY_ACTIVITY = "serviceAccountKeyLastAuthentication"
ACCOUNT_ACTIVITY = "serviceAccountLastAuthentication"
#: Cloud Identity membership type → IAM member prefix
_MEMBER_PREFIX = {"USER": "user", "SERVICE_ACCOUNT": "serviceAccount", "GROUP": "group"}


def is_membership(d: Any) -> bool:
    return isinstance(d, Mapping) and "preferredMemberKey" in d and str(d.get("name") or "").startswith("groups/")


def is_activity(d: Any) -> bool:
    return isinstance(d, Mapping) and str(d.get("activityType") or "") in (KEY_ACTIVITY, ACCOUNT_ACTIVITY)


def _member_key(m: Mapping[str, Any]) -> str | None:
    """``user:alice@x`` / ``serviceAccount:…`` / ``group:…`` for one membership; None for
    members IAM cannot name (shared drives, devices, external identity namespaces)."""
    keys = m.get("preferredMemberKey")
    key = keys[0] if isinstance(keys, list) and keys else keys  # a list in transitive search results
    if not isinstance(key, Mapping) or not key.get("id") or key.get("namespace"):
        return None
    email = str(key["id"]).lower()
    kind = str(m.get("type") or "")
    if not kind:  # BASIC views carry the type; be careful when a hand-made export does not
        kind = "SERVICE_ACCOUNT" if email.endswith(".gserviceaccount.com") else "USER"
    prefix = _MEMBER_PREFIX.get(kind)
    return f"{prefix}:{email}" if prefix else None


@dataclass
class Groups:
    """Direct members of groups, by lower-cased group e-mail. A group in ``errors`` could
    not be read; a group in neither was not asked about (membership unknown)."""

    members: dict[str, list[str]] = field(default_factory=dict)  # group e-mail → member keys
    errors: dict[str, str] = field(default_factory=dict)  # group e-mail → why unreadable
    other_members: dict[str, int] = field(default_factory=dict)  # members IAM cannot name

    def add(self, group: str, memberships: Iterable[Mapping[str, Any]]) -> None:
        group = group.lower()
        listed = self.members.setdefault(group, [])
        self.errors.pop(group, None)
        for m in memberships:
            key = _member_key(m)
            if key is None:
                self.other_members[group] = self.other_members.get(group, 0) + 1
            elif key not in listed:
                listed.append(key)

    def refused(self, group: str, why: str) -> None:
        if group.lower() not in self.members:
            self.errors[group.lower()] = why

    def merge(self, other: Groups) -> None:
        for g, ms in other.members.items():
            self.add(g, [])
            self.members[g].extend(m for m in ms if m not in self.members[g])
        for g, n in other.other_members.items():
            self.other_members[g] = self.other_members.get(g, 0) + n
        for g, why in other.errors.items():
            self.refused(g, why)


@dataclass
class Activity:
    """Last authentication per service-account key id and per service account (e-mail or
    numeric unique id)."""

    keys: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, str] = field(default_factory=dict)

    def add(self, items: Iterable[Mapping[str, Any]]) -> None:
        for item in items:
            activity = item.get("activity") or {}
            when = activity.get("lastAuthenticatedTime") if isinstance(activity, Mapping) else None
            if not when:
                continue
            kind = item.get("activityType")
            if kind == KEY_ACTIVITY:
                key = activity.get("serviceAccountKey") or {}
                name = str(key.get("fullResourceName") or item.get("fullResourceName") or "")
                if "/keys/" in name:
                    _latest(self.keys, name.rsplit("/keys/", 1)[1], when)
            elif kind == ACCOUNT_ACTIVITY:
                sa = activity.get("serviceAccount") or {}
                name = str(sa.get("fullResourceName") or item.get("fullResourceName") or "")
                ident = name.rsplit("/serviceAccounts/", 1)[-1].lower() if "/serviceAccounts/" in name else ""
                for ref in (ident, str(sa.get("serviceAccountId") or "")):
                    if ref:
                        _latest(self.accounts, ref, when)

    def account(self, email: str, unique_id: str | None) -> str | None:
        return self.accounts.get(email.lower()) or (self.accounts.get(unique_id) if unique_id else None)


def _latest(into: dict[str, str], ref: str, when: str) -> None:
    # RFC 3339 in UTC ("…Z") from one API compares correctly as text
    if ref not in into or when > into[ref]:
        into[ref] = when
