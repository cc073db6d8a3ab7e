"""README.md and the smoke suite (tests/smoke, run by .ci/run against the built wheel) agree:
every runnable README command has an expected exit code, and names only files that exist."""

from __future__ import annotations

import re

from tests.smoke.readme import EXPECTED_EXIT, README, ROOT, files_read, readme_commands


def test_every_readme_command_has_an_expected_exit_code() -> None:
    commands = readme_commands()
    assert len(commands) >= 25
    assert [c for c in commands if c not in EXPECTED_EXIT] == []
    assert [c for c in EXPECTED_EXIT if c not in commands] == []
    assert len(set(commands)) == len(commands)


def test_readme_commands_name_files_that_exist() -> None:
    for command in readme_commands():
        for path in files_read(command):
            assert (ROOT / path).exists(), f"{command}: {path} does not exist"


def test_make_demo_runs_the_readme_command() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    demo = re.search(r"^demo:.*?\n\t@\$\(BIN\)/(cloudgov [^;]+);", makefile, re.M | re.S).group(1)
    assert " ".join(demo.split()) == readme_commands()[0]


def test_synopsis_lines_are_not_runnable_blocks() -> None:
    """A `cloudgov` line outside ```sh blocks is a synopsis (placeholders), so none is left untested."""
    text = README.read_text(encoding="utf-8")
    for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S):
        if lang == "sh":
            continue
        for line in body.splitlines():
            if line.startswith("cloudgov "):
                assert lang == "text", f"```{lang} block has a command: {line}"
