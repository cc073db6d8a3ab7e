"""Microsoft Graph reads for identities (I/O only; normalization is in :mod:`.identity`).

Calls: users (paged), directory roles with members (one call), PIM eligible directory roles
(paged, principal and role definition expanded inline), applications and service principals
with their credentials (paged, ``Application.Read.All``), the MFA registration report
(paged; needs ``AuditLog.Read.All`` and Entra ID P1/P2), Conditional Access policies (ETG 8.2.2's
device and location conditions; also MFA evidence when that report cannot be read) and then
security defaults. Service principals and groups
named by role assignments are resolved in bulk (``directoryObjects/getByIds``, 1,000 ids a
call); groups holding roles are expanded (``transitiveMembers``), one call per such group.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from scanner.connectors.azure.http import GRAPH, ApiError, CallCounter, get_json, get_pages
from scanner.connectors.azure.raw import AzureRaw, gap
from scanner.connectors.azure.services import fetched_by
from scanner.model import Kind

__all__ = ["collect_identities", "NO_PIM_CODES"]

_USER_FIELDS = "id,displayName,userPrincipalName,userType,accountEnabled,createdDateTime"
_APP_FIELDS = "id,appId,displayName,passwordCredentials,keyCredentials"
_SP_FIELDS = ("id,appId,displayName,servicePrincipalType,appOwnerOrganizationId,accountEnabled,"
              "passwordCredentials,keyCredentials")
#: The tenant has no Entra ID P2 / Governance licence: PIM does not exist there, so nothing
#: can be held as eligible (Graph and ARM both answer 400 with this code).
NO_PIM_CODES = frozenset({"AadPremiumLicenseRequired"})
_IDENTITY_KINDS = fetched_by("graph")


def collect_identities(client: Any, raw: AzureRaw, counter: CallCounter, tenant: str,
                       rbac_principals: dict[str, str]) -> None:
    """Fill raw.users / directory_roles / registration / fallback evidence; gaps for what failed."""
    send = client.send_request

    def read(what: str, fn, kinds=_IDENTITY_KINDS):
        try:
            return fn()
        except ApiError as e:
            raw.gaps.append(gap(tenant, f"graph:{what}", kinds, e.code, f"Microsoft Graph {what}: {e.message}"))
            return None

    # Users: sign-in activity needs AuditLog.Read.All + P1; without it, read users without it.
    try:
        raw.users = get_pages(send, f"{GRAPH}/v1.0/users?$select={_USER_FIELDS},signInActivity&$top=999", counter)
    except ApiError:
        raw.users = read("users", lambda: get_pages(send, f"{GRAPH}/v1.0/users?$select={_USER_FIELDS}&$top=999",
                                                     counter))
    raw.directory_roles = read("directoryRoles", lambda: get_pages(
        send, f"{GRAPH}/v1.0/directoryRoles?$expand=members", counter))
    raw.directory_eligibility = _directory_eligibility(send, raw, counter, tenant)
    _credentials(send, raw, counter, tenant)

    try:
        raw.registration = get_pages(
            send, f"{GRAPH}/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999", counter)
    except ApiError as e:
        raw.registration = None
        raw.registration_error = f"userRegistrationDetails unreadable ({e.code})"
        _mfa_fallback(send, raw, counter, tenant, e)
    if raw.ca_policies is None and raw.ca_error is None:
        # ETG 8.2.2: device and location conditions on administrators' access (one paged read)
        try:
            raw.ca_policies = get_pages(send, f"{GRAPH}/v1.0/identity/conditionalAccess/policies", counter)
        except ApiError as e:
            raw.ca_error = (f"Conditional Access policies unreadable ({e.code}: {e.message}); needs Policy.Read.All "
                            "and Entra ID P1")
            # recorded; no kind is hidden: each subscription says it (internet_access.unread, an ERROR)
            raw.gaps.append(gap(tenant, "graph:conditionalAccess", (), e.code, raw.ca_error))

    # Service principals and groups that hold Azure roles: names and types, in bulk.
    ids = sorted(pid for pid, ptype in rbac_principals.items() if ptype in ("serviceprincipal", "group"))
    for i in range(0, len(ids), 1000):
        chunk = ids[i:i + 1000]
        found = read("directoryObjects", partial(
            get_json, send, f"{GRAPH}/v1.0/directoryObjects/getByIds", counter, "graph", method="POST",
            json_body={"ids": chunk, "types": ["servicePrincipal", "group"]}))
        if found:
            raw.directory_objects.extend(found.get("value") or [])

    groups = {pid for pid, t in rbac_principals.items() if t == "group"}
    for role in raw.directory_roles or []:
        groups |= {str(m["id"]) for m in role.get("members") or [] if "group" in str(m.get("@odata.type", ""))}
    for inst in raw.directory_eligibility or []:  # role-assignable groups eligible for a directory role
        if "group" in str((inst.get("principal") or {}).get("@odata.type", "")):
            groups.add(str(inst.get("principalId")))
    if raw.registration is None:
        for policy in raw.ca_policies or []:
            users = (policy.get("conditions") or {}).get("users") or {}
            groups |= {str(g) for g in (users.get("includeGroups") or []) + (users.get("excludeGroups") or [])}
    for gid in sorted(groups):
        members = read(f"groups/{gid}/transitiveMembers", partial(
            get_pages, send, f"{GRAPH}/v1.0/groups/{gid}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName"
            "&$top=999", counter))
        if members is not None:
            raw.group_members[gid] = members


def _directory_eligibility(send: Any, raw: AzureRaw, counter: CallCounter, tenant: str) -> list[dict] | None:
    """PIM: who may activate a directory role (not active now, but privileged all the same)."""
    url = f"{GRAPH}/v1.0/roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal,roleDefinition"
    try:
        return get_pages(send, url, counter)
    except ApiError as e:
        if e.code in NO_PIM_CODES:
            raw.gaps.append(gap(tenant, "graph:roleEligibilityScheduleInstances", (), e.code,
                                "no Entra ID P2 / Governance licence: PIM is unavailable, no directory role "
                                "can be held as eligible"))
            return []
        raw.gaps.append(gap(tenant, "graph:roleEligibilityScheduleInstances", _IDENTITY_KINDS, e.code,
                            f"PIM eligible directory roles unreadable ({e.message}); needs "
                            "RoleManagement.Read.Directory: who can activate a privileged role is unknown"))
        return None


def _credentials(send: Any, raw: AzureRaw, counter: CallCounter, tenant: str) -> None:
    """Client secrets and certificates of app registrations and service principals, in bulk."""
    apps = f"{GRAPH}/v1.0/applications?$select={_APP_FIELDS}&$top=999"
    problems: list[tuple[str, ApiError]] = []
    try:
        try:
            raw.applications = get_pages(send, f"{apps}&$expand=federatedIdentityCredentials", counter)
        except ApiError as e:
            if e.status != 400:
                raise
            raw.applications = get_pages(send, apps, counter)  # federated credentials are evidence only
    except ApiError as e:
        problems.append(("applications", e))
    try:
        raw.service_principals = get_pages(send, f"{GRAPH}/v1.0/servicePrincipals?$select={_SP_FIELDS}&$top=999",
                                           counter)
    except ApiError as e:
        problems.append(("servicePrincipals", e))
    if problems:
        what = "; ".join(f"{name}: {e.code}" for name, e in problems)
        raw.credentials_error = f"application credentials unreadable ({what})"
        raw.gaps.append(gap(tenant, "graph:applications", (Kind.IDENTITY_USER,), problems[0][1].code,
                            f"client secrets and certificates unreadable ({what}; needs Application.Read.All): "
                            "long-lived credentials of service principals stay unknown"))


def _mfa_fallback(send: Any, raw: AzureRaw, counter: CallCounter, tenant: str, cause: ApiError) -> None:
    """The registration report is unreadable: read security defaults and Conditional Access."""
    problems = []
    try:
        raw.security_defaults = get_json(
            send, f"{GRAPH}/v1.0/policies/identitySecurityDefaultsEnforcementPolicy", counter, "graph")
    except ApiError as e:
        problems.append(f"security defaults: {e.code}")
    try:
        raw.ca_policies = get_pages(send, f"{GRAPH}/v1.0/identity/conditionalAccess/policies", counter)
    except ApiError as e:
        problems.append(f"conditional access: {e.code}")
        raw.ca_error = f"Conditional Access policies unreadable ({e.code}: {e.message})"
    fallback_ok = not problems
    message = (f"MFA registration report unreadable ({cause.message}); MFA judged from "
               + ("Conditional Access and security defaults" if fallback_ok else
                  "no other evidence (" + "; ".join(problems) + ")"))
    # With fallback evidence the gap is recorded for coverage but does not blank the policies:
    # each user's mfa_evidence says which source answered, and unknown users stay ERROR.
    raw.gaps.append(gap(tenant, "graph:userRegistrationDetails", () if fallback_ok else (Kind.IDENTITY_USER,),
                        cause.code, message))
