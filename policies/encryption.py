"""Encryption at rest (ETG 8.1.1), with customer-managed keys (ETG 8.7.3), and key hygiene."""

from __future__ import annotations

from policies.base import Context, Outcome, failed, not_applicable, passed, unknown
from scanner.model import Resource

_INACTIVE_KEY_STATES = {"disabled", "pending_deletion", "destroyed", "pending_import"}


def encrypted_at_rest(r: Resource, ctx: Context) -> Outcome:
    """ETG 8.1.1: encrypted by any key, provider- or customer-managed."""
    manager, how = ctx.key_manager(r)
    evidence = {"key_manager": manager, "decided_by": how, "key_id": r.prop("encryption.key_id")}
    if manager is None:
        return unknown(f"whether this resource is encrypted at rest is unknown ({how})", **evidence)
    if manager in ("customer", "provider"):
        return passed(f"encrypted at rest with a {manager}-managed key", **evidence)
    if manager == "none":
        return failed("not encrypted at rest", **evidence)
    return unknown(f"unrecognised key manager {manager!r}", **evidence)


def customer_managed_key(r: Resource, ctx: Context) -> Outcome:
    manager, how = ctx.key_manager(r)
    evidence = {"key_manager": manager, "decided_by": how, "key_id": r.prop("encryption.key_id")}
    if manager is None:
        return unknown(f"which key encrypts this resource is unknown ({how})", **evidence)
    if manager == "customer":
        return passed("encrypted with a customer-managed key", **evidence)
    if manager == "provider":
        return failed("encrypted with a provider-managed key, not a customer-managed one", **evidence)
    if manager == "none":
        return failed("not encrypted at rest", **evidence)
    return unknown(f"unrecognised key manager {manager!r}", **evidence)


def key_rotation(r: Resource, ctx: Context) -> Outcome:
    if r.prop("key_manager") == "provider":
        return not_applicable("provider-managed key: the provider rotates it")
    if r.prop("key_manager") is None:
        return unknown("whether this key is customer- or provider-managed is unknown")
    state = r.prop("state")
    if state in _INACTIVE_KEY_STATES:
        return not_applicable(f"key is {state}", state=state)
    if r.prop("rotation_supported") is False:
        return not_applicable("this key type does not support automatic rotation (asymmetric, HMAC or imported)")
    rotation = r.prop("rotation_enabled")
    evidence = {"rotation_enabled": rotation, "rotation_period_days": r.prop("rotation_period_days")}
    if rotation is None:
        return unknown("the key's rotation status could not be read", **evidence)
    if rotation:
        return passed("automatic rotation is enabled", **evidence)
    return failed("automatic rotation is disabled on a customer-managed key", **evidence)


def key_policy_public(r: Resource, ctx: Context) -> Outcome:
    public = r.prop("policy_public")
    if public is None:
        if r.prop("state") in ("pending_deletion", "destroyed"):
            # KMS refuses every use of a key scheduled for deletion; its policy is not read
            return not_applicable(f"key is {r.prop('state')}: it can no longer be used", state=r.prop("state"))
        if r.prop("key_manager") == "provider":
            # the provider writes and fixes its own keys' policies (AWS: Principal * confined by
            # kms:CallerAccount and kms:ViaService); nothing the customer set can open them
            return not_applicable("provider-managed key: its policy is the provider's and cannot be changed",
                                  key_manager="provider")
        return unknown("the key policy could not be read")
    if public:
        return failed("the key policy lets anyone use or manage the key", policy_public=True)
    return passed("the key policy does not grant access to everyone", policy_public=False)


# --- encryption in transit (ETG 8.1.1, 8.2.1; 8.7.1 for material services) -------------------

_TLS_ORDER = ("1.0", "1.1", "1.2", "1.3")


def tls_required(r: Resource, ctx: Context) -> Outcome:
    required = r.prop("transit.tls_required")
    by = r.prop("transit.tls_required_by")
    evidence = {"tls_required": required, "by": by}
    if required is True:
        return passed(f"unencrypted connections are refused ({by or 'setting read'})", **evidence)
    if required is False:
        return failed(f"unencrypted connections are accepted ({by or 'setting read'})", **evidence)
    if by and str(by).startswith("not configurable"):
        return not_applicable(f"the service has no setting that refuses unencrypted connections: {by}", **evidence)
    return unknown("whether unencrypted connections are refused could not be read" + (f" ({by})" if by else ""), **evidence)


def tls_minimum_version(r: Resource, ctx: Context) -> Outcome:
    wanted = str(ctx.params.get("min_version") or "1.2")
    version = r.prop("transit.min_tls_version")
    by = r.prop("transit.min_tls_by")
    evidence = {"min_tls_version": version, "by": by, "required": wanted}
    if r.kind == "network.load_balancer" and r.prop("tls.listeners") == 0:
        return not_applicable("no listener terminates TLS here", **evidence)
    if version is None:
        if by and str(by).startswith("not configurable"):
            return not_applicable(f"the service has no minimum-TLS setting: {by}", **evidence)
        return unknown("the minimum TLS version could not be read" + (f" ({by})" if by else ""), **evidence)
    if version not in _TLS_ORDER:
        return unknown(f"unrecognised TLS version {version!r}", **evidence)
    if _TLS_ORDER.index(version) >= _TLS_ORDER.index(wanted):
        return passed(f"accepts TLS {version} or later ({by or 'setting read'})", **evidence)
    return failed(f"accepts TLS {version}, older than {wanted} ({by or 'setting read'})", **evidence)


# --- keys in hardware (ETG 8.7.4) ---------------------------------------------------------------


def key_in_hsm(r: Resource, ctx: Context) -> Outcome:
    if r.prop("key_manager") == "provider":
        return not_applicable("provider-managed key: where it is held is the provider's", key_manager="provider")
    state = r.prop("state")
    if state in ("pending_deletion", "destroyed"):
        return not_applicable(f"key is {state}", state=state)
    level = r.prop("protection_level")
    evidence = {"protection_level": level, "evidence": r.prop("protection_evidence")}
    how = f" ({r.prop('protection_evidence')})" if r.prop("protection_evidence") else ""
    if level in ("hsm", "hsm_dedicated"):
        kind = "a single-tenant HSM" if level == "hsm_dedicated" else "a hardware security module"
        return passed(f"the key is held in {kind}{how}", **evidence)
    if level == "software":
        return failed(f"the key is software-protected, not held in a hardware security module{how}", **evidence)
    if level == "external":
        return unknown("the key is held in an external key manager outside the cloud: whether it is a certified HSM "
                       f"cannot be read from the cloud{how}", **evidence)
    return unknown("the key's protection level could not be read", **evidence)
