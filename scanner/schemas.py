"""Schemas (pydantic) for the documents cloudgov reads back, and the one place that turns a
validation error into one sentence naming the file, the field and, for YAML, the line.

Strict types: ``true`` is not 1, ``"5"`` is not 5, NaN and infinities are not numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from scanner.errors import InputError

__all__ = [
    "Appetite", "FindingsDocument", "Source", "Entry", "validate", "first_error", "problem", "field_path", "yaml_line",
    "OptText", "ReqText", "Flag", "Amount", "WholeDays", "Day", "Texts", "one_of", "choice_of", "unique", "as_text", "as_texts",
    "as_flag", "as_amount", "as_whole", "as_date", "read_model", "validate_document",
]

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
    """The line (1-based) of the node at ``loc`` in a YAML (or JSON) text, or None.

    PyYAML's composer keeps every node's start mark; the text is composed again only when
    there is an error to place, so a valid document is parsed once."""
    import yaml

    try:
        node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if getattr(k, "value", None) == str(part)), None)
            if pair is None:
                break  # a missing field: the line of the mapping that lacks it
            key, node = pair
            # a scalar is placed by its key (an empty value's mark is on the next line)
            line = (key if isinstance(node, yaml.ScalarNode) else node).start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


class Source:
    """Where a document came from, so that an error names the file, the line and the field.

    ``text`` is the YAML/JSON text (lines found through its nodes); ``lines`` maps a field
    path's prefix to a line for documents built from other formats (a CSV row per service)."""

    def __init__(self, path: Path | str, text: str | None = None, lines: dict[tuple[Any, ...], int] | None = None):
        self.path, self.text, self.lines = str(path), text, lines

    def line(self, loc: tuple[Any, ...]) -> int | None:
        if self.lines is not None:
            for n in range(len(loc), -1, -1):
                if loc[:n] in self.lines:
                    return self.lines[loc[:n]]
            return None
        if self.text is None or not self.path.lower().endswith((".yaml", ".yml", ".json")):
            return None
        return yaml_line(self.text, loc)

    def where(self, loc: tuple[Any, ...]) -> str:
        """``file: line N: field`` (the parts that are known)."""
        line = self.line(loc)
        at = f" line {line}:" if line else ""
        return f"{self.path}:{at} {field_path(loc)}" if loc else f"{self.path}:{at}".rstrip(":")

    def error(self, loc: tuple[Any, ...], message: str) -> InputError:
        return InputError(f"{self.where(loc)}: {message}")


#: clearer words for pydantic's most common complaints
_PLAIN = {
    "missing": "required",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "extra_forbidden": "is not a field this document has",
    "finite_number": "must be a finite number",
    "date_type": "must be a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "must be a date (YYYY-MM-DD)",
}


def problem(err: Any) -> str:
    """One pydantic error (a dict of ``ValidationError.errors()``) as words, with what was found."""
    kind = err.get("type", "")
    msg = _PLAIN.get(kind) or str(err.get("msg", "invalid")).replace("Input should be", "must be")
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix):]  # our own validators say what they found
    got = err.get("input")
    shown = ""
    if kind not in ("missing", "extra_forbidden") and not isinstance(got, dict | list | tuple) and got is not None:
        shown = f" (found {got!r:.60})"
    return msg + shown


def first_error(e: ValidationError, source: Source, prefix: tuple[Any, ...] = ()) -> InputError:
    """The first problem of ``e`` as one sentence (and how many more there are)."""
    first = e.errors()[0]
    loc = prefix + tuple("schema" if p == "schema_" else p for p in (first.get("loc") or ()))
    more = f"; {e.error_count() - 1} more problem(s)" if e.error_count() > 1 else ""
    return source.error(loc, problem(first) + more)


def validate(model: type[M], data: Any, path: Path | str | Source, *, text: str | None = None) -> M:
    """``data`` as ``model``, or InputError: ``file: line N: field: what is wrong``."""
    source = path if isinstance(path, Source) else Source(path, text)
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise first_error(e, source) from None


# --- field types the registers, plans and waivers share ---------------------------------------
# Lenient where a spreadsheet or an unquoted YAML scalar is normal (``"4"`` hours from a CSV,
# an id written as a number), strict where a wrong reading would change a verdict (``true``
# is not 1 and not text, NaN and infinities are not numbers, a list is not text).


def _kind_of(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, dict):
        return "a mapping"
    return "a list" if isinstance(v, list) else type(v).__name__


def as_text(v: Any) -> str | None:
    """A scalar as stripped text (None when empty); a mapping, list or ``true`` is not text."""
    if v is None:
        return None
    if isinstance(v, bool | dict | list):
        raise ValueError(f"must be text, not {_kind_of(v)}")
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"must be text, not {v!r}")
    if isinstance(v, dt.date):
        v = v.isoformat()
    text = str(v).strip()
    return text or None


def _required_text(v: Any) -> str:
    text = as_text(v)
    if text is None:
        raise ValueError("required")
    return text


def as_flag(v: Any) -> bool | None:
    """true/false (also yes/no, y/n, 1/0 from a spreadsheet); empty or ``unknown`` is None."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, dict | list):
        raise ValueError(f"must be true, false or unknown, not {_kind_of(v)}")
    text = str(v).strip().lower()
    if text in ("true", "yes", "y", "1"):
        return True
    if text in ("false", "no", "n", "0"):
        return False
    if text in ("", "unknown"):
        return None
    raise ValueError(f"{v!r} is not true, false or unknown")


def as_amount(v: Any) -> float | None:
    """A finite, non-negative number (hours, days); a numeric text from a spreadsheet is read."""
    if v is None or v == "":
        return None
    if isinstance(v, bool | dict | list):
        raise ValueError(f"{_kind_of(v) if not isinstance(v, bool) else repr(v)} is not a number")
    try:
        n = float(v)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{v!r} is not a number") from None
    if not math.isfinite(n):
        raise ValueError(f"{v!r} is not a finite number")
    if n < 0:
        raise ValueError(f"{v!r} is negative")
    return n


def as_whole(v: Any) -> int | None:
    n = as_amount(v)
    if n is None:
        return None
    if n != int(n):
        raise ValueError(f"{v!r} is not a whole number of days")
    return int(n)


def as_date(v: Any) -> dt.date | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, bool | dict | list | float):
        raise ValueError(f"{v!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(str(v).strip())
    except ValueError:
        raise ValueError(f"{v!r} is not a date in the form YYYY-MM-DD") from None


def as_texts(v: Any) -> list[str] | None:
    """A list of text; one text with commas or semicolons is split (a spreadsheet cell)."""
    if v is None:
        return None
    if isinstance(v, str):
        return [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
    if not isinstance(v, list):
        raise ValueError(f"must be a list, not {_kind_of(v)}")
    out = []
    for i, x in enumerate(v):
        try:
            t = as_text(x)
        except ValueError as e:
            raise ValueError(f"entry {i}: {e}") from None
        if t is not None:
            out.append(t)
    return out


def one_of(allowed: Any, what: str) -> Any:
    """A before-validator: the text if it is one of ``allowed``, else the choices named."""

    def check(v: Any) -> str | None:
        text = as_text(v)
        if text is None:
            return None
        if text not in allowed:
            raise ValueError(f"unknown {what} {v!r} (use one of: {', '.join(allowed)})")
        return text

    return check


def choice_of(allowed: Any, what: str, *, required: bool = False) -> BeforeValidator:
    """:func:`one_of` as a field's validator (``Annotated[str, choice_of(KINDS, "test kind")]``)."""
    check = one_of(allowed, what)

    def required_check(v: Any) -> str:
        text = check(v)
        if text is None:
            raise ValueError("required")
        return text

    return BeforeValidator(required_check if required else check)


OptText = Annotated[str | None, BeforeValidator(as_text)]
ReqText = Annotated[str, BeforeValidator(_required_text)]
Flag = Annotated[bool | None, BeforeValidator(as_flag)]
Amount = Annotated[float | None, BeforeValidator(as_amount)]
WholeDays = Annotated[int | None, BeforeValidator(as_whole)]
Day = Annotated[dt.date | None, BeforeValidator(as_date)]
Texts = Annotated[list[str] | None, BeforeValidator(as_texts)]


def unique(items: list[Any], key: str, what: str = "id") -> list[Any]:
    """``items`` when no two share ``key``; else ValueError naming both entries."""
    seen: dict[Any, int] = {}
    for i, item in enumerate(items):
        k = getattr(item, key)
        if k in seen:
            raise ValueError(f"duplicate {what} {k!r} (entries {seen[k]} and {i})")
        seen[k] = i
    return items


class Entry(BaseModel):
    """A mapping in an imported document: unknown fields refused (a typo would otherwise be
    silently dropped), values read by the field types above."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)



class VersionedDocument(Entry):
    """A whole imported file that names its ``format`` and ``version`` (1): subclasses set
    ``FORMAT`` (the ``format`` field's default too) and ``LABEL`` ("a vendor register")."""

    FORMAT: ClassVar[str]
    LABEL: ClassVar[str]

    @field_validator("format", mode="before", check_fields=False)
    @classmethod
    def _format(cls, v: Any) -> Any:
        if v != cls.FORMAT:
            raise ValueError(f"format {v!r} is not {cls.FORMAT!r}")
        return v

    @field_validator("version", mode="before", check_fields=False)
    @classmethod
    def _version(cls, v: Any) -> Literal[1]:
        if v != 1 or isinstance(v, bool):
            raise ValueError(f"version {v!r} of {cls.LABEL} is not supported (this cloudgov reads 1)")
        return 1

def read_model(path: Path, model: type[M], *, what: str, list_key: str) -> M:
    """A YAML (or, for ``.json``, JSON) document read through the input layer and validated as
    ``model``; the model keeps its :class:`Source` (``_source``) for errors found later."""
    from scanner.docfile import parse_json, parse_yaml, read_text

    text = read_text(Path(path), what=what)
    doc = parse_json(text, path) if Path(path).suffix.lower() == ".json" else parse_yaml(text, path)
    return validate_document(model, doc, Source(path, text), what=what, list_key=list_key)


def validate_document(model: type[M], doc: Any, source: Source, *, what: str, list_key: str) -> M:
    if not isinstance(doc, dict):
        raise InputError(f"{source.path}: not {what} (expected a mapping with '{list_key}')")
    try:
        out = validate(model, doc, source)
    except RecursionError:
        raise InputError(f"{source.path}: the document refers to itself (a YAML alias loop)") from None
    if hasattr(out, "_source"):
        out._source = source
    return out
