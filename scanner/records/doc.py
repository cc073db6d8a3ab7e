"""Typed, located access to one mapping of an imported document (the registers' import files).

Every error names where it is (``vendors.yaml.providers[1].services[0].rto_hours``) and
what was expected, in one sentence.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal, overload

from scanner.errors import InputError
from scanner.records.clock import parse_date

__all__ = ["Doc", "choice"]


def choice(value: object, allowed: tuple[str, ...] | dict, what: str) -> str:
    """``value`` if it is one of ``allowed``; otherwise ValueError naming the choices."""
    text = str(value).strip() if value is not None else ""
    if text in allowed:
        return text
    names = ", ".join(allowed)
    raise ValueError(f"unknown {what} {value!r} (use one of: {names})")


class Doc:
    """Typed access to one mapping of the document, with the path for error messages."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise InputError(f"{where}: expected a mapping, found {type(data).__name__}")
        self.data, self.where = data, where

    def has(self, key: str) -> bool:
        return key in self.data

    @overload
    def text(self, key: str, required: Literal[True]) -> str: ...
    @overload
    def text(self, key: str, required: bool = False) -> str | None: ...
    def text(self, key: str, required: bool = False) -> str | None:
        v = self.data.get(key)
        if v is None or v == "":
            if required:
                raise InputError(f"{self.where}.{key}: required")
            return None
        if isinstance(v, (dict, list)):
            raise InputError(f"{self.where}.{key}: expected text, found {type(v).__name__}")
        return str(v).strip()

    def date(self, key: str) -> dt.date | None:
        return parse_date(self.data.get(key), f"{self.where}.{key}")

    def flag(self, key: str) -> bool | None:
        v = self.data.get(key)
        if v is None:
            return None
        if isinstance(v, bool):
            return v
        text = str(v).strip().lower()
        if text in ("true", "yes", "y", "1"):
            return True
        if text in ("false", "no", "n", "0"):
            return False
        if text in ("", "unknown"):
            return None
        raise InputError(f"{self.where}.{key}: {v!r} is not true, false or unknown")

    def num(self, key: str) -> float | None:
        """A finite number, not negative (hours, days); ``true`` is not 1."""
        v = self.data.get(key)
        if v is None or v == "":
            return None
        if isinstance(v, bool):
            raise InputError(f"{self.where}.{key}: {v!r} is not a number")
        try:
            n = float(v)
        except (TypeError, ValueError, OverflowError):
            raise InputError(f"{self.where}.{key}: {v!r} is not a number") from None
        if not math.isfinite(n):
            raise InputError(f"{self.where}.{key}: {v!r} is not a finite number")
        if n < 0:
            raise InputError(f"{self.where}.{key}: {v!r} is negative")
        return n

    def whole(self, key: str) -> int | None:
        n = self.num(key)
        if n is None:
            return None
        if n != int(n) or n < 0:
            raise InputError(f"{self.where}.{key}: {self.data[key]!r} is not a whole number of days")
        return int(n)

    @overload
    def one_of(self, key: str, allowed: tuple[str, ...] | dict, what: str, required: Literal[True]) -> str: ...
    @overload
    def one_of(self, key: str, allowed: tuple[str, ...] | dict, what: str, required: bool = False) -> str | None: ...
    def one_of(self, key: str, allowed: tuple[str, ...] | dict, what: str, required: bool = False) -> str | None:
        v = self.text(key, required)
        if v is None:
            return None
        try:
            return choice(v, allowed, what)
        except ValueError as e:
            raise InputError(f"{self.where}.{key}: {e}") from None

    def values(self, key: str) -> list[Any] | None:
        v = self.data.get(key)
        if v is None:
            return None
        if isinstance(v, str):
            return [p.strip() for p in v.replace(";", ",").split(",") if p.strip()]
        if not isinstance(v, list):
            raise InputError(f"{self.where}.{key}: expected a list, found {type(v).__name__}")
        return v

    def items(self, key: str, id_key: str = "id") -> list[Doc]:
        out = [Doc(d, f"{self.where}.{key}[{i}]") for i, d in enumerate(self.values(key) or [])]
        if id_key:
            seen: dict[str, int] = {}
            for i, d in enumerate(out):
                ident = d.text(id_key, required=True)
                if ident in seen:
                    raise InputError(f"{self.where}.{key}: duplicate {id_key} {ident!r} (entries {seen[ident]} and {i})")
                seen[ident] = i
        return out
