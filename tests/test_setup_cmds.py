"""`cloudgov init` and `cloudgov doctor`."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from scanner.config import load_config
from tests.conftest import run_cli


def test_init_writes_the_defaults_commented(tmp_path: Path) -> None:
    target = tmp_path / "cloudgov.yaml"
    proc = run_cli("init", "--output", str(target))
    assert proc.returncode == 0, proc.stderr
    text = target.read_text(encoding="utf-8")
    assert "ETG:8.6.3.1" in text and "CSM:CC-18000.4.c" in text  # the articles travel with the values
    assert all(line.startswith("#") for line in text.splitlines())  # nothing overrides until uncommented
    defaults, written = load_config(None), load_config(target)
    assert written.fail_on == defaults.fail_on
    # uncommenting a setting is all it takes to change it
    changed = text.replace("# fail_on:\n#   value: high", "fail_on:\n  value: critical")
    assert changed != text
    target.write_text(changed, encoding="utf-8")
    assert load_config(target).fail_on.value == "critical"


def test_init_never_overwrites_silently(tmp_path: Path) -> None:
    target = tmp_path / "cloudgov.yaml"
    target.write_text("fail_on: low\n", encoding="utf-8")
    proc = run_cli("init", "--output", str(target))
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert target.read_text(encoding="utf-8") == "fail_on: low\n"
    assert run_cli("init", "--output", str(target), "--force").returncode == 0


def test_doctor_names_every_part(tmp_path: Path) -> None:
    proc = run_cli("doctor", "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert proc.returncode == 0, proc.stderr
    names = [line.split("  ")[0] for line in proc.stdout.splitlines()]
    for part in ("extra aws", "extra azure", "extra gcp", "extra iac", "extra postgres", "extra report",
                 "checkov", "CJK font", "database"):
        assert part in names, proc.stdout
    assert "created on first use" in proc.stdout
    assert not (tmp_path / "x.db").exists()  # doctor only looks


def test_doctor_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner import extras
    from scanner.cli.setup_cmds import checks

    real = metadata.distribution

    def fake(name: str):
        if name == "boto3":
            raise metadata.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(extras.metadata, "distribution", fake)
    rows = {name: (ok, detail) for name, ok, detail in checks(None)}
    assert rows["extra aws"] == (False, "boto3 not installed: pip install 'cloudgov[aws]'")
    assert rows["extra iac"][0] is True
