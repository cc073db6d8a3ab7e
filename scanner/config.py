"""Configuration: regulatory defaults (policies/defaults.yaml) overlaid by cloudgov.yaml.

Every default cites the article it comes from. A user file may override any value; an
unknown key or a wrong type is a ConfigError (one sentence, exit 2).
"""

from __future__ import annotations

import copy
import datetime as dt
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from scanner.docfile import parse_json, parse_yaml, read_text, yaml_load
from scanner.errors import ConfigError, InputError
from scanner.jurisdictions import AllowList, Jurisdictions
from scanner.model import Severity
from scanner.offshore import OffshoreRules, RegulatorApproval
from scanner.schemas import Source, first_error

__all__ = ["Config", "ConfigDocument", "LogClass", "Privileged", "Jurisdictions", "default_jurisdictions", "load_config", "DEFAULTS_PATH"]

_POLICIES_DIR = Path(__file__).resolve().parent.parent / "policies"
DEFAULTS_PATH = _POLICIES_DIR / "defaults.yaml"
JURISDICTIONS_DIR = _POLICIES_DIR / "jurisdictions"


@dataclass(frozen=True)
class LogClass:
    name: str
    min_days: int
    source: tuple[str, ...]
    title_en: str = ""
    title_zh: str = ""


@dataclass(frozen=True)
class Privileged:
    roles: Mapping[str, tuple[str, ...]]
    actions: Mapping[str, tuple[str, ...]]
    source: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _jurisdiction_tables() -> dict[str, Any]:
    tables = {}
    for f in sorted(JURISDICTIONS_DIR.glob("*.yaml")):
        t = yaml_load(f.read_text(encoding="utf-8"))
        tables[t["provider"]] = t
    return tables


@lru_cache(maxsize=1)
def default_jurisdictions() -> Jurisdictions:
    """The bundled tables (read once; connectors use them for multi-location shapes)."""
    return Jurisdictions(_jurisdiction_tables())


@dataclass(frozen=True)
class Config:
    fail_on: Severity
    allowed_countries: frozenset[str]
    allowed_regions: frozenset[str]
    jurisdiction_source: tuple[str, ...]
    log_class_tag: str
    default_log_class: str
    log_classes: Mapping[str, LogClass]
    log_class_rules: tuple[tuple[str, str], ...]
    unused_credentials_days: int
    break_glass_tag: str
    privileged: Privileged
    jurisdictions: Jurisdictions = field(compare=False, repr=False)
    firm_name: str = ""
    history_retention_days: int | None = None
    report_appetite: Mapping[str, Any] = field(default_factory=dict, compare=False)
    report_owners: Mapping[str, Any] = field(default_factory=dict, compare=False)  # policy id or area → owner, due
    report_dates: str = "roc"  # zh-TW board report dates: roc (民國) or iso
    source_file: str | None = None
    #: the vendor register file for materiality (cloudgov.yaml ``register:``; --register overrides)
    register: Path | None = None
    #: identity providers (ARN globs) declared to enforce MFA at sign-in (identity.mfa_enforcing_idps)
    mfa_enforcing_idps: tuple[str, ...] = ()
    #: ETG 8.6.3.3: material natural-person systems and the regulator's offshore approvals
    offshore: OffshoreRules = field(default_factory=OffshoreRules, compare=False)
    #: (provider, location) -> verdict; locations repeat across thousands of resources
    _location_cache: dict = field(default_factory=dict, compare=False, repr=False)

    def with_allowed_regions(self, text: str) -> Config:
        regions = frozenset(r.strip().lower() for r in text.split(",") if r.strip())
        if not regions:
            raise ConfigError("--allowed-regions: give at least one region, e.g. ap-east-2,taiwannorth")
        _check_allow_list("--allowed-regions", regions, self.jurisdictions)
        return replace(self, allowed_regions=regions, _location_cache={})

    @property
    def allow_list(self) -> AllowList:
        return AllowList(self.allowed_regions, self.jurisdictions)

    def location_allowed(self, provider: str, location: str | None) -> tuple[bool | None, str]:
        key = (provider, location)
        hit = self._location_cache.get(key)
        if hit is None:
            hit = self._location_cache[key] = self._location_allowed(provider, location)
        return hit

    def _location_allowed(self, provider: str, location: str | None) -> tuple[bool | None, str]:
        if not location:
            return None, "location unknown"
        loc = location.strip().lower()
        if self.allowed_regions:
            allow = self._location_cache.get("allow-list")
            if allow is None:
                allow = self._location_cache["allow-list"] = self.allow_list
            return allow.admits(provider, location)
        countries = self.jurisdictions.countries(provider, loc)
        if countries is None:
            if self.jurisdictions.is_global(provider, loc):
                return None, f"{location} is a global location with no country of its own"
            unplaced = self.jurisdictions.unplaced_reason(provider, loc)
            if unplaced:
                return None, f"{location}: {unplaced}"
            return None, f"{provider} location {location!r} is not in the jurisdiction table"
        outside = sorted(countries - self.allowed_countries)
        if outside:
            where = ", ".join(sorted(countries))
            return False, f"{location} is in {where}, outside {', '.join(sorted(self.allowed_countries))}"
        return True, f"{location} is in {', '.join(sorted(countries))}"

    def log_class_of(self, resource_id: str, name: str, tags: Mapping[str, str], declared: str | None) -> tuple[str, str]:
        """(class, how it was decided) for a log store."""
        if declared:
            return declared, "log_class property"
        for key in (self.log_class_tag, self.log_class_tag.replace(":", "-")):
            if key in tags:
                return tags[key], f"tag {key}"
        for pattern, cls in self.log_class_rules:
            if fnmatch.fnmatchcase(resource_id, pattern) or (name and fnmatch.fnmatchcase(name, pattern)):
                return cls, f"config rule {pattern}"
        return self.default_log_class, "assumed (no class tag or rule)"


#: sections whose keys are the user's to choose (validated where they are used)
_FREE_FORM = ("logging.classes.", "privileged.roles.", "privileged.actions.", "report.appetite.", "report.owners.")


# --- the schema of the merged configuration (defaults overlaid by cloudgov.yaml) -------------


class _Section(BaseModel):
    """Strict: ``true`` is not 1 day, ``"90"`` is not 90, 2.5 and .inf are not whole days."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


PositiveDays = Annotated[int, Field(gt=0, description="a positive whole number of days")]


def _strs(v: Any) -> Any:
    """One text or a list of texts (an account id written as a number is its text)."""
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    if isinstance(v, list) and all(isinstance(x, str) or (isinstance(x, int) and not isinstance(x, bool)) for x in v):
        return tuple(str(x) for x in v)
    raise ValueError("must be a text or a list of texts")


Strs = Annotated[tuple[str, ...], BeforeValidator(_strs)]


def _severity(v: Any) -> Any:
    if not isinstance(v, str):
        raise ValueError(f"must be a severity name (info, low, medium, high, critical), not {v!r:.40}")
    return Severity.parse(v)


class _FailOn(_Section):
    value: Annotated[Severity, BeforeValidator(_severity)]
    source: str = ""


class _Firm(_Section):
    name: str | None = None


class _History(_Section):
    retention_days: PositiveDays | None = None


class _Report(_Section):
    appetite: dict[str, Any] | None = None  # judged by scanner.report.appetite (keys of appetite.yaml)
    owners: dict[str, str | dict[str, Any]] | None = None
    dates: Literal["roc", "iso"] = "roc"


class _NaturalPersonSystems(_Section):
    tag: str | None = None
    accounts: Strs = ()


class _Approval(_Section):
    resources: Annotated[Strs, Field(min_length=1)]
    reference: Annotated[str, Field(min_length=1, description="the regulator's reference (文號)")]
    date: str | dt.date | None = None


class _Jurisdiction(_Section):
    allowed_countries: Strs
    allowed_regions: Strs = ()
    source: Strs = ()
    natural_person_systems: _NaturalPersonSystems | None = None
    regulator_approval_tag: str | None = None
    regulator_approvals: list[_Approval] | None = None


class _LogClass(_Section):
    min_days: PositiveDays
    source: Strs = ()
    title_en: str | None = None
    title_zh: str | None = None


class _Rule(_Section):
    match: str
    class_: str = Field(alias="class")


class _Logging(_Section):
    class_tag: str
    default_class: str
    classes: dict[str, _LogClass]
    rules: list[_Rule] | None = None


class _Identity(_Section):
    unused_credentials_days: PositiveDays
    unused_source: Strs = ()
    break_glass_tag: str
    mfa_enforcing_idps: Strs = ()


class _Privileged(_Section):
    source: Strs = ()
    roles: dict[str, Strs] | None = None
    actions: dict[str, Strs] | None = None


class ConfigDocument(_Section):
    """policies/defaults.yaml overlaid by cloudgov.yaml, as validated before anything reads it."""

    register_file: str | None = Field(default=None, alias="register")
    fail_on: _FailOn
    firm: _Firm
    history: _History
    report: _Report
    jurisdiction: _Jurisdiction
    logging: _Logging
    identity: _Identity
    privileged: _Privileged


def _check_allow_list(where: str, entries: frozenset[str], jurisdictions: Jurisdictions) -> None:
    """Every entry must be a location some table knows or a country a table uses: a typo
    would otherwise allow nothing (or, worse, silently nothing of what was meant)."""
    bad = AllowList(entries, jurisdictions).unknown_entries(jurisdictions.sources)
    if bad:
        raise ConfigError(f"{where}: {', '.join(bad)} is not a region, zone, multi-region or country "
                          "of any jurisdiction table (policies/jurisdictions/)")


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any], src: Source, path: tuple[str, ...] = ()) -> dict[str, Any]:
    out = copy.deepcopy(base)
    dotted = "".join(f"{p}." for p in path)
    for key, value in over.items():
        where = (*path, key)
        if key not in base and dotted not in _FREE_FORM:
            raise ConfigError(f"{src.where(where)}: unknown configuration key {'.'.join(map(str, where))!r}")
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            out[key] = _deep_merge(base[key], value, src, where)
        else:
            out[key] = value
    return out


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    return yaml_load(DEFAULTS_PATH.read_text(encoding="utf-8"))


def load_config(path: str | Path | None = None) -> Config:
    """Defaults overlaid by ``path`` (or ./cloudgov.yaml when it exists)."""
    raw = _defaults()
    source = None
    src = Source(DEFAULTS_PATH)
    if path is None and Path("cloudgov.yaml").is_file():
        path = Path("cloudgov.yaml")
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file")
        try:
            text = read_text(path, what="a configuration file")
            user = (parse_json(text, path) if path.suffix.lower() == ".json" else parse_yaml(text, path)) or {}
        except InputError as e:
            raise ConfigError(str(e)) from None
        src = Source(path, text)
        if not isinstance(user, Mapping):
            raise ConfigError(f"{src.where(())}: the configuration must be a mapping of settings")
        if "fail_on" in user and not isinstance(user["fail_on"], Mapping):
            user = {**user, "fail_on": {"value": user["fail_on"]}}
        raw = _deep_merge(raw, user, src)
        source = str(path)
    try:
        doc = ConfigDocument.model_validate(raw)
    except ValidationError as e:
        raise ConfigError(str(first_error(e, src))) from None
    except RecursionError:
        raise ConfigError(f"{src.path}: the configuration refers to itself (a YAML alias loop)") from None
    return _build(doc, source, src)


def _register_path(value: str | None, src: Source) -> Path | None:
    if value is None:
        return None
    if not value.strip():
        raise ConfigError(f"{src.where(('register',))}: register must name the vendor register file, e.g. vendors.yaml")
    path = Path(value)
    if not path.is_absolute() and src.path != str(DEFAULTS_PATH):
        path = Path(src.path).parent / path
    return path


def _build(doc: ConfigDocument, source: str | None, src: Source) -> Config:
    lg = doc.logging
    classes = {
        name: LogClass(name=name, min_days=c.min_days, source=c.source, title_en=c.title_en or name,
                       title_zh=c.title_zh or name)
        for name, c in lg.classes.items()
    }
    if lg.default_class not in classes:
        raise ConfigError(f"{src.where(('logging', 'default_class'))}: default log class {lg.default_class!r} is not defined")
    rules = []
    for i, rule in enumerate(lg.rules or ()):
        if rule.class_ not in classes:
            raise ConfigError(f"{src.where(('logging', 'rules', i, 'class'))}: log class rule {rule.match!r} "
                              f"names unknown class {rule.class_!r}")
        rules.append((rule.match, rule.class_))
    juris, ident, priv = doc.jurisdiction, doc.identity, doc.privileged
    jurisdictions = default_jurisdictions()
    allowed_regions = frozenset(r.lower() for r in juris.allowed_regions)
    try:
        _check_allow_list("jurisdiction.allowed_regions", allowed_regions, jurisdictions)
    except ConfigError as e:
        raise ConfigError(f"{src.where(('jurisdiction', 'allowed_regions'))}: {str(e).split(': ', 1)[1]}") from None
    nps = juris.natural_person_systems
    defaults = OffshoreRules()
    return Config(
        fail_on=doc.fail_on.value,
        allowed_countries=frozenset(c.upper() for c in juris.allowed_countries),
        allowed_regions=allowed_regions,
        jurisdiction_source=juris.source,
        log_class_tag=lg.class_tag,
        default_log_class=lg.default_class,
        log_classes=classes,
        log_class_rules=tuple(rules),
        unused_credentials_days=ident.unused_credentials_days,
        break_glass_tag=ident.break_glass_tag,
        mfa_enforcing_idps=ident.mfa_enforcing_idps,
        offshore=OffshoreRules(
            scope_tag=(nps.tag if nps else None) or defaults.scope_tag,
            scope_accounts=frozenset(nps.accounts if nps else ()),
            approval_tag=juris.regulator_approval_tag or defaults.approval_tag,
            approvals=tuple(RegulatorApproval(a.resources, a.reference, str(a.date or ""))
                            for a in juris.regulator_approvals or ()),
        ),
        privileged=Privileged(
            roles=dict((priv.roles or {}).items()),
            actions=dict((priv.actions or {}).items()),
            source=priv.source,
        ),
        jurisdictions=jurisdictions,
        firm_name=doc.firm.name or "",
        history_retention_days=doc.history.retention_days,
        report_appetite=dict(doc.report.appetite or {}),
        report_owners=dict(doc.report.owners or {}),
        report_dates=doc.report.dates,
        source_file=source,
        register=_register_path(doc.register_file, src),
    )
