"""Roles, permissions and the decision every route carries.

A route declares one permission (``allow("register.edit")``); a single guard
(:func:`scanner.web.app.guard`) checks it on every request, so there is one place that
says who may do what. A route without a decision is refused at start-up, and the
authorisation-matrix test walks the route table against :data:`ROLE_PERMISSIONS`.

Pseudo-permissions: ``public`` (no login: the login page, static files), ``login`` (a
signed-in person who may still owe a second factor or a new password), ``self`` (any
fully signed-in person: their own account, the home page).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ROLES",
    "PERMISSIONS",
    "PSEUDO",
    "ROLE_PERMISSIONS",
    "MFA_REQUIRED_ROLES",
    "allow",
    "permissions_of",
    "route_permission",
]

#: role id → (zh-TW, English)
ROLES: dict[str, tuple[str, str]] = {
    "administrator": ("系統管理員", "Administrator"),
    "vendor_manager": ("委外管理人員", "Vendor manager"),
    "approver": ("核准人員", "Approver"),
    "cloud_engineer": ("雲端工程師", "Cloud engineer"),
    "auditor": ("稽核人員", "Auditor"),
    "board_member": ("董事會成員", "Board member"),
}

PERMISSIONS: dict[str, str] = {
    "register.read": "read the vendor register and exit plans",
    "register.edit": "change the register: providers, services, contracts, reviews, audits, evidence, exit plans",
    "register.approve": "approve due-diligence reviews and materiality decisions (never one's own)",
    "scans.read": "read stored scans, findings, coverage gaps and waivers",
    "scans.run": "run a scan and store it",
    "waivers.request": "ask for a waiver",
    "waivers.approve": "approve or reject a waiver (never one's own)",
    "board.read": "the board dashboard and report",
    "export": "download exports of the register and the history",
    "changes.read": "read the change log",
    "users.admin": "manage accounts and roles",
}
PSEUDO = ("public", "login", "self")

_READ_ALL = {"register.read", "scans.read", "board.read", "export", "changes.read"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "administrator": frozenset({"users.admin", "changes.read", "register.read", "scans.read", "board.read"}),
    "vendor_manager": frozenset({"register.read", "register.edit", "scans.read", "board.read", "export", "changes.read"}),
    "approver": frozenset({"register.read", "register.approve", "scans.read", "waivers.approve", "board.read", "changes.read"}),
    "cloud_engineer": frozenset({"scans.read", "scans.run", "waivers.request", "register.read"}),
    "auditor": frozenset(_READ_ALL),
    "board_member": frozenset({"board.read"}),
}

#: these roles cannot use the application until they have enrolled a second factor
MFA_REQUIRED_ROLES = frozenset({"administrator", "approver"})


def permissions_of(roles: list[str] | tuple[str, ...] | set[str]) -> frozenset[str]:
    out: set[str] = set()
    for r in roles:
        out |= ROLE_PERMISSIONS.get(r, frozenset())
    return frozenset(out)


def allow(permission: str) -> dict[str, Any]:
    """Keyword arguments for a route decorator: the route's one access decision."""
    if permission not in PERMISSIONS and permission not in PSEUDO:
        raise ValueError(f"unknown permission {permission!r}")
    return {"openapi_extra": {"x-permission": permission}}


def route_permission(route: Any) -> str | None:
    extra = getattr(route, "openapi_extra", None) or {}
    return extra.get("x-permission")
