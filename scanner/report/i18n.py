"""The report's one message catalogue (messages.yaml): every user-facing string in zh-TW and en.

Templates call ``t("key", n=3)``; nothing user-facing is written into a template. The
catalogue is checked when loaded: every entry has every language and the same ``{fields}``
in each, so a translation cannot silently drop a figure.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.docfile import yaml_load
from scanner.errors import UsageError

__all__ = ["LANGS", "Catalogue", "load_catalogue", "check_lang"]

LANGS = ("zh-TW", "en")
CATALOGUE_PATH = Path(__file__).resolve().parent / "messages.yaml"


def check_lang(lang: str) -> str:
    for known in LANGS:
        if lang.lower() == known.lower():
            return known
    raise UsageError(f"--lang: {lang!r} is not supported; use one of {', '.join(LANGS)}")


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


class Catalogue:
    def __init__(self, entries: dict[str, dict[str, str]], lang: str) -> None:
        self.entries = entries
        self.lang = lang

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = self.entries[key][self.lang]
        except KeyError:
            raise KeyError(f"report message {key!r} is not in the catalogue") from None
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self.entries

    def pick(self, obj: Any, field: str) -> str:
        """``title_zh`` or ``title_en`` of a record, in the report's language (falling back to the other)."""
        zh, en = obj.get(f"{field}_zh"), obj.get(f"{field}_en")
        return (zh or en or "") if self.lang == "zh-TW" else (en or zh or "")


@lru_cache(maxsize=1)
def _entries() -> dict[str, dict[str, str]]:
    raw = yaml_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    entries: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if not isinstance(value, dict) or set(value) != set(LANGS):
            raise ValueError(f"messages.yaml: {key!r} must have exactly {', '.join(LANGS)}")
        fields = {lang: _fields(str(text)) for lang, text in value.items()}
        if len({frozenset(f) for f in fields.values()}) != 1:
            raise ValueError(f"messages.yaml: {key!r} uses different fields per language: {fields}")
        entries[key] = {lang: str(text) for lang, text in value.items()}
    return entries


def load_catalogue(lang: str) -> Catalogue:
    return Catalogue(_entries(), check_lang(lang))


KEY_RE = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']""")
