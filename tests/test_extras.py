"""Missing optional parts: one sentence naming the extra, exit 2 (the smoke suite in .ci/run
proves the same with the extras really absent)."""

from __future__ import annotations

from importlib import metadata

import pytest

from scanner import extras


def test_extras_come_from_the_installed_metadata() -> None:
    table = extras.extras()
    assert set(table) >= {"aws", "azure", "gcp", "postgres", "iac", "report"}
    assert "boto3" in table["aws"] and "tfparse" in table["iac"]
    assert "all" not in table  # cloudgov[aws,...] is not a distribution to look for


def test_require_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = metadata.distribution

    def fake(name: str):
        if name == "tfparse":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(extras.metadata, "distribution", fake)
    assert extras.missing("iac") == ["tfparse"]
    assert extras.missing("aws") == []
    with pytest.raises(extras.MissingExtraError) as e:
        extras.require("iac", "parsing Terraform")
    assert str(e.value) == (
        "parsing Terraform needs the 'iac' extra (tfparse not installed): pip install 'cloudgov[iac]'"
    )
    assert e.value.exit_code == 2
    extras.require("aws", "scanning AWS")  # installed: nothing raised


def test_every_extra_has_a_command_that_needs_it() -> None:
    """The smoke suite takes each extra away in turn and runs a command that needs it: an extra
    added to pyproject.toml without such a command would go untested."""
    from tests.smoke.readme import NEEDS_EXTRA

    commands = dict(NEEDS_EXTRA)
    assert len(commands) == len(NEEDS_EXTRA), "one command per extra"
    assert set(commands) == set(extras.extras()) - {"test"}, (
        "tests/smoke/readme.py NEEDS_EXTRA must name one command for every extra")
