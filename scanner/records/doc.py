"""One choice among a vocabulary, shared by the registers' commands (``review set --result``,
``exit test add --kind``). Imported documents are validated by their schemas
(``vendor_dd.schema``, ``exit_plans.schema``) instead."""

from __future__ import annotations

__all__ = ["choice"]


def choice(value: object, allowed: tuple[str, ...] | dict, what: str) -> str:
    """``value`` if it is one of ``allowed``; otherwise ValueError naming the choices."""
    text = str(value).strip() if value is not None else ""
    if text in allowed:
        return text
    names = ", ".join(allowed)
    raise ValueError(f"unknown {what} {value!r} (use one of: {names})")
