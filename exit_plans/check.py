"""Exit plans and terminations as an Inventory of pseudo-resources, for the policy engine.

``cloudgov exit check`` evaluates :func:`build_inventory` with ``areas={"exit"}``; one
resource per service of the vendor register, id ``exit:<provider>/<service>``:

* ``exit.service``     — a service with no exit plan (only ``exit.plan_exists`` applies);
* ``exit.plan``        — a service with a plan: approval vs go-live, tests, RTO, playbooks;
* ``exit.termination`` — a terminated service: its deletion certificate and verification.

``cloudgov exit verify`` evaluates :func:`verification_inventory`: the termination plus one
``exit.residue.data`` / ``exit.residue.key`` resource per thing the post-exit scan still
holds, carrying that resource's own id, cloud, account and region so the finding names it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session

from exit_plans import facts
from exit_plans.models import Termination
from exit_plans.service import services
from exit_plans.verify import VerifyOutcome
from scanner.inventory import Inventory
from scanner.model import Resource
from scanner.source import Source

__all__ = ["PROVIDER", "resource_id", "build_inventory", "verification_inventory", "termination_resource"]

PROVIDER = "cloudgov"


def resource_id(key: str) -> str:
    return f"exit:{key}"


def _inventory(today: date, source: str) -> Inventory:
    return Inventory(
        collected_at=datetime.combine(today, time(0, 0), tzinfo=UTC).isoformat().replace("+00:00", "Z"),
        sources=[Source(connector=source, mode="register", details={"as_of": today.isoformat()})],
    )


def termination_resource(term: Termination) -> Resource:
    svc = term.service
    return Resource(
        provider=PROVIDER,
        account=svc.provider.slug,
        region=None,
        kind="exit.termination",
        native_type="cloudgov::exit::Termination",
        id=resource_id(svc.key),
        name=svc.name,
        properties=facts.termination_facts(svc, term),
    )


def build_inventory(session: Session, today: date) -> Inventory:
    inv = _inventory(today, "exit_plans")
    for svc, plan, term, sighting in services(session):
        if term is not None and term.terminated_on <= today:  # a later termination had not happened yet
            inv.add(termination_resource(term))
            continue
        if plan is None:
            kind, native, props = "exit.service", "cloudgov::exit::Service", facts.service_facts(svc)
        else:
            kind, native, props = "exit.plan", "cloudgov::exit::Plan", facts.plan_facts(svc, plan, sighting, today)
        inv.add(
            Resource(
                provider=PROVIDER,
                account=svc.provider.slug,
                region=None,
                kind=kind,
                native_type=native,
                id=resource_id(svc.key),
                name=svc.name,
                properties=props,
            )
        )
    return inv


def verification_inventory(term: Termination, outcome: VerifyOutcome, today: date) -> Inventory:
    inv = _inventory(today, "exit_plans.verify")
    inv.sources.append(Source(connector="snapshot", mode="offline",
                              details={"collected_at": outcome.collected_at, "scopes": outcome.scopes}))
    inv.add(termination_resource(term))
    covered = set(term.scope or [])
    for x in outcome.leftovers:
        r = x.resource
        props = {
            "service": term.service.key,
            "terminated_on": term.terminated_on.isoformat(),
            "category": x.category,
            "found_by": x.found_by,
            "resource_kind": r.kind,
            "covered_by_certificate": x.category in covered,
            "certificate.on_file": term.certificate_sha256 is not None,
        }
        if x.category == "keys":
            props.update({"state": r.prop("state"), "key_manager": r.prop("key_manager"), "shredded": x.shredded})
        inv.add(
            Resource(
                provider=r.provider,
                account=r.account,
                region=r.region,
                kind="exit.residue.key" if x.category == "keys" else "exit.residue.data",
                native_type=r.native_type,
                id=r.id,
                name=r.name,
                tags=r.tags,
                properties=props,
            )
        )
    return inv
