"""AWS Backup: vaults and recovery points → ``backup``, with where the plans copy them.

A plan rule backs up into ``TargetBackupVaultName`` and its ``CopyActions`` copy every
recovery point it makes to other vaults, often in other regions: the vault gets the
regions of every rule that targets it, a recovery point those of the rule that made it
(``CreatedBy.BackupRuleId``). Each copy is also a ``replicates_to`` edge carrying the
destination's region (from its ARN), so ``residency.replica_location`` judges it even
when that region was not scanned.

Same payload convention as :mod:`scanner.connectors.aws.normalize_data`: an absent key
was not read (unknown); ``plans=None`` means the plans could not be read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.connectors.aws.common import PROVIDER, arn_region, iso
from scanner.connectors.aws.keys import KeyIndex, encryption
from scanner.model import Relationship, RelType, Resource

__all__ = ["backup_vaults", "recovery_points", "PlanCopies"]

Out = tuple[list[Resource], list[Relationship]]


class PlanCopies:
    """Copy destinations (vault ARNs) of every rule of the plans read in one region."""

    def __init__(self, plans: Iterable[Mapping[str, Any]]) -> None:
        self.by_vault: dict[str, set[str]] = {}
        self.by_rule: dict[str, set[str]] = {}
        for plan in plans:
            for rule in (plan.get("BackupPlan") or plan).get("Rules") or []:
                dests = {c["DestinationBackupVaultArn"] for c in rule.get("CopyActions") or [] if c.get("DestinationBackupVaultArn")}
                self.by_vault.setdefault(rule.get("TargetBackupVaultName") or "", set()).update(dests)
                if rule.get("RuleId"):
                    self.by_rule[rule["RuleId"]] = dests


def _copies(source: str, region: str, dests: Iterable[str]) -> tuple[list[str], list[Relationship]]:
    """(regions other than ``region`` holding copies, one ``replicates_to`` edge per destination)."""
    rels, regions = [], set()
    for d in sorted(dests):
        dregion = arn_region(d)
        rels.append(Relationship(source, RelType.REPLICATES_TO, d, {"region": dregion} if dregion else {}))
        if dregion:
            regions.add(dregion)
    return sorted(regions - {region}), rels


def backup_vaults(account: str, region: str, vaults: Iterable[Mapping[str, Any]], plans: Iterable[Mapping[str, Any]] | None,
                  keys: KeyIndex, tags: Mapping[str, Mapping[str, str]]) -> Out:
    """Vaults, with the regions their plans copy recovery points to (``None`` plans = unknown)."""
    copies = PlanCopies(plans) if plans is not None else None
    resources, rels = [], []
    for v in vaults:
        arn = v["BackupVaultArn"]
        props, r = encryption(arn, region, keys, enabled=True, key_ref=v.get("EncryptionKeyArn"), provider_default=True)
        rels += r
        if copies is not None:
            props["replica_regions"], edges = _copies(arn, region, copies.by_vault.get(v.get("BackupVaultName", ""), set()))
            rels += edges
        props["recovery_points"] = v.get("NumberOfRecoveryPoints")
        props.update(vault_lock(v))
        resources.append(Resource(PROVIDER, account, region, "backup", "AWS::Backup::BackupVault", arn, v.get("BackupVaultName", ""),
                                  dict(tags.get(arn) or {}), props))
    return resources, rels


def vault_lock(v: Mapping[str, Any]) -> dict[str, Any]:
    """AWS Backup Vault Lock (``ListBackupVaults``: Locked, LockDate, MinRetentionDays).
    Compliance mode has a ``LockDate`` after which nobody can remove the lock (the policy
    compares it with the scan time); governance mode has none and yields to
    ``backup:DeleteBackupVaultLockConfiguration``."""
    locked = v.get("Locked")
    if not isinstance(locked, bool):
        return {"backup_vault": True}
    props: dict[str, Any] = {"backup_vault": True, "locked": locked,
                             "immutability": ("locked" if v.get("LockDate") else "unlocked") if locked else "none"}
    if v.get("LockDate"):
        props["lock_date"] = iso(v["LockDate"])
    if isinstance(v.get("MinRetentionDays"), int):
        props["min_retention_days"] = v["MinRetentionDays"]
    return props


def _encryption(arn: str, region: str, p: Mapping[str, Any], keys: KeyIndex) -> tuple[dict[str, Any], list[Relationship]]:
    if p.get("IsEncrypted") is False:
        return encryption(arn, region, keys, enabled=False)
    if p.get("EncryptionKeyArn"):
        return encryption(arn, region, keys, enabled=True, key_ref=p["EncryptionKeyArn"])
    if p.get("EncryptionKeyType") == "AWS_OWNED_KMS_KEY":
        return encryption(arn, region, keys, enabled=True, provider_default=True)
    return encryption(arn, region, keys, enabled=p.get("IsEncrypted"))  # key unknown: manager left out


def recovery_points(account: str, region: str, points: Iterable[Mapping[str, Any]], plans: Iterable[Mapping[str, Any]] | None,
                    keys: KeyIndex, tags: Mapping[str, Mapping[str, str]]) -> Out:
    """``ListRecoveryPointsByBackupVault`` entries. ``replica_regions`` is known only for a
    recovery point made by a plan rule that was read: an on-demand backup may have been
    copied by hand (a copy job), which the plans do not tell."""
    copies = PlanCopies(plans) if plans is not None else None
    resources, rels = [], []
    for p in points:
        arn = p.get("RecoveryPointArn")
        if not arn:
            continue
        props, r = _encryption(arn, region, p, keys)
        rels += r
        created_by = p.get("CreatedBy") or {}
        props.update({
            "created": iso(p.get("CreationDate")),
            "status": p.get("Status"),
            "resource_type": p.get("ResourceType"),
            "vault": p.get("BackupVaultArn"),
            "backup_plan": created_by.get("BackupPlanArn") or created_by.get("BackupPlanId"),
        })
        if p.get("SourceBackupVaultArn"):
            props["copied_from_vault"] = p["SourceBackupVaultArn"]
        delete_after = (p.get("Lifecycle") or {}).get("DeleteAfterDays")
        if delete_after:
            props["delete_after_days"] = int(delete_after)
        if p.get("ResourceArn"):
            props["source_id"] = p["ResourceArn"]
            rels.append(Relationship(arn, RelType.BACKUP_OF, p["ResourceArn"]))
        rule = created_by.get("BackupRuleId")
        if copies is not None and rule and rule in copies.by_rule:
            dests = copies.by_rule[rule] - {p.get("BackupVaultArn")}  # a copy's own vault is not another copy
            props["replica_regions"], edges = _copies(arn, region, dests)
            rels += edges
        name = p.get("ResourceName") or arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        resources.append(Resource(PROVIDER, account, region, "backup", "AWS::Backup::RecoveryPoint", arn, name,
                                  dict(tags.get(arn) or {}), props))
    return resources, rels
