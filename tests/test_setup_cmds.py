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


# --- cloudgov report setup: the PDF's system packages -------------------------------------
# apt-get and dpkg-query are replaced by scripts on PATH that answer as Debian's would and
# record what they were asked: the packages on this machine are not to be removed by a test.

def _fake_debian(tmp_path: Path, installed: set[str], *, with_dpkg: bool = True) -> dict[str, str]:
    import os
    import stat

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    scripts = {
        "apt-get": f'#!/bin/sh\necho "$@" >> {log}\n',
        "fc-cache": "#!/bin/sh\nexit 0\n",
    }
    if with_dpkg:
        known = " ".join(sorted(installed))
        scripts["dpkg-query"] = (
            "#!/bin/sh\nfor a; do name=$a; done\n"
            f'for k in {known}; do [ "$k" = "$name" ] && {{ printf "install ok installed"; exit 0; }}; done\n'
            'echo "dpkg-query: no packages found matching $name" >&2; exit 1\n'
        )
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text(body)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)
    # python itself stays reachable; the system's own apt/dpkg do not
    python_dir = str(Path(__import__("sys").executable).parent)
    return {"PATH": f"{bin_dir}:{python_dir}:/bin" if with_dpkg else f"{bin_dir}:{python_dir}",
            "HOME": os.environ.get("HOME", "/root")}


def _all_packages() -> list[str]:
    from scanner.report.system import packages

    return [n for n, _ in packages()]


def test_report_setup_does_nothing_when_everything_is_there(tmp_path: Path) -> None:
    env = _fake_debian(tmp_path, set(_all_packages()))
    proc = run_cli("report", "setup", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"report setup: all {len(_all_packages())} system packages are installed\n"
    assert not (tmp_path / "apt.log").exists()


def test_report_setup_installs_only_what_is_missing(tmp_path: Path) -> None:
    names = _all_packages()
    env = _fake_debian(tmp_path, set(names) - {"fonts-noto-cjk", "libharfbuzz-subset0"})
    dry = run_cli("report", "setup", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "missing libharfbuzz-subset0 fonts-noto-cjk" in dry.stdout
    assert not (tmp_path / "apt.log").exists()  # a dry run changes nothing
    proc = run_cli("report", "setup", env=env)
    assert proc.returncode == 0, proc.stderr
    calls = (tmp_path / "apt.log").read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1].split() == ["install", "-y", "--no-install-recommends", "libharfbuzz-subset0", "fonts-noto-cjk"]
    assert proc.stdout == "report setup: installed libharfbuzz-subset0 fonts-noto-cjk\n"


def test_report_setup_elsewhere_says_what_to_install(tmp_path: Path) -> None:
    env = _fake_debian(tmp_path, set(), with_dpkg=False)
    dry = run_cli("report", "setup", "--dry-run", env=env)
    assert dry.returncode == 0 and "not a Debian/Ubuntu system" in dry.stdout and "fonts-noto-cjk" in dry.stdout
    proc = run_cli("report", "setup", env=env)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traditional Chinese font" in lines[0] and "Traceback" not in proc.stderr


def test_the_project_script_reads_the_same_list() -> None:
    from tests.conftest import ROOT

    script = (ROOT / "scripts" / "setup-system").read_text()
    assert "scanner/report/system-packages.txt" in script
    assert not any(name in script for name in _all_packages()), "the list is kept in one place"
