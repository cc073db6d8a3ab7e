"""Configuration: regulatory defaults (policies/defaults.yaml) overlaid by cloudgov.yaml.

Every default cites the article it comes from. A user file may override any value; an
unknown key or a wrong type is a ConfigError (one sentence, exit 2).
"""

from __future__ import annotations

import copy
import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.docfile import read_structured, yaml_load
from scanner.errors import ConfigError, InputError
from scanner.jurisdictions import AllowList, Jurisdictions
from scanner.model import Severity
from scanner.offshore import OffshoreRules, parse_offshore_rules

__all__ = ["Config", "LogClass", "Privileged", "Jurisdictions", "default_jurisdictions", "load_config", "DEFAULTS_PATH"]

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


def _check_allow_list(where: str, entries: frozenset[str], jurisdictions: Jurisdictions) -> None:
    """Every entry must be a location some table knows or a country a table uses: a typo
    would otherwise allow nothing (or, worse, silently nothing of what was meant)."""
    bad = AllowList(entries, jurisdictions).unknown_entries(jurisdictions.sources)
    if bad:
        raise ConfigError(f"{where}: {', '.join(bad)} is not a region, zone, multi-region or country "
                          "of any jurisdiction table (policies/jurisdictions/)")


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        where = f"{path}{key}"
        if key not in base and path not in _FREE_FORM:
            raise ConfigError(f"unknown configuration key {where!r}")
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            out[key] = _deep_merge(base[key], value, where + ".")
        else:
            out[key] = value
    return out


def _as_list(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    return yaml_load(DEFAULTS_PATH.read_text(encoding="utf-8"))


def load_config(path: str | Path | None = None) -> Config:
    """Defaults overlaid by ``path`` (or ./cloudgov.yaml when it exists)."""
    raw = _defaults()
    source = None
    if path is None and Path("cloudgov.yaml").is_file():
        path = Path("cloudgov.yaml")
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file")
        try:
            user = read_structured(path, what="a configuration file") or {}
        except InputError as e:
            raise ConfigError(str(e)) from None
        if not isinstance(user, Mapping):
            raise ConfigError(f"{path}: the configuration must be a mapping of settings")
        if "fail_on" in user and not isinstance(user["fail_on"], Mapping):
            user = {**user, "fail_on": {"value": user["fail_on"]}}
        raw = _deep_merge(raw, user)
        source = str(path)
    try:
        return _build(raw, source)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ConfigError(f"{path or DEFAULTS_PATH}: invalid configuration ({e})") from None


def _days(value: Any, where: str) -> int:
    """A positive whole number of days: not ``true`` (which int() reads as 1), not 2.5,
    not -5, not .inf."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{where} must be a positive whole number of days, not {value!r}")
    return value


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{where} must be text, not {type(value).__name__}")
    return value


def _build(raw: Mapping[str, Any], source: str | None) -> Config:
    lg = raw["logging"]
    classes = {
        name: LogClass(
            name=name,
            min_days=_days(c["min_days"], f"logging.classes.{name}.min_days"),
            source=_as_list(c.get("source")),
            title_en=c.get("title_en", name),
            title_zh=c.get("title_zh", name),
        )
        for name, c in lg["classes"].items()
    }
    default_class = lg["default_class"]
    if default_class not in classes:
        raise ValueError(f"default log class {default_class!r} is not defined")
    rules = []
    for rule in lg.get("rules") or ():
        if rule["class"] not in classes:
            raise ValueError(f"log class rule {rule['match']!r} names unknown class {rule['class']!r}")
        rules.append((str(rule["match"]), str(rule["class"])))
    priv = raw["privileged"]
    juris = raw["jurisdiction"]
    ident = raw["identity"]
    retention = raw["history"]["retention_days"]
    if retention is not None and (not isinstance(retention, int) or isinstance(retention, bool) or retention <= 0):
        raise ValueError(f"history.retention_days must be a positive number of days or null, not {retention!r}")
    appetite = raw["report"]["appetite"] or {}
    if not isinstance(appetite, Mapping):
        raise ValueError("report.appetite must be a mapping of thresholds")
    owners = raw["report"].get("owners") or {}
    if not isinstance(owners, Mapping):
        raise ValueError("report.owners must map policy ids or areas to an owner")
    dates = str(raw["report"].get("dates") or "roc")
    if dates not in ("roc", "iso"):
        raise ValueError(f"report.dates must be roc or iso, not {dates!r}")
    jurisdictions = default_jurisdictions()
    allowed_regions = frozenset(r.lower() for r in _as_list(juris.get("allowed_regions")))
    _check_allow_list("jurisdiction.allowed_regions", allowed_regions, jurisdictions)
    return Config(
        fail_on=Severity.parse(str(raw["fail_on"]["value"])),
        allowed_countries=frozenset(c.upper() for c in _as_list(juris["allowed_countries"])),
        allowed_regions=allowed_regions,
        jurisdiction_source=_as_list(juris.get("source")),
        log_class_tag=_text(lg["class_tag"], "logging.class_tag"),
        default_log_class=default_class,
        log_classes=classes,
        log_class_rules=tuple(rules),
        unused_credentials_days=_days(ident["unused_credentials_days"], "identity.unused_credentials_days"),
        break_glass_tag=_text(ident["break_glass_tag"], "identity.break_glass_tag"),
        mfa_enforcing_idps=_as_list(ident.get("mfa_enforcing_idps")),
        offshore=parse_offshore_rules(juris),
        privileged=Privileged(
            roles={p: _as_list(v) for p, v in (priv.get("roles") or {}).items()},
            actions={p: _as_list(v) for p, v in (priv.get("actions") or {}).items()},
            source=_as_list(priv.get("source")),
        ),
        jurisdictions=jurisdictions,
        firm_name=_text(raw["firm"]["name"], "firm.name"),
        history_retention_days=retention,
        report_appetite=dict(appetite),
        report_owners=dict(owners),
        report_dates=dates,
        source_file=source,
    )
