"""The exit plans' section of the board report, as of one day (the period's last).

The report composes this section and never reads the ORM models itself. As of ``as_of``:
a plan approved later was not yet approved, a test held later had not happened, and a
service terminated later was still running. Service names are the register's own.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from exit_plans import facts

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["board_section"]


def board_section(session: Session, as_of: date) -> dict[str, Any] | None:
    """Exit readiness per service: an approved plan, approved before go-live, tested in the last
    12 months, transition within the RTO; deletion certificates outstanding. None when empty."""
    from exit_plans.service import services
    from vendor_dd.board import in_use

    rows: list[dict[str, Any]] = []
    outstanding: list[dict[str, Any]] = []
    terminations = 0
    any_plan = False
    for svc, plan, term, sighting in services(session):
        if not in_use(svc, as_of):
            continue
        named = {"key": svc.key, "name": svc.name, "provider": svc.provider.legal_name, "material": svc.material}
        if term is not None and term.terminated_on <= as_of:
            terminations += 1
            issued = term.certificate_sha256 is not None and (
                term.certificate_issued_on is None or term.certificate_issued_on <= as_of)
            if not issued:
                outstanding.append({**named, "terminated_on": term.terminated_on.isoformat()})
            continue
        any_plan = any_plan or plan is not None
        in_force = plan is not None and (plan.approved_on is None or plan.approved_on <= as_of)
        if plan is None or not in_force:
            rows.append({**named, "plan": False, "approved_before_go_live": None, "tested_12m": None,
                         "last_test": None, "transition_hours": None, "rto_hours": svc.rto_hours, "fits_rto": None})
            continue
        p = facts.plan_facts(svc, plan, sighting, as_of)
        approved, live = p.get("plan.approved_on"), p.get("go_live")
        last_pass = p.get("test.last_passing_date")
        rto, trans = p.get("rto_hours"), p.get("transition_hours")
        tested = bool(last_pass and (as_of - date.fromisoformat(last_pass)).days <= 365)
        rows.append({
            **named, "plan": True,
            "approved_before_go_live": None if not (approved and live) else approved <= live,
            "tested_12m": tested, "last_test": p.get("test.last_date"),
            "transition_hours": trans, "rto_hours": rto,
            "fits_rto": None if trans is None or rto is None else trans <= rto,
        })
    if not any_plan and not terminations:
        return None
    plans = [x for x in rows if x["plan"]]
    return {
        "as_of": as_of.isoformat(),
        "services": rows,
        "with_plan": len(plans),
        "without_plan": [x for x in rows if not x["plan"]],
        "approved_before_go_live": sum(1 for x in plans if x["approved_before_go_live"]),
        "tested_12m": sum(1 for x in plans if x["tested_12m"]),
        "fits_rto": sum(1 for x in plans if x["fits_rto"]),
        "over_rto": [x for x in plans if x["fits_rto"] is False],
        "certificates_outstanding": outstanding,
        "terminations": terminations,
    }
