"""``cloudgov backups``: the backup inventory (備份清冊, ETG 9.3) of saved inventories or export files."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from scanner.errors import UsageError


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @app.command("backups")
    def backups(
        paths: Annotated[
            list[Path],
            typer.Argument(help="Saved inventories (--save-inventory of any scan) or the clouds' export files.",
                           show_default=False, metavar="PATH..."),
        ],
        fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
        output: Annotated[Path | None, typer.Option("--output", help="Write to this file instead of standard output.")] = None,
    ) -> None:
        """The backup inventory (備份清冊, ETG 9.3): every database and disk with its backups, every vault with its lock."""
        from scanner.backup_inventory import COLUMNS, backup_inventory
        from scanner.connectors.offline import load_paths

        if fmt not in ("table", "csv", "json"):
            raise UsageError(f"unknown format {fmt!r}; use table, csv or json")
        doc = backup_inventory(load_paths(paths))
        stream = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            if fmt == "json":
                json.dump({"format": "cloudgov.backup-inventory", "version": 1, **doc}, stream, ensure_ascii=False, indent=1)
                stream.write("\n")
            elif fmt == "csv":
                import csv

                w = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
                w.writeheader()
                for rows in doc.values():
                    for row in rows:
                        w.writerow({k: ";".join(v) if isinstance(v, list) else v for k, v in row.items()})
            else:
                _table(doc, stream)
        finally:
            if output:
                stream.close()


def _table(doc: dict, stream) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=stream, width=None if stream.isatty() else 160)
    stores = doc["stores"]
    unbacked = [r for r in stores if r["automated_backups"] != "on" and not r["backups"]]
    t = Table(title=f"備份清冊 Backup inventory: {len(stores)} data stores, {len(unbacked)} with no backup found")
    for col in ("account", "region", "kind", "name", "automated", "backups", "latest backup", "vault lock"):
        t.add_column(col)
    for r in stores:
        t.add_row(r["account"], r["region"] or "", r["kind"], r["name"], r["automated_backups"], str(r["backups"]),
                  r["latest_backup"] or "-", r["vault_lock"] or "-")
    console.print(t)
    v = Table(title=f"Backup vaults: {len(doc['vaults'])}")
    for col in ("account", "region", "name", "lock", "min retention days", "recovery points"):
        v.add_column(col)
    for r in doc["vaults"]:
        v.add_row(r["account"], r["region"] or "", r["name"], r["vault_lock"], str(r["retention_days"] or "-"), str(r["backups"] or "-"))
    console.print(v)
    console.print(f"{len(doc['backups'])} backups (snapshots, recovery points): --format csv or json lists each.")
