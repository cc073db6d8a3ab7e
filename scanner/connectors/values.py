"""Reading values out of exports strictly (pure).

Exports are not always typed the way the API reference says: Microsoft's own REST examples
carry ``"enabled": "false"`` and ``"diskSizeGB": "16"``, PowerShell's ``ConvertTo-Json`` of
some objects writes ``"False"``. ``bool("False")`` is True, so a boolean is never read with
``bool()`` or truthiness: ``strict_bool`` accepts JSON booleans and the words true/false in
any case, and anything else is unknown (None), which the policies report as ERROR.
Numbers the same way: ``strict_int`` takes an integer or a string of digits (proto3 JSON
writes int64 as a string), never a boolean (``isinstance(True, int)`` is true).
"""

from __future__ import annotations

from typing import Any

__all__ = ["strict_bool", "flag", "strict_int"]

_WORDS = {"true": True, "false": False}


def strict_bool(value: Any) -> bool | None:
    """True / False for a JSON boolean or the strings "true" / "false" (any case); else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _WORDS.get(value.strip().lower())
    return None


def flag(d: Any, key: str, default: bool | None = None) -> bool | None:
    """``strict_bool(d[key])``; ``default`` when the key is absent (None when the value is not a boolean)."""
    if not isinstance(d, dict) or key not in d or d[key] is None:
        return default
    return strict_bool(d[key])


def strict_int(value: Any) -> int | None:
    """An integer, or a string of (optionally signed) digits; None for anything else, booleans included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return None
