"""The vendor register and exit plans as the board report composes them.

Each component provides its own section (``vendor_dd.board``, ``exit_plans.board``) as of
the period's last day; the report never reads their models. Both are optional: when the
package is not installed, or holds nothing, the section is ``None`` and the report says what
is missing. Their ``vendor.*`` / ``exit.*`` policies are evaluated here, as of the same day,
so the compliance matrix shows ETG Art. 5–7 and 9 from the same engine as the scans.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = ["vendor_section", "exit_section", "scope_links", "governance_findings"]


def _available(module: str) -> bool:
    try:
        importlib.import_module(module)
    except ModuleNotFoundError:
        return False
    return True


def vendor_section(session: Session, as_of: dt.date) -> dict[str, Any] | None:
    if not _available("vendor_dd.board"):
        return None
    from vendor_dd.board import board_section

    return board_section(session, as_of)


def exit_section(session: Session, as_of: dt.date) -> dict[str, Any] | None:
    if not _available("exit_plans.board"):
        return None
    from exit_plans.board import board_section

    return board_section(session, as_of)


def scope_links(session: Session, as_of: dt.date | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    """(cloud, account) → the registered service there (name, provider, materiality), as of ``as_of``."""
    if not _available("vendor_dd.board"):
        return {}
    from vendor_dd.board import service_links

    return service_links(session, as_of)


def governance_findings(session: Session, today: dt.date, *, vendor: bool, exits: bool) -> list[Any]:
    """Findings of the vendor.* and exit.* policies as of ``today`` (empty when there is no data)."""
    from scanner.config import load_config
    from scanner.pipeline import Options, run

    out: list[Any] = []
    config = load_config(None)
    if vendor:
        from vendor_dd.check import build_inventory as vendor_inventory

        options = Options(formats=(), config=config, areas={"vendor"}, source="vendor_dd")
        out += run(vendor_inventory(session, today), options).result.findings
    if exits:
        from exit_plans.check import build_inventory as exit_inventory

        options = Options(formats=(), config=config, areas={"exit"}, source="exit_plans")
        out += run(exit_inventory(session, today), options).result.findings
    return out
