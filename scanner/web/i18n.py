"""The web application's one string catalogue (messages.yaml), zh-TW by default, English by a switch.

Same rules as the board report's catalogue (``scanner.report.i18n``, whose ``Catalogue``
this reuses): every entry has both languages and the same ``{fields}`` in each.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from pathlib import Path

from scanner.docfile import yaml_load
from scanner.report.i18n import LANGS, Catalogue

__all__ = ["LANGS", "DEFAULT_LANG", "catalogue", "entries", "pick_lang", "translate", "message_patterns", "enums",
           "label"]

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


@lru_cache(maxsize=1)
def message_patterns() -> list[tuple[re.Pattern[str], str]]:
    """``svc.*`` entries as regular expressions over their English text, most specific
    (most literal characters) first: a field matches any text, a repeated field the same."""
    out: list[tuple[int, re.Pattern[str], str]] = []
    for key, texts in entries().items():
        if not key.startswith("svc."):
            continue
        rx, seen, literal = [], set(), 0
        for lit, name, _, _ in string.Formatter().parse(texts["en"]):
            rx.append(re.escape(lit))
            literal += len(lit)
            if name:
                rx.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
                seen.add(name)
        out.append((literal, re.compile("".join(rx), re.S), key))
    out.sort(key=lambda x: -x[0])
    return [(rx, key) for _, rx, key in out]


def _translate(message: str, lang: str, depth: int = 0) -> str | None:
    """The message in ``lang`` if an entry matches it, else None."""
    if depth > 4:
        return None
    for rx, key in message_patterns():
        m = rx.fullmatch(message)
        if m is None:
            continue
        fields = {name: _field(value, lang, depth + 1) for name, value in m.groupdict().items()}
        return entries()[key][lang if lang in LANGS else DEFAULT_LANG].format(**fields)  # "key" may be a field
    return None


def _field(value: str, lang: str, depth: int) -> str:
    # a field may itself be a message ("{where}: {e}"), or a list of them ("a; b")
    whole = _translate(value, lang, depth)
    if whole is not None:
        return whole
    parts = [_translate(p, lang, depth) for p in value.split("; ")]
    return "；".join(t or p for t, p in zip(parts, value.split("; "), strict=True)) if any(parts) else value


def translate(message: str, lang: str) -> str:
    """A service-layer message (raised in English) in the page's language; one no entry
    matches keeps its text, under the catalogue's "untranslated" wording."""
    if lang == "en":
        return message
    return _translate(message, lang) or catalogue(lang)("error.untranslated", message=message)


@lru_cache(maxsize=1)
def enums() -> dict[str, tuple[str, ...]]:
    """Every stored vocabulary value a page shows, by catalogue group: the entry for a value
    is ``<group>.<value>``. Generated from the enums themselves, so a value added there
    without a translation here fails tests/web/test_i18n.py. (Areas are named by their
    policy files' title_zh/title_en, not here.)"""
    from exit_plans.vocab import STRATEGIES, TEST_KINDS, TEST_RESULTS
    from scanner.model import Kind, Severity, Status
    from scanner.web.jobs import ACTIVE
    from vendor_dd.domains import (
        AUDIT_PARTIES,
        CLAUSE_STATUSES,
        DOMAIN_RESULTS,
        EVIDENCE_KINDS,
        SERVICE_MODELS,
        SUBSTITUTABILITY,
    )

    return {
        "status": tuple(x.value for x in Status),
        "severity": tuple(x.value for x in Severity),
        "kind": tuple(x.value for x in Kind),
        "clause": tuple(CLAUSE_STATUSES),
        "result": tuple(DOMAIN_RESULTS),
        "party": tuple(AUDIT_PARTIES),
        "evidence_kind": tuple(EVIDENCE_KINDS),
        "service_model": tuple(SERVICE_MODELS),
        "substitutability": tuple(SUBSTITUTABILITY),
        "exit_test": tuple(TEST_KINDS),
        "exit_result": tuple(TEST_RESULTS),
        "strategy": tuple(STRATEGIES),
        "job": (*ACTIVE, "done", "failed"),
        "waiver_state": ("requested", "approved", "rejected", "expired"),
        "approval.state": ("pending", "approved", "rejected"),
    }


@lru_cache(maxsize=1)
def _area_titles() -> dict[str, dict[str, str]]:
    from policies.registry import load_areas

    return {a.name: {"zh-TW": a.title_zh, "en": a.title_en} for a in load_areas()}


def label(lang: str, group: str, value: object) -> str:
    """A stored value (a status, a severity, an enum of the register…) as a person reads it
    in ``lang``; the value itself stays the machine value in filters, the API and exports.
    A value with no entry (data from a newer version) shows as stored."""
    if value is None or value == "":
        return ""
    lang = lang if lang in LANGS else DEFAULT_LANG
    if group == "area":
        return _area_titles().get(str(value), {}).get(lang) or str(value)
    entry = entries().get(f"{group}.{value}")
    return entry[lang] if entry else str(value)
