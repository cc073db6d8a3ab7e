"""MFA on privileged accounts (ETG 8.2.3, CSM CC-17020 b(e)) and their credentials."""

from __future__ import annotations

import fnmatch
from datetime import timedelta

from policies.base import Context, Outcome, failed, not_applicable, parse_time, passed, unknown
from scanner.model import Resource


def _break_glass(r: Resource, ctx: Context) -> bool:
    return bool(r.prop("root")) or str(r.tags.get(ctx.config.break_glass_tag, "")).lower() == "true"


def _privileged(r: Resource, ctx: Context) -> tuple[bool | None, str]:
    if _break_glass(r, ctx):
        return True, "root or break-glass identity"
    return ctx.privileged(r)


def _mfa_outcome(r: Resource, subject: str) -> Outcome:
    mfa = r.prop("mfa")
    evidence = {"mfa": mfa, "mfa_evidence": r.prop("mfa_evidence")}
    if mfa is None:
        reason = r.prop("mfa_unknown_reason") or "the MFA state could not be read"
        return unknown(f"MFA state of {subject} is unknown: {reason}", **evidence)
    if mfa:
        return passed(f"{subject} has MFA", **evidence)
    return failed(f"{subject} has no MFA", **evidence)


def root_account_mfa(r: Resource, ctx: Context) -> Outcome:
    if not _break_glass(r, ctx):
        return not_applicable("not a root or break-glass identity")
    return _mfa_outcome(r, "the root / break-glass identity")


def privileged_user_mfa(r: Resource, ctx: Context) -> Outcome:
    if _break_glass(r, ctx):
        return not_applicable("root / break-glass identity: see mfa.root_account")
    human = r.prop("human")
    if human is False:
        return not_applicable("not a human identity (no interactive sign-in)", human=False)
    priv, why = ctx.privileged(r)
    if priv is None:
        return unknown(f"whether this identity is privileged is unknown ({why})", privileged=None)
    if not priv:
        return not_applicable(f"not privileged ({why})", privileged=False)
    if human is None:
        return unknown("privileged, but whether it signs in interactively is unknown", privileged=True, reason=why)
    if r.prop("console_access") is False:
        return not_applicable(
            "privileged but has no interactive sign-in: see mfa.privileged_access_keys",
            privileged=True,
            console_access=False,
        )
    out = _mfa_outcome(r, f"privileged user ({why})")
    return out._replace(evidence={**out.evidence, "privileged": True, "privileged_reason": why})


def privileged_access_keys(r: Resource, ctx: Context) -> Outcome:
    priv, why = _privileged(r, ctx)
    if priv is None:
        return unknown(f"whether this identity is privileged is unknown ({why})", privileged=None)
    if not priv:
        return not_applicable(f"not privileged ({why})", privileged=False)
    keys = r.prop("access_keys")
    if keys is None:
        return unknown("privileged, but its long-lived access keys could not be read", privileged=True)
    active = [k for k in keys if k.get("active") is not False]
    if not active:
        return passed("privileged identity has no active long-lived access key", privileged_reason=why, active_keys=0)
    described = []
    for k in active:
        created = parse_time(k.get("created"))
        age = f"{(ctx.now - created).days} days old" if created else "age unknown"
        described.append(f"{k.get('id', '?')} ({age})")
    return failed(
        f"privileged identity ({why}) has {len(active)} active long-lived access key(s): {', '.join(described)}",
        privileged_reason=why,
        active_keys=[k.get("id") for k in active],
    )


def unused_privileged_credentials(r: Resource, ctx: Context) -> Outcome:
    if _break_glass(r, ctx):
        return not_applicable("root / break-glass identity: kept unused by design")
    priv, why = ctx.privileged(r)
    if priv is None:
        return unknown(f"whether this identity is privileged is unknown ({why})", privileged=None)
    if not priv:
        return not_applicable(f"not privileged ({why})", privileged=False)
    limit = ctx.config.unused_credentials_days
    last_used = r.prop("last_used")
    if last_used is None:
        return unknown("privileged, but when its credentials were last used is unknown", privileged=True)
    if last_used == "never":
        return _never_used(r, ctx, limit)
    used = parse_time(last_used)
    if used is None:
        return unknown(f"unreadable last-used time {last_used!r}")
    idle = (ctx.now - used).days
    evidence = {"last_used": last_used, "idle_days": idle, "limit_days": limit}
    if idle > limit:
        return failed(f"privileged credentials unused for {idle} days (limit {limit}; review or remove)", **evidence)
    return passed(f"privileged credentials last used {idle} days ago", **evidence)


def _never_used(r: Resource, ctx: Context, limit: int) -> Outcome:
    """No use on record. The provider records use only since a date (AWS: passwords since
    2014-10-20, access keys since 2015-04-22) or over a trailing window (a role's last use:
    400 days), so the credentials have been idle since the later of their creation and the
    start of that record."""
    created = parse_time(r.prop("created"))
    since = parse_time(r.prop("last_used_tracked_since"))
    window = r.prop("last_used_window_days")
    if window:
        start = ctx.now - timedelta(days=int(window))
        since = max(since, start) if since else start
    evidence = {"last_used": "never", "created": r.prop("created"), "recorded_since": since.isoformat() if since else None,
                "limit_days": limit}
    if created is not None and (since is None or created >= since):
        idle = (ctx.now - created).days
        evidence["idle_days"] = idle
        if idle > limit:
            return failed(f"privileged credentials never used in the {idle} days since creation (limit {limit})", **evidence)
        return passed(f"privileged credentials created {idle} days ago, not yet used (limit {limit})", **evidence)
    if since is None:
        return unknown("privileged credentials never used, and their creation date is unknown", **evidence)
    idle = (ctx.now - since).days
    evidence["idle_days"] = idle
    if idle > limit:
        return failed(f"privileged credentials not used in at least {idle} days (no use on record since "
                      f"{since.date().isoformat()}; limit {limit})", **evidence)
    return unknown(f"privileged credentials not used since {since.date().isoformat()}, and their creation date is unknown",
                   **evidence)


def _principal_human(p: dict, ctx: Context, depth: int = 0) -> bool | None:
    """Whether a person can be behind a trusted principal; a role is as human as whoever
    may assume it (looked up in the inventory, three levels deep)."""
    if p.get("kind") != "role" or p.get("human") is not None:
        return p.get("human")
    role = ctx.inventory.get(p.get("principal", ""))
    if role is None or depth >= 3:
        return None
    if role.prop("human") is not None:
        return role.prop("human")
    inner = [_principal_human(q, ctx, depth + 1) for q in role.prop("trust_principals") or []]
    if any(h is True for h in inner):
        return True
    if inner and all(h is False for h in inner):
        return False
    return None


def _describe(p: dict) -> str:
    return f"{p.get('kind', p.get('type'))} {p.get('principal')}"


def privileged_role_mfa(r: Resource, ctx: Context) -> Outcome:
    """ETG 8.2.3 for roles: a privileged role people can assume requires MFA to assume it."""
    if r.prop("human") is False:
        return not_applicable("only services or workloads can assume this role", human=False)
    principals = r.prop("trust_principals")
    if principals is None:
        return unknown("who can assume this role is unknown: its trust policy could not be read")
    people, maybe = [], []
    for p in principals:
        h = _principal_human(p, ctx)
        if h is True:
            people.append(p)
        elif h is None:
            maybe.append(p)
    trusted = [_describe(p) for p in principals]
    if not people and not maybe:
        return not_applicable("only services or workloads can assume this role", trusted=trusted)
    priv, why = ctx.privileged(r)
    if priv is None:
        return unknown(f"whether this role is privileged is unknown ({why})", privileged=None, trusted=trusted)
    if not priv:
        return not_applicable(f"not privileged ({why})", privileged=False)
    idps = ctx.config.mfa_enforcing_idps
    without, unseen, declared = [], [], []
    for p in people + maybe:
        if p.get("mfa") is True:
            continue
        if p.get("kind") in ("saml", "oidc"):
            if any(fnmatch.fnmatchcase(p["principal"], g) for g in idps):
                declared.append(p["principal"])
            else:
                unseen.append(p)
        elif p in people:
            without.append(p)
        else:
            unseen.append(p)
    evidence = {"privileged_reason": why, "trusted": trusted, "mfa_enforcing_idps": declared}
    if without:
        return failed(f"people can assume this privileged role ({why}) without MFA: "
                      + "; ".join(f"{_describe(p)} (no aws:MultiFactorAuthPresent / aws:MultiFactorAuthAge condition)"
                                  for p in without), **evidence)
    if unseen:
        reasons = []
        for p in unseen:
            if p.get("kind") in ("saml", "oidc"):
                reasons.append(f"{_describe(p)}: sign-in MFA is the identity provider's, which AWS does not show "
                               "(list the provider in identity.mfa_enforcing_idps once verified)")
            else:
                reasons.append(f"{_describe(p)}: whether people assume that role is unknown")
        return unknown(f"privileged role ({why}): MFA of who assumes it is unknown: " + "; ".join(reasons), **evidence)
    how = "the trust policy requires MFA"
    if declared:
        how += f"; identity providers declared to enforce MFA: {', '.join(declared)}"
    return passed(f"privileged role ({why}): {how}", **evidence)
