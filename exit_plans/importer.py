"""Import of exit plans from YAML / JSON (``cloudgov.exit-plans`` v1).

An upsert in one transaction: the plan of each named service is created or updated, tests
are matched by (date, kind); nothing absent from the file is deleted, and the same file
imported twice changes nothing. Any malformed value is refused with one sentence naming
where it is, and nothing is written.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from exit_plans.models import ExitPlan, ExitTest
from exit_plans.service import plan_for
from exit_plans.vocab import SCENARIOS, STRATEGIES, TEST_KINDS, TEST_RESULTS
from scanner.docfile import read_versioned
from scanner.errors import InputError
from scanner.records.changelog import Who, record
from scanner.records.doc import Doc
from scanner.records.imports import ImportReport
from vendor_dd.register import find_service

__all__ = ["FORMAT", "ImportReport", "read_document", "import_document", "parse_duration_hours"]

FORMAT = "cloudgov.exit-plans"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|hours?|d|days?|w|weeks?)?\s*$", re.I)
_UNIT_HOURS = {"h": 1, "d": 24, "w": 168}


def parse_duration_hours(value: object, where: str) -> float | None:
    """``36``, ``"36h"``, ``"5d"``, ``"2w"`` → hours; a bare number means hours."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InputError(f"{where}: {value!r} is not a duration (e.g. 36h, 5d)")
    if isinstance(value, (int, float)):
        hours = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise InputError(f"{where}: {value!r} is not a duration (e.g. 36h, 5d)")
        hours = float(m[1]) * _UNIT_HOURS[(m[2] or "h")[0].lower()]
    if not math.isfinite(hours):
        raise InputError(f"{where}: {value!r} is not a finite duration")
    if hours < 0:
        raise InputError(f"{where}: {value!r} is negative")
    return hours


class _Entry(Doc):
    """vendor_dd's located document access, with the plan file's extra shapes."""

    def date(self, key: str, required: bool = False) -> date | None:  # type: ignore[override]
        d = super().date(key)
        if d is None and required:
            raise InputError(f"{self.where}.{key}: required")
        return d

    def texts(self, key: str) -> list[str]:
        v = self.data.get(key)
        if v is None:
            return []
        if isinstance(v, str):
            return [p.strip() for p in v.split(",") if p.strip()]
        if not isinstance(v, list) or any(isinstance(x, (dict, list)) for x in v):
            raise InputError(f"{self.where}.{key}: expected a list of text")
        return [str(x).strip() for x in v if str(x).strip()]

    def entries(self, key: str) -> list[_Entry]:
        v = self.data.get(key)
        if v is None:
            return []
        if not isinstance(v, list):
            raise InputError(f"{self.where}.{key}: expected a list, found {type(v).__name__}")
        return [_Entry(d, f"{self.where}.{key}[{i}]") for i, d in enumerate(v)]


def read_document(path: Path) -> dict[str, Any]:
    """The plans document from a .yaml/.yml/.json file."""
    return read_versioned(path, format=FORMAT, list_key="plans", what="an exit-plans file")


def _playbook(e: _Entry, key: str) -> dict[str, Any] | None:
    v = e.data.get(key)
    if v is None or v == "":
        return None
    if isinstance(v, str):
        return {"summary": v.strip()}
    pb = _Entry(v, f"{e.where}.{key}")
    out = {"summary": pb.text("summary", required=True), "document": pb.text("document"), "steps": pb.texts("steps")}
    return {k: val for k, val in out.items() if val}


def _roles(e: _Entry) -> list[dict[str, Any]]:
    out = []
    for r in e.entries("roles"):
        out.append({"role": r.text("role", required=True), "who": r.text("who", required=True)})
    return out


def _plan_values(e: _Entry) -> dict[str, Any]:
    playbooks = _Entry(e.data.get("playbooks") or {}, f"{e.where}.playbooks")
    transition = e.data.get("transition_time", e.data.get("transition_hours"))
    values = {
        "version": e.text("version"),
        "approved_on": e.date("approved_on"),
        "approved_by": e.text("approved_by"),
        "go_live": e.date("go_live"),
        "strategy": e.one_of("strategy", STRATEGIES, "exit strategy"),
        "target": e.text("target"),
        "triggers": e.texts("triggers"),
        "stressed_playbook": _playbook(playbooks, "stressed"),
        "planned_playbook": _playbook(playbooks, "planned"),
        "transition_hours": parse_duration_hours(transition, f"{e.where}.transition_time"),
        "export_formats": e.texts("export_formats"),
        "dependencies": e.texts("dependencies"),
        "roles": _roles(e),
        "success_criteria": e.texts("success_criteria"),
        "next_test_due": e.date("next_test_due"),
        "notes": e.text("notes"),
    }
    if values["approved_on"] and not values["approved_by"]:
        raise InputError(f"{e.where}.approved_by: an approved plan names its approver")
    return values


def _test_values(t: _Entry) -> dict[str, Any]:
    return {
        "tested_on": t.date("date", required=True),
        "kind": t.one_of("kind", TEST_KINDS, "test kind", required=True),
        "result": t.one_of("result", TEST_RESULTS, "test result", required=True),
        "scenario": t.one_of("scenario", SCENARIOS, "scenario"),
        "evidence": t.text("evidence"),
        "notes": t.text("notes"),
    }


def import_document(session: Session, who: Who, doc: dict[str, Any], *, source: str = "") -> ImportReport:
    """Upsert every plan in ``doc``; one change-log record per created or updated plan."""
    report = ImportReport(subject="the plans")
    entries = [_Entry(d, f"plans[{i}]") for i, d in enumerate(doc["plans"])]
    seen: dict[str, int] = {}
    parsed = []
    for i, e in enumerate(entries):  # validate everything before writing anything
        key = e.text("service", required=True)
        if key in seen:
            raise InputError(f"plans: service {key!r} has two plans (entries {seen[key]} and {i})")
        seen[key] = i
        svc = find_service(session, key)
        tests = [_test_values(t) for t in e.entries("tests")]
        keys = [(t["tested_on"], t["kind"]) for t in tests]
        if len(set(keys)) != len(keys):
            raise InputError(f"{e.where}.tests: the same test (date and kind) is listed twice")
        parsed.append((key, svc, _plan_values(e), tests))
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
