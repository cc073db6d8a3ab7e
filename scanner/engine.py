"""Evaluate policies over an Inventory, apply waivers, and summarise.

Linear in resources: each resource meets only the policies for its kind. Coverage gaps
become ERROR findings for every policy on the kinds they hide, so an unreadable API can
never read as a clean pass.
"""

from __future__ import annotations

import datetime as dt
import gc
from typing import TYPE_CHECKING, Any

from scanner.context import Context
from scanner.model import CoverageGap, Finding, Resource, Status
from scanner.result import ScanResult

if TYPE_CHECKING:
    from policies.registry import Policy, PolicySet
    from scanner.config import Config
    from scanner.inventory import Inventory
    from scanner.materiality import Materiality, Scope
    from scanner.waivers import WaiverSet

__all__ = ["evaluate", "ScanResult"]


def _now(inventory: Inventory) -> dt.datetime:
    from policies.base import parse_time

    return parse_time(inventory.collected_at) or dt.datetime.now(dt.UTC)


def _gap_resource(gap: CoverageGap, kind: str) -> Resource:
    return Resource(
        provider=gap.provider,
        account=gap.account,
        region=gap.region,
        kind=kind,
        native_type=f"coverage-gap/{gap.service}",
        id=gap.id,
        name=f"{gap.service} ({gap.code})",
    )


def evaluate(
    inventory: Inventory,
    policies: PolicySet,
    config: Config,
    waivers: WaiverSet | None = None,
    *,
    source: str = "",
    areas: set[str] | None = None,
    materiality: Materiality | None = None,
) -> ScanResult:
    started = dt.datetime.now(dt.UTC)
    now = _now(inventory)
    policies = policies.only(areas)
    problems: list[str] = []
    if waivers is not None:
        waivers, _expired = waivers.active_on(now.date())
        problems = list(waivers.problems)
    match = waivers.match if waivers is not None else None

    def is_waived(policy_id: str, resource: Resource) -> bool:
        return match is not None and match(policy_id, resource) is not None

    ctx = Context(inventory, config, now, is_waived, materiality)
    # Findings are acyclic; the cyclic collector would otherwise rescan the whole inventory
    # again and again as millions of them are allocated (a third of the time at 100k).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        findings = _evaluate(inventory, policies, ctx, match)
    finally:
        # ... and the first allocation after enabling it would make it traverse every finding
        # once, young: move them to the oldest generation instead (two list splices), where a
        # full collection still reaches any cycle. Not when something else froze objects
        # (a forking server does): unfreezing would thaw those too.
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if gc_was_enabled:
            gc.enable()
    return ScanResult(
        findings=findings,
        policies=policies,
        config=config,
        source=source,
        evaluated_at=now.isoformat().replace("+00:00", "Z"),
        started_at=started.isoformat().replace("+00:00", "Z"),
        coverage_gaps=list(inventory.coverage_gaps),
        waiver_problems=problems,
        inventory_sources=list(inventory.sources),
        resource_count=len(inventory),
        accounts=inventory.accounts(),
    )


#: an account-scoped policy's decision for one account: (the materiality evidence, the
#: controls cited, the severity) where the article binds it, or (None, why it does not, the
#: NOT_APPLICABLE evidence)
_Applied = tuple[Any, Any, Any]


class _Scopes:
    """The register's materiality scope applied to an account-scoped policy, for resources
    and coverage gaps alike, decided once per account and policy (an estate has a few
    hundred accounts, its findings hundreds of thousands). One evidence mapping per scope,
    shared by its findings (outputs read evidence, never change it)."""

    def __init__(self, ctx: Context) -> None:
        self._of = ctx.materiality.of
        # by id: the Scope is kept in the value, so its id is never reused meanwhile
        self._evidence: dict[int, tuple[Scope, dict, dict]] = {}
        self._accounts: dict[tuple[str, str], dict[str, _Applied]] = {}

    def account(self, provider: str, account: str) -> dict[str, _Applied]:
        """One account's decisions by policy id, filled by ``decide``."""
        key = (provider, account)
        table = self._accounts.get(key)
        if table is None:
            table = self._accounts[key] = {}
        return table

    def decide(self, table: dict[str, _Applied], policy: Policy, provider: str, account: str) -> _Applied:
        scope = self._of(provider, account)
        shared = self._shared(scope)
        if scope.in_scope(policy.scope) is False:
            applied: _Applied = (None, scope.describe(policy.scope), shared[2])
        else:
            applied = (shared[1], policy.controls_for(scope), policy.severity_for(scope))
        table[policy.id] = applied
        return applied

    def __call__(self, policy: Policy, provider: str, account: str) -> _Applied:
        table = self.account(provider, account)
        hit = table.get(policy.id)
        return hit if hit is not None else self.decide(table, policy, provider, account)

    def _shared(self, scope: Scope) -> tuple[Scope, dict, dict]:
        hit = self._evidence.get(id(scope))
        if hit is None:
            materiality = scope.evidence()
            hit = self._evidence[id(scope)] = (scope, materiality, {"materiality": materiality})
        return hit


_ATOMS = frozenset({str, int, float, bool, type(None)})


class _Shared:
    """One object per distinct message and per distinct evidence, shared by the findings that
    carry it: across an estate a policy says the same few things (at 100,000 resources, 38
    distinct messages and ~8,000 distinct evidence mappings over ~590,000 findings), and
    holding a copy per finding was most of the memory. Evidence is keyed by its items —
    atoms by type and value, lists of strings by content, anything else (a nested mapping
    such as the shared materiality evidence) by identity, which the kept first copy holds
    alive. A scoped policy's evidence (the predicate's with the scope's materiality added) is
    keyed by the predicate's key and the materiality's identity, and built only when new.
    Each table stops growing at LIMIT entries (an estate whose findings all differ gains
    nothing)."""

    LIMIT = 100_000

    def __init__(self) -> None:
        #: one str per distinct message (the loop keeps them: a call per finding costs)
        self.messages: dict[str, str] = {}
        self._evidence: dict[tuple, Any] = {}
        self._scoped: dict[tuple, Any] = {}

    def evidence(self, evidence: Any) -> Any:
        values = tuple(evidence.values())
        classes = tuple(map(type, values))
        # the common case (atoms only) keyed by C calls alone
        key = (tuple(evidence), classes, values) if _ATOMS.issuperset(classes) else _key(evidence)
        table = self._evidence
        hit = table.get(key)
        if hit is None:
            if len(table) < self.LIMIT:
                table[key] = evidence
            return evidence
        return hit

    def with_materiality(self, evidence: Any, materiality: dict) -> Any:
        """``{**evidence, "materiality": materiality}``, shared."""
        values = tuple(evidence.values())
        classes = tuple(map(type, values))
        # the scope's materiality outlives the evaluation: keyed by identity
        key = ((tuple(evidence), classes, values) if _ATOMS.issuperset(classes) else _key(evidence), id(materiality))
        table = self._scoped
        hit = table.get(key)
        if hit is None:
            hit = {**evidence, "materiality": materiality}
            if len(table) < self.LIMIT:
                table[key] = hit
        return hit


_NAMES = frozenset({str})


def _key(evidence: Any) -> tuple:
    """The key of evidence holding more than atoms (the common case is keyed in place)."""
    key: list[tuple] = []
    for k, v in evidence.items():
        cls = type(v)
        if cls in _ATOMS:
            key.append((k, cls, v))
        elif (cls is list or cls is tuple) and _NAMES.issuperset(map(type, v)):
            key.append((k, cls, tuple(v)))  # a list of names (locations, regions, roles): by content
        else:
            key.append((k, id(v)))
    return tuple(key)


def _plans(policies: PolicySet) -> dict[str, list[tuple]]:
    """Per kind, what the loop reads of each policy, read once."""
    return {kind: [(p, p.id, p.predicate, p.params, p.severity, p.controls, p.account_scoped) for p in ps]
            for kind, ps in policies.by_kind.items()}


def _evaluate(inventory: Inventory, policies: PolicySet, ctx: Context, match) -> list[Finding]:
    findings: list[Finding] = []
    append = findings.append
    plans = _plans(policies)
    scopes = _Scopes(ctx)
    shared = _Shared()
    evidence_of, with_materiality = shared.evidence, shared.with_materiality
    messages, keep_message = shared.messages, shared.messages.setdefault
    FAIL, NOT_APPLICABLE = Status.FAIL, Status.NOT_APPLICABLE
    LIMIT = _Shared.LIMIT
    for resource in inventory:
        plan = plans.get(resource.kind)
        if plan is None:
            continue
        decided = None  # the account's scope decisions, looked up at its first scoped policy
        for policy, pid, predicate, params, severity, controls, scoped in plan:
            ctx.params = params
            if scoped:
                if decided is None:
                    decided = scopes.account(resource.provider, resource.account)
                applied = decided.get(pid)
                if applied is None:
                    applied = scopes.decide(decided, policy, resource.provider, resource.account)
                materiality, cited, scoped_severity = applied
                if materiality is None:
                    append(Finding(pid, NOT_APPLICABLE, severity, resource, cited, controls, scoped_severity))
                    continue
                status, text, evidence, cite = predicate(resource, ctx)
                text = keep_message(text, text) if len(messages) < LIMIT else messages.get(text, text)
                finding = Finding(pid, status, scoped_severity, resource, text, cite or cited or controls,
                                  with_materiality(evidence, materiality))
            else:
                status, text, evidence, cite = predicate(resource, ctx)
                text = keep_message(text, text) if len(messages) < LIMIT else messages.get(text, text)
                finding = Finding(pid, status, severity, resource, text, cite or controls, evidence_of(evidence))
            if status is FAIL and match is not None:
                waiver = match(pid, resource)
                if waiver is not None:
                    finding.status, finding.waiver = Status.WAIVED, waiver
            append(finding)
    for gap in inventory.coverage_gaps:
        for kind in gap.kinds:
            for policy in policies.by_kind.get(kind, ()):
                gap_evidence: dict = {"coverage_gap": gap.to_dict()}
                controls = policy.controls
                severity = policy.severity
                if policy.account_scoped:
                    materiality, cited, scoped_severity = scopes(policy, gap.provider, gap.account)
                    if materiality is None:
                        continue  # what the gap hides is outside the article's scope either way
                    gap_evidence["materiality"], controls, severity = materiality, cited, scoped_severity
                append(
                    Finding(
                        policy=policy.id,
                        status=Status.ERROR,
                        severity=severity,
                        resource=_gap_resource(gap, kind),
                        message=f"could not read {gap.service} in {gap.region or 'global'}: {gap.code}: {gap.message}",
                        controls=controls,
                        evidence=gap_evidence,
                    )
                )
    return findings
