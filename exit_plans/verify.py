"""Verify a termination against a post-exit scan (ETG 9.6 刪除…並出具資料完全刪除之證明).

Pure: an Inventory and the termination's scopes in, what is left out. After exit, the
service's cloud scopes (and anything reached from them by replication, backup or key
relationships, or whose source lies in them) must hold no data-bearing resources,
VM instances, snapshots or backups, and every customer-managed key must be disabled or
scheduled for deletion (crypto-shredding). A scope the scan did not cover, or a coverage
gap there, leaves the verification *incomplete*: unknown is never a pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from scanner.inventory import Inventory
from scanner.model import DATA_BEARING_KINDS, Kind, RelType, Resource

__all__ = ["Leftover", "VerifyOutcome", "verify_exit", "category_of", "id_in_scopes", "SHREDDED_KEY_STATES"]

#: Kinds that hold the firm's data at the provider (ETG 9.6 lists VM images too).
RESIDUE_KINDS = frozenset({str(k) for k in DATA_BEARING_KINDS} | {str(Kind.COMPUTE), str(Kind.CONTAINER)})
_ROLE = {str(RelType.ENCRYPTED_BY): "key", str(RelType.REPLICATES_TO): "replica", str(RelType.BACKUP_OF): "backup"}
SHREDDED_KEY_STATES = frozenset({"disabled", "pending_deletion", "destroyed"})


@dataclass(frozen=True)
class Leftover:
    resource: Resource
    category: str  # exit_plans.vocab.DELETION_SCOPES
    found_by: str  # why it belongs to the service
    shredded: bool | None = None  # keys only: disabled / pending deletion (None = state unknown)

    def to_dict(self) -> dict[str, Any]:
        r = self.resource
        d: dict[str, Any] = {"id": r.id, "kind": r.kind, "provider": r.provider, "account": r.account, "region": r.region,
             "name": r.name, "category": self.category, "found_by": self.found_by}
        if self.category == "keys":
            d["state"] = r.prop("state")
            d["shredded"] = self.shredded
        return d


@dataclass
class VerifyOutcome:
    scopes: list[str]
    collected_at: str | None
    leftovers: list[Leftover] = field(default_factory=list)
    scopes_missing: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[Leftover]:
        """Data left over, and customer keys known to be still usable (unknown state: incomplete)."""
        return [x for x in self.leftovers if x.category != "keys" or x.shredded is False]

    @property
    def result(self) -> str:
        if self.failures:
            return "fail"
        if self.scopes_missing or self.gaps or any(x.shredded is None for x in self.leftovers):
            return "incomplete"
        return "pass"


def id_in_scopes(resource_id: str, scopes: set[tuple[str, str]]) -> str | None:
    """The scope a provider id names, if any (for ends of edges that are no longer there).

    AWS ARNs carry the account in their fifth field, Azure ids ``/subscriptions/<id>/``,
    GCP names ``projects/<id>/``.
    """
    if resource_id.startswith("arn:"):
        parts = resource_id.split(":")
        if len(parts) > 4 and ("aws", parts[4]) in scopes:
            return f"aws:{parts[4]}"
        return None
    m = re.search(r"/subscriptions/([^/]+)", resource_id, re.I)
    if m and ("azure", m[1].lower()) in {(c, a.lower()) for c, a in scopes}:
        return f"azure:{m[1]}"
    m = re.search(r"projects/([^/]+)", resource_id)
    if m and ("gcp", m[1]) in scopes:
        return f"gcp:{m[1]}"
    return None


def category_of(inv: Inventory, r: Resource) -> str:
    if r.kind == Kind.KMS_KEY:
        return "keys"
    if r.kind == Kind.BACKUP:
        return "backups"
    if r.kind == Kind.LOG_STORE:
        return "logs"
    if inv.incoming(r.id, RelType.REPLICATES_TO):
        return "replicas"
    return "primary_data"


def _is_customer_key(r: Resource) -> bool:
    # provider-managed keys (aws/s3, Microsoft-managed) go with the account; unknown counts
    return r.kind == Kind.KMS_KEY and r.prop("key_manager") != "provider"


def verify_exit(inv: Inventory, scopes: list[str]) -> VerifyOutcome:
    """What ``inv`` still holds for a service whose cloud scopes are ``scopes`` (cloud:account)."""
    # "aws:111111111111" → ("aws", "111111111111"); a scope without a colon matches nothing
    scope_set: set[tuple[str, str]] = {(p, a) for p, sep, a in (s.partition(":") for s in scopes) if sep}
    out = VerifyOutcome(scopes=list(scopes), collected_at=inv.collected_at)
    present = {(r.provider, r.account) for r in inv} | {(g.provider, g.account) for g in inv.coverage_gaps}
    out.scopes_missing = [s for s in scopes if tuple(s.split(":", 1)) not in present]
    wanted = RESIDUE_KINDS | {str(Kind.KMS_KEY)}
    out.gaps = sorted(
        f"{g.provider}:{g.account} {g.region or 'global'} {g.service}: {g.code}"
        for g in inv.coverage_gaps
        if (g.provider, g.account) in scope_set and wanted & set(g.kinds)
    )

    found: dict[str, str] = {}
    for r in inv:
        if (r.provider, r.account) in scope_set and (r.kind in RESIDUE_KINDS or _is_customer_key(r)):
            found[r.id] = f"in scope {r.provider}:{r.account}"
    # beyond the scopes: copies, backups and keys tied to what is (or was) in them
    # (from, to): a resource's key, its replicas and its backups, never sideways (other
    # data under a shared key belongs to someone else)
    links = []
    for rel in inv.relationships:
        if rel.type in (RelType.ENCRYPTED_BY, RelType.REPLICATES_TO):
            links.append((rel.source, rel.target, rel.type))
        elif rel.type == RelType.BACKUP_OF:
            links.append((rel.target, rel.source, rel.type))
    grew = True
    while grew:  # to a fixed point: a replica's own backups are left over too
        grew = False
        for here, there, t in links:
            if there in found or not (here in found or id_in_scopes(here, scope_set)):
                continue
            end = inv.get(there)
            if end is None or (end.provider, end.account) in scope_set:
                continue
            if end.kind in RESIDUE_KINDS or _is_customer_key(end):
                found[end.id] = f"{_ROLE[t]} of {here}"
                grew = True
    for rid, why in sorted(found.items()):
        left = inv.get(rid)
        assert left is not None
        cat = category_of(inv, left)
        shredded = None
        if cat == "keys":
            state = left.prop("state")
            shredded = None if state is None else state in SHREDDED_KEY_STATES
        out.leftovers.append(Leftover(left, cat, why, shredded))
    return out
