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
