"""The package data that tests use is the package data that ships.

Two views of "what cloudgov reads": every data file beside the code in the package
folders, and the files a run of the main commands actually opens (recorded by an audit
hook). Both must be inside the built wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.packaging.conftest import PACKAGES, ROOT

# Commands whose runs open the data files: policies and catalogue, jurisdictions, defaults,
# the IaC check mapping, the findings schema, migrations, the board report's templates
# and catalogue, the portability table.
_RECORDER = r"""
import json, os, sys
roots = [os.path.join(sys.argv[1], p) + os.sep for p in sys.argv[2].split(",")]
opened = set()

def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if any(path.startswith(r) for r in roots):
            opened.add(os.path.relpath(path, sys.argv[1]))

sys.addaudithook(hook)
from scanner.cli import app
commands = json.loads(sys.argv[3])
for argv in commands:
    try:
        app(args=argv, prog_name="cloudgov", standalone_mode=False)
    except SystemExit:
        pass
    except Exception as e:  # a failing command still shows what it opened before failing
        print(f"{argv}: {type(e).__name__}: {e}", file=sys.stderr)
print(json.dumps(sorted(opened)))
"""


def _data_files() -> set[str]:
    out: set[str] = set()
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix in (".py", ".pyc"):
                continue
            if path.name == ".keep":  # keeps an empty folder in git; nothing reads it
                continue
            out.add(path.relative_to(ROOT).as_posix())
    return out


def test_every_data_file_beside_the_code_is_in_the_wheel(wheel: Path) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    data = _data_files()
    assert "scanner/iac/checks/checks.toml" in data  # the file whose absence crashed `cloudgov iac`
    assert not data - shipped, f"data files not in the wheel: {sorted(data - shipped)}"


def test_the_files_a_run_opens_are_in_the_wheel(wheel: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cloudgov.db'}"
    commands = [
        ["policies"],
        ["controls", "--coverage"],
        ["scan", "snapshot", "samples/estate/", "--format", "json", "--output-dir", str(tmp_path / "s")],
        ["iac", "samples/terraform/", "--format", "sarif", "--output-dir", str(tmp_path / "i")],
        ["vendor", "import", "samples/vendors.yaml", "--db", db],
        ["exit", "plan", "import", "samples/exit-plans.yaml", "--db", db],
        ["exit", "lockin", "--inventory", "samples/estate/aws.json", "--service", "aws-tw/core-trading", "--db", db],
        ["history", "import", "samples/history/", "--db", db],
        ["report", "board", "--period", "2026-Q3", "--lang", "zh-TW", "--format", "html",
         "--output", str(tmp_path / "b.html"), "--db", db],
    ]
    # a stand-in checkov that finds nothing: the mapping of its checks is still read
    fake = tmp_path / "checkov"
    fake.write_text("#!/bin/sh\necho '[]'\n")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "CLOUDGOV_DB"} | {"CLOUDGOV_CHECKOV": str(fake)}
    proc = subprocess.run(
        [sys.executable, "-c", _RECORDER, str(ROOT), ",".join(PACKAGES), json.dumps(commands)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    opened = {p for p in json.loads(proc.stdout.strip().splitlines()[-1]) if not p.endswith((".py", ".pyc"))}
    # the commands really read the data this test is about
    for expected in ("scanner/iac/checks/checks.toml", "policies/defaults.yaml", "policies/catalogue/etg.yaml",
                     "scanner/report/templates/board.html.j2"):
        assert expected in opened, (expected, sorted(opened), proc.stderr[-2000:])
    shipped = set(zipfile.ZipFile(wheel).namelist())
    assert not opened - shipped, f"opened but not shipped: {sorted(opened - shipped)}"


def test_wheel_has_no_stray_members(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/", 1)[0] for n in names if not n.startswith("cloudgov-")}
    assert tops == set(PACKAGES), tops  # no tests/, samples/ or build leftovers in the product
