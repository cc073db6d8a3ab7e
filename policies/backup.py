"""Backups (the ``backup`` area): ETG 9.3 — 組織應建立雲端資料備份機制，並留存備份清冊，備份媒體或
檔案應妥善防護. A data store is backed up when the platform's automated backups are on or a
snapshot / recovery point of it is recent; a vault protects its backups when it is locked."""

from __future__ import annotations

from datetime import datetime

from policies.base import Context, Outcome, failed, not_applicable, parse_time, passed, unknown
from scanner.model import Kind, RelType, Resource

__all__ = ["data_store_backed_up", "vault_immutable", "backups_of"]


def backups_of(r: Resource, ctx: Context) -> list[Resource]:
    """Snapshots and recovery points taken of ``r`` (``backup_of`` edges) or of the instance a
    disk is attached to (a VM backup copies its disks), newest first."""
    sources = [r.id, *(rel.target for rel in ctx.inventory.outgoing(r.id, RelType.ATTACHED_TO))]
    out = []
    for sid in sources:
        for rel in ctx.inventory.incoming(sid, RelType.BACKUP_OF):
            b = ctx.inventory.get(rel.source)
            if b is not None and b.kind == Kind.BACKUP and b not in out:
                out.append(b)
    return sorted(out, key=lambda b: str(b.prop("created") or ""), reverse=True)


def _from_code(ctx: Context) -> bool:
    sources = ctx.inventory.sources or []
    return bool(sources) and all(getattr(s, "mode", None) == "iac" for s in sources)


def _now(ctx: Context) -> datetime | None:
    return parse_time(ctx.inventory.collected_at)


def data_store_backed_up(r: Resource, ctx: Context) -> Outcome:
    if r.prop("backup.enabled") is True:
        days = r.prop("backup.retention_days")
        kept = f" (kept {days} days)" if days else ""
        return passed(f"automated backups are on{kept}", backup_enabled=True, retention_days=days)
    backups = backups_of(r, ctx)
    max_age = int(ctx.params.get("max_age_days", 7))
    now = _now(ctx)
    evidence = {"backup_enabled": r.prop("backup.enabled"), "backups": [b.id for b in backups[:5]], "max_age_days": max_age}
    if backups:
        latest = backups[0]
        when = parse_time(latest.prop("created"))
        if when is not None and now is not None:
            age = (now - when).days
            evidence.update(latest=latest.id, latest_age_days=age)
            if age <= max_age:
                return passed(f"latest backup {latest.name or latest.id} is {age} day(s) old", **evidence)
            if r.prop("backup.enabled") is None and ctx.inventory.gaps_for(r.provider, r.account, Kind.BACKUP, r.region):
                return unknown(f"latest backup found is {age} days old, and the backups could not all be read", **evidence)
            return failed(f"latest backup {latest.name or latest.id} is {age} days old (more than {max_age})", **evidence)
    gaps = ctx.inventory.gaps_for(r.provider, r.account, Kind.BACKUP, r.region)
    if gaps:
        g = gaps[0]
        return unknown(f"backups could not be read ({g.service}: {g.code})", **evidence)
    if backups:
        state = backups[0].prop("protection_state")
        held = f" ({backups[0].name or backups[0].id}: protection {state})" if state else ""
        return unknown(f"the backups' dates could not be read{held}", **evidence)
    if r.prop("backup.enabled") is False:
        return failed("automated backups are off and no snapshot or recovery point of it exists", **evidence)
    if r.prop("backup.enabled") is None and _from_code(ctx):
        return not_applicable("infrastructure code holds no snapshots or recovery points (they are runtime state): "
                              "backups are judged on a scan of the account", **evidence)
    if r.kind == Kind.DATABASE:
        return unknown("whether the database's automated backups are on could not be read, and no snapshot or "
                       "recovery point of it was found", **evidence)
    read = (ctx.params.get("disk_backups_read") or {}).get(r.provider)
    if not read:
        return unknown(f"no snapshot of the disk was found, but not every {r.provider} backup service is read "
                       "(e.g. a backup vault's protected items): whether it is backed up is unknown", **evidence)
    return failed(f"no snapshot or recovery point of the disk exists (read: {read})", **evidence)


def vault_immutable(r: Resource, ctx: Context) -> Outcome:
    if r.prop("backup_vault") is not True:
        return not_applicable("a snapshot or recovery point, not a vault")
    state = r.prop("immutability")
    evidence = {"immutability": state, "min_retention_days": r.prop("min_retention_days"), "lock_date": r.prop("lock_date")}
    lock_date, now = parse_time(r.prop("lock_date")), _now(ctx)
    if state == "locked" and lock_date is not None and now is not None and lock_date > now:
        return failed(f"the vault's compliance-mode lock is still in its grace time until {r.prop('lock_date')}: "
                      "it can be removed until then", **evidence)
    if state == "locked":
        return passed("the vault is locked: its backups cannot be deleted or shortened before their retention ends", **evidence)
    if state == "unlocked":
        how = "Vault Lock in governance mode" if r.prop("locked") is True else "immutability enabled but not locked"
        return failed(f"the vault's protection can still be removed ({how})", **evidence)
    if state == "none":
        return failed("the vault is not locked: an administrator (or an attacker with the role) can delete its backups",
                      **evidence)
    return unknown("whether the vault is locked could not be read", **evidence)
