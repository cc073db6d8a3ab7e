"""KMS keys: normalize ``DescribeKey`` & co., and resolve the key references other
resources carry (key id, key ARN, alias name, alias ARN) to one key ARN and its manager.

AWS-managed keys are the ones behind ``alias/aws/*``: real AWS says ``KeyManager: AWS``
for them, moto says ``CUSTOMER``; the alias decides when the two disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.connectors.aws.common import (
    PROVIDER,
    as_list,
    iso,
    policy_document,
    statements,
    tag_map,
)
from scanner.connectors.values import flag
from scanner.model import Relationship, RelType, Resource

__all__ = ["KeyIndex", "kms_key", "key_policy_public", "encryption"]

_STATES = {
    "Enabled": "enabled",
    "Disabled": "disabled",
    "PendingImport": "disabled",
    "Unavailable": "disabled",
    "Creating": "enabled",
    "Updating": "enabled",
    "PendingDeletion": "pending_deletion",
    "PendingReplicaDeletion": "pending_deletion",
}

#: Condition keys that confine a ``Principal: *`` statement to one account or organisation
#: (or to its own network). ``kms:ViaService`` alone does not: any account's principals may
#: call KMS through that service; AWS-managed keys pair it with ``kms:CallerAccount``.
_RESTRICTING = frozenset({"kms:calleraccount", "aws:principalorgid", "aws:principalaccount", "aws:sourceaccount",
                          "aws:principalarn", "aws:sourceorgid", "aws:sourcevpce", "aws:sourcevpc", "aws:principalorgpaths",
                          "aws:sourcearn"})


_ACCOUNT_KEYS = frozenset({"kms:calleraccount", "aws:principalaccount", "aws:sourceaccount"})
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
_ORG_KEYS = frozenset({"aws:principalorgid", "aws:sourceorgid"})


def _concrete(key: str, value: str) -> bool:
    """Whether one condition value names one account / organisation / network, not any."""
    if key in _ACCOUNT_KEYS:
        return value.isdigit() and len(value) == 12
    if key in _ARN_KEYS:  # the account field must be concrete: arn:aws:iam::*:role/x is any account's
        parts = value.split(":")
        return len(parts) > 4 and parts[4].isdigit() and len(parts[4]) == 12
    if key in _ORG_KEYS:
        return value.startswith("o-") and "*" not in value and "?" not in value
    if key == "aws:principalorgpaths":
        org = value.split("/", 1)[0]
        return org.startswith("o-") and "*" not in org and "?" not in org
    return bool(value.strip("*?"))  # aws:SourceVpc / aws:SourceVpce


def _confines(operator: str, key: str, values: Any) -> bool:
    """Whether a condition limits who matches to one account, organisation or network.
    Negated operators, ``...IfExists`` (a missing key matches), ``Null`` and wildcard values
    (``*``, an ARN with any account) do not."""
    op = operator.split(":")[-1].lower()
    if op.startswith(("stringnot", "arnnot")) or op.endswith("ifexists") or op == "null":
        return False
    if not op.startswith(("string", "arn")):
        return False
    vals = [str(v) for v in as_list(values)]
    return bool(vals) and all(_concrete(key, v) for v in vals)


def key_policy_public(policy: Any) -> bool | None:
    """Whether an Allow statement lets anyone (``Principal: *``, or ``NotPrincipal``: everyone
    but those named) use the key with no condition that confines it to an account or
    organisation (see :data:`_RESTRICTING`)."""
    doc = policy_document(policy)
    if doc is None:
        return None
    for st in statements(doc):
        if st.get("Effect") != "Allow":
            continue
        p = st.get("Principal")
        everyone = ("NotPrincipal" in st or p == "*"
                    or (isinstance(p, Mapping) and "*" in [str(v) for v in as_list(p.get("AWS"))]))
        if not everyone:
            continue
        cond = st.get("Condition") or {}
        confined = any(
            key.lower() in _RESTRICTING and _confines(str(op), key.lower(), values)
            for op, body in cond.items() if isinstance(body, Mapping)
            for key, values in body.items()
        )
        if not confined:
            return True
    return False


def key_manager_of(metadata: Mapping[str, Any], aliases: Iterable[str]) -> str | None:
    if any(a.startswith("alias/aws/") for a in aliases):
        return "provider"
    km = metadata.get("KeyManager")
    if km == "AWS":
        return "provider"
    if km == "CUSTOMER":
        return "customer"
    return None


#: Origin → where the key material is held. AWS KMS keeps key material in its own HSMs,
#: validated under FIPS 140-2 Security Level 3 (AWS KMS FAQ, "FIPS 140"); imported material
#: (EXTERNAL) is held there too once imported; a CloudHSM key store is a single-tenant cluster
#: of the firm's; an external key store is the firm's own key manager outside AWS.
_ORIGIN_PROTECTION = {
    "AWS_KMS": ("hsm", "origin AWS_KMS: AWS KMS HSMs (FIPS 140-2 Level 3)"),
    "EXTERNAL": ("hsm", "origin EXTERNAL: imported key material, held in AWS KMS HSMs"),
    "AWS_CLOUDHSM": ("hsm_dedicated", "origin AWS_CLOUDHSM: the firm's CloudHSM cluster (custom key store)"),
    "EXTERNAL_KEY_STORE": ("external", "origin EXTERNAL_KEY_STORE: the firm's external key manager"),
}


def protection(md: Mapping[str, Any]) -> dict[str, Any]:
    """``protection_level`` and its evidence from DescribeKey's ``Origin`` (empty if unknown)."""
    level = _ORIGIN_PROTECTION.get(str(md.get("Origin") or ""))
    return {"protection_level": level[0], "protection_evidence": level[1]} if level else {}


def kms_key(account: str, region: str, entry: Mapping[str, Any], tags: Mapping[str, str] | None = None) -> Resource:
    """``entry`` = ``{"KeyMetadata": DescribeKey's, "Aliases": [names], "Rotation":
    GetKeyRotationStatus's, "Policy": GetKeyPolicy's text}``; absent parts are unknown."""
    md = entry["KeyMetadata"]
    aliases = [str(a) for a in entry.get("Aliases") or []]
    manager = key_manager_of(md, aliases)
    props: dict[str, Any] = {
        "key_manager": manager,
        "state": _STATES.get(md.get("KeyState", ""), None),
        "aliases": aliases,
        "key_spec": md.get("KeySpec") or md.get("CustomerMasterKeySpec"),
        "origin": md.get("Origin"),
        **protection(md),
        "multi_region": md.get("MultiRegion"),
        "created": iso(md.get("CreationDate")),
    }
    if manager == "provider":
        # AWS rotates AWS-managed keys every year; customers cannot change that.
        props["rotation_enabled"], props["rotation_period_days"] = True, 365
    elif "Rotation" in entry and entry["Rotation"] is not None:
        rot = entry["Rotation"]
        props["rotation_enabled"] = flag(rot, "KeyRotationEnabled")
        if rot.get("RotationPeriodInDays"):
            props["rotation_period_days"] = int(rot["RotationPeriodInDays"])
        elif props["rotation_enabled"]:
            props["rotation_period_days"] = 365
    elif props["key_spec"] not in (None, "SYMMETRIC_DEFAULT") or md.get("Origin") in ("EXTERNAL", "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"):
        props["rotation_enabled"] = False  # KMS cannot rotate asymmetric, HMAC or imported keys
        props["rotation_unsupported"] = True
    if entry.get("Policy") is not None:
        # AWS-managed keys too: their policy is AWS's (Principal * confined by
        # kms:CallerAccount and kms:ViaService), read and judged like any other
        props["policy_public"] = key_policy_public(entry["Policy"])
    name = next((a for a in aliases), md.get("KeyId", ""))
    return Resource(PROVIDER, account, region, "kms.key", "AWS::KMS::Key", md["Arn"], name, dict(tags or {}), props,
                    {"KeyMetadata": md, "Aliases": aliases})


@dataclass
class KeyIndex:
    """Every key and alias seen in one account, to resolve references to them."""

    account: str
    partition: str = "aws"
    managers: dict[str, str | None] = field(default_factory=dict)  # key ARN → manager
    by_id: dict[tuple[str, str], str] = field(default_factory=dict)  # (region, key id) → ARN
    aliases: dict[tuple[str, str], str] = field(default_factory=dict)  # (region, alias/x) → key ARN

    def add_key(self, key: Resource) -> None:
        self.managers[key.id] = key.prop("key_manager")
        self.by_id[(key.region or "", key.id.rsplit("/", 1)[-1])] = key.id
        for a in key.prop("aliases") or []:
            self.aliases[(key.region or "", a)] = key.id

    def resolve(self, ref: str, region: str | None) -> tuple[str, str | None]:
        """(key ARN — or alias ARN when the alias is unknown —, manager or None)."""
        ref = ref.strip()
        region = region or ""
        if ref.startswith("arn:"):
            parts = ref.split(":", 5)
            region = parts[3] if len(parts) > 3 else region
            resource = parts[5] if len(parts) > 5 else ""
            if resource.startswith("key/"):
                return ref, self.managers.get(ref)
            if resource.startswith("alias/"):
                return self._alias(resource, region, parts[4] if len(parts) > 4 else self.account)
            return ref, None
        if ref.startswith("alias/"):
            return self._alias(ref, region, self.account)
        arn = self.by_id.get((region, ref)) or f"arn:{self.partition}:kms:{region}:{self.account}:key/{ref}"
        return arn, self.managers.get(arn)

    def _alias(self, alias: str, region: str, account: str) -> tuple[str, str | None]:
        arn = self.aliases.get((region, alias))
        if arn:
            return arn, self.managers.get(arn)
        manager = "provider" if alias.startswith("alias/aws/") else None
        return f"arn:{self.partition}:kms:{region}:{account}:{alias}", manager


def encryption(
    source_id: str,
    region: str | None,
    keys: KeyIndex,
    *,
    enabled: bool | None,
    key_ref: str | None = None,
    provider_default: bool = False,
) -> tuple[dict[str, Any], list[Relationship]]:
    """Canonical encryption properties and the ``encrypted_by`` edge for one resource.

    ``enabled=None`` → unknown (nothing written). ``provider_default`` → encrypted with a
    key the service owns when no key is named (DynamoDB, CloudWatch Logs, SSE-S3, SQS-SSE).
    """
    if enabled is None:
        return {}, []
    if not enabled:
        return {"encryption.enabled": False, "encryption.key_manager": "none"}, []
    if not key_ref:
        if provider_default:
            return {"encryption.enabled": True, "encryption.key_manager": "provider"}, []
        return {"encryption.enabled": True}, []
    arn, manager = keys.resolve(key_ref, region)
    props: dict[str, Any] = {"encryption.enabled": True, "encryption.key_id": arn}
    if manager:
        props["encryption.key_manager"] = manager
    return props, [Relationship(source_id, RelType.ENCRYPTED_BY, arn)]


def kms_keys(account: str, region: str, entries: Iterable[Mapping[str, Any]], tags: Mapping[str, Mapping[str, str]]) -> list[Resource]:
    out = []
    for e in entries:
        md = e.get("KeyMetadata") or {}
        if not md.get("Arn"):
            continue
        out.append(kms_key(account, region, e, tag_map(tags.get(md["Arn"]))))
    return out
