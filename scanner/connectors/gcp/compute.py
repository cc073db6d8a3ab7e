"""Compute Engine instances → ``compute.instance``, with whether VM Manager (OS Config) is
enabled for them (ETG 8.4.2). Pure, over Cloud Asset records.

Shapes: Compute Engine API v1 ``Instance`` (``status`` PROVISIONING / STAGING / RUNNING /
STOPPING / STOPPED / SUSPENDING / SUSPENDED / REPAIRING / TERMINATED — TERMINATED is a stopped
VM, a deleted one is no asset; ``metadata.items[{key, value}]``) and ``Project``
(``commonInstanceMetadata``, the project-wide metadata every instance inherits). VM Manager
is enabled by the metadata key ``enable-osconfig`` = TRUE, on the instance or the project; the
instance's own value wins (VM Manager docs, *Set up VM Manager*). The agent's own reports (OS
inventory) are not read: enabled is taken as managed, and the detail says which was read.
"""

from __future__ import annotations

from typing import Any

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.context import Context
from scanner.connectors.gcp.locations import location_from_name, normalize_location
from scanner.inventory import Inventory
from scanner.model import Kind

__all__ = ["instance", "INSTANCE", "COMPUTE_PROJECT", "STATUS"]

INSTANCE = "compute.googleapis.com/Instance"
COMPUTE_PROJECT = "compute.googleapis.com/Project"
KEY = "enable-osconfig"

#: Instance.status → canonical ``state``
STATUS = {"PROVISIONING": "running", "STAGING": "running", "RUNNING": "running", "REPAIRING": "running",
          "STOPPING": "stopped", "STOPPED": "stopped", "SUSPENDING": "stopped", "SUSPENDED": "stopped",
          "TERMINATED": "stopped"}


def _setting(metadata: Any) -> bool | None:
    """``enable-osconfig`` in a metadata block: True / False, or None when the key is absent."""
    for item in (metadata or {}).get("items") or []:
        if isinstance(item, dict) and str(item.get("key", "")).lower() == KEY:
            return str(item.get("value", "")).strip().lower() in ("true", "1", "yes", "y")
    return None


def _project_metadata(ctx: Context, project_id: str) -> tuple[bool, bool | None]:
    """(the project's compute metadata was read, its ``enable-osconfig``)."""
    for rec in ctx.by_type.get(COMPUTE_PROJECT, []):
        if ctx.project_of(rec) == project_id and rec.data is not None and rec.deep:
            return True, _setting(rec.data.get("commonInstanceMetadata"))
    return False, None


def _managed(rec: AssetRecord, ctx: Context, project_id: str) -> dict[str, Any]:
    d = rec.data or {}
    if not rec.deep:  # a full resource without ``metadata`` has none of its own
        return {"managed.unread": "the instance's metadata was not read (a search result carries none)"}
    own = _setting(d.get("metadata"))
    where = "the instance's metadata"
    if own is None:
        read, own = _project_metadata(ctx, project_id)
        if not read:
            return {"managed.unread": f"the instance sets no {KEY} and the project's metadata "
                                      "(commonInstanceMetadata) was not read"}
        where = "the project's metadata"
        if own is None:
            return {"managed.agent": False, "managed.detail": f"{KEY} set neither on the instance nor the project"}
    if own:
        return {"managed.agent": True, "managed.by": "osconfig", "managed.detail": f"{KEY} TRUE in {where}"}
    return {"managed.agent": False, "managed.detail": f"{KEY} FALSE in {where}"}


def instance(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    from scanner.connectors.gcp.resources import emit

    d = rec.data or {}
    zone = normalize_location(rec.location) or location_from_name(rec.name)
    project_id = ctx.account_of(rec)
    props: dict[str, Any] = {"state": STATUS.get(str(d.get("status") or "").upper()), **_managed(rec, ctx, project_id)}
    emit(inv, ctx, rec, Kind.COMPUTE, zone, props)
