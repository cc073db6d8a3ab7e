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
from scanner.model import CoverageGap, Finding, Resource, Severity, Status
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


class _Scopes:
    """The register's materiality scope applied to an account-scoped policy, for resources
    and coverage gaps alike: (the materiality evidence, the controls cited), or None when
    the article does not bind the account. One evidence mapping per scope, shared by its
    findings (outputs read evidence, never change it)."""

    def __init__(self, ctx: Context) -> None:
        self._of = ctx.materiality.of
        # by id: the Scope is kept in the value, so its id is never reused meanwhile
        self._evidence: dict[int, tuple[Scope, dict, dict]] = {}

    def __call__(self, policy: Policy, provider: str, account: str
                 ) -> tuple[Scope, tuple[dict, tuple[str, ...], Severity] | None]:
        scope = self._of(provider, account)
        if scope.in_scope(policy.scope) is False:
            return scope, None
        return scope, (self._shared(scope)[1], policy.controls_for(scope), policy.severity_for(scope))

    def not_applicable_evidence(self, scope: Scope) -> dict:
        return self._shared(scope)[2]

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
    distinct messages and ~8,000 distinct evidence mappings over ~460,000 findings), and
    holding a copy per finding was most of the memory. Evidence is keyed by its items —
    atoms by type and value, lists of strings by content, anything else (a nested mapping
    such as the shared materiality evidence) by identity, which the kept first copy holds
    alive. Each table
    stops growing at LIMIT entries (an estate whose findings all differ gains nothing)."""

    LIMIT = 100_000

    def __init__(self) -> None:
        self._messages: dict[str, str] = {}
        self._evidence: dict[tuple, Any] = {}

    def message(self, text: str) -> str:
        return self._keep(self._messages, text, text)

    def evidence(self, evidence: Any) -> Any:
        atoms = _ATOMS
        key = tuple([(k, c, v) if (c := v.__class__) in atoms else _part(k, v) for k, v in evidence.items()])
        return self._keep(self._evidence, key, evidence)

    def _keep(self, table: dict, key: Any, value: Any) -> Any:
        hit = table.get(key)
        if hit is None:
            if len(table) < self.LIMIT:
                table[key] = value
            return value
        return hit


def _part(k: str, v: Any) -> tuple:
    cls = v.__class__
    if cls in _ATOMS:
        return (k, cls, v)
    if (cls is list or cls is tuple) and all(x.__class__ is str for x in v):
        return (k, cls, tuple(v))  # a list of names (locations, regions, roles): by content
    return (k, id(v))


def _evaluate(inventory: Inventory, policies: PolicySet, ctx: Context, match) -> list[Finding]:
    findings: list[Finding] = []
    append = findings.append
    by_kind = policies.by_kind
    scopes = _Scopes(ctx)
    shared = _Shared()
    message, evidence_of = shared.message, shared.evidence
    for resource in inventory:
        for policy in by_kind.get(resource.kind, ()):
            ctx.params = policy.params
            controls = None
            severity = policy.severity
            if policy.account_scoped:
                scope, applied = scopes(policy, resource.provider, resource.account)
                if applied is None:
                    append(Finding(policy=policy.id, status=Status.NOT_APPLICABLE, severity=policy.severity,
                                   resource=resource, message=scope.describe(policy.scope),
                                   controls=policy.controls, evidence=scopes.not_applicable_evidence(scope)))
                    continue
                materiality, controls, severity = applied
                outcome = policy.predicate(resource, ctx)
                outcome = outcome._replace(evidence={**outcome.evidence, "materiality": materiality})
            else:
                outcome = policy.predicate(resource, ctx)
            status = outcome.status
            waiver = None
            if status is Status.FAIL and match is not None:
                waiver = match(policy.id, resource)
                if waiver is not None:
                    status = Status.WAIVED
            append(
                Finding(
                    policy=policy.id,
                    status=status,
                    severity=severity,
                    resource=resource,
                    message=message(outcome.message),
                    controls=outcome.cite or controls or policy.controls,
                    evidence=evidence_of(outcome.evidence),
                    waiver=waiver,
                )
            )
    for gap in inventory.coverage_gaps:
        for kind in gap.kinds:
            for policy in by_kind.get(kind, ()):
                evidence: dict = {"coverage_gap": gap.to_dict()}
                controls = policy.controls
                severity = policy.severity
                if policy.account_scoped:
                    _, applied = scopes(policy, gap.provider, gap.account)
                    if applied is None:
                        continue  # what the gap hides is outside the article's scope either way
                    evidence["materiality"], controls, severity = applied
                append(
                    Finding(
                        policy=policy.id,
                        status=Status.ERROR,
                        severity=severity,
                        resource=_gap_resource(gap, kind),
                        message=f"could not read {gap.service} in {gap.region or 'global'}: {gap.code}: {gap.message}",
                        controls=controls,
                        evidence=evidence,
                    )
                )
    return findings
