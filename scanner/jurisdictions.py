"""Where a provider's location is, and whether an allow-list admits it (pure, data-driven).

The tables are ``policies/jurisdictions/<provider>.yaml``: regions with their country,
multi-regions and dual-regions with the countries (or member regions) they span, Spanner
instance configurations with their replica regions, canary regions that have no place of
their own, and the shape of a zone name (``zone_pattern``). Nothing is guessed from a name:
a location the table does not know, and that is not a zone of a region it knows, is
unknown (the caller reports ERROR with the reason).

Allow-list entries (``jurisdiction.allowed_regions`` / ``--allowed-regions``) may be:

* a region (``asia-east1``, ``ap-east-2``, ``taiwannorth``): the region and its zones;
* a zone (``asia-east1-b``): that zone only;
* a multi-region or dual-region (``us``, ``asia1``, ``nam3``): that location, and, for a
  dual-region or Spanner configuration, nothing wider; a dual-region is also admitted when
  every region it spans is admitted;
* a country (``TW``, any two-letter code a table uses): every location that lies wholly in
  the admitted countries, multi-regions included (``US`` admits the GCP ``US`` multi-region).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Jurisdictions", "AllowList"]


_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _country(location: str, code: Any) -> str:
    # YAML 1.1 reads a bare NO (Norway) as false: a table entry must be a two-letter string
    if not isinstance(code, str) or not _COUNTRY.match(code):
        raise ValueError(f"jurisdiction table: {location} has country {code!r}, not an ISO 3166 two-letter code")
    return code


class Jurisdictions:
    """Location → countries, from the per-provider tables (data with source and date)."""

    def __init__(self, tables: Mapping[str, Mapping[str, Any]]) -> None:
        self._regions: dict[str, dict[str, frozenset[str]]] = {}
        self._members: dict[str, dict[str, tuple[str, ...]]] = {}
        self._multi: dict[str, set[str]] = {}
        self._global: dict[str, set[str]] = {}
        self._unplaced: dict[str, dict[str, str]] = {}
        self._zone: dict[str, re.Pattern[str] | None] = {}
        self._spanner: dict[str, dict[str, tuple[str, ...]]] = {}
        self.sources: dict[str, dict[str, str]] = {}
        for provider, t in tables.items():
            regions: dict[str, frozenset[str]] = {}
            for name, entry in (t.get("regions") or {}).items():
                regions[name.lower()] = frozenset([_country(name, entry["country"])])
            members: dict[str, tuple[str, ...]] = {}
            multi: set[str] = set()
            for name, entry in (t.get("multi_regions") or {}).items():
                key = name.lower()
                multi.add(key)
                inside = tuple(r.lower() for r in entry.get("regions") or ())
                if inside:
                    members[key] = inside
                countries = entry.get("countries")
                if countries:
                    regions[key] = frozenset(_country(name, c) for c in countries)
                else:
                    regions[key] = self._union(regions, inside, key)
            spanner: dict[str, tuple[str, ...]] = {}
            for name, entry in (t.get("spanner_configs") or {}).items():
                key = name.lower()
                placed = tuple(r.lower() for role in ("read_write", "read_only", "witness") for r in entry.get(role) or ())
                spanner[key] = placed
                if key not in regions:  # a KMS key ring or an export may name the configuration itself
                    regions[key] = self._union(regions, placed, key)
                    members[key] = placed
                    multi.add(key)
            self._regions[provider] = regions
            self._members[provider] = members
            self._multi[provider] = multi
            self._spanner[provider] = spanner
            self._global[provider] = {g.lower() for g in t.get("global_locations") or ()}
            self._unplaced[provider] = {k.lower(): str(v) for k, v in (t.get("unplaced_locations") or {}).items()}
            pattern = t.get("zone_pattern")
            self._zone[provider] = re.compile(pattern) if pattern else None
            self.sources[provider] = {"source": t.get("source", ""), "as_of": str(t.get("as_of", ""))}

    @staticmethod
    def _union(regions: Mapping[str, frozenset[str]], inside: Iterable[str], name: str) -> frozenset[str]:
        out: set[str] = set()
        for r in inside:
            if r not in regions:
                raise ValueError(f"jurisdiction table: {name} lists {r!r}, which is not a region of the table")
            out |= regions[r]
        if not out:
            raise ValueError(f"jurisdiction table: {name} has neither countries nor regions")
        return frozenset(out)

    # --- shape ------------------------------------------------------------------------
    @staticmethod
    def _clean(location: str) -> str:
        return location.strip().lower().replace(" ", "")

    def is_global(self, provider: str, location: str) -> bool:
        return self._clean(location) in self._global.get(provider, ())

    def unplaced_reason(self, provider: str, location: str) -> str | None:
        """Why a known location has no country of its own (canary / EUAP regions)."""
        return self._unplaced.get(provider, {}).get(self._clean(location))

    def region_of_zone(self, provider: str, location: str | None) -> str | None:
        """``asia-east1-b`` → ``asia-east1`` when the table's zone pattern matches and the
        region is in the table; None otherwise (a region is not its own zone)."""
        if not location:
            return None
        pattern = self._zone.get(provider)
        m = pattern.match(self._clean(location)) if pattern else None
        if not m:
            return None
        region = m.group("region")
        return region if region in self._regions.get(provider, {}) else None

    def is_multi(self, provider: str, location: str | None) -> bool:
        """A multi-region, dual-region or multi-region Spanner configuration."""
        return bool(location) and self._clean(location or "") in self._multi.get(provider, ())

    def members(self, provider: str, location: str) -> tuple[str, ...]:
        """The regions a dual-region or Spanner configuration spans (empty when not listed)."""
        return self._members.get(provider, {}).get(self._clean(location), ())

    def spanner_regions(self, config: str) -> tuple[str, ...] | None:
        """Every region holding a replica (read-write, read-only, witness) of a Spanner config."""
        return self._spanner.get("gcp", {}).get(self._clean(config))

    def knows(self, provider: str, location: str) -> bool:
        loc = self._clean(location)
        return loc in self._regions.get(provider, {}) or self.region_of_zone(provider, loc) is not None

    def all_countries(self) -> frozenset[str]:
        return frozenset(c for regions in self._regions.values() for cs in regions.values() for c in cs)

    def countries(self, provider: str, location: str | None) -> frozenset[str] | None:
        if not location:
            return None
        loc = self._clean(location)
        regions = self._regions.get(provider)
        if regions is None:
            return None
        if loc in regions:
            return regions[loc]
        region = self.region_of_zone(provider, loc)
        return regions[region] if region else None


class AllowList:
    """``allowed_regions`` entries, classified once (see the module docstring)."""

    def __init__(self, entries: Iterable[str], jurisdictions: Jurisdictions) -> None:
        self.juris = jurisdictions
        self.entries = frozenset(Jurisdictions._clean(e) for e in entries if e.strip())
        known_countries = {c.lower() for c in jurisdictions.all_countries()}
        self.countries = frozenset(e.upper() for e in self.entries if len(e) == 2 and e in known_countries)
        self.locations = self.entries - {c.lower() for c in self.countries}

    def unknown_entries(self, providers: Iterable[str]) -> list[str]:
        """Entries that are no location of any table and no country: typos, never silently ignored."""
        provs = list(providers)
        return sorted(e for e in self.locations if not any(self.juris.knows(p, e) for p in provs))

    def admits(self, provider: str, location: str) -> tuple[bool | None, str]:
        loc = Jurisdictions._clean(location)  # "West US" is westus
        if loc in self.locations:
            return True, f"{location} is in the allowed regions"
        region = self.juris.region_of_zone(provider, loc)
        if region and region in self.locations:
            return True, f"{location} is a zone of {region}, an allowed region"
        members = self.juris.members(provider, loc)
        if members and all(self._member_admitted(provider, m) for m in members):
            return True, f"{location} spans {', '.join(members)}, all allowed"
        if self.countries:
            countries = self.juris.countries(provider, loc)
            if countries is None:
                why = self.juris.unplaced_reason(provider, loc)
                return None, why or f"{provider} location {location!r} is not in the jurisdiction table"
            if countries <= self.countries:
                return True, f"{location} is in {', '.join(sorted(countries))}, an allowed country"
        listed = ", ".join(sorted(self.entries))
        return False, f"{location} is not in the allowed regions ({listed})"

    def _member_admitted(self, provider: str, region: str) -> bool:
        if region in self.locations:
            return True
        countries = self.juris.countries(provider, region)
        return bool(self.countries and countries and countries <= self.countries)
