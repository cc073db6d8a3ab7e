"""Entra ID identities → identity.user / identity.group (pure functions).

Users come from Microsoft Graph, directory roles from ``/directoryRoles?$expand=members``,
Azure RBAC from Resource Graph's ``authorizationresources``; PIM eligible roles (directory and
RBAC) are added to ``roles`` and listed in ``eligible_roles``, since their holder can activate
them. Service principals get ``access_keys`` from :mod:`.credentials`. MFA comes from the
``userRegistrationDetails`` report (``isMfaRegistered``); when that report cannot be read,
Conditional Access policies and security defaults are the fallback evidence, and a user
neither covers keeps ``mfa`` unknown. ``mfa_evidence`` always says which source answered.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from scanner.connectors.azure.credentials import Credentials
from scanner.connectors.azure.raw import PROVIDER, AzureRaw
from scanner.connectors.values import flag
from scanner.inventory import Inventory
from scanner.model import Kind, RelType, Resource

__all__ = ["normalize_identities", "PRIVILEGED_DIRECTORY_ROLES", "scope_level"]

#: Entra directory roles that can take over the tenant or its security settings
#: (Microsoft marks these "privileged"); holding one makes an identity privileged.
PRIVILEGED_DIRECTORY_ROLES = frozenset(r.lower() for r in (
    "Global Administrator", "Privileged Role Administrator", "Privileged Authentication Administrator",
    "Security Administrator", "User Administrator", "Application Administrator",
    "Cloud Application Administrator", "Conditional Access Administrator", "Authentication Administrator",
    "Hybrid Identity Administrator", "Exchange Administrator", "SharePoint Administrator",
    "Intune Administrator", "Helpdesk Administrator", "Partner Tier2 Support",
))
#: Azure RBAC roles that are privileged at management-group / subscription (or root) scope.
PRIVILEGED_RBAC_ROLES = frozenset(r.lower() for r in (
    "Owner", "Contributor", "User Access Administrator", "Role Based Access Control Administrator",
))
_PRIVILEGED_ACTIONS = ("*", "microsoft.authorization/*")
#: Applications whose coverage by a Conditional Access policy protects Azure administration.
_ADMIN_APPS = {"all", "microsoftadminportals", "797f4846-ba00-4fd7-ba43-dac1f8f63013"}  # Azure Service Management


def scope_level(scope: str) -> str:
    """``root`` / ``management_group`` / ``subscription`` / ``resource_group`` / ``resource``."""
    s = scope.strip().lower().rstrip("/")
    if s == "":
        return "root"
    parts = s.strip("/").split("/")
    if parts[:3] == ["providers", "microsoft.management", "managementgroups"]:
        return "management_group"
    if parts[0] == "subscriptions":
        return {2: "subscription", 4: "resource_group"}.get(len(parts), "resource")
    return "resource"


def normalize_identities(raw: AzureRaw, inv: Inventory) -> None:
    tenant = raw.tenant_id or next((r.get("tenantId") for r in raw.containers if r.get("tenantId")), None)
    if not tenant:
        if raw.users is not None or raw.authorization is not None:
            tenant = "unknown-tenant"
        else:
            return
    grants = _Grants()
    # Eligible (PIM) roles count as held: unread eligibility leaves roles incomplete, i.e. unknown.
    rbac_known = raw.authorization is not None and raw.rbac_eligibility is not None and not raw.eligibility_unread
    dir_known = raw.directory_roles is not None and raw.directory_eligibility is not None
    if raw.authorization is not None:
        grants.add_rbac(raw.authorization)
    if raw.directory_roles is not None:
        grants.add_directory(raw.directory_roles)
    grants.add_rbac_eligibility(raw.rbac_eligibility or [])
    grants.add_directory_eligibility(raw.directory_eligibility or [], raw.directory_roles or [])
    objects = {str(o.get("id")): o for o in raw.directory_objects}
    for members in raw.directory_roles or []:
        for m in members.get("members") or []:
            objects.setdefault(str(m.get("id")), m)
    for inst in raw.directory_eligibility or []:
        if isinstance(inst.get("principal"), dict):
            objects.setdefault(str(inst.get("principalId")), inst["principal"])
    for sp in raw.service_principals or []:
        objects.setdefault(str(sp.get("id")), {"@odata.type": "#microsoft.graph.servicePrincipal", **sp})
    credentials = Credentials(raw, tenant)
    member_groups: dict[str, list[str]] = defaultdict(list)
    for gid, rows in raw.group_members.items():
        for row in rows:
            member_groups[str(row.get("id"))].append(gid)
    mfa = _MfaEvidence(raw, grants, member_groups)
    roles_known = rbac_known and dir_known

    for user in raw.users or []:
        uid = str(user["id"])
        # Entra users hold no long-lived API keys (client secrets belong to applications).
        props: dict[str, Any] = {"human": True, "access_keys": []}
        enabled = flag(user, "accountEnabled")
        if enabled is not None:
            props["console_access"] = enabled
        if user.get("createdDateTime"):
            props["created"] = user["createdDateTime"]
        sign_in = user.get("signInActivity")
        if isinstance(sign_in, dict):
            last = max((v for k, v in sign_in.items() if k.endswith("DateTime") and v), default=None)
            props["last_used"] = last or "never"
        if user.get("userType"):
            props["user_type"] = user["userType"]
        _grant_props(props, grants, uid, roles_known)
        answer, evidence = mfa.for_user(uid)
        if answer is not None:
            props["mfa"] = answer
        props["mfa_evidence"] = evidence
        rid = f"/tenants/{tenant}/users/{uid}"
        inv.add(Resource(PROVIDER, tenant, "global", Kind.IDENTITY_USER, "Microsoft.Graph/users", rid,
                         str(user.get("userPrincipalName") or user.get("displayName") or uid), {}, props,
                         {k: user[k] for k in ("userPrincipalName", "userType", "accountEnabled") if k in user}))
        for gid in member_groups.get(uid, []):
            inv.relate(rid, RelType.MEMBER_OF, f"/tenants/{tenant}/groups/{gid}")

    for pid in sorted(grants.principals()):
        obj = objects.get(pid, {})
        ptype = str(obj.get("@odata.type") or "").rsplit(".", 1)[-1].lower() or grants.principal_type.get(pid, "")
        if ptype in ("user", ""):
            continue  # users came from /users (a principal of no known type: a deleted object)
        props = {}
        _grant_props(props, grants, pid, roles_known)
        name = str(obj.get("displayName") or pid)
        if ptype == "group":
            inv.add(Resource(PROVIDER, tenant, "global", Kind.IDENTITY_GROUP, "Microsoft.Graph/groups",
                             f"/tenants/{tenant}/groups/{pid}", name, {}, props))
        elif ptype in ("serviceprincipal", "msi", "application"):
            props["human"] = False
            if obj.get("accountEnabled") is not None:
                props["console_access"] = False  # service principals cannot sign in interactively
            props.update(credentials.for_principal(pid, obj))
            inv.add(Resource(PROVIDER, tenant, "global", Kind.IDENTITY_USER, "Microsoft.Graph/servicePrincipals",
                             f"/tenants/{tenant}/servicePrincipals/{pid}", name, {}, props,
                             {k: obj[k] for k in ("appId", "servicePrincipalType") if k in obj}))


class _Grants:
    """Who holds which directory roles and RBAC roles, at which scopes."""

    def __init__(self) -> None:
        self.roles: dict[str, set[str]] = defaultdict(set)
        self.scopes: dict[str, set[str]] = defaultdict(set)
        self.actions: dict[str, set[str]] = defaultdict(set)
        self.directory_role_ids: dict[str, set[str]] = defaultdict(set)  # principal -> role template ids
        self.privileged_why: dict[str, str] = {}
        self.principal_type: dict[str, str] = {}
        self.unresolved: set[str] = set()  # principals with an assignment of an unknown role definition
        self.eligible: dict[str, set[str]] = defaultdict(set)  # principal -> PIM eligible roles (not active)
        self.definitions: dict[str, dict[str, Any]] = {}  # RBAC role definition guid -> properties

    def principals(self) -> set[str]:
        return set(self.roles) | self.unresolved

    def add_directory(self, directory_roles: list[dict[str, Any]]) -> None:
        for role in directory_roles:
            name = str(role.get("displayName") or "")
            for m in role.get("members") or []:
                pid = str(m.get("id"))
                self.roles[pid].add(name)
                self.directory_role_ids[pid].add(str(role.get("roleTemplateId") or role.get("id")))
                if name.lower() in PRIVILEGED_DIRECTORY_ROLES:
                    self.privileged_why.setdefault(pid, f"directory role {name}")

    def add_directory_eligibility(self, instances: list[dict[str, Any]], directory_roles: list[dict[str, Any]]) -> None:
        """PIM eligible directory roles: the holder can activate them at will, so they count."""
        names = {str(r.get("roleTemplateId") or "").lower(): str(r.get("displayName") or "") for r in directory_roles}
        for inst in instances:
            pid = str(inst.get("principalId"))
            definition = inst.get("roleDefinition") or {}
            name = str(definition.get("displayName") or names.get(str(inst.get("roleDefinitionId", "")).lower(), ""))
            if ptype := str((inst.get("principal") or {}).get("@odata.type") or "").rsplit(".", 1)[-1].lower():
                self.principal_type.setdefault(pid, ptype)
            if not name:
                self.unresolved.add(pid)  # an eligible role we cannot name: privilege unknown
                continue
            scope = str(inst.get("directoryScopeId") or "/")
            if scope != "/":  # scoped to an administrative unit: like active scoped roles, not tenant-wide
                self.eligible[pid].add(f"{name} (directory scope {scope})")
                continue
            self.roles[pid].add(name)
            self.eligible[pid].add(name)
            if name.lower() in PRIVILEGED_DIRECTORY_ROLES:
                self.privileged_why.setdefault(pid, f"eligible (PIM) for directory role {name}")

    def add_rbac(self, rows: list[dict[str, Any]]) -> None:
        definitions = self.definitions
        assignments = []
        for row in rows:
            t = str(row.get("type", "")).lower()
            if t == "microsoft.authorization/roledefinitions":
                definitions[str(row.get("name") or row["id"].rsplit("/", 1)[-1]).lower()] = row.get("properties") or {}
            elif t == "microsoft.authorization/roleassignments":
                assignments.append(row.get("properties") or {})
        for a in assignments:
            self._rbac_grant(a, definitions, eligible=False)

    def add_rbac_eligibility(self, instances: list[dict[str, Any]]) -> None:
        """PIM eligible Azure roles (ARM roleEligibilityScheduleInstances), after the active ones."""
        for inst in instances:
            self._rbac_grant(inst.get("properties") or {}, self.definitions, eligible=True)

    def _rbac_grant(self, a: dict[str, Any], definitions: dict[str, dict[str, Any]], eligible: bool) -> None:
        pid = str(a.get("principalId"))
        self.principal_type.setdefault(pid, str(a.get("principalType") or "").lower())
        scope = str(a.get("scope") or "")
        d = definitions.get(str(a.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower())
        if d is None and eligible:  # PIM expands the role definition inline (name and built-in/custom)
            expanded = (a.get("expandedProperties") or {}).get("roleDefinition") or {}
            if expanded.get("displayName") and str(expanded.get("type", "")).lower() != "customrole":
                d = {"roleName": expanded["displayName"], "type": "BuiltInRole"}
        self.scopes[pid].add(scope or "/")
        if d is None:
            self.unresolved.add(pid)
            return
        name = str(d.get("roleName") or "")
        self.roles[pid].add(name)
        if eligible:
            self.eligible[pid].add(f"{name} at {scope or '/'}")
        custom = str(d.get("type", "")).lower() == "customrole"
        granted = {act for perm in d.get("permissions") or [] for act in perm.get("actions") or []}
        if custom:
            self.actions[pid] |= granted
        high = scope_level(scope) in ("root", "management_group", "subscription")
        broad = name.lower() in PRIVILEGED_RBAC_ROLES or (custom and any(
            g.lower() in _PRIVILEGED_ACTIONS for g in granted))
        if high and broad:
            how = "eligible (PIM) for " if eligible else ""
            self.privileged_why.setdefault(pid, f"{how}{name} at {scope_level(scope).replace('_', ' ')} scope {scope}")


def _grant_props(props: dict[str, Any], grants: _Grants, pid: str, roles_known: bool) -> None:
    if roles_known and pid not in grants.unresolved:
        props["roles"] = sorted(grants.roles.get(pid, ()))
        props["actions"] = sorted(grants.actions.get(pid, ()))
    elif grants.roles.get(pid):
        props["roles"] = sorted(grants.roles[pid])  # partial; privilege decided from what is known
    if grants.scopes.get(pid):
        props["role_scopes"] = sorted(grants.scopes[pid])
    if grants.eligible.get(pid):
        props["eligible_roles"] = sorted(grants.eligible[pid])  # included in roles: they can be activated
    if pid in grants.privileged_why:
        props["privileged"] = True
        props["privileged_reason"] = grants.privileged_why[pid]


class _MfaEvidence:
    def __init__(self, raw: AzureRaw, grants: _Grants, member_groups: dict[str, list[str]]):
        self.registration = None if raw.registration is None else {str(r.get("id")): r for r in raw.registration}
        self.reason = raw.registration_error or "userRegistrationDetails not read"
        self.security_defaults = flag(raw.security_defaults or {}, "isEnabled") is True
        self.ca = [p for p in raw.ca_policies or [] if _requires_mfa(p)]
        self.ca_read = raw.ca_policies is not None
        self.known_groups = set(raw.group_members)
        self.grants = grants
        self.member_groups = member_groups

    def for_user(self, uid: str) -> tuple[bool | None, str]:
        if self.registration is not None:
            rec = self.registration.get(uid)
            registered = flag(rec, "isMfaRegistered") if rec is not None else None
            if registered is not None:
                return registered, "userRegistrationDetails"
            if rec is not None and "isMfaRegistered" in rec:
                return None, f"userRegistrationDetails has isMfaRegistered={rec['isMfaRegistered']!r}, not a boolean"
            return None, "userRegistrationDetails has no record for this user"
        if self.security_defaults:
            return True, "security_defaults (MFA registration required for every user)"
        for policy in self.ca:
            if self._covers(policy, uid):
                return True, f"conditional_access: {policy.get('displayName') or policy.get('id')}"
        tried = "conditional access policies do not require MFA for this user" if self.ca_read else \
            "conditional access policies not readable"
        return None, f"unknown: {self.reason}; {tried}"

    def _covers(self, policy: dict[str, Any], uid: str) -> bool:
        users = (policy.get("conditions") or {}).get("users") or {}
        roles = self.grants.directory_role_ids.get(uid, set())
        groups = set(self.member_groups.get(uid, ()))

        def hits(ids: list[str] | None, own: set[str]) -> bool:
            return bool(set(map(str, ids or ())) & own)

        for gid in (users.get("excludeGroups") or []):
            if gid not in self.known_groups:
                return False  # membership of an excluded group is unknown: cannot claim coverage
        if uid in (users.get("excludeUsers") or []) or hits(users.get("excludeRoles"), roles) or \
                hits(users.get("excludeGroups"), groups):
            return False
        include_users = [str(u).lower() for u in users.get("includeUsers") or []]
        return "all" in include_users or uid.lower() in include_users or \
            hits(users.get("includeRoles"), roles) or hits(users.get("includeGroups"), groups)


def _requires_mfa(policy: dict[str, Any]) -> bool:
    if str(policy.get("state", "")).lower() != "enabled":
        return False  # report-only and disabled policies enforce nothing
    grant = policy.get("grantControls") or {}
    if "mfa" not in [str(c).lower() for c in grant.get("builtInControls") or []] and not grant.get(
            "authenticationStrength"):
        return False
    if str(grant.get("operator", "OR")).upper() == "OR" and len(grant.get("builtInControls") or []) > 1:
        return False  # MFA *or* something else (e.g. a compliant device): MFA is not required
    apps = (policy.get("conditions") or {}).get("applications") or {}
    return bool({str(a).lower() for a in apps.get("includeApplications") or []} & _ADMIN_APPS)
