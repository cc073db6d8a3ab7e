"""Moved to :mod:`scanner.records.doc` (shared by the register and exit plans)."""

from scanner.records.doc import Doc

__all__ = ["Doc"]
