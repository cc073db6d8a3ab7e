"""Artifact Registry Docker repositories → ``compute.registry`` (ETG 8.4.1). Pure.

Only ``format: DOCKER`` repositories hold container images; the other formats (Maven, npm,
Python, apt …) are package stores, not image registries, and are not emitted. Tags are
immutable when ``dockerConfig.immutableTags`` is true; a whole record (``deep``: Cloud Asset's
RESOURCE content) that omits it has it false (proto3 JSON leaves false out), a partial one
(search results) leaves it unknown. Scanning is Artifact Analysis, read from
``vulnerabilityScanningConfig.enablementState``: SCANNING_ACTIVE scans images on push and keeps
rescanning them (continuous analysis); SCANNING_DISABLED and SCANNING_UNSUPPORTED do not scan.
"""

from __future__ import annotations

from typing import Any

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.context import Context
from scanner.connectors.gcp.locations import normalize_location
from scanner.connectors.gcp.resources import emit
from scanner.inventory import Inventory
from scanner.model import Kind

__all__ = ["repository", "REPOSITORY", "scanning_of"]

REPOSITORY = "artifactregistry.googleapis.com/Repository"


def scanning_of(config: Any) -> dict[str, Any]:
    """``vulnerabilityScanningConfig`` → the ``images.scan_*`` properties."""
    state = str((config or {}).get("enablementState") or "").upper() if isinstance(config, dict) else ""
    how = (config or {}).get("enablementConfig") if isinstance(config, dict) else None
    by = f"vulnerabilityScanningConfig {state}" + (f" ({how})" if how else "")
    if state == "SCANNING_ACTIVE":
        return {"images.scan_on_push": True, "images.scan_continuous": True, "images.scan_by": f"Artifact Analysis ({by})"}
    if state in ("SCANNING_DISABLED", "SCANNING_UNSUPPORTED"):
        reason = (config or {}).get("enablementStateReason")
        return {"images.scan_on_push": False, "images.scan_continuous": False,
                "images.scan_by": by + (f": {reason}" if reason else "")}
    return {"images.unread": "the repository's vulnerability scanning state (vulnerabilityScanningConfig.enablementState) "
                             "is not in the record"}


def repository(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    d = rec.data or {}
    fmt = str(d.get("format") or "").upper()
    if fmt != "DOCKER":
        return  # not an image registry (or a record without its format: nothing to judge it as)
    props: dict[str, Any] = {"format": fmt, "mode": d.get("mode"), "created": d.get("createTime")}
    immutable = (d.get("dockerConfig") or {}).get("immutableTags")
    if immutable is None and rec.deep:
        immutable = False  # the whole resource, and proto3 JSON omits a false field
    if immutable is not None:
        props["images.tags_immutable"] = bool(immutable)
        props["images.tags_immutable_by"] = "dockerConfig.immutableTags"
    props.update(scanning_of(d.get("vulnerabilityScanningConfig")))
    if immutable is None:
        props["images.unread"] = "; ".join(x for x in ("dockerConfig.immutableTags is not in the record",
                                                        props.get("images.unread")) if x)
    region = normalize_location(rec.location or (str(d.get("name") or "").split("/locations/")[-1].split("/")[0] or None))
    emit(inv, ctx, rec, Kind.REGISTRY, region, {k: v for k, v in props.items() if v is not None})
