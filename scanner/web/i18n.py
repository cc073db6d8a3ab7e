"""The web application's one string catalogue (messages.yaml), zh-TW by default, English by a switch.

Same rules as the board report's catalogue (``scanner.report.i18n``, whose ``Catalogue``
this reuses): every entry has both languages and the same ``{fields}`` in each.
"""

from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

from scanner.docfile import yaml_load
from scanner.report.i18n import LANGS, Catalogue

__all__ = ["LANGS", "DEFAULT_LANG", "catalogue", "entries", "pick_lang"]

DEFAULT_LANG = "zh-TW"
PATH = Path(__file__).resolve().parent / "messages.yaml"


def _fields(text: str) -> frozenset[str]:
    return frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f)


@lru_cache(maxsize=1)
def entries() -> dict[str, dict[str, str]]:
    raw = yaml_load(PATH.read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if not isinstance(value, dict) or set(value) != set(LANGS):
            raise ValueError(f"web messages.yaml: {key!r} must have exactly {', '.join(LANGS)}")
        if len({_fields(str(v)) for v in value.values()}) != 1:
            raise ValueError(f"web messages.yaml: {key!r} uses different fields per language")
        out[key] = {lang: str(text) for lang, text in value.items()}
    return out


@lru_cache(maxsize=len(LANGS))
def catalogue(lang: str) -> Catalogue:
    return Catalogue(entries(), lang if lang in LANGS else DEFAULT_LANG)


def pick_lang(cookie: str | None) -> str:
    return cookie if cookie in LANGS else DEFAULT_LANG
