"""Import of exit plans from YAML / JSON (``cloudgov.exit-plans`` v1).

An upsert in one transaction: the plan of each named service is created or updated, tests
are matched by (date, kind); nothing absent from the file is deleted, and the same file
imported twice changes nothing. Any malformed value is refused with one sentence naming
where it is, and nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from exit_plans.models import ExitPlan, ExitTest
from exit_plans.schema import FORMAT, PlanDoc, PlansDocument, TestDoc, duration_hours
from exit_plans.service import plan_for
from scanner.errors import InputError
from scanner.records.changelog import Who, record
from scanner.records.imports import ImportReport
from scanner.schemas import Source, read_model, validate_document
from vendor_dd.register import find_service

__all__ = ["FORMAT", "ImportReport", "PlansDocument", "read_document", "import_document", "parse_duration_hours"]


def parse_duration_hours(value: object, where: str) -> float | None:
    """``36``, ``"36h"``, ``"5d"``, ``"2w"`` → hours; a bare number means hours."""
    try:
        return duration_hours(value)
    except ValueError as e:
        raise InputError(f"{where}: {e}") from None


def read_document(path: Path) -> PlansDocument:
    """The plans document from a .yaml/.yml/.json file, validated."""
    return read_model(path, PlansDocument, what="an exit-plans file", list_key="plans")


def _plan_values(e: PlanDoc) -> dict[str, Any]:
    pb = e.playbooks
    return {
        "version": e.version,
        "approved_on": e.approved_on,
        "approved_by": e.approved_by,
        "go_live": e.go_live,
        "strategy": e.strategy,
        "target": e.target,
        "triggers": e.triggers,
        "stressed_playbook": pb.stressed.as_dict() if pb and pb.stressed else None,
        "planned_playbook": pb.planned.as_dict() if pb and pb.planned else None,
        "transition_hours": e.transition,
        "export_formats": e.export_formats,
        "dependencies": e.dependencies,
        "roles": [{"role": r.role, "who": r.who} for r in e.roles or []],
        "success_criteria": e.success_criteria,
        "next_test_due": e.next_test_due,
        "notes": e.notes,
    }


def _test_values(t: TestDoc) -> dict[str, Any]:
    return {"tested_on": t.date, "kind": t.kind, "result": t.result, "scenario": t.scenario, "evidence": t.evidence,
            "notes": t.notes}


def import_document(session: Session, who: Who, doc: PlansDocument | dict[str, Any], *, source: str = "") -> ImportReport:
    """Upsert every plan in ``doc`` (a validated document, or a mapping validated here); one
    change-log record per created or updated plan."""
    if not isinstance(doc, PlansDocument):
        doc = validate_document(PlansDocument, doc, Source(source or "the plans"), what="an exit-plans file",
                                list_key="plans")
    report = ImportReport(subject="the plans")
    parsed = []
    for i, e in enumerate(doc.plans):  # every service found before anything is written
        try:
            svc = find_service(session, e.service)
        except InputError as err:
            raise _located(doc.source, ("plans", i, "service"), err) from None
        parsed.append((e.service, svc, _plan_values(e), [_test_values(t) for t in e.tests or []]))
    for key, svc, values, tests in parsed:
        plan = plan_for(session, svc)
        created = plan is None
        changed: dict[str, Any] = {}
        if plan is None:
            plan = ExitPlan(service=svc, **values)
            session.add(plan)
        else:
            for k, v in values.items():
                if getattr(plan, k) != v:
                    changed[k] = [getattr(plan, k), v]
                    setattr(plan, k, v)
        existing = {(t.tested_on, t.kind): t for t in plan.tests}
        for tv in tests:
            old = existing.get((tv["tested_on"], tv["kind"]))
            if old is None:
                plan.tests.append(ExitTest(**tv))
                changed.setdefault("tests_added", []).append(f"{tv['tested_on']} {tv['kind']}")
            else:
                diff = {k: v for k, v in tv.items() if getattr(old, k) != v}
                for k, v in diff.items():
                    setattr(old, k, v)
                if diff:
                    changed.setdefault("tests_updated", []).append(f"{tv['tested_on']} {tv['kind']}")
        if created:
            report.created.append(f"exit plan {key}")
            record(session, who, "create", "exit_plan", key, version=values["version"], source=source,
                   tests=len(tests))
        elif changed:
            report.updated.append(f"exit plan {key}")
            record(session, who, "update", "exit_plan", key, source=source, **changed)
    session.flush()
    return report


def _located(src: Source, loc: tuple[Any, ...], e: InputError) -> InputError:
    line = src.line(loc)
    return InputError(f"{src.where(loc)}: {e}") if line else InputError(f"{src.path}: {e}")
