"""Which service of the register a cloud account belongs to, and how material (重大性) it is.

Many ETG items bind only material outsourcing (涉及重大性之雲端委外作業: 6.3, 8.7, 9.2) or
material natural-person customer systems (重大性自然人客戶業務資訊系統: 7.2, 8.6.3.3). The
vendor register links each service to the accounts / subscriptions / projects it runs in
(``scopes``) and records its materiality decision, so a finding on a resource can know the
materiality of the service the resource belongs to.

Unknown is kept apart from "not material": an account no service claims, a service whose
materiality was never assessed, or a scan given no register at all, are all *unknown*, and a
policy scoped to material services still judges such resources (fail closed), saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Scope", "Materiality", "SCOPES", "load_register_scopes"]

#: broader first: all cloud use, material outsourcing, material natural-person systems
SCOPES = ("all", "material", "material_natural_person")


@dataclass(frozen=True)
class Scope:
    """The register's view of one cloud account (provider, account)."""

    #: the services that claim the account ("provider/service"); empty: none does
    services: tuple[str, ...] = ()
    #: True if any claiming service is material; False if all are assessed not material;
    #: None if unknown (unclaimed, unassessed, or no register given)
    material: bool | None = None
    #: the same for natural-person customer data (自然人客戶資料)
    natural_person: bool | None = None
    #: why it is unknown, for the finding's evidence
    note: str = ""

    def in_scope(self, scope: str) -> bool | None:
        """Whether an article of ``scope`` binds this account: True, False, or None (unknown)."""
        if scope == "all":
            return True
        if self.material is False:
            return False
        if scope == "material_natural_person":
            if self.natural_person is False:
                return False
            if self.material is None or self.natural_person is None:
                return None
            return True
        return None if self.material is None else True

    def evidence(self) -> dict[str, Any]:
        out: dict[str, Any] = {"services": list(self.services), "material": self.material,
                               "natural_person_data": self.natural_person}
        if self.note:
            out["note"] = self.note
        return out

    def describe(self, scope: str) -> str:
        """One sentence on why ``scope`` does not bind the account (for NOT_APPLICABLE)."""
        names = ", ".join(self.services)
        if self.material is False:
            return f"the article binds material outsourcing (重大性) only; {names} is assessed not material"
        return f"the article binds material natural-person customer systems only; {names} holds no natural-person data"


def _tri(values: list[bool | None]) -> bool | None:
    if any(v is True for v in values):
        return True
    if values and all(v is False for v in values):
        return False
    return None


class Materiality:
    """(provider, account) → :class:`Scope`, from the register's service scopes."""

    def __init__(self, claims: dict[tuple[str, str], list[tuple[str, bool | None, bool | None]]] | None = None,
                 *, source: str = "") -> None:
        self._claims = claims
        self.source = source
        self._cache: dict[tuple[str, str], Scope] = {}

    @classmethod
    def unknown(cls) -> Materiality:
        """No register given: every account's materiality is unknown."""
        return cls(None)

    def of(self, provider: str, account: str) -> Scope:
        key = (provider, str(account))
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self._scope(key)
        return hit

    def _scope(self, key: tuple[str, str]) -> Scope:
        if self._claims is None:
            return Scope(note="no vendor register was given (--register), so the service's materiality is unknown")
        claims = self._claims.get(key)
        if not claims:
            return Scope(note=f"no service in the register claims {key[0]}:{key[1]}: materiality unknown")
        material = _tri([m for _, m, _ in claims])
        natural = _tri([n for _, m, n in claims if m is not False]) if material is not False else None
        note = ""
        if material is None:
            note = "materiality (重大性) of " + ", ".join(s for s, m, _ in claims if m is None) + " was never assessed"
        return Scope(tuple(s for s, _, _ in claims), material, natural, note)


def load_register_scopes(path: Path) -> Materiality:
    """Read a register document (``cloudgov.vendors`` YAML/JSON/CSV, as ``cloudgov vendor
    import`` takes, validated by its schema) for its services' scopes and materiality."""
    from vendor_dd.importer import read_document

    doc = read_document(Path(path))
    claims: dict[tuple[str, str], list[tuple[str, bool | None, bool | None]]] = {}
    for p in doc.providers:
        for s in p.services:
            material = s.materiality.material if s.materiality else None
            for sc in s.scopes or ():
                claims.setdefault((sc.provider, sc.account), []).append((f"{p.id}/{s.id}", material,
                                                                         s.natural_person_data))
    return Materiality(claims, source=str(path))
