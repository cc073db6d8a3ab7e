"""Waivers (例外): approved exceptions, as data.

File (YAML)::

    waivers:
      - id: W-2026-007
        policy: residency.data_location
        resources: ["arn:aws:s3:::fx-archive-tokyo", "arn:aws:s3:::fx-archive-*"]   # exact ids or globs
        reason: FX archive approved offshore by the board, 2026-03
        compensating_control: nightly in-country copy to ap-east-2 (補償性措施)
        owner: infra-team@example.tw
        approver: ciso@example.tw
        expires: 2027-03-31

Matching is exact or glob (fnmatch: ``*``, ``?``, ``[...]``) over the whole resource id,
never substring. A glob must name something: the last part of the id (after the final
``:`` or ``/``) needs at least three literal characters, so ``*``, ``?*``, ``*?``, ``arn:*``,
``**/*`` or ``arn:aws:s3:::*`` are refused. Text fields must be text (not a list, mapping or
``true``).

A waiver may select resources by tag instead of (or as well as) by id::

        tags: {cloudgov:waiver: W-2026-008, env: "dr-*"}   # every key present, value exact or glob

With both ``resources`` and ``tags``, a resource must match both; tag values match exactly
or as globs, and a selector whose values are all ``*`` is refused. An unknown policy id
makes the whole file invalid (exit 2); a malformed or
expired entry is reported and does not waive.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, model_validator

from scanner.docfile import parse_json, parse_yaml, read_text
from scanner.errors import ConfigError, InputError
from scanner.model import Resource, Waiver
from scanner.schemas import Source
from scanner.schemas import problem as _problem

__all__ = ["WaiverSet", "WaiverEntry", "load_waivers", "parse_waivers", "too_broad"]

REQUIRED = ("policy", "reason", "compensating_control", "owner", "approver", "expires")  # and resources or tags
_GLOB_CHARS = set("*?[")
#: literal characters a glob's last part needs (``fx-archive-*`` has 11; ``*`` has none)
MIN_LITERAL_IN_NAME = 3


def too_broad(pattern: str) -> str | None:
    """Why a glob would waive too much, or None. Judged on the last part of the id (after the
    final ``:`` or ``/``), which names the resource; ``*`` also crosses separators, so a glob
    whose name part is only wildcards matches every id under its prefix, or every id at all."""
    if not _GLOB_CHARS & set(pattern):
        return None
    name = re.split(r"[:/]", pattern)[-1]
    literal = re.sub(r"\[[^\]]*\]|[*?\[\]]", "", name)
    if len(literal) < MIN_LITERAL_IN_NAME:
        return (
            f"the glob {pattern!r} would waive too much: the part after the last ':' or '/' needs at "
            f"least {MIN_LITERAL_IN_NAME} literal characters (name the resources)"
        )
    return None


class WaiverSet:
    def __init__(self, entries: list[Waiver], problems: list[str], expired: list[Waiver]) -> None:
        self.entries = entries  # valid (not yet judged against a date)
        self.problems = problems
        self.expired_at_load = expired
        self._exact: dict[tuple[str, str], Waiver] = {}
        self._globs: dict[str, list[tuple[str, Waiver]]] = {}
        self._tagged: dict[str, list[Waiver]] = {}
        for w in entries:
            if w.tags:
                self._tagged.setdefault(w.policy, []).append(w)
                continue
            for pattern in w.resources:
                if _GLOB_CHARS & set(pattern):
                    self._globs.setdefault(w.policy, []).append((pattern, w))
                else:
                    self._exact.setdefault((w.policy, pattern), w)

    def active_on(self, day: dt.date) -> tuple[WaiverSet, list[Waiver]]:
        """The waivers still in force on ``day``, and those that had expired by then."""
        active = [w for w in self.entries if dt.date.fromisoformat(w.expires) >= day]
        expired = [w for w in self.entries if dt.date.fromisoformat(w.expires) < day]
        problems = list(self.problems) + [
            f"{w.id}: expired on {w.expires}; it no longer waives {w.policy}" for w in expired
        ]
        return WaiverSet(active, problems, expired), expired

    def match(self, policy_id: str, resource: Resource) -> Waiver | None:
        w = self._exact.get((policy_id, resource.id))
        if w is not None:
            return w
        for pattern, w in self._globs.get(policy_id, ()):
            if fnmatch.fnmatchcase(resource.id, pattern):
                return w
        for w in self._tagged.get(policy_id, ()):
            if _tags_match(w, resource):
                return w
        return None

    def __len__(self) -> int:
        return len(self.entries)


def _text(v: Any) -> str | None:
    """Waiver text is text: not a number, list, mapping or ``true``; blank is missing."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if not isinstance(v, str):
        raise ValueError(f"must be text, not {type(v).__name__ if not isinstance(v, bool) else str(v).lower()}")
    return v.strip()


def _resources(v: Any) -> tuple[str, ...]:
    if v is None or v == [] or v == "":
        return ()
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(r, str) and r.strip() for r in v):
        raise ValueError("must be a list of ids or globs")
    out = tuple(r.strip() for r in v)
    for r in out:
        broad = too_broad(r)
        if broad:
            raise ValueError(broad)
    return out


def _tags(v: Any) -> tuple[tuple[str, str], ...]:
    if v is None or v == {}:
        return ()
    if not isinstance(v, dict) or not all(isinstance(k, str) and k and isinstance(x, str | int | float | bool)
                                          for k, x in v.items()):
        raise ValueError("must be a mapping of tag keys to values (exact or globs)")
    tags = {k: str(x).lower() if isinstance(x, bool) else str(x) for k, x in v.items()}
    if all(x.strip() in ("*", "**", "") for x in tags.values()):
        raise ValueError("tags whose values are all '*' would waive whatever carries the key; name a value")
    return tuple(sorted(tags.items()))


def _expires(v: Any) -> dt.date | None:
    if v is None or v == "":
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            raise ValueError(f"{v!r} is not a date (YYYY-MM-DD)") from None
    raise ValueError(f"{v!r} is not a date (YYYY-MM-DD)")


def _id(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, bool) or not isinstance(v, str | int):
        raise ValueError(f"must be text, not {type(v).__name__ if not isinstance(v, bool) else str(v).lower()}")
    return str(v).strip() or None


_WText = Annotated[str | None, BeforeValidator(_text)]


class WaiverEntry(BaseModel):
    """One waiver as the file gives it (other fields, such as a ticket reference, are kept
    out of the way: they waive nothing)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: Annotated[str | None, BeforeValidator(_id)] = None
    policy: _WText = None
    resources: Annotated[tuple[str, ...], BeforeValidator(_resources)] = ()
    tags: Annotated[tuple[tuple[str, str], ...], BeforeValidator(_tags)] = ()
    reason: _WText = None
    compensating_control: _WText = None
    owner: _WText = None
    approver: _WText = None
    expires: Annotated[dt.date | None, BeforeValidator(_expires)] = None

    @model_validator(mode="after")
    def _complete(self) -> WaiverEntry:
        missing = [k for k in REQUIRED if getattr(self, k) is None]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        if not self.resources and not self.tags:
            raise ValueError("missing resources (ids or globs) or tags (a tag selector)")
        return self


def _entry(i: int, raw: Any, known_policies: Any, source: Source, wrapped: bool) -> tuple[Waiver | None, str | None]:
    label = f"waiver #{i + 1}"
    here = ("waivers", i) if wrapped else (i,)

    def problem_at(loc: tuple[Any, ...], text: str) -> str:
        line = source.line(here + loc)
        at = f"{source.path}: line {line}: " if line else ""
        return f"{at}{label}: {text}"

    if not isinstance(raw, dict):
        return None, problem_at((), "not a mapping of fields; ignored")
    try:
        label = f"waiver {_id(raw.get('id')) or '#' + str(i + 1)}"
    except ValueError as e:
        return None, problem_at(("id",), f"id {e}; ignored")
    policy = raw.get("policy")
    if isinstance(policy, str) and known_policies is not None and policy not in known_policies:
        raise ConfigError(problem_at(("policy",), f"unknown policy id {policy!r}"))
    try:
        w = WaiverEntry.model_validate(raw)
    except ValidationError as e:
        err = e.errors()[0]
        loc = tuple(err.get("loc") or ())
        what = _problem(err)
        sep = " " if what.startswith("must be") else ": "
        text = what if not loc or what.startswith("missing") else f"{loc[0]}{sep}{what}"
        return None, problem_at(loc, f"{text}; ignored (it waives nothing)")
    assert w.policy and w.reason and w.compensating_control and w.owner and w.approver and w.expires  # _complete
    return (
        Waiver(
            id=w.id or f"waiver-{i + 1}",
            policy=w.policy,
            resources=w.resources,
            tags=w.tags,
            reason=w.reason,
            compensating_control=w.compensating_control,
            owner=w.owner,
            approver=w.approver,
            expires=w.expires.isoformat(),
        ),
        None,
    )


def _tags_match(w: Waiver, resource: Resource) -> bool:
    if w.resources and not any(fnmatch.fnmatchcase(resource.id, p) for p in w.resources):
        return False
    have = resource.tags or {}
    for key, pattern in w.tags:
        value = have.get(key)
        if value is None or not fnmatch.fnmatchcase(str(value), pattern):
            return False
    return True


def parse_waivers(doc: Any, known_policies: Any = None, *, source: str = "waivers", text: str | None = None) -> WaiverSet:
    """The waivers of a parsed document (``text``, when given, places problems on their lines)."""
    if doc is None:
        return WaiverSet([], [], [])
    items = doc.get("waivers") if isinstance(doc, dict) else doc
    where = Source(source, text)
    if not isinstance(items, list):
        raise ConfigError(where.where(("waivers",) if isinstance(doc, dict) else ()) +
                          ": expected a list of waivers (or a mapping with a 'waivers' list)")
    entries, problems = [], []
    for i, raw in enumerate(items):
        w, problem = _entry(i, raw, known_policies, where, isinstance(doc, dict))
        if w is not None:
            entries.append(w)
        if problem:
            problems.append(problem)
    return WaiverSet(entries, problems, [])


def load_waivers(path: str | Path, known_policies: Any = None) -> WaiverSet:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such waiver file")
    try:
        text = read_text(path, what="a waiver file")
        doc = parse_json(text, path) if path.suffix.lower() == ".json" else parse_yaml(text, path)
    except InputError as e:
        raise ConfigError(str(e)) from None
    return parse_waivers(doc, known_policies, source=str(path), text=text)
