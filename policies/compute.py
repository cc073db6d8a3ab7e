"""Compute and images (the ``compute`` area).

ETG 8.4.2 — 應確保採取適當措施管理使用中的虛擬機和容器: a VM in use is managed when a management
agent reports it to the cloud's management service (SSM, Azure Update Manager, OS Config); the
connectors read that as ``managed.agent``.

ETG 8.4.1 — 應確保採用可信任來源之映像檔，管理映像檔之完整性，並保留映像檔異動紀錄: an image
repository manages its images' integrity when a pushed tag cannot be moved to another image, and
checks what it receives when every pushed image is scanned for vulnerabilities (ETG 8.3.2).
Unknown settings are ERROR with the reason, never a pass."""

from __future__ import annotations

from typing import Any

from policies.base import Context, Outcome, failed, not_applicable, passed, unknown
from scanner.model import Kind, Resource

__all__ = ["instances_managed", "registry_tags_immutable", "registry_images_scanned"]


def instances_managed(r: Resource, ctx: Context) -> Outcome:
    state, agent = r.prop("state"), r.prop("managed.agent")
    detail = r.prop("managed.detail")
    evidence = {"state": state, "managed_agent": agent, "managed_by": r.prop("managed.by"),
                "last_seen": r.prop("managed.last_seen"), "detail": detail}
    if state == "stopped":
        return not_applicable("the VM is stopped, so not in use (ETG 8.4.2: VMs in use); it is judged when it runs",
                              **evidence)
    if agent is True:
        seen = f", last report {r.prop('managed.last_seen')}" if r.prop("managed.last_seen") else ""
        return passed(f"managed by {r.prop('managed.by')} ({detail}{seen})", **evidence)
    if agent is None:
        gaps = ctx.inventory.gaps_for(r.provider, r.account, Kind.COMPUTE, r.region)
        if gaps:
            g = gaps[0]
            return unknown(f"whether the VM is under a management service could not be read ({g.service}: {g.code})", **evidence)
        why = r.prop("managed.unread") or "the management state was not read"
        return unknown(f"whether the VM is under a management service is unknown: {why}", **evidence)
    if state is None:
        return unknown(f"the VM is under no management service ({detail}), but whether it is running (in use) could "
                       "not be read", **evidence)
    return failed(f"the VM in use is under no management service ({detail})", **evidence)


def _why_unknown(r: Resource, ctx: Context, what: str, evidence: dict[str, Any]) -> Outcome:
    """ERROR naming why: the coverage gap of the call that failed, else the connector's reason."""
    gaps = ctx.inventory.gaps_for(r.provider, r.account, Kind.REGISTRY, r.region)
    if gaps:
        g = gaps[0]
        return unknown(f"{what} could not be read ({g.service}: {g.code})", **evidence)
    reason = r.prop("images.unread")
    return unknown(f"{what} is unknown" + (f": {reason}" if reason else ""), unread=reason, **evidence)


def registry_tags_immutable(r: Resource, ctx: Context) -> Outcome:
    if r.prop("mode") in ("REMOTE_REPOSITORY", "VIRTUAL_REPOSITORY"):
        return not_applicable(f"a {str(r.prop('mode')).split('_')[0].lower()} repository serves other repositories' "
                              "images; nothing is pushed to it", mode=r.prop("mode"))
    state, by = r.prop("images.tags_immutable"), r.prop("images.tags_immutable_by")
    exclusions = [str(x) for x in r.prop("images.tag_exclusions") or []]
    evidence = {"tags_immutable": state, "by": by, "tag_exclusions": exclusions}
    if state is None:
        return _why_unknown(r, ctx, "whether the repository's tags are immutable", evidence)
    if state is False:
        only = f" (only tags matching {', '.join(exclusions)} are immutable)" if exclusions else ""
        return failed(f"tags can be overwritten: a pushed tag may be moved to another image{only}", **evidence)
    if exclusions:
        return failed(f"tags are immutable except those matching {', '.join(exclusions)}, which can be overwritten",
                      **evidence)
    return passed("tags are immutable" + (f" ({by})" if by else ""), **evidence)


def registry_images_scanned(r: Resource, ctx: Context) -> Outcome:
    on_push, continuous, by = r.prop("images.scan_on_push"), r.prop("images.scan_continuous"), r.prop("images.scan_by")
    evidence = {"scan_on_push": on_push, "scan_continuous": continuous, "scan_by": by,
                "scan_type": r.prop("images.scan_type")}
    how = [w for w, v in (("on push", on_push), ("continuously", continuous)) if v is True]
    if how:
        return passed(f"images are scanned {' and '.join(how)}" + (f" ({by})" if by else ""), **evidence)
    if on_push is False and continuous is False:
        return failed("images are not scanned for vulnerabilities, on push or continuously" + (f" ({by})" if by else ""),
                      **evidence)
    return _why_unknown(r, ctx, "whether pushed images are scanned", evidence)

