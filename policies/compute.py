"""Compute (the ``compute`` area): ETG 8.4.2 — 應確保採取適當措施管理使用中的虛擬機和容器.
A VM in use is managed when a management agent reports it to the cloud's management service
(SSM, Azure Update Manager, OS Config); the connectors read that as ``managed.agent``."""

from __future__ import annotations

from policies.base import Context, Outcome, failed, not_applicable, passed, unknown
from scanner.model import Kind, Resource

__all__ = ["instances_managed"]


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
            return unknown(f"whether a management agent reports the VM could not be read ({g.service}: {g.code})", **evidence)
        why = r.prop("managed.unread") or "the management state was not read"
        return unknown(f"whether a management agent reports the VM is unknown: {why}", **evidence)
    if state is None:
        return unknown(f"no management agent reports the VM ({detail}), but whether it is running (in use) could not "
                       "be read", **evidence)
    return failed(f"no management agent reports the VM in use ({detail})", **evidence)
