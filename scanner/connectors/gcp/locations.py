"""GCP location strings and resource-name plumbing (pure).

Which country a location is in is data (``policies/jurisdictions/gcp.yaml``); this module
only knows the *shape* of locations (a zone belongs to a region; which names are multi- or
dual-regions is the table's) and how Google spells the same key or disk in different APIs.
"""

from __future__ import annotations

import re

__all__ = [
    "normalize_location",
    "zone_region",
    "is_multi_location",
    "location_from_name",
    "project_from_name",
    "kms_key_resource",
    "kms_key_name",
    "self_link_to_resource",
    "cloudsql_default_backup_location",
    "spanner_config_location",
]

_ZONE_RE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
_KMS_KEY_RE = re.compile(r"(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+)")


def normalize_location(location: str | None) -> str | None:
    """The location as the API gave it, lower-cased (``ASIA`` → ``asia``); None when empty."""
    if not location:
        return None
    loc = str(location).strip().lower()
    return loc or None


def zone_region(location: str | None) -> str | None:
    """``asia-east1-b`` → ``asia-east1``; a region stays itself; anything else → None."""
    loc = normalize_location(location)
    if loc is None:
        return None
    m = _ZONE_RE.match(loc)
    return m.group(1) if m else loc


def is_multi_location(location: str | None) -> bool:
    """Multi-region or predefined dual-region (or multi-region Spanner configuration): data
    is replicated to more than one region. Which locations these are is the jurisdiction
    table's (policies/jurisdictions/gcp.yaml), not a list kept here."""
    from scanner.config import default_jurisdictions

    return default_jurisdictions().is_multi("gcp", normalize_location(location))


def location_from_name(name: str) -> str | None:
    """The ``locations/<x>`` or ``zones/<x>`` or ``regions/<x>`` segment of a resource name."""
    m = re.search(r"/(?:locations|zones|regions)/([^/]+)", name)
    return normalize_location(m.group(1)) if m else None


def project_from_name(name: str) -> str | None:
    """The ``projects/<x>`` segment (an id or a number; ``_`` means none)."""
    m = re.search(r"(?:^|/)projects/([^/]+)", name)
    if not m or m.group(1) == "_":
        return None
    return m.group(1)


def kms_key_name(ref: str | None) -> str | None:
    """A CryptoKey's short name from any reference to it or to one of its versions."""
    if not ref:
        return None
    m = _KMS_KEY_RE.search(str(ref))
    return m.group(1) if m else None


def kms_key_resource(ref: str | None) -> str | None:
    """The Cloud Asset full resource name of the CryptoKey a reference points at."""
    short = kms_key_name(ref)
    return f"//cloudkms.googleapis.com/{short}" if short else None


_SERVICE_HOSTS = {"compute": "compute.googleapis.com", "sql": "sqladmin.googleapis.com"}


def self_link_to_resource(link: str | None, service: str = "compute") -> str | None:
    """``https://www.googleapis.com/compute/v1/projects/p/zones/z/disks/d`` →
    ``//compute.googleapis.com/projects/p/zones/z/disks/d``."""
    if not link:
        return None
    m = re.search(r"(projects/.+)$", str(link))
    if not m:
        return None
    return f"//{_SERVICE_HOSTS.get(service, service)}/{m.group(1)}"


def cloudsql_default_backup_location(region: str | None) -> str | None:
    """Where Cloud SQL keeps automated backups when no location is set: "the multi-region
    that is geographically closest to the instance" (Cloud SQL docs, backups). Only the
    areas Google names unambiguously are mapped; elsewhere the answer is unknown (None)."""
    loc = zone_region(region)
    if not loc:
        return None
    area = loc.split("-", 1)[0]
    if area in ("asia", "australia"):
        return "asia"
    if area == "europe":
        return "eu"
    if area in ("us", "northamerica", "southamerica"):
        return "us"
    return None


def spanner_config_location(config: str | None) -> tuple[str | None, bool | None]:
    """(location, multi-region?) of a Spanner instance config such as
    ``projects/p/instanceConfigs/regional-asia-east1`` or ``…/instanceConfigs/asia1``."""
    if not config:
        return None, None
    last = str(config).rstrip("/").rsplit("/", 1)[-1].lower()
    if last.startswith("regional-"):
        return last[len("regional-") :], False
    if last.startswith("custom-"):
        # a user configuration adds read-only replicas to its base wherever the customer
        # chose: its name says nothing reliable about where the data is
        return None, None
    return last, True
