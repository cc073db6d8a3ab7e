"""MFA on privileged accounts (ETG 8.2.3, CSM CC-17020 b(e)) and their credentials."""

from __future__ import annotations

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
        created = parse_time(r.prop("created"))
        if created is None:
            return unknown("privileged credentials never used, and their creation date is unknown")
        idle = (ctx.now - created).days
        evidence = {"last_used": "never", "created": r.prop("created"), "idle_days": idle, "limit_days": limit}
        if idle > limit:
            return failed(f"privileged credentials never used in the {idle} days since creation (limit {limit})", **evidence)
        return passed(f"privileged credentials created {idle} days ago, not yet used (limit {limit})", **evidence)
    used = parse_time(last_used)
    if used is None:
        return unknown(f"unreadable last-used time {last_used!r}")
    idle = (ctx.now - used).days
    evidence = {"last_used": last_used, "idle_days": idle, "limit_days": limit}
    if idle > limit:
        return failed(f"privileged credentials unused for {idle} days (limit {limit}; review or remove)", **evidence)
    return passed(f"privileged credentials last used {idle} days ago", **evidence)
