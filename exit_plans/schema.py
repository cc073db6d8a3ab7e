"""The schema (pydantic) of the exit-plans document, ``cloudgov.exit-plans`` v1: validated
whole before ``exit plan import`` writes anything; each problem one sentence naming the
file, the line and the field. Whether a plan's service is in the register is the
importer's to judge (only the database knows), with the same file, line and field.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, PrivateAttr, field_validator, model_validator

from exit_plans.vocab import SCENARIOS, STRATEGIES, TEST_KINDS, TEST_RESULTS
from scanner.schemas import Day, Entry, OptText, ReqText, Source, VersionedDocument, as_text, choice_of

__all__ = ["FORMAT", "PlansDocument", "PlanDoc", "TestDoc", "duration_hours"]

FORMAT = "cloudgov.exit-plans"

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|hours?|d|days?|w|weeks?)?\s*$", re.I)
_UNIT_HOURS = {"h": 1, "d": 24, "w": 168}


def duration_hours(value: Any) -> float | None:
    """``36``, ``"36h"``, ``"5d"``, ``"2w"`` → hours; a bare number means hours. ValueError
    for ``true``, text that is no duration, NaN, infinities and negative values."""
    if value is None or value == "":
        return None
    if isinstance(value, bool | dict | list):
        raise ValueError(f"{value!r} is not a duration (e.g. 36h, 5d)")
    if isinstance(value, int | float):
        hours = float(value)
    else:
        m = _DURATION.match(str(value))
        if not m:
            raise ValueError(f"{value!r} is not a duration (e.g. 36h, 5d)")
        hours = float(m[1]) * _UNIT_HOURS[(m[2] or "h")[0].lower()]
    if not math.isfinite(hours):
        raise ValueError(f"{value!r} is not a finite duration")
    if hours < 0:
        raise ValueError(f"{value!r} is negative")
    return hours


def _texts(v: Any) -> list[str]:
    """A list of text, or one text split at commas."""
    if v is None:
        return []
    if isinstance(v, str):
        return [p.strip() for p in v.split(",") if p.strip()]
    if not isinstance(v, list):
        raise ValueError("expected a list of text")
    out = []
    for x in v:
        if isinstance(x, bool | dict | list):
            raise ValueError("expected a list of text")
        t = as_text(x)
        if t:
            out.append(t)
    return out


Texts = Annotated[list[str], BeforeValidator(_texts)]
Hours = Annotated[float | None, BeforeValidator(duration_hours)]


class PlaybookDoc(Entry):
    summary: ReqText
    document: OptText = None
    steps: Texts = []

    def as_dict(self) -> dict[str, Any]:
        out = {"summary": self.summary, "document": self.document, "steps": self.steps}
        return {k: v for k, v in out.items() if v}


def _playbook(v: Any) -> Any:
    if v is None or v == "":
        return None
    return {"summary": v} if isinstance(v, str) else v


Playbook = Annotated[PlaybookDoc | None, BeforeValidator(_playbook)]


class PlaybooksDoc(Entry):
    stressed: Playbook = None
    planned: Playbook = None


class RoleDoc(Entry):
    role: ReqText
    who: ReqText


class TestDoc(Entry):
    __test__ = False  # not a pytest class

    date: Day
    kind: Annotated[str, choice_of(TEST_KINDS, "test kind", required=True)]
    result: Annotated[str, choice_of(TEST_RESULTS, "test result", required=True)]
    scenario: Annotated[str | None, choice_of(SCENARIOS, "scenario")] = None
    evidence: OptText = None
    notes: OptText = None

    @field_validator("date")
    @classmethod
    def _dated(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("required")
        return v


class PlanDoc(Entry):
    service: ReqText
    version: OptText = None
    approved_on: Day = None
    approved_by: OptText = None
    go_live: Day = None
    strategy: Annotated[str | None, choice_of(STRATEGIES, "exit strategy")] = None
    target: OptText = None
    triggers: Texts = []
    playbooks: PlaybooksDoc | None = None
    transition_time: Hours = None
    transition_hours: Hours = None  # the older name of transition_time
    export_formats: Texts = []
    dependencies: Texts = []
    roles: list[RoleDoc] | None = None
    success_criteria: Texts = []
    next_test_due: Day = None
    notes: OptText = None
    tests: list[TestDoc] | None = None

    @model_validator(mode="after")
    def _approver(self) -> PlanDoc:
        if self.approved_on and not self.approved_by:
            raise ValueError("approved_by: an approved plan names its approver")
        return self

    @field_validator("tests")
    @classmethod
    def _tests_once(cls, v: list[TestDoc] | None) -> list[TestDoc] | None:
        keys = [(t.date, t.kind) for t in v or []]
        if len(set(keys)) != len(keys):
            raise ValueError("the same test (date and kind) is listed twice")
        return v

    @property
    def transition(self) -> float | None:
        return self.transition_time if "transition_time" in self.model_fields_set else self.transition_hours


class PlansDocument(VersionedDocument):
    FORMAT = FORMAT
    LABEL = 'an exit-plans file'
    format: str = FORMAT
    version: Any = 1
    plans: list[PlanDoc]
    _source: Source = PrivateAttr(default_factory=lambda: Source("the plans"))

    @field_validator("plans")
    @classmethod
    def _one_plan_per_service(cls, v: list[PlanDoc]) -> list[PlanDoc]:
        seen: dict[str, int] = {}
        for i, p in enumerate(v):
            if p.service in seen:
                raise ValueError(f"service {p.service!r} has two plans (entries {seen[p.service]} and {i})")
            seen[p.service] = i
        return v

    @property
    def source(self) -> Source:
        return self._source
