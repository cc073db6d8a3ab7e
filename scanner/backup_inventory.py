"""The backup inventory (備份清冊, ETG 9.3: 組織應建立雲端資料備份機制，並留存備份清冊): every data
store with how it is backed up and its latest backup, every backup vault with its lock, every
backup with what it copies — read from an Inventory (a scan's saved inventory or export files).
Pure: no I/O; ``scanner/cli/backups.py`` prints or writes it."""

from __future__ import annotations

from typing import Any

from scanner.inventory import Inventory
from scanner.model import Kind, RelType, Resource

__all__ = ["backup_inventory", "COLUMNS"]

#: the columns of every row, in order (CSV header)
COLUMNS = ("record", "provider", "account", "region", "kind", "native_type", "name", "id", "automated_backups",
           "retention_days", "backups", "latest_backup", "latest_backup_id", "vault", "vault_lock", "source_id",
           "encrypted", "key_manager", "replica_regions")

_STORE_KINDS = (Kind.DATABASE, Kind.STORAGE_BLOCK)


def _tri(value: Any) -> str:
    if value is None:
        return "unknown"
    return ("on" if value else "off") if isinstance(value, bool) else str(value)


def _base(r: Resource, record: str) -> dict[str, Any]:
    return {"record": record, "provider": r.provider, "account": r.account, "region": r.region, "kind": r.kind,
            "native_type": r.native_type, "name": r.name, "id": r.id,
            "encrypted": _tri(r.prop("encryption.enabled")), "key_manager": r.prop("encryption.key_manager") or "unknown",
            "replica_regions": r.prop("replica_regions")}


def backup_inventory(inv: Inventory) -> dict[str, list[dict[str, Any]]]:
    """``{"stores": [...], "vaults": [...], "backups": [...]}``, each row with :data:`COLUMNS`."""
    backups = [r for r in inv.of_kind(Kind.BACKUP) if r.prop("backup_vault") is not True]
    vaults = {r.id: r for r in inv.of_kind(Kind.BACKUP) if r.prop("backup_vault") is True}
    stores = []
    for r in sorted(inv.of_kind(*_STORE_KINDS), key=lambda x: (x.provider, x.account, x.id)):
        found = [inv.get(rel.source) for rel in inv.incoming(r.id, RelType.BACKUP_OF)]
        taken = sorted((b for b in found if b is not None), key=lambda b: str(b.prop("created") or ""), reverse=True)
        latest = taken[0] if taken else None
        vault_ids = sorted({str(b.prop("vault")) for b in taken if b.prop("vault")})
        row = _base(r, "store")
        automated = _tri(r.prop("backup.enabled")) if r.kind == Kind.DATABASE or r.prop("backup.enabled") is not None else "n/a"
        row.update({"automated_backups": automated, "retention_days": r.prop("backup.retention_days"),
                    "backups": len(taken), "latest_backup": latest.prop("created") if latest else None,
                    "latest_backup_id": latest.id if latest else None, "vault": ";".join(vault_ids) or None,
                    "vault_lock": ";".join(str((vaults.get(v) and vaults[v].prop("immutability")) or "unknown") for v in vault_ids) or None})
        stores.append(row)
    vault_rows = []
    for v in sorted(vaults.values(), key=lambda x: (x.provider, x.account, x.id)):
        row = _base(v, "vault")
        row.update({"vault_lock": v.prop("immutability") or "unknown", "retention_days": v.prop("min_retention_days"),
                    "backups": v.prop("recovery_points")})
        vault_rows.append(row)
    backup_rows = []
    for b in sorted(backups, key=lambda x: (x.provider, x.account, str(x.prop("source_id") or ""), str(x.prop("created") or ""))):
        row = _base(b, "backup")
        vault = vaults.get(str(b.prop("vault") or ""))
        row.update({"latest_backup": b.prop("created"), "source_id": b.prop("source_id"), "vault": b.prop("vault"),
                    "vault_lock": (vault.prop("immutability") or "unknown") if vault else None,
                    "retention_days": b.prop("delete_after_days")})
        backup_rows.append(row)
    fill = dict.fromkeys(COLUMNS)
    return {name: [{**fill, **row} for row in rows]
            for name, rows in (("stores", stores), ("vaults", vault_rows), ("backups", backup_rows))}
