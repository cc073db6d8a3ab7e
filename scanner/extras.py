"""Optional parts of cloudgov (the ``[project.optional-dependencies]`` extras) and the one
sentence a user gets when a command needs one that is not installed.

What each extra brings is read from the installed package's own metadata (its
``Requires-Dist`` lines), so pyproject.toml stays the only list; a distribution counts as
present when its metadata is installed.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import metadata

from scanner.errors import UsageError

__all__ = ["MissingExtraError", "extras", "missing", "require"]

DIST = "cloudgov"
#: "name[...] (>=1) ; extra == 'aws'" -> name, extra
_REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)[^;]*;(.*)$")
_EXTRA = re.compile(r"""extra\s*==\s*['"]([^'"]+)['"]""")


class MissingExtraError(UsageError):
    """A command needs an optional part of cloudgov that is not installed."""


@cache
def extras() -> dict[str, tuple[str, ...]]:
    """Each extra and the distributions it requires (``all`` expanded into the others)."""
    try:
        requires = metadata.requires(DIST) or []
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return {}
    out: dict[str, list[str]] = {}
    for line in requires:
        m = _REQ.match(line)
        if not m:
            continue
        extra = _EXTRA.search(m.group(2))
        if extra is None:
            continue
        name = m.group(1)
        if _norm(name) == DIST:
            continue  # "all" = cloudgov[aws,azure,...]: its members are listed under their own names
        out.setdefault(extra.group(1), []).append(name)
    return {k: tuple(v) for k, v in out.items()}


def missing(extra: str) -> list[str]:
    """The distributions of ``extra`` that are not installed (empty: the extra is usable)."""
    return [name for name in extras().get(extra, ()) if not _installed(name)]


def require(extra: str, purpose: str) -> None:
    """Raise one sentence naming the extra when ``purpose`` needs one that is not installed."""
    absent = missing(extra)
    if absent:
        raise MissingExtraError(
            f"{purpose} needs the '{extra}' extra ({', '.join(absent)} not installed): "
            f"pip install 'cloudgov[{extra}]'"
        )


def missing_module(error: ModuleNotFoundError, extra: str, purpose: str) -> MissingExtraError:
    """For an import that failed inside a command: the sentence naming the extra."""
    return MissingExtraError(
        f"{purpose} needs the '{extra}' extra (module {error.name} not installed): pip install 'cloudgov[{extra}]'"
    )


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
