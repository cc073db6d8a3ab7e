"""The vocabulary of the normalized model, read from ``scanner/vocabulary.yaml``.

Kinds, which of them hold customer data, which are governance pseudo-resources, and each
kind's canonical properties (name, type, allowed values). Everything that depends on that
list is derived from here: ``scanner.model.DATA_BEARING_KINDS``, the policy loader's known
kinds, the guard tests, and the reference section of docs/model.md
(``python -m scanner.vocabulary --write-docs`` regenerates it).
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

__all__ = ["Property", "KindSpec", "kinds", "kind", "data_bearing_kinds", "problems", "docs_section", "PATH"]

PATH = Path(__file__).with_name("vocabulary.yaml")
DOCS = Path(__file__).resolve().parents[1] / "docs" / "model.md"
BEGIN, END = "<!-- vocabulary:begin (generated from scanner/vocabulary.yaml) -->", "<!-- vocabulary:end -->"

_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "bool": (bool,),
    "int": (int,),
    "number": (int, float),
    "dict": (dict, Mapping),
    "list": (list, tuple),
    "list[str]": (list, tuple),
    "list[dict]": (list, tuple),
}
_ITEMS = {"list[str]": (str,), "list[dict]": (dict, Mapping)}


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    values: tuple[str, ...] | None = None

    def problem(self, value: Any) -> str | None:
        """Why ``value`` does not fit (None: it fits; None values always fit — unknown)."""
        if value is None:
            return None
        ok = _TYPES[self.type]
        if not isinstance(value, ok) or (self.type in ("int", "number") and isinstance(value, bool)):
            return f"{self.name} is {type(value).__name__}, not {self.type}"
        items = _ITEMS.get(self.type)
        if items and any(not isinstance(x, items) for x in cast(Iterable[Any], value)):  # a list or tuple here
            return f"{self.name} holds a value that is not {self.type[5:-1]}"
        if self.values is not None and value not in self.values:
            return f"{self.name}={value!r} is not one of {', '.join(self.values)}"
        return None


@dataclass(frozen=True)
class KindSpec:
    name: str
    description: str
    data_bearing: bool
    governance: bool
    properties: Mapping[str, Property]

    def property(self, name: str) -> Property | None:
        exact = self.properties.get(name)
        if exact is not None:
            return exact
        for pattern, prop in self.properties.items():
            if "*" in pattern and fnmatch.fnmatchcase(name, pattern):
                return prop
        return None


def _property(name: str, spec: Any, where: str) -> Property:
    if isinstance(spec, str):
        spec = {"type": spec}
    if not isinstance(spec, Mapping) or spec.get("type") not in _TYPES:
        raise ValueError(f"{where}: property {name}: type must be one of {', '.join(_TYPES)}")
    values = spec.get("values")
    return Property(name, spec["type"], tuple(values) if values is not None else None)


@lru_cache(maxsize=1)
def kinds() -> dict[str, KindSpec]:
    from scanner.docfile import yaml_load

    doc = yaml_load(PATH.read_text(encoding="utf-8"))
    groups = {g: {n: _property(n, s, f"group {g}") for n, s in (props or {}).items()}
              for g, props in (doc.get("groups") or {}).items()}
    out: dict[str, KindSpec] = {}
    for name, spec in doc["kinds"].items():
        props: dict[str, Property] = {}
        for g in spec.get("use") or ():
            if g not in groups:
                raise ValueError(f"{PATH.name}: kind {name} uses unknown group {g!r}")
            props.update(groups[g])
        for n, s in (spec.get("properties") or {}).items():
            props[n] = _property(n, s, f"kind {name}")
        out[name] = KindSpec(name, str(spec.get("description", "")), bool(spec.get("data_bearing")),
                             bool(spec.get("governance")), props)
    return out


def kind(name: str) -> KindSpec | None:
    return kinds().get(name)


def data_bearing_kinds() -> frozenset[str]:
    return frozenset(k for k, s in kinds().items() if s.data_bearing)


def problems(resource: Any) -> list[str]:
    """What in a Resource the vocabulary does not know: an unknown kind, an unknown property,
    a value of the wrong type or outside the allowed values."""
    spec = kinds().get(resource.kind)
    if spec is None:
        return [f"unknown kind {resource.kind!r}"]
    out = []
    for name, value in resource.properties.items():
        prop = spec.property(name)
        if prop is None:
            out.append(f"{resource.kind}: unknown property {name!r}")
        else:
            why = prop.problem(value)
            if why:
                out.append(f"{resource.kind}: {why}")
    return out


def docs_section() -> str:
    """The generated reference of docs/model.md: one table per kind."""
    lines = [BEGIN, "", "## Vocabulary reference", "",
             "Generated from `scanner/vocabulary.yaml`; do not edit by hand "
             "(`python -m scanner.vocabulary --write-docs`). Every property may be null: unknown.", ""]
    for spec in kinds().values():
        flags = [f for f, on in (("data-bearing", spec.data_bearing), ("governance", spec.governance)) if on]
        lines.append(f"### `{spec.name}` — {spec.description}" + (f" ({', '.join(flags)})" if flags else ""))
        lines.append("")
        if not spec.properties:
            lines += ["No canonical properties yet.", ""]
            continue
        lines += ["| property | type | values |", "|---|---|---|"]
        for p in spec.properties.values():
            lines.append(f"| `{p.name}` | {p.type} | {', '.join(p.values) if p.values else ''} |")
        lines.append("")
    lines.append(END)
    return "\n".join(lines) + "\n"


def _with_section(text: str) -> str:
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        return head + docs_section() + ("\n" + tail if tail else "")
    return text.rstrip("\n") + "\n\n" + docs_section()


def docs_current() -> bool:
    text = DOCS.read_text(encoding="utf-8")
    return _with_section(text) == text


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-docs"]:
        DOCS.write_text(_with_section(DOCS.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"wrote the vocabulary reference into {DOCS}")
    else:
        print("usage: python -m scanner.vocabulary --write-docs", file=sys.stderr)
        sys.exit(2)
