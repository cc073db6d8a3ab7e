"""The schema (pydantic) of the register document, ``cloudgov.vendors`` v1, as YAML, JSON or
the per-service CSV sheet: everything ``vendor import`` reads is validated here before the
importer touches the database, and every problem is one sentence naming the file, the line
and the field (``vendors.yaml: line 31: providers[0].services[0].rto_hours: 'inf' is not a
finite number``).

What only the database can tell (a contract naming a service recorded by an earlier import,
an evidence file that is missing, a review completed with domains still pending) is judged
by the importer, which names the same file, line and field.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PrivateAttr, field_validator, model_validator

from scanner.schemas import (
    Amount,
    Day,
    Entry,
    Flag,
    OptText,
    ReqText,
    Source,
    Texts,
    VersionedDocument,
    WholeDays,
    as_text,
    choice_of,
    unique,
)
from vendor_dd.domains import (
    AUDIT_PARTIES,
    CLAUSE_STATUSES,
    CLAUSES,
    DEFAULT_CADENCE_DAYS,
    DOMAIN_RESULTS,
    REVIEW_DOMAINS,
    SERVICE_MODELS,
    SUBSTITUTABILITY,
)

__all__ = ["FORMAT", "RegisterDocument", "ProviderDoc", "ServiceDoc", "ContractDoc", "EvidenceDoc", "AuditDoc",
           "ReviewDoc"]

FORMAT = "cloudgov.vendors"


def _scalar_text(v: Any) -> str:
    text = as_text(v)
    return "" if text is None else text


class Materiality(Entry):
    """重大性: the firm's assessment of the service."""

    material: Flag = None
    criteria: Texts = None
    approved_by: OptText = None
    approved_on: Day = None


class ScopeDoc(Entry):
    """A cloud account, subscription or project the service runs in."""

    provider: Annotated[str, choice_of(("aws", "azure", "gcp"), "cloud", required=True)]
    account: ReqText


class Subcontractor(Entry):
    model_config = Entry.model_config | {"extra": "allow"}  # role, country, …: kept as text

    name: ReqText

    @model_validator(mode="before")
    @classmethod
    def _text_values(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for k, x in v.items():
                if k != "name":
                    try:
                        as_text(x)
                    except ValueError as e:
                        raise ValueError(f"{k}: {e}") from None
        return v

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, **{k: _scalar_text(v) for k, v in (self.model_extra or {}).items()}}


class ServiceDoc(Entry):
    id: ReqText
    name: OptText = None
    service_model: Annotated[str | None, choice_of(SERVICE_MODELS, "service model")] = None
    materiality: Materiality | None = None
    natural_person_data: Flag = None
    core_system: Flag = None
    rto_hours: Amount = None
    rpo_hours: Amount = None
    substitutability: Annotated[str | None, choice_of(SUBSTITUTABILITY, "substitutability")] = None
    declared_regions: Texts = None
    scopes: list[ScopeDoc] | None = None
    subcontractors: list[Subcontractor] | None = None
    next_review_override: Day = None
    review_cadence_days: WholeDays = None


class ClauseDoc(Entry):
    status: Annotated[str, choice_of(CLAUSE_STATUSES, "clause status", required=True)]
    section: OptText = None
    note: OptText = None


def _spec(key: str) -> Any:
    """A clause or domain given as its status alone (``data_location: present``)."""
    return lambda v: v if isinstance(v, dict) else {key: v}


class ContractDoc(Entry):
    id: ReqText
    title: OptText = None
    services: Texts = None
    signed: Day = None
    effective: Day = None
    expires: Day = None
    notice_period_days: WholeDays = None
    governing_law: OptText = None
    clauses: dict[str, Annotated[ClauseDoc, BeforeValidator(_spec("status"))]] | None = None

    @field_validator("clauses", mode="before")
    @classmethod
    def _known_clauses(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for name in v:
                if name not in CLAUSES:
                    raise ValueError(f"unknown contract clause {name!r} (use one of: {', '.join(CLAUSES)})")
        return v


class EvidenceDoc(Entry):
    file: ReqText
    kind: ReqText
    name: OptText = None
    service: OptText = None
    valid_from: Day = None
    valid_until: Day = None
    # written by ``vendor export`` for the reader; the store recomputes them
    revision: Any = None
    sha256: Any = None
    added_by: Any = None


class AuditFindingDoc(Entry):
    description: ReqText
    severity: OptText = None
    remediation_due: Day = None
    owner: OptText = None
    status: Annotated[str | None, choice_of(("open", "closed"), "finding status")] = None
    closed_on: Day = None


class AuditDoc(Entry):
    party: Annotated[str, choice_of(AUDIT_PARTIES, "audit party", required=True)]
    date: Annotated[Day, Field(description="the audit's date")]
    scope: OptText = None
    services: Texts = None
    report: OptText = None
    findings: list[AuditFindingDoc] | None = None

    @field_validator("date")
    @classmethod
    def _dated(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("required")
        return v


class DomainDoc(Entry):
    result: Annotated[str, choice_of(DOMAIN_RESULTS, "result", required=True)]
    finding: OptText = None
    evidence: OptText = None
    compensating: OptText = None


class ReviewDoc(Entry):
    service: ReqText
    started: Day
    completed: Day = None
    reviewer: OptText = None
    approver: OptText = None
    declared_regions: Texts = None
    notes: OptText = None
    domains: dict[str, Annotated[DomainDoc, BeforeValidator(_spec("result"))]] | None = None

    @field_validator("started")
    @classmethod
    def _dated(cls, v: Any) -> Any:
        if v is None:
            raise ValueError("required")
        return v

    @field_validator("domains", mode="before")
    @classmethod
    def _known_domains(cls, v: Any) -> Any:
        if isinstance(v, dict):
            for name in v:
                if name not in REVIEW_DOMAINS:
                    raise ValueError(f"unknown review domain {name!r} (use one of: {', '.join(REVIEW_DOMAINS)})")
        return v


def _country(v: Any) -> str | None:
    text = as_text(v)
    if text is None:
        return None
    if len(text) != 2 or not text.isalpha():
        raise ValueError(f"{text!r} is not a two-letter country code (TW, US, SG)")
    return text.upper()


def _identifiers(v: Any) -> dict[str, str]:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise ValueError("expected a mapping such as {tw_ubn: '12345678', lei: ...}")
    out = {}
    for k, x in v.items():
        try:
            out[str(k)] = _scalar_text(x)
        except ValueError as e:
            raise ValueError(f"{k}: {e}") from None
    return out


class ProviderDoc(Entry):
    id: ReqText
    legal_name: ReqText
    name_en: OptText = None
    identifiers: Annotated[dict[str, str], BeforeValidator(_identifiers)] = {}
    headquarters_country: Annotated[str | None, BeforeValidator(_country)] = None
    ultimate_parent: OptText = None
    certifications: Texts = None
    services: list[ServiceDoc] = []
    contracts: list[ContractDoc] = []
    evidence: list[EvidenceDoc] = []
    audits: list[AuditDoc] = []
    reviews: list[ReviewDoc] = []

    @field_validator("services", "contracts", "evidence", "audits", "reviews", mode="before")
    @classmethod
    def _none_is_empty(cls, v: Any) -> Any:
        return [] if v is None else v

    @field_validator("services", "contracts")
    @classmethod
    def _unique(cls, v: list[Any]) -> list[Any]:
        return unique(v, "id")


def _cadence(v: Any) -> Any:
    if v is None:
        return None
    if not isinstance(v, dict):
        raise ValueError("expected a mapping such as {material: 365}")
    for k, days in v.items():
        if k not in DEFAULT_CADENCE_DAYS:
            raise ValueError(f"unknown materiality class {k!r} (use one of: {', '.join(DEFAULT_CADENCE_DAYS)})")
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            raise ValueError(f"{k}: {days!r} is not a positive whole number of days")
    return v


class RegisterDocument(VersionedDocument):
    """The whole register file."""

    FORMAT = FORMAT
    LABEL = 'a vendor register'
    format: str = FORMAT
    version: Any = 1
    review_cadence_days: Annotated[dict[str, int] | None, BeforeValidator(_cadence)] = None
    providers: list[ProviderDoc]
    _source: Source = PrivateAttr(default_factory=lambda: Source("the register"))

    @field_validator("providers")
    @classmethod
    def _unique(cls, v: list[ProviderDoc]) -> list[ProviderDoc]:
        return unique(v, "id")

    @property
    def source(self) -> Source:
        return self._source
