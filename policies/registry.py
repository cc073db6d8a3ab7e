"""Policy metadata (policies/<area>.yaml) bound to predicates (policies/<module>.py).

Validated at load: ids begin with their area and are unique, severities and kinds are known,
every control reference exists in the catalogue, every predicate exists. The reverse index
(control → policies) is computed here, never maintained by hand.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from policies.catalogue import SCOPES, Catalogue, load_catalogue
from scanner.docfile import yaml_load
from scanner.errors import ConfigError
from scanner.model import Severity

__all__ = ["Policy", "PolicySet", "Reads", "load_policies", "POLICY_FILES_DIR"]

POLICY_FILES_DIR = Path(__file__).resolve().parent
_NOT_POLICY_FILES = {"defaults.yaml"}
#: an area whose module name would shadow the standard library
_MODULE_FOR_AREA = {"logging": "logs"}


@dataclass(frozen=True)
class Reads:
    """What a predicate reads besides the policy's own kinds, so a live scan collects only
    that (scanner/connectors/aws/plan.py): ``kinds``, the other kinds it consults through
    edges or inventory lookups (a key's manager, a store's backups, an account's trails);
    ``fields``, the properties and relationship types it reads on any of them (globs such as
    ``encryption.*``), None for all. A policy that declares no ``reads:`` reads everything."""

    kinds: tuple[str, ...] = ()
    fields: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Policy:
    id: str
    area: str
    title_zh: str
    title_en: str
    severity: Severity
    kinds: tuple[str, ...]
    controls: tuple[str, ...]
    predicate: Callable[..., Any] = field(compare=False, repr=False)
    remediation_en: str = ""
    remediation_zh: str = ""
    description_en: str = ""
    params: Mapping[str, Any] = field(default_factory=dict, compare=False)
    replaces: str | None = None
    #: whom the cited article binds (policies.catalogue.SCOPES): for cloud resources the
    #: engine decides it from the register's account → service → materiality link; the
    #: register's own checks (vendor.*, exit.*) decide it from the service itself
    scope: str = "all"
    #: articles cited only where the resource's service is in a narrower scope, e.g. ETG
    #: 8.6.3.3 for material natural-person systems: {scope: (control ids)}
    scoped_controls: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    #: a higher severity where the resource's service is in a narrower scope, e.g. a CMK
    #: finding on a material natural-person system: {scope: Severity}; ``severity`` is the
    #: default. Unknown materiality takes the higher one (fail closed, like the citations):
    #: a --fail-on gate must not pass an account only because no service claims it.
    scoped_severity: Mapping[str, Severity] = field(default_factory=dict, compare=False)
    #: what the predicate reads (``reads:``); None: undeclared, everything (collection reads all)
    reads: Reads | None = field(default=None, compare=False)
    #: whether the engine looks up the resource's service to apply scope or citations:
    #: decided once here, read for every resource the policy meets
    account_scoped: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        scoped = bool(self.scope != "all" or self.scoped_controls or self.scoped_severity) and not (
            self.kinds and self.kinds[0].startswith(("vendor.", "exit."))
        )
        object.__setattr__(self, "account_scoped", scoped)

    def controls_for(self, scope: Any) -> tuple[str, ...]:
        """The articles a finding cites for a resource in ``scope`` (a materiality Scope): the
        policy's own, plus each narrower scope's that may bind it (unknown: cited, fail closed)."""
        extra = [c for s, ids in self.scoped_controls.items() if scope.in_scope(s) is not False for c in ids]
        return self.controls + tuple(extra) if extra else self.controls

    def severity_for(self, scope: Any) -> Severity:
        """The severity of a finding for a resource in ``scope`` (a materiality Scope): the
        highest of the default and each narrower scope's that binds or may bind it."""
        out = self.severity
        for s, sev in self.scoped_severity.items():
            if sev.rank > out.rank and scope.in_scope(s) is not False:
                out = sev
        return out

    @property
    def title(self) -> str:
        return self.title_en


class PolicySet:
    def __init__(self, policies: Iterable[Policy], catalogue: Catalogue) -> None:
        self._by_id = {p.id: p for p in policies}
        self.catalogue = catalogue
        by_kind: dict[str, list[Policy]] = defaultdict(list)
        for p in self._by_id.values():
            for k in p.kinds:
                by_kind[k].append(p)
        self.by_kind = dict(by_kind)

    def __iter__(self) -> Iterator[Policy]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, policy_id: str) -> bool:
        return policy_id in self._by_id

    def get(self, policy_id: str) -> Policy | None:
        return self._by_id.get(policy_id)

    def only(self, areas: set[str] | None) -> PolicySet:
        if not areas:
            return self
        return PolicySet([p for p in self if p.area in areas], self.catalogue)

    def controls_index(self) -> dict[str, list[str]]:
        """Control id → ids of the policies citing it (computed)."""
        idx: dict[str, list[str]] = defaultdict(list)
        for p in self:
            for c in (*p.controls, *(c for ids in p.scoped_controls.values() for c in ids)):
                idx[c].append(p.id)
        return dict(idx)


def _policy_files() -> list[Path]:
    return sorted(p for p in POLICY_FILES_DIR.glob("*.yaml") if p.name not in _NOT_POLICY_FILES)


def _load_area(path: Path, catalogue: Catalogue, known_kinds: set[str] | None) -> list[Policy]:
    try:
        doc = yaml_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: malformed policy YAML ({e})") from None
    area = doc["area"]
    module_name = doc.get("module") or f"policies.{_MODULE_FOR_AREA.get(area, area)}"
    module = importlib.import_module(module_name)
    out = []
    for entry in doc["policies"]:
        pid = entry["id"]
        if not pid.startswith(area + "."):
            raise ConfigError(f"{path}: policy id {pid!r} must begin with its area {area!r}")
        fn = getattr(module, entry["predicate"], None)
        if not callable(fn):
            raise ConfigError(f"{path}: policy {pid}: no predicate {entry['predicate']!r} in {module_name}")
        controls = tuple(entry.get("controls") or ())
        if not controls:
            raise ConfigError(f"{path}: policy {pid} cites no control")
        for c in controls:
            if c not in catalogue:
                raise ConfigError(f"{path}: policy {pid} cites unknown control {c}")
        if not isinstance(entry.get("severity"), str):
            raise ConfigError(f"{path}: policy {pid}: severity must be one value (the default); "
                              "give narrower scopes theirs under scoped_severity")
        try:
            severity = Severity.parse(entry["severity"])
            scoped_sev = {s: Severity.parse(str(v)) for s, v in (entry.get("scoped_severity") or {}).items()}
        except ValueError as e:
            raise ConfigError(f"{path}: policy {pid}: {e}") from None
        for s, sev in scoped_sev.items():
            if s == "all" or s not in SCOPES:
                raise ConfigError(f"{path}: policy {pid}: scoped_severity names {s!r}; use a narrower scope "
                                  f"({', '.join(x for x in SCOPES if x != 'all')}), severity is the default")
            if sev.rank <= severity.rank:
                raise ConfigError(f"{path}: policy {pid}: scoped_severity {s}: {sev.value} is not above the "
                                  f"default {severity.value}, so it would never apply")
        kinds = tuple(entry["kinds"])
        scope = entry.get("scope") or (entry.get("params") or {}).get("applies_to") or "all"
        scoped = {s: tuple(ids) for s, ids in (entry.get("scoped_controls") or {}).items()}
        for s in [scope, *scoped]:
            if s not in SCOPES:
                raise ConfigError(f"{path}: policy {pid}: unknown scope {s!r}; use one of {', '.join(SCOPES)}")
        for c in (c for ids in scoped.values() for c in ids):
            if c not in catalogue:
                raise ConfigError(f"{path}: policy {pid} cites unknown control {c}")
        if known_kinds is not None:
            for k in kinds:
                if k not in known_kinds:
                    raise ConfigError(f"{path}: policy {pid}: unknown resource kind {k!r}")
        reads = _reads(path, pid, entry.get("reads"), known_kinds)
        out.append(
            Policy(
                id=pid,
                area=area,
                title_zh=entry["title_zh"],
                title_en=entry["title_en"],
                severity=severity,
                kinds=kinds,
                controls=controls,
                predicate=fn,
                remediation_en=entry.get("remediation_en", ""),
                remediation_zh=entry.get("remediation_zh", ""),
                description_en=entry.get("description_en", ""),
                params=entry.get("params") or {},
                replaces=entry.get("replaces"),
                scope=scope,
                scoped_controls=scoped,
                scoped_severity=scoped_sev,
                reads=reads,
            )
        )
    return out


def _reads(path: Path, pid: str, spec: Any, known_kinds: set[str] | None) -> Reads | None:
    if spec is None:
        return None
    if not isinstance(spec, Mapping) or set(spec) - {"kinds", "fields"}:
        raise ConfigError(f"{path}: policy {pid}: reads: takes kinds: [...] and fields: [...] (omit fields for all)")
    kinds = tuple(spec.get("kinds") or ())
    if known_kinds is not None:
        for k in kinds:
            if k not in known_kinds:
                raise ConfigError(f"{path}: policy {pid}: reads: unknown resource kind {k!r}")
    fields = spec.get("fields")
    return Reads(kinds, tuple(fields) if fields is not None else None)


@dataclass(frozen=True)
class Area:
    """A policy area as its file declares it: titles, where the board report shows it
    (``posture``: a pass-rate row; ``governance``: a section of its own), default appetite."""

    name: str
    title_zh: str
    title_en: str
    board: str
    appetite: Mapping[str, Any]


_BOARD = ("posture", "governance")


@lru_cache(maxsize=1)
def load_areas() -> tuple[Area, ...]:
    """Every area, in the board report's order (each file's ``order``)."""
    out = []
    for path in _policy_files():
        try:
            doc = yaml_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            raise ConfigError(f"{path}: malformed policy YAML ({e})") from None
        missing = [k for k in ("area", "title_zh", "title_en", "board", "appetite") if not doc.get(k)]
        if missing:
            raise ConfigError(f"{path}: the area declares no {', '.join(missing)}")
        if doc["board"] not in _BOARD:
            raise ConfigError(f"{path}: board must be one of {', '.join(_BOARD)}")
        out.append((int(doc.get("order", 99)), Area(doc["area"], doc["title_zh"], doc["title_en"], doc["board"],
                                                    dict(doc["appetite"]))))
    return tuple(a for _, a in sorted(out, key=lambda x: (x[0], x[1].name)))


@lru_cache(maxsize=1)
def load_policies() -> PolicySet:
    from scanner.vocabulary import kinds

    catalogue = load_catalogue()
    known_kinds = set(kinds())
    policies: list[Policy] = []
    seen: dict[str, Path] = {}
    for path in _policy_files():
        for p in _load_area(path, catalogue, known_kinds):
            if p.id in seen:
                raise ConfigError(f"{path}: duplicate policy id {p.id} (also in {seen[p.id].name})")
            seen[p.id] = path
            policies.append(p)
    return PolicySet(policies, catalogue)
