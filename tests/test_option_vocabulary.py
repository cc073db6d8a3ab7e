"""One vocabulary of options: a walk over the whole typer app checks every option's names
and short flags against scanner/cli/options.py, and every help text for Python types."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from scanner.cli import app
from scanner.cli.options import SHORT_FLAG_EXCEPTIONS, SHORT_FLAGS, SYNONYMS, VOCABULARY


def _commands(cmd: Any = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    cmd = cmd or typer.main.get_command(app)
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = list(_commands())
OPTIONS = [(path, p) for path, cmd in COMMANDS for p in cmd.params if p.param_type_name == "option"]


def test_the_walk_sees_the_whole_app() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"scan snapshot", "scan aws", "iac scan", "iac setup", "vendor check", "history prune",
            "report board", "init", "doctor"} <= names
    assert len(OPTIONS) > 200


@pytest.mark.parametrize(("path", "param"), OPTIONS, ids=[f"{' '.join(p)} {o.name}" for p, o in OPTIONS])
def test_option_names_and_short_flags(path: tuple[str, ...], param: Any) -> None:
    where = f"cloudgov {' '.join(path)}"
    longs = [o for o in [*param.opts, *param.secondary_opts] if o.startswith("--")]
    shorts = [o for o in param.opts if not o.startswith("--")]
    for name in longs:
        base = "--" + name[len("--no-"):] if name.startswith("--no-") and name not in VOCABULARY else name
        if base == "--errors-pass":
            base = "--errors-fail"
        assert name not in SYNONYMS, f"{where}: {name} is spelled {SYNONYMS[name]} everywhere else"
        assert base in VOCABULARY, f"{where}: {name} is not in the vocabulary (scanner/cli/options.py)"
    for short in shorts:
        meant = SHORT_FLAG_EXCEPTIONS.get((" ".join(path), short)) or SHORT_FLAGS.get(short)
        assert meant, f"{where}: {short} is not one of the short flags (scanner/cli/options.py)"
        assert meant in longs, f"{where}: {short} means {meant}, not {longs}"


@pytest.mark.parametrize("path", [p for p, c in COMMANDS if not hasattr(c, "commands")],
                         ids=[" ".join(p) for p, c in COMMANDS if not hasattr(c, "commands")])
def test_help_shows_no_python_types(path: tuple[str, ...]) -> None:
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, [*path, "--help"], prog_name="cloudgov")
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(str|int|float|bool|path|list\[[^\]]*\]|[A-Za-z]+\[)", result.output), result.output
    assert "{" not in result.output.splitlines()[0], result.output.splitlines()[0]  # usage line: PATH..., not {paths}
