"""A typer group whose commands are imported only when they are used.

``cloudgov --help`` lists the commands from a static map (name → module and short help);
``cloudgov vendor ...`` imports ``scanner.cli.vendor`` alone. A command module keeps the
one contract it always had: ``register(app, scan_app)`` adds its commands to the two typer
apps it is given. tests/test_cli_registry.py checks that the map's help is each command's own.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup

__all__ = ["Lazy", "LazyGroup", "load_module"]


@dataclass(frozen=True)
class Lazy:
    module: str
    help: str


def load_module(name: str) -> Any | None:
    """The command module, or None when it is an optional part that is not installed."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as e:
        if e.name == name:
            return None
        raise


class _Commands(MutableMapping[str, Any]):
    """A group's commands: every name is known at once; a lazy command's module is imported
    the first time its value is asked for (click's get_command, a test walking the tree)."""

    def __init__(self, loaded: MutableMapping[str, Any], lazy: dict[str, Lazy], scan_level: bool) -> None:
        self.loaded = dict(loaded)
        self.lazy = lazy
        self.scan_level = scan_level
        self.missing: set[str] = set()  # optional modules that are not installed

    def __getitem__(self, name: str) -> Any:
        if name in self.loaded:
            return self.loaded[name]
        if name not in self.lazy or name in self.missing:
            raise KeyError(name)
        module = load_module(self.lazy[name].module)
        if module is None:
            self.missing.add(name)
            raise KeyError(name)
        top, scan = typer.Typer(), typer.Typer()
        module.register(top, scan)
        cmd = typer.main.get_group(scan if self.scan_level else top).commands[name]
        self.loaded[name] = cmd
        return cmd

    def __iter__(self) -> Iterator[str]:
        yield from self.loaded
        yield from (n for n in self.lazy if n not in self.loaded and n not in self.missing)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __setitem__(self, name: str, cmd: Any) -> None:
        self.loaded[name] = cmd

    def __delitem__(self, name: str) -> None:
        del self.loaded[name]

    def is_loaded(self, name: str) -> bool:
        return name in self.loaded


class LazyGroup(TyperGroup):
    """Subclasses set ``lazy`` (command → Lazy) and ``scan_level`` (whether the modules
    register these commands on ``scan_app``, i.e. this is the ``scan`` group)."""

    lazy: ClassVar[dict[str, Lazy]] = {}
    scan_level: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.commands = _Commands(self.commands, self.lazy, self.scan_level)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands.keys())  # names only: nothing is imported

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list, lazy commands' help from the static map: no module is imported."""
        commands = self.commands
        assert isinstance(commands, _Commands)
        rows = []
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)
        for name in names:
            if commands.is_loaded(name):
                cmd = commands[name]
                if not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(limit)))
            else:
                rows.append((name, short_help(self.lazy[name].help, limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def short_help(text: str, limit: int = 45) -> str:
    """click's own short help of ``text`` (first sentence, cut at a word)."""
    return str(TyperCommand(name="_", help=text).get_short_help_str(limit))
