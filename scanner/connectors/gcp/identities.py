"""IAM policy bindings, service accounts and the Cloud Identity directory → identities (pure).

GCP has no list of "users" in a project: a principal exists for the cloud when a binding
names it. So every ``user:``, ``serviceAccount:`` and ``group:`` member of every IAM policy
read becomes an identity, with the roles it holds anywhere (``roles``), where
(``role_scopes``), and the permissions of its custom roles (``actions``).

Whether a person has 2-step verification is only in the Admin SDK Directory API
(``isEnrolledIn2Sv``). Without it ``mfa`` stays out and ``mfa_unknown_reason`` says why.

Group members come from the Cloud Identity Groups API (:class:`~.facts.Groups`): each
member gets a ``member_of`` edge to the group, which keeps its own roles, and the policy
layer follows the edge. Members of a group whose membership was asked for but refused
cannot be named, so every user and service account gets a ``may_be_member_of`` edge to
each such group: the policy layer then calls their privilege unknown (ERROR) when that
group is privileged, unless their own roles already make them privileged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scanner.connectors.gcp.assets import get
from scanner.connectors.gcp.context import Context
from scanner.connectors.gcp.facts import Activity, Groups
from scanner.connectors.gcp.services import kinds_of
from scanner.connectors.values import flag
from scanner.inventory import Inventory
from scanner.model import CoverageGap, Kind, RelType, Resource

__all__ = ["Directory", "identities", "NO_DIRECTORY_REASON", "NO_GROUPS_REASON"]

SERVICE_ACCOUNT = "iam.googleapis.com/ServiceAccount"
SERVICE_ACCOUNT_KEY = "iam.googleapis.com/ServiceAccountKey"
ROLE = "iam.googleapis.com/Role"

NO_DIRECTORY_REASON = (
    "2-step verification is only readable from the Admin SDK Directory API; "
    "run `cloudgov scan gcp` with --directory-customer (e.g. my_customer)"
)
NO_GROUPS_REASON = (
    "group membership is not in Cloud Asset Inventory; run `cloudgov scan gcp` with --read-groups "
    "(Cloud Identity Groups API)"
)
_NEVER = ("1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00Z")


@dataclass
class Directory:
    """What the Directory API said: users by lower-cased primary e-mail (and aliases)."""

    customer: str | None = None
    users: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    error: str | None = None  # why it could not be read (then every user's mfa is unknown)

    @classmethod
    def from_users(cls, customer: str, users: Sequence[Mapping[str, Any]]) -> Directory:
        by_mail: dict[str, Mapping[str, Any]] = {}
        for u in users:
            for mail in [u.get("primaryEmail"), *(u.get("aliases") or [])]:
                if mail:
                    by_mail[str(mail).lower()] = u
        return cls(customer=customer, users=by_mail)


@dataclass
class _Principal:
    member: str
    roles: set[str] = field(default_factory=set)
    scopes: set[str] = field(default_factory=set)
    accounts: list[str] = field(default_factory=list)
    conditional: set[str] = field(default_factory=set)


def _custom_roles(ctx: Context) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rec in ctx.by_type.get(ROLE, []):
        d = rec.data or {}
        name = str(d.get("name") or rec.name.split("iam.googleapis.com/", 1)[-1])
        out[name] = [str(p) for p in d.get("includedPermissions") or []]
    return out


def identities(
    inv: Inventory,
    ctx: Context,
    directory: Directory | None,
    gaps: list[CoverageGap],
    groups: Groups | None = None,
    activity: Activity | None = None,
) -> None:
    principals: dict[str, _Principal] = {}
    for name, policy in ctx.policies.items():
        rec = ctx.policy_records.get(name) or ctx.records.get(name)
        account = ctx.account_of(rec) if rec else "unknown"
        for b in get(policy, "bindings") or []:
            role = str(b.get("role") or "")
            for member in b.get("members") or []:
                member = str(member)
                kind = member.split(":", 1)[0]
                if kind not in ("user", "serviceAccount", "group"):
                    continue  # allUsers, domain:, deleted:, principalSet://… are not identities
                key = kind + ":" + member.split(":", 1)[1].lower()
                p = principals.setdefault(key, _Principal(key))
                p.roles.add(role)
                p.scopes.add(name)
                p.accounts.append(account)
                if b.get("condition"):
                    p.conditional.add(role)
    custom = _custom_roles(ctx)
    unresolved: dict[str, set[str]] = defaultdict(set)
    sa_records = {str((r.data or {}).get("email") or "").lower(): r for r in ctx.by_type.get(SERVICE_ACCOUNT, [])}
    keys_by_sa = _keys_by_service_account(ctx)
    keys_known = SERVICE_ACCOUNT_KEY in ctx.coverage.resource_types or bool(ctx.by_type.get(SERVICE_ACCOUNT_KEY))
    for email in sa_records:
        if email:
            principals.setdefault("serviceAccount:" + email, _Principal("serviceAccount:" + email))
    memberships, unreadable = _memberships(principals, groups)

    for key, p in principals.items():
        kind, email = key.split(":", 1)
        actions: list[str] = []
        for role in p.roles:
            if role.startswith("roles/"):
                continue
            if role in custom:
                actions.extend(custom[role])
            else:
                unresolved[_first(p.accounts) or "unknown"].add(role)
        props: dict[str, Any] = {
            "roles": sorted(p.roles),
            "role_scopes": sorted(p.scopes),
            "actions": sorted(set(actions)),
        }
        if p.conditional:
            props["conditional_roles"] = sorted(p.conditional)
        account = ctx.default_org or _first(p.accounts) or "unknown"
        raw: dict[str, Any] = {"member": key}
        if kind == "serviceAccount":
            props["human"] = False
            props["console_access"] = False
            sa = sa_records.get(email)
            if sa is not None:
                d = sa.data or {}
                account = ctx.account_of(sa)
                props["disabled"] = flag(d, "disabled", False)
                raw["asset"] = sa.name
            if _google_managed(email):
                props["google_managed"] = True
                props["access_keys"] = []  # Google holds service agents' keys; users cannot add any
            elif keys_known:
                props["access_keys"] = _with_key_use(keys_by_sa.get(email, []), activity)
            if activity is not None and sa is not None:
                used = activity.account(email, str((sa.data or {}).get("uniqueId") or "") or None)
                if used:
                    props["last_used"] = used
                    props["last_used_evidence"] = "policy_analyzer"
            r_kind = Kind.IDENTITY_USER
        elif kind == "group":
            props.update(_group_facts(email, groups))
            r_kind = Kind.IDENTITY_GROUP
        else:
            props["human"] = True
            props["access_keys"] = []  # Google accounts hold no user-managed IAM keys
            _directory_facts(props, email, directory)
            r_kind = Kind.IDENTITY_USER
        inv.add(
            Resource(
                provider="gcp",
                account=account,
                region="global",
                kind=r_kind,
                native_type="iam.googleapis.com/" + {"user": "User", "group": "Group"}.get(kind, "ServiceAccount"),
                id=key,
                name=email,
                properties=props,
                raw=raw,
            )
        )
    if directory is not None and not directory.error:
        _directory_admins(inv, ctx, directory, principals)
    for member, group in memberships:
        inv.relate(member, RelType.MEMBER_OF, group)
    for group in sorted(unreadable):
        members = {m for m, g in memberships if g == group}
        for key in principals:
            if key.startswith(("user:", "serviceAccount:")) and key not in members and not _google_managed(
                key.split(":", 1)[1]
            ):
                inv.relate(key, RelType.MAY_BE_MEMBER_OF, group)
    for account, roles in sorted(unresolved.items()):
        gaps.append(
            CoverageGap(
                "gcp", account, None, "iam.roles", kinds_of("iam"), "NotCollected",
                f"permissions of custom role(s) {', '.join(sorted(roles))} were not read "
                "(iam.googleapis.com/Role assets missing)",
            )
        )


def _memberships(
    principals: dict[str, _Principal], groups: Groups | None
) -> tuple[list[tuple[str, str]], set[str]]:
    """(member, group) edges for every bound group and the groups nested in them, and the
    groups whose membership is unknown (refused, another customer's group, nested and never
    asked). New members join ``principals`` with no roles of their own."""
    if groups is None:
        return [], set()
    edges: list[tuple[str, str]] = []
    todo = [k for k in principals if k.startswith("group:")]
    seen: set[str] = set(todo)
    unreadable: set[str] = set()
    while todo:
        group = todo.pop()
        email = group.split(":", 1)[1]
        if email not in groups.members:  # refused, or never asked (nested, offline)
            unreadable.add(group)
        for member in groups.members.get(email, []):
            principals.setdefault(member, _Principal(member))
            edges.append((member, group))
            if member.startswith("group:") and member not in seen:
                seen.add(member)
                todo.append(member)
    return edges, unreadable


def _group_facts(email: str, groups: Groups | None) -> dict[str, Any]:
    if groups is None:
        return {"members_unknown_reason": NO_GROUPS_REASON}
    if email in groups.errors:
        return {"members_unknown_reason": f"the Cloud Identity Groups API refused: {groups.errors[email]}"}
    if email not in groups.members:
        return {"members_unknown_reason": "not a group of the Cloud Identity customer (or not read)"}
    out: dict[str, Any] = {"members_known": True, "member_count": len(groups.members[email])}
    if groups.other_members.get(email):
        out["other_members"] = groups.other_members[email]  # shared drives, devices: no IAM identity
    return out


def _with_key_use(keys: list[dict[str, Any]], activity: Activity | None) -> list[dict[str, Any]]:
    if activity is None:
        return keys
    out = []
    for k in keys:
        used = activity.keys.get(str(k.get("id")))
        out.append({**k, "last_used": used} if used else k)
    return out


def _first(items: list[str]) -> str | None:
    return items[0] if items else None


def _google_managed(email: str) -> bool:
    """Service agents: ``service-<n>@gcp-sa-*.iam.gserviceaccount.com``, ``<n>@cloudservices…``."""
    domain = email.rsplit("@", 1)[-1]
    return domain.startswith("gcp-sa-") or domain in (
        "cloudservices.gserviceaccount.com",
        "cloudbuild.gserviceaccount.com",
        "container-engine-robot.iam.gserviceaccount.com",
        "compute-system.iam.gserviceaccount.com",
    )


def _keys_by_service_account(ctx: Context) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    # a key's name holds its service account by e-mail or by numeric unique id
    by_uid = {
        str((r.data or {}).get("uniqueId")): str((r.data or {}).get("email") or "").lower()
        for r in ctx.by_type.get(SERVICE_ACCOUNT, [])
    }
    for rec in ctx.by_type.get(SERVICE_ACCOUNT_KEY, []):
        d = rec.data or {}
        if str(d.get("keyType") or "USER_MANAGED") != "USER_MANAGED":
            continue  # Google-rotated system keys are not long-lived credentials
        parts = rec.name.split("/serviceAccounts/", 1)[-1].split("/keys/")
        email = by_uid.get(parts[0]) or parts[0].lower()
        out[email].append(
            {
                "id": parts[-1] if len(parts) > 1 else rec.name,
                "active": flag(d, "disabled", False) is not True,  # unreadable counts as active
                "created": d.get("validAfterTime"),
                "expires": d.get("validBeforeTime"),
                "last_used": None,  # only in Policy Intelligence activity data: unknown
            }
        )
    return out


def _directory_facts(props: dict[str, Any], email: str, directory: Directory | None) -> None:
    if directory is None:
        props["mfa_unknown_reason"] = NO_DIRECTORY_REASON
        return
    if directory.error:
        props["mfa_unknown_reason"] = f"the Directory API could not be read: {directory.error}"
        return
    user = directory.users.get(email)
    if user is None:
        props["mfa_unknown_reason"] = (
            f"{email} is not a user of directory customer {directory.customer} "
            "(a consumer or another organisation's account)"
        )
        return
    props.update(_from_directory(user))


def _from_directory(user: Mapping[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {"mfa_evidence": "directory_api"}
    enrolled = flag(dict(user), "isEnrolledIn2Sv")
    if enrolled is not None:
        props["mfa"] = enrolled
    else:
        props["mfa_unknown_reason"] = "the Directory API answer has no boolean isEnrolledIn2Sv"
    enforced = flag(dict(user), "isEnforcedIn2Sv")
    if enforced is not None:
        props["mfa_enforced"] = enforced
    suspended = flag(dict(user), "suspended")
    if suspended is not None:
        props["console_access"] = not suspended
        props["suspended"] = suspended
    if user.get("creationTime"):
        props["created"] = user["creationTime"]
    last = user.get("lastLoginTime")
    if last:
        props["last_used"] = "never" if last in _NEVER else last
    return props


def _directory_admins(inv: Inventory, ctx: Context, directory: Directory, principals: dict[str, Any]) -> None:
    """Cloud Identity super administrators can make themselves organisation admins: privileged."""
    seen: set[str] = set()
    for user in directory.users.values():
        email = str(user.get("primaryEmail") or "").lower()
        if not email or email in seen or flag(dict(user), "isAdmin") is not True:
            continue
        seen.add(email)
        key = "user:" + email
        existing = inv.get(key)
        props = dict(existing.properties) if existing else {"human": True, "roles": [], "actions": []}
        props.update(_from_directory(user))
        props["privileged"] = True
        props["privileged_reason"] = "Cloud Identity / Workspace super administrator"
        inv.add(
            Resource(
                provider="gcp",
                account=existing.account if existing else (ctx.default_org or directory.customer or "unknown"),
                region="global",
                kind=Kind.IDENTITY_USER,
                native_type="iam.googleapis.com/User",
                id=key,
                name=email,
                properties=props,
                raw={"member": key, "directory": {"isAdmin": True}},
            )
        )
