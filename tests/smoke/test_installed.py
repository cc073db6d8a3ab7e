"""The installed wheel, used as the README says (run by .ci/run; see conftest.py)."""

from __future__ import annotations

import re

import pytest

from tests.smoke.conftest import Install
from tests.smoke.readme import EXPECTED_EXIT, files_written, readme_commands

#: one command per extra that needs it, run where no extra is installed
NEEDS_EXTRA = [
    ("aws", "cloudgov scan aws --profile audit"),
    ("azure", "cloudgov scan azure --subscriptions 11111111-1111-1111-1111-111111111111"),
    ("gcp", "cloudgov scan gcp --scope projects/my-project"),
    ("iac", "cloudgov iac samples/terraform/ --no-checkov"),
    ("postgres", "cloudgov vendor list --db postgresql://postgres@127.0.0.1:5432/cloudgov"),
    ("report", "cloudgov report board --period 2026-Q3 --format pdf --output board.pdf"),
]


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
