"""Our own inventory snapshots (``cloudgov.inventory``)."""

from __future__ import annotations

from pathlib import Path

from scanner import inventory
from scanner.connectors.offline import FileFormat
from scanner.inventory import Inventory, merge


def _sniff(path: Path, head: str) -> bool:
    return inventory.is_snapshot(head[:4096])


def _load(paths: list[Path]) -> Inventory:
    return merge(inventory.load(p) for p in paths)


FORMATS = [FileFormat("cloudgov-snapshot", "cloudgov inventory snapshot (JSON or JSON lines)", _sniff, _load)]
