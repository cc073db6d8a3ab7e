"""Moved to :mod:`scanner.records.clock` (shared by the register and exit plans); kept as
a name so existing imports keep working."""

from scanner.records.clock import actor, moment, parse_date, today

__all__ = ["today", "actor", "parse_date", "moment"]
