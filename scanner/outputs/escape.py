"""Neutralising hostile text in what we render: resource names, tags and messages come
from the clouds and from users' files, so they may hold anything.

* XML 1.0 cannot hold most control characters at all (an ESC makes the JUnit file invalid,
  and CI rejects the whole report): they are written as visible ``\\xNN``.
* A spreadsheet runs a cell starting with ``=``, ``+``, ``-``, ``@``, tab or CR as a formula
  (CSV injection, ``=HYPERLINK(...)``): such text cells get a leading ``'`` (OWASP's advice).
* A terminal obeys escape sequences (ESC, CSI, OSC: clearing the screen, rewriting the
  title, fake hyperlinks) and rich obeys ``[markup]``: both are shown, not obeyed.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["xml_text", "csv_cell", "csv_row", "terminal_text", "markup_text", "inert"]

# XML 1.0 Char production, negated
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# C0 controls but tab and newline, DEL, C1 controls (0x9b is CSI on some terminals),
# and the bidirectional overrides that reorder what a reader sees (Trojan Source)
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group(0))
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def xml_text(value: Any) -> str:
    """Text an XML 1.0 document can hold (ElementTree escapes <, &, quotes itself)."""
    return _XML_INVALID.sub(_visible, str(value))


def csv_cell(value: Any) -> Any:
    """A cell no spreadsheet will evaluate; non-text values (numbers, booleans) unchanged.
    A CR becomes a newline: the csv module quotes a cell holding its line terminator (``\n``)
    but not one holding a bare CR, which spreadsheets read as the start of a new row."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_PREFIXES):
        value = "'" + value
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def csv_row(values: Any) -> Any:
    if isinstance(values, dict):
        return {k: csv_cell(v) for k, v in values.items()}
    return [csv_cell(v) for v in values]


def terminal_text(value: Any) -> str:
    """Text with control characters shown as ``\\xNN``, so a terminal obeys none of them."""
    return _TERMINAL_UNSAFE.sub(_visible, str(value))


def markup_text(value: Any) -> str:
    """Terminal-safe text that rich prints literally (``[bold]`` stays ``[bold]``)."""
    from rich.markup import escape

    return escape(terminal_text(value))


def inert(value: Any) -> Any:
    """Every text inside ``value`` (rows, views: dicts and lists of them) made
    :func:`markup_text`; keys, numbers, dates and None unchanged. For the tables and lines the
    register commands print, whose names come from users' files."""
    if isinstance(value, str):
        return markup_text(value)
    if isinstance(value, dict):
        return {k: inert(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert(v) for v in value]
    return value
