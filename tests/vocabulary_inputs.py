"""Every Resource our own inputs produce, for the vocabulary guards (tests/test_vocabulary.py):
the sample estate, every connector's recorded fixtures through its normalizers and offline
readers, the IaC samples and fixtures through cloudgov's own parser, and the sample
register and exit plans through their checks."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from scanner.inventory import Inventory, load, merge
from scanner.model import Resource

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
TODAY = date(2026, 11, 21)


def inventories(tmp: Path) -> Iterator[tuple[str, Inventory]]:
    from scanner.connectors.offline import load_paths

    for p in sorted((ROOT / "samples" / "estate").glob("*.json")):
        yield f"samples/estate/{p.name}", load(p)
    for cloud in ("aws", "azure", "gcp"):
        yield f"tests/data/{cloud} (offline readers)", load_paths([DATA / cloud], on_skip=lambda p: None)
    yield from _normalizers()
    yield from _iac()
    yield from _governance(tmp)


def _normalizers() -> Iterator[tuple[str, Inventory]]:
    from scanner.connectors.aws.normalize import normalize_account

    # whole account bundles (collect's output, keyed by account_id); the other recorded files
    # (backup-region, messaging, ...) are single API responses the connector tests feed
    for name in ("bundle-live.json",):
        doc = json.loads((DATA / "aws" / name).read_text(encoding="utf-8"))
        assert isinstance(doc, dict) and "account_id" in doc, f"tests/data/aws/{name} is not an account bundle"
        yield f"tests/data/aws/{name} (normalize_account)", normalize_account(doc)
    # a whole account bundle in normalize_account's own input shape
    yield "tests/data/aws/network.json (normalize_account)", normalize_account(
        json.loads((DATA / "aws" / "network.json").read_text(encoding="utf-8")))
    azure = _module("azure_recorded", ROOT / "tests" / "connectors" / "azure" / "azure_recorded.py")
    from scanner.connectors.azure.normalize import normalize

    yield "tests/data/azure (recorded tenant)", normalize(azure.recorded_raw())


def _iac() -> Iterator[tuple[str, Inventory]]:
    from scanner.iac import scan_iac

    roots = [ROOT / "samples" / d for d in ("terraform", "cloudformation", "arm")]
    roots += sorted(p for p in (DATA / "iac").iterdir() if p.is_dir() and p.name != "plans") if (DATA / "iac").is_dir() else []
    roots += sorted((DATA / "iac" / "plans").glob("*/tfplan.json"))  # plan files, read as such
    for root in roots:
        yield f"{root.relative_to(ROOT)} (iac)", merge([scan_iac(root, use_checkov=False).inventory])


def _governance(tmp: Path) -> Iterator[tuple[str, Inventory]]:
    import exit_plans.models  # noqa: F401
    import vendor_dd.models  # noqa: F401
    from exit_plans.check import build_inventory as exit_inventory
    from exit_plans.importer import import_document, read_document
    from scanner.store.db import open_db, session_scope
    from vendor_dd.check import build_inventory as vendor_inventory
    from vendor_dd.importer import import_document as import_vendors
    from vendor_dd.importer import read_document as read_vendors
    from scanner.records.changelog import Who

    samples = tmp / "samples"
    shutil.copytree(ROOT / "samples" / "vendor-evidence", samples / "vendor-evidence")
    for f in ("vendors.yaml", "exit-plans.yaml"):
        shutil.copy(ROOT / "samples" / f, samples / f)
    who = Who("tester", TODAY, datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC))
    engine = open_db(f"sqlite:///{tmp / 'register.db'}")
    with session_scope(engine) as s:
        import_vendors(s, who, read_vendors(samples / "vendors.yaml"), base_dir=samples,
                       evidence_root=tmp / "evidence", source="vendors.yaml")
    with session_scope(engine) as s:
        import_document(s, who, read_document(samples / "exit-plans.yaml"), source="exit-plans.yaml")
    with session_scope(engine) as s:
        yield "samples/vendors.yaml (vendor check)", vendor_inventory(s, TODAY)
        yield "samples/exit-plans.yaml (exit check)", exit_inventory(s, TODAY)


def _module(name: str, path: Path):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def resources(tmp: Path) -> Iterator[tuple[str, Resource]]:
    for origin, inv in inventories(tmp):
        for r in inv:
            yield origin, r
