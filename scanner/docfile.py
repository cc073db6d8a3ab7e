"""Reading the YAML/JSON documents users hand us (registers, plans): every failure is one
sentence naming the file and, for malformed text, the line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scanner.errors import InputError

__all__ = ["read_structured", "read_versioned", "yaml_load"]


def yaml_load(text: str) -> Any:
    """yaml.safe_load, through libyaml's C loader when PyYAML was built with it (about ten
    times faster: the catalogue and policies are read on every run)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (safe loader)


def read_structured(path: Path) -> Any:
    """The parsed content of a .json file, or of YAML for any other suffix."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    import yaml

    try:
        return yaml_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise InputError(f"{path}: malformed YAML{where}: {getattr(e, 'problem', None) or e}") from None


def read_versioned(path: Path, *, format: str, list_key: str, what: str) -> dict[str, Any]:
    """A ``{format, version: 1, <list_key>: [...]}`` document (format and version optional)."""
    doc = read_structured(path)
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not {what} (expected a mapping with '{list_key}')")
    if doc.get("format", format) != format:
        raise InputError(f"{path}: format {doc.get('format')!r} is not {format!r}")
    if doc.get("version", 1) != 1:
        raise InputError(f"{path}: version {doc.get('version')!r} of {what} is not supported (this cloudgov reads 1)")
    if not isinstance(doc.get(list_key), list):
        raise InputError(f"{path}: no '{list_key}' list")
    return doc
