"""Pieces every renderer shares."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from scanner import __version__
from scanner.model import Finding, Status

#: no information_uri here: the project's address is known only where it is served
#: (scanner/outputs/policy_doc.docs_base_url), and a guessed one pointed at someone else's
TOOL = {"name": "cloudgov", "version": __version__}

NON_PASSING = (Status.FAIL, Status.ERROR, Status.WAIVED)


def waiver_dict(f: Finding) -> dict[str, Any] | None:
    return f.waiver.to_dict() if f.waiver is not None else None


_PLAIN = (str, int, float, bool, type(None))


def json_safe(value: Any) -> Any:
    """Evidence may hold tuples, sets or dates: make it plain JSON."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [json_safe(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _plain(value: Any) -> Any:
    """What the JSON encoder cannot write itself, as json_safe makes it."""
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(v) for v in value), key=str)
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


class Encoder:
    """One JSON value at a time, for streamed documents: the C encoder, compact (``pretty``:
    indented, for people). Values are encoded where they are (a finding's evidence is not
    copied first); json_safe is the fallback only for what the encoder refuses (a key that
    is not a string or number). Compact, one C encoder serves every call (``json.dumps``
    builds one per call, which cost more than encoding a small value); it is rebuilt after
    an error, which can leave its circular-reference markers behind."""

    def __init__(self, pretty: bool = False) -> None:
        self.pretty = pretty
        self._c: Any = None
        self._encode: Callable[[Any], str]
        if pretty:
            self._encode = json.JSONEncoder(ensure_ascii=False, indent=2, default=_plain).encode
        else:
            self._encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain).encode
            if c_make_encoder is not None:
                self._encode = self._compact

    def _compact(self, value: Any) -> str:
        c = self._c
        if c is None:  # the arguments JSONEncoder.iterencode passes for a compact one-shot encode
            c = self._c = c_make_encoder({}, _plain, encode_basestring, None, ":", ",", False, False, True)
        try:
            return "".join(c(value, 0))
        except BaseException:
            self._c = None
            raise

    def __call__(self, value: Any) -> str:
        try:
            return self._encode(value)
        except TypeError:
            return self._encode(json_safe(value))
