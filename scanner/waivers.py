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
from typing import Any

from scanner.docfile import read_structured
from scanner.errors import ConfigError, InputError
from scanner.model import Resource, Waiver

__all__ = ["WaiverSet", "load_waivers", "parse_waivers"]

REQUIRED = ("policy", "reason", "compensating_control", "owner", "approver", "expires")  # and resources or tags
TEXT_FIELDS = ("policy", "reason", "compensating_control", "owner", "approver")
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


def _entry(i: int, raw: Any, known_policies: Any) -> tuple[Waiver | None, str | None]:
    label = f"waiver #{i + 1}"
    if not isinstance(raw, dict):
        return None, f"{label}: not a mapping of fields; ignored"
    wid = raw.get("id")
    if wid is not None and not isinstance(wid, str | int):
        return None, f"waiver #{i + 1}: id must be text, not {type(wid).__name__}; ignored"
    label = f"waiver {wid or '#' + str(i + 1)}"
    policy = raw.get("policy")
    if policy is not None and not isinstance(policy, str):
        return None, f"{label}: policy must be a policy id, not {type(policy).__name__}; ignored"
    if policy is not None and known_policies is not None and policy not in known_policies:
        raise ConfigError(f"{label}: unknown policy id {policy!r}")
    missing = [k for k in REQUIRED if not raw.get(k)]
    if missing:
        return None, f"{label}: missing {', '.join(missing)}; ignored (it waives nothing)"
    not_text = [k for k in TEXT_FIELDS if not isinstance(raw[k], str) or not raw[k].strip()]
    if not_text:
        return None, f"{label}: {', '.join(not_text)} must be text; ignored (it waives nothing)"
    resources = raw.get("resources") or []
    tags = raw.get("tags") or {}
    if not resources and not tags:
        return None, f"{label}: missing resources (ids or globs) or tags (a tag selector); ignored (it waives nothing)"
    if isinstance(resources, str):
        resources = [resources]
    if not isinstance(resources, list) or not all(isinstance(r, str) and r.strip() for r in resources):
        return None, f"{label}: resources must be a list of ids or globs; ignored"
    resources = [r.strip() for r in resources]
    for r in resources:
        broad = too_broad(r)
        if broad:
            return None, f"{label}: {broad}; ignored"
    if not isinstance(tags, dict) or not all(isinstance(k, str) and k and isinstance(v, (str, int, float, bool))
                                             for k, v in tags.items()):
        return None, f"{label}: tags must be a mapping of tag keys to values (exact or globs); ignored"
    tags = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in tags.items()}
    if tags and all(v.strip() in ("*", "**", "") for v in tags.values()):
        return None, f"{label}: tags whose values are all '*' would waive whatever carries the key; name a value; ignored"
    expires = raw["expires"]
    if isinstance(expires, dt.datetime):
        expires = expires.date()
    if isinstance(expires, str):
        try:
            expires = dt.date.fromisoformat(expires)
        except ValueError:
            return None, f"{label}: expires {expires!r} is not a date (YYYY-MM-DD); ignored"
    if not isinstance(expires, dt.date):
        return None, f"{label}: expires must be a date (YYYY-MM-DD); ignored"
    return (
        Waiver(
            id=str(raw.get("id") or f"waiver-{i + 1}"),
            policy=str(policy),  # required: checked above
            resources=tuple(resources),
            tags=tuple(sorted(tags.items())),
            reason=str(raw["reason"]),
            compensating_control=str(raw["compensating_control"]),
            owner=str(raw["owner"]),
            approver=str(raw["approver"]),
            expires=expires.isoformat(),
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


def parse_waivers(doc: Any, known_policies: Any = None, *, source: str = "waivers") -> WaiverSet:
    if doc is None:
        return WaiverSet([], [], [])
    items = doc.get("waivers") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise ConfigError(f"{source}: expected a list of waivers (or a mapping with a 'waivers' list)")
    entries, problems = [], []
    for i, raw in enumerate(items):
        w, problem = _entry(i, raw, known_policies)
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
        doc = read_structured(path, what="a waiver file")
    except InputError as e:
        raise ConfigError(str(e)) from None
    return parse_waivers(doc, known_policies, source=str(path))
