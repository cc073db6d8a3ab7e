"""IAM payloads → identities: users (incl. root), groups, roles, with MFA and privilege.

Inputs are the raw payloads of three bulk calls, each optional (absent = unreadable,
so the properties it would give stay unknown):

* ``credential_report`` — the CSV text of ``GetCredentialReport`` (MFA, password,
  access keys and their last use, for every user in one call);
* ``account_summary`` — ``GetAccountSummary``'s ``SummaryMap`` (``AccountMFAEnabled``:
  the root user's MFA; moto's credential report has no ``<root_account>`` row);
* ``authorization_details`` — ``GetAccountAuthorizationDetails`` merged over pages
  (users, groups, roles, their inline policies, and managed policies with versions);
* ``virtual_mfa_devices`` — ``ListVirtualMFADevices`` (tells virtual from hardware root MFA).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.connectors.aws.common import (
    PROVIDER,
    as_list,
    iso,
    policy_document,
    statements,
    tag_map,
)
from scanner.connectors.aws.trust import human_from_principals, trust_principals
from scanner.connectors.values import strict_int
from scanner.model import Relationship, RelType, Resource

__all__ = ["identities", "parse_credential_report", "allowed_actions"]

ROOT_ROW = "<root_account>"


def parse_credential_report(text: str | bytes) -> list[dict[str, str]]:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return [dict(row) for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff")))]


def _bool(value: str | None) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v == "true":
        return True
    if v == "false":
        return False
    return None  # not_supported, N/A, no_information: not a yes/no answer


def _when(value: str | None) -> str | None:
    if not value or value.strip().lower() in {"n/a", "no_information", "not_supported"}:
        return None
    return iso(value)


def _access_keys(row: Mapping[str, str]) -> list[dict[str, Any]]:
    keys = []
    for n in (1, 2):
        active = _bool(row.get(f"access_key_{n}_active"))
        created = _when(row.get(f"access_key_{n}_last_rotated"))
        if active is None or (not active and created is None):
            continue  # no key in this slot
        keys.append(
            {
                "id": f"access_key_{n}",  # the report names slots, not key ids
                "active": active,
                "created": created,
                "last_used": _when(row.get(f"access_key_{n}_last_used_date")),
            }
        )
    return keys


#: When IAM began recording each kind of use (Finding unused credentials, IAM User Guide):
#: ``no_information`` / ``N/A`` means "not used since then", which for a user created later
#: is "never used".
PASSWORD_TRACKED_SINCE = "2014-10-20T00:00:00Z"
ACCESS_KEY_TRACKED_SINCE = "2015-04-22T00:00:00Z"
#: ``RoleLastUsed`` covers the trailing 400 days (GetAccountAuthorizationDetails, RoleLastUsed).
ROLE_LAST_USED_WINDOW_DAYS = 400


def _last_used(row: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(latest use of any credential — or "never" —, since when IAM would have recorded a use).

    ``password_last_used``: ``N/A`` = no password; ``no_information`` = not used since IAM
    began tracking (2014-10-20). ``access_key_N_last_used_date``: ``N/A`` = no key, or never
    used (since 2015-04-22). Anything else that is not a time is unknown (None)."""
    seen: list[str] = []
    unknown = False
    tracked: list[str] = []
    for f, since in (("password_last_used", PASSWORD_TRACKED_SINCE), ("access_key_1_last_used_date", ACCESS_KEY_TRACKED_SINCE),
                     ("access_key_2_last_used_date", ACCESS_KEY_TRACKED_SINCE)):
        raw = (row.get(f) or "").strip()
        low = raw.lower()
        if low in {"", "not_supported"}:
            continue  # no such credential
        if low in {"n/a", "no_information"}:
            if f == "password_last_used" and low == "n/a":
                continue  # no password
            tracked.append(since)  # the credential exists (or may) and has not been used since
            continue
        when = iso(raw)
        if when:
            seen.append(when)
        else:
            unknown = True
    if unknown:
        return None, None
    if seen:
        return max(seen), None
    return "never", (min(tracked) if tracked else None)


def allowed_actions(doc: Mapping[str, Any] | None) -> list[str]:
    """Action patterns of Allow statements. ``NotAction`` in an Allow grants everything
    not listed, so it counts as ``*`` (PowerUserAccess is written that way)."""
    out: list[str] = []
    for st in statements(doc):
        if st.get("Effect") != "Allow":
            continue
        if "NotAction" in st:
            out.append("*")
        out.extend(str(a) for a in as_list(st.get("Action")))
    return out


class _Grants:
    """Resolves names and Allow actions of attached managed and inline policies.

    Only the managed policies something is attached to are parsed, each once, on first
    use (an emulator's answer holds every AWS-managed policy; real AWS the ones in use).
    Entities with the same attached policies and no inline ones (the users of a group,
    the roles of one managed policy) share one sorted action list."""

    def __init__(self, policies: Iterable[Mapping[str, Any]]) -> None:
        self._raw: dict[str, Mapping[str, Any]] = {p.get("Arn", ""): p for p in policies}
        self._actions: dict[str, list[str] | None] = {}
        self._combined: dict[tuple[str, ...], tuple[list[str], list[str] | None]] = {}

    def _managed(self, arn: str) -> list[str] | None:
        """The Allow actions of one managed policy's default version; None if unreadable."""
        try:
            return self._actions[arn]
        except KeyError:
            pass
        doc = None
        p = self._raw.get(arn)
        if p is not None:
            default = p.get("DefaultVersionId")
            for v in p.get("PolicyVersionList") or []:
                if v.get("IsDefaultVersion") or (default and v.get("VersionId") == default):
                    doc = policy_document(v.get("Document"))
        acts = self._actions[arn] = None if doc is None else allowed_actions(doc)
        return acts

    def of(self, entity: Mapping[str, Any], inline_key: str) -> tuple[list[str], list[str] | None]:
        """(policy names, sorted distinct Allow actions or None when a policy is unreadable)."""
        attached = entity.get("AttachedManagedPolicies") or []
        inlines = entity.get(inline_key) or []
        key = None
        if not inlines:
            key = tuple(att.get("PolicyArn", "") for att in attached)
            hit = self._combined.get(key)
            if hit is not None:  # copies: each resource owns its properties
                return list(hit[0]), None if hit[1] is None else list(hit[1])
        names: list[str] = []
        actions: list[str] | None = []
        for att in attached:
            names.append(att.get("PolicyName", ""))
            acts = self._managed(att.get("PolicyArn", ""))
            if acts is None:
                actions = None  # a managed policy we could not read: actions unknown
            elif actions is not None:
                actions.extend(acts)
        for inline in inlines:
            names.append(inline.get("PolicyName", ""))
            doc = policy_document(inline.get("PolicyDocument"))
            if doc is None:
                actions = None
            elif actions is not None:
                actions.extend(allowed_actions(doc))
        names = sorted(set(names))
        result = None if actions is None else sorted(set(actions))
        if key is not None:
            self._combined[key] = (names, result)
            return list(names), None if result is None else list(result)
        return names, result


def identities(account: str, iam: Mapping[str, Any], partition: str = "aws") -> tuple[list[Resource], list[Relationship]]:
    resources: list[Resource] = []
    rels: list[Relationship] = []
    report = iam.get("credential_report")
    rows = {r.get("arn", ""): r for r in parse_credential_report(report)} if report is not None else None
    details = iam.get("authorization_details")
    summary = iam.get("account_summary")

    # --- root ------------------------------------------------------------------------
    root_arn = f"arn:{partition}:iam::{account}:root"
    root_row = next((r for r in (rows or {}).values() if r.get("user") == ROOT_ROW), None)
    root_props: dict[str, Any] = {"human": True, "root": True, "roles": ["root"], "actions": ["*"]}
    summary_mfa = strict_int(summary.get("AccountMFAEnabled")) if summary is not None else None
    if summary_mfa in (0, 1):  # SummaryMap counts: 1 = the root user has an MFA device
        root_props["mfa"] = bool(summary_mfa)
        root_props["mfa_evidence"] = "account_summary"
    elif root_row is not None and _bool(root_row.get("mfa_active")) is not None:
        root_props["mfa"] = _bool(root_row.get("mfa_active"))
        root_props["mfa_evidence"] = "credential_report"
    if root_props.get("mfa") and iam.get("virtual_mfa_devices") is not None:
        virtual = any(
            str((d.get("User") or {}).get("Arn", "")).endswith(":root") or d.get("SerialNumber", "").endswith("/root-account-mfa-device")
            for d in iam["virtual_mfa_devices"]
        )
        root_props["mfa_type"] = "virtual" if virtual else "hardware"
    if root_row is not None:
        root_props["access_keys"] = _access_keys(root_row)
        root_props["console_access"] = True  # the root user can always sign in
        root_props["created"] = _when(root_row.get("user_creation_time"))
        root_props["last_used"], root_props["last_used_tracked_since"] = _last_used(root_row)
    elif summary is not None and "AccountAccessKeysPresent" in summary:
        if not summary["AccountAccessKeysPresent"]:
            root_props["access_keys"] = []  # the summary says: no root access keys
        else:
            root_props["access_keys_present"] = True  # there are some; their age is unknown
    if summary is not None or root_row is not None:
        resources.append(
            Resource(PROVIDER, account, "global", "identity.user", "AWS::IAM::User", root_arn, ROOT_ROW, {}, root_props,
                     {"credential_report": root_row, "account_summary_mfa": (summary or {}).get("AccountMFAEnabled")})
        )

    # --- groups, users, roles ----------------------------------------------------------
    grants = _Grants((details or {}).get("Policies") or [])
    group_grants: dict[str, tuple[list[str], list[str] | None, str]] = {}
    for g in (details or {}).get("GroupDetailList") or []:
        names, actions = grants.of(g, "GroupPolicyList")
        group_grants[g["GroupName"]] = (names, actions, g["Arn"])
        resources.append(
            Resource(PROVIDER, account, "global", "identity.group", "AWS::IAM::Group", g["Arn"], g["GroupName"], {},
                     {"roles": names, "actions": actions})
        )

    seen_users: set[str] = set()
    for u in (details or {}).get("UserDetailList") or []:
        arn = u["Arn"]
        seen_users.add(arn)
        # the user's own policies only: what its groups grant stays with the group, reached
        # through member_of, so a finding says "policy X via group Y" (an unread group's
        # member has unknown privilege, see policies.base.Context.privileged)
        names, acts = grants.of(u, "UserPolicyList")
        for gname in u.get("GroupList") or []:
            g = group_grants.get(gname)
            gid = g[2] if g else f"arn:{partition}:iam::{account}:group/{gname}"
            rels.append(Relationship(arn, RelType.MEMBER_OF, gid))
        props: dict[str, Any] = {"root": False, "roles": names, "actions": acts,
                                 "groups": list(u.get("GroupList") or [])}
        props["created"] = iso(u.get("CreateDate"))
        props.update(_user_report_props(rows, arn))
        tags = tag_map(u.get("Tags"))
        resources.append(Resource(PROVIDER, account, "global", "identity.user", "AWS::IAM::User", arn, u.get("UserName", ""), tags, props,
                                  {"credential_report": (rows or {}).get(arn)}))

    for arn, row in (rows or {}).items():
        if row.get("user") == ROOT_ROW or arn in seen_users or not arn:
            continue
        # in the credential report but authorization details unreadable: privilege unknown
        props = {"root": False, "created": _when(row.get("user_creation_time"))}
        props.update(_user_report_props(rows, arn))
        resources.append(Resource(PROVIDER, account, "global", "identity.user", "AWS::IAM::User", arn, row.get("user", ""), {}, props,
                                  {"credential_report": row}))

    for r in (details or {}).get("RoleDetailList") or []:
        names, actions = grants.of(r, "RolePolicyList")
        trust_doc = policy_document(r.get("AssumeRolePolicyDocument"))
        principals = trust_principals(trust_doc)
        human = human_from_principals(principals)
        props = {"roles": names, "actions": actions,
                 "created": iso(r.get("CreateDate")), "path": r.get("Path"), "trust_principals": principals}
        if human is not None:
            props["human"] = human
        if isinstance(r.get("RoleLastUsed"), Mapping):
            last = r["RoleLastUsed"].get("LastUsedDate")
            if last:
                props["last_used"] = iso(last)  # None if not a time: unknown
            else:  # {}: not used within the window AWS reports
                props["last_used"], props["last_used_window_days"] = "never", ROLE_LAST_USED_WINDOW_DAYS
        else:
            props["last_used"] = None  # not in the answer: unknown
        resources.append(Resource(PROVIDER, account, "global", "identity.role", "AWS::IAM::Role", r["Arn"], r.get("RoleName", ""),
                                  tag_map(r.get("Tags")), props, {"AssumeRolePolicyDocument": trust_doc}))
        for p in principals or []:
            source = p["principal"] if p["type"] == "AWS" else f"{p['type'].lower()}:{p['principal']}"
            rels.append(Relationship(source, RelType.CAN_ASSUME, r["Arn"], {"principal_type": p["type"]}))
    return resources, rels


def _user_report_props(rows: Mapping[str, Mapping[str, str]] | None, arn: str) -> dict[str, Any]:
    """MFA, console access, keys and last use from the credential report (unknown without it)."""
    if rows is None:
        return {}
    row = rows.get(arn)
    if row is None:
        return {}  # created after the report was generated: unknown, not "no MFA"
    password = _bool(row.get("password_enabled"))
    props: dict[str, Any] = {
        "mfa": _bool(row.get("mfa_active")),
        "mfa_evidence": "credential_report",
        "console_access": password,
        "human": password,  # a console password is what makes an IAM user a person's
        "access_keys": _access_keys(row),
    }
    props["last_used"], props["last_used_tracked_since"] = _last_used(row)
    return props
