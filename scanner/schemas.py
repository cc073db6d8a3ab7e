"""Schemas (pydantic) for the documents cloudgov reads back, and the one place that turns a
validation error into one sentence naming the file, the field and, for YAML, the line.

Strict types: ``true`` is not 1, ``"5"`` is not 5, NaN and infinities are not numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from scanner.errors import InputError

__all__ = ["Appetite", "FindingsDocument", "validate", "field_path", "yaml_line"]

M = TypeVar("M", bound=BaseModel)

Status = Literal["PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "WAIVED"]
SeverityName = Literal["info", "low", "medium", "high", "critical"]
Text = str


class _Open(BaseModel):
    """Known fields typed strictly; other fields kept (documents gain fields over versions)."""

    model_config = ConfigDict(strict=True, extra="allow", allow_inf_nan=False)


class ResourceRef(_Open):
    id: str = Field(min_length=1)
    provider: str | None = None
    account: str | None = None
    region: str | None = None
    kind: str | None = None
    name: str | None = None


class FindingEntry(_Open):
    id: str = Field(min_length=1)
    policy: str = Field(min_length=1)
    status: Status
    severity: SeverityName
    resource: ResourceRef
    message: str = ""
    area: str | None = None
    controls: list[str] = []
    waiver: dict[str, Any] | None = None


class PolicyEntry(_Open):
    id: str = Field(min_length=1)
    area: str | None = None
    severity: SeverityName | None = None


class AccountRef(_Open):
    provider: str
    account: str


class Scope(_Open):
    accounts: list[AccountRef] = []


class GapEntry(_Open):
    provider: str | None = None
    account: str | None = None
    region: str | None = None
    service: str | None = None
    kinds: list[str] = []
    code: str | None = None
    message: str | None = None


class FindingsDocument(_Open):
    """``findings.json`` (schema ``cloudgov.findings/1``): ``history import``, ``iac --baseline``."""

    schema_: Literal["cloudgov.findings/1"] = Field(alias="schema")
    evaluated_at: str = Field(min_length=1)

    @field_validator("evaluated_at")
    @classmethod
    def _timestamp(cls, v: str) -> str:
        import datetime as dt

        try:
            dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError("not an ISO 8601 timestamp") from None
        return v
    source: str = ""
    scope: Scope = Scope()
    policies: list[PolicyEntry] = []
    coverage_gaps: list[GapEntry] = []
    waiver_problems: list[str] = []
    findings: list[FindingEntry]


Share = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(gt=0)]


class _ShareOf(_Open):
    min_share: Share
    tolerance: Share = 0.0


class _Concentration(_Open):
    max_provider_share: Share
    max_region_share: Share
    tolerance: Share = 0.0


class _Ranking(_Open):
    severity: dict[SeverityName, Annotated[float, Field(gt=0)]] = {}
    materiality: dict[str, Annotated[float, Field(gt=0)]] = {}
    unknown_weight: Share = 0.5


class _HeatMap(_Open):
    impact: dict[SeverityName, Count]
    likelihood_bins: list[Count] = Field(min_length=1)
    persistent_periods: Count


class _AreaAppetite(_Open):
    min_pass_rate: Share
    tolerance: Share = 0.0


class Appetite(_Open):
    """The risk appetite (風險胃納) after merging defaults, cloudgov.yaml and ``--appetite``:
    shares and rates are fractions 0…1, counts positive whole numbers."""

    pass_rate_tolerance: Share = 0.0
    natural_person_data_in_taiwan: _ShareOf
    concentration: _Concentration
    waivers_expiring_days: Annotated[int, Field(ge=0)]
    heat_map: _HeatMap
    ranking: _Ranking = _Ranking()
    top_risks: Count
    trend_periods: Count
    areas: dict[str, _AreaAppetite] = {}


def field_path(loc: tuple[Any, ...]) -> str:
    """``('findings', 3, 'status')`` → ``findings[3].status``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "the document"


def yaml_line(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line (1-based) of the node at ``loc`` in a YAML text, or None."""
    import yaml

    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    line = None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if getattr(k, "value", None) == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
    if node is not None:
        line = node.start_mark.line + 1
    return line


def validate(model: type[M], data: Any, path: Path | str, *, text: str | None = None) -> M:
    """``data`` as ``model``, or InputError: ``file: line N: field: what is wrong``."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        loc = tuple(first.get("loc") or ())
        where = field_path(tuple("schema" if p == "schema_" else p for p in loc))
        line = yaml_line(text, loc) if text is not None and str(path).lower().endswith((".yaml", ".yml")) else None
        at = f" line {line}:" if line else ""
        got = first.get("input")
        shown = "" if isinstance(got, dict | list) or got is None else f" (found {got!r:.60})"
        more = f"; {e.error_count() - 1} more problem(s)" if e.error_count() > 1 else ""
        raise InputError(f"{path}:{at} {where}: {first.get('msg', 'invalid')}{shown}{more}") from None
