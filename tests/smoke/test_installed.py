"""The installed wheel, used as the README says (run by .ci/run; see conftest.py)."""

from __future__ import annotations

import re

import pytest

from tests.smoke.conftest import Install
from tests.smoke.readme import EXPECTED_EXIT, NEEDS_EXTRA, files_written, readme_commands

def _one_sentence(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr, stderr
    assert len(lines) == 1, stderr
    return lines[0]


def test_the_code_runs_from_the_installed_wheel(core_install: Install) -> None:
    proc = core_install.run("python -c 'import scanner, policies; print(scanner.__file__); print(policies.__file__)'")
    assert proc.returncode == 0, proc.stderr
    for line in proc.stdout.split():
        assert line.startswith(str(core_install.venv)) and "site-packages" in line, proc.stdout


def test_version(core_install: Install) -> None:
    proc = core_install.run("cloudgov --version")
    assert proc.returncode == 0, proc.stderr
    assert re.fullmatch(r"cloudgov \d+\.\d+\.\d+\S*\n", proc.stdout), proc.stdout


@pytest.mark.parametrize(("extra", "command"), NEEDS_EXTRA, ids=[e for e, _ in NEEDS_EXTRA])
def test_a_missing_extra_is_one_sentence_naming_it(core_install: Install, extra: str, command: str) -> None:
    proc = core_install.run(command)
    line = _one_sentence(proc.stderr)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert f"pip install 'cloudgov[{extra}]'" in line, line


def test_every_readme_command_in_order(full_install: Install) -> None:
    results = []
    for command in readme_commands():
        proc = full_install.run(command)
        expected = EXPECTED_EXIT[command]
        problems = []
        if proc.returncode != expected:
            problems.append(f"exit {proc.returncode}, expected {expected}")
        if "Traceback" in proc.stderr:
            problems.append("traceback")
        if expected == 2:
            lines = [line for line in proc.stderr.splitlines() if line.strip()]
            if len(lines) != 1 or not lines[0].startswith("cloudgov: error: "):
                problems.append("not one sentence")
        for path in files_written(command):
            if not (full_install.work / path).is_file():
                problems.append(f"{path} not written")
        if problems:
            results.append(f"{command}: {'; '.join(problems)}\n  stderr: {proc.stderr[-800:]}")
    assert not results, "\n".join(results)


@pytest.mark.parametrize(("extra", "command"), NEEDS_EXTRA, ids=[e for e, _ in NEEDS_EXTRA])
def test_each_extra_missing_in_turn(turn_install: Install, wheel_uri: str, extra: str, command: str) -> None:
    """Everything installed but one extra, each in turn: its command says one sentence naming
    it (exit 2), `cloudgov doctor` names that one and no other, then the extra is put back."""
    import json

    table = json.loads(turn_install.run(
        "python -c 'import json; from scanner.extras import extras; print(json.dumps(extras()))'").stdout)
    dists = table[extra]
    removed = turn_install.run(f"python -m pip uninstall --quiet --yes {' '.join(dists)}")
    assert removed.returncode == 0, removed.stderr
    try:
        proc = turn_install.run(command)
        line = _one_sentence(proc.stderr)
        assert proc.returncode == 2, (proc.returncode, proc.stderr)
        assert f"pip install 'cloudgov[{extra}]'" in line, line
        doctor = turn_install.run("cloudgov doctor").stdout
        absent = sorted(row.split()[1] for row in doctor.splitlines() if row.startswith("extra ") and " missing " in row)
        assert absent == [extra], doctor
    finally:
        back = turn_install.run(f"python -m pip install --quiet '{extra_requirement(extra, wheel_uri)}'")
        assert back.returncode == 0, back.stderr[-2000:]


def extra_requirement(extra: str, wheel_uri: str) -> str:
    return f"cloudgov[{extra}] @ {wheel_uri}"
