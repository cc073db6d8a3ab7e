"""Facts computed from plans, tests and terminations: the properties the ``exit.*`` policies read.

Pure functions over loaded model objects (no queries, no clock: ``today`` is passed in).
Unknown stays ``None``: a plan with no approval date has ``plan.approved_on = None`` and
the policy says it cannot tell, never that it passed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from exit_plans.models import ExitPlan, Sighting, Termination
from exit_plans.vocab import DELETION_SCOPES, OPEN_EXPORT_FORMATS, PASSING_RESULTS, REQUIRED_PLAN_ELEMENTS
from vendor_dd.facts import contracts_for
from vendor_dd.models import Service

__all__ = ["go_live", "service_facts", "plan_facts", "termination_facts", "open_formats"]


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def go_live(service: Service, plan: ExitPlan | None, sighting: Sighting | None) -> tuple[date | None, str | None]:
    """When the service was adopted, and how we know.

    The plan's own statement wins; else the earliest of the first contract's start and the
    first scan that saw the service's clouds (adoption is whichever came first).
    """
    if plan is not None and plan.go_live:
        return plan.go_live, "plan"
    candidates: list[tuple[date, str]] = []
    starts = [(d, c.slug) for c in contracts_for(service) if (d := c.effective_on or c.signed_on)]
    if starts:
        d, slug = min(starts)
        candidates.append((d, f"contract {slug}"))
    if sighting is not None:
        candidates.append((sighting.first_seen, f"first scan ({sighting.source})" if sighting.source else "first scan"))
    if not candidates:
        return None, None
    return min(candidates)


def open_formats(formats: list[str]) -> list[str]:
    return [f for f in formats if f.strip().lower() in OPEN_EXPORT_FORMATS]


def service_facts(service: Service) -> dict[str, Any]:
    """What every ``exit.*`` resource of a service carries."""
    return {
        "service": service.key,
        "provider": service.provider.slug,
        "material": service.material,
        "natural_person_data": service.natural_person_data,
        "core_system": service.core_system,
        "rto_hours": service.rto_hours,
        "substitutability": service.substitutability,
        "scopes": [f"{s.cloud}:{s.account}" for s in service.scopes],
        "plan.exists": False,
    }


def _missing_elements(plan: ExitPlan) -> list[str]:
    present = {
        "strategy": bool(plan.strategy),
        "triggers": bool(plan.triggers),
        "planned_playbook": bool(plan.planned_playbook),
        "export_formats": bool(plan.export_formats),
        "roles": bool(plan.roles),
        "success_criteria": bool(plan.success_criteria),
        "dependencies": bool(plan.dependencies),
    }
    return [e for e in REQUIRED_PLAN_ELEMENTS if not present[e]]


def plan_facts(service: Service, plan: ExitPlan, sighting: Sighting | None, today: date) -> dict[str, Any]:
    props = service_facts(service)
    live, basis = go_live(service, plan, sighting)
    tests = sorted(plan.tests, key=lambda t: (t.tested_on, t.id or 0))
    done = [t for t in tests if t.tested_on <= today]
    last = done[-1] if done else None
    passing = [t for t in done if t.result in PASSING_RESULTS]
    props.update(
        {
            "plan.exists": True,
            "plan.version": plan.version,
            "plan.approved_on": _iso(plan.approved_on),
            "plan.approved_by": plan.approved_by,
            "go_live": _iso(live),
            "go_live.basis": basis,
            "strategy": plan.strategy,
            "target": plan.target,
            "triggers": list(plan.triggers or []),
            "playbook.stressed": plan.stressed_playbook,
            "playbook.planned": plan.planned_playbook,
            "transition_hours": plan.transition_hours,
            "export_formats": list(plan.export_formats or []),
            "export_formats.open": open_formats(list(plan.export_formats or [])),
            "dependencies": list(plan.dependencies or []),
            "roles": list(plan.roles or []),
            "success_criteria": list(plan.success_criteria or []),
            "plan.missing_elements": _missing_elements(plan),
            "tests": [
                {"date": _iso(t.tested_on), "kind": t.kind, "result": t.result, "scenario": t.scenario,
                 "evidence": t.evidence}
                for t in tests
            ],
            "test.last_date": _iso(last.tested_on) if last else None,
            "test.last_kind": last.kind if last else None,
            "test.last_result": last.result if last else None,
            "test.last_passing_date": _iso(passing[-1].tested_on) if passing else None,
            "test.next_due": _iso(plan.next_test_due),
        }
    )
    return props


def termination_facts(service: Service, term: Termination) -> dict[str, Any]:
    props = service_facts(service)
    last = term.verifications[-1] if term.verifications else None
    props.update(
        {
            "terminated_on": _iso(term.terminated_on),
            "certificate.on_file": term.certificate_sha256 is not None,
            "certificate.sha256": term.certificate_sha256,
            "certificate.file": term.certificate.filename if term.certificate else None,
            "certificate.issued_by": term.certificate_issued_by,
            "certificate.issued_on": _iso(term.certificate_issued_on),
            "certificate.scope": list(term.scope or []),
            "certificate.scope_missing": [s for s in DELETION_SCOPES if s not in (term.scope or [])],
            "extra_scopes": list(term.extra_scopes or []),
            "verification.last_date": _iso(last.verified_on) if last else None,
            "verification.result": last.result if last else None,
            # what failed: data left over, or a customer key not shredded (a shredded key is fine)
            "verification.leftovers": [
                x["id"] for x in last.leftovers if x.get("category") != "keys" or x.get("shredded") is False
            ] if last else [],
            "verification.gaps": list(last.gaps) if last else [],
            "verification.collected_at": last.collected_at if last else None,
        }
    )
    return props
