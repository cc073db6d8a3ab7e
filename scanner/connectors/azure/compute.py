"""Azure virtual machines → ``compute.instance``, with whether Azure Update Manager manages
them (ETG 8.4.2). Pure, over Resource Graph rows or ARM ``virtualMachines`` bodies.

Shapes: azure-rest-api-specs, Compute ``virtualMachines`` (``osProfile.linuxConfiguration`` /
``windowsConfiguration.patchSettings``: ``assessmentMode`` ImageDefault | AutomaticByPlatform,
``patchMode`` ImageDefault | AutomaticByOS | Manual | AutomaticByPlatform); the power state is
``properties.extended.instanceView.powerState.code`` in Resource Graph, or an
``instanceView.statuses[]`` code ``PowerState/...`` in an ARM body read with
``$expand=instanceView``. Recorded examples: tests/data/azure/public/README.md.
"""

from __future__ import annotations

from typing import Any

from scanner.connectors.azure.common import make_resource, props_of
from scanner.model import Kind

__all__ = ["virtual_machine", "management", "POWER_STATE"]

VM = "microsoft.compute/virtualmachines"

#: ``PowerState/<x>`` → canonical ``state`` (deallocated and stopped VMs are not in use)
POWER_STATE = {"running": "running", "starting": "running", "stopping": "stopped", "stopped": "stopped",
               "deallocating": "stopped", "deallocated": "stopped"}


def _power_state(p: dict[str, Any]) -> str | None:
    view = (p.get("extended") or {}).get("instanceView") or p.get("instanceView") or {}
    codes = [str((view.get("powerState") or {}).get("code") or "")]
    codes += [str(s.get("code") or "") for s in view.get("statuses") or [] if isinstance(s, dict)]
    for code in codes:
        if code.lower().startswith("powerstate/"):
            return POWER_STATE.get(code.split("/", 1)[1].lower())
    return None


def _management(p: dict[str, Any]) -> dict[str, Any]:
    profile = p.get("osProfile")
    if not isinstance(profile, dict):
        # a VM attached from a specialized OS disk has no osProfile: its patch settings are not in the body
        return {"managed.unread": "the VM's osProfile (patch settings) is not in the payload"}
    cfg = profile.get("windowsConfiguration") or profile.get("linuxConfiguration")
    if not isinstance(cfg, dict):
        return {"managed.unread": "the VM's osProfile names no Windows or Linux configuration (patch settings)"}
    return management(cfg.get("patchSettings") or {})


def management(ps: dict[str, Any]) -> dict[str, Any]:
    """``managed.*`` from ``patchSettings`` (``assessmentMode``, ``patchMode``); shared with the
    azurerm IaC mapping."""
    # absent: the API's default, ImageDefault — the platform runs no periodic assessment
    assessment, mode = ps.get("assessmentMode") or "ImageDefault", ps.get("patchMode")
    detail = f"patchSettings.assessmentMode {assessment}" + (f", patchMode {mode}" if mode else "")
    if str(assessment).lower() == "automaticbyplatform":
        return {"managed.agent": True, "managed.by": "azure-update-manager", "managed.detail": detail}
    if str(mode or "").lower() == "automaticbyplatform":  # automatic VM guest patching assesses periodically too
        return {"managed.agent": True, "managed.by": "azure-automatic-guest-patching", "managed.detail": detail}
    return {"managed.agent": False, "managed.detail": detail}


def virtual_machine(row, ctx):
    p = props_of(row)
    state = _power_state(p)
    shown = row.get("powerState")  # `az vm list --show-details` / `az vm show -d`: "VM running", "VM deallocated"
    if state is None and isinstance(shown, str) and shown.lower().startswith("vm "):
        state = POWER_STATE.get(shown[3:].strip().lower())
    props: dict[str, Any] = {"state": state}
    if isinstance(row.get("properties"), dict):
        props.update(_management(p))
        profile = p.get("osProfile") or {}
        os_type = ((p.get("storageProfile") or {}).get("osDisk") or {}).get("osType")
        props["platform"] = os_type or ("Windows" if profile.get("windowsConfiguration") else
                                        "Linux" if profile.get("linuxConfiguration") else None)
    else:
        props["managed.unread"] = "the listing carries no VM properties (patch settings)"
    return [(make_resource(row, Kind.COMPUTE, props, native="Microsoft.Compute/virtualMachines"), [])]
