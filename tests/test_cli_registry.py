"""The CLI's static lazy map (scanner/cli/__init__.py, scanner/cli/lazy.py): every command a
module registers is in the map under that module, with that command's own help, and
``cloudgov --help`` imports no command module."""

from __future__ import annotations

import subprocess
import sys

import typer

from scanner.cli import COMMAND_MODULES, _ScanGroup, _TopGroup
from scanner.cli.lazy import load_module, short_help


def _registered(module_name: str) -> tuple[dict, dict]:
    module = load_module(module_name)
    assert module is not None, module_name
    top, scan = typer.Typer(), typer.Typer()
    module.register(top, scan)
    return (dict(typer.main.get_group(top).commands) if top.registered_commands or top.registered_groups else {},
            dict(typer.main.get_group(scan).commands) if scan.registered_commands or scan.registered_groups else {})


def test_every_registered_command_is_in_the_map_with_its_own_help():
    for module_name in COMMAND_MODULES:
        top, scan = _registered(module_name)
        for group, commands in ((_TopGroup, top), (_ScanGroup, scan)):
            mapped = {n for n, x in group.lazy.items() if x.module == module_name}
            assert set(commands) == mapped, f"{module_name}: registers {sorted(commands)}, the map says {sorted(mapped)}"
            for name, cmd in commands.items():
                assert short_help(cmd.help or "", 200) == short_help(group.lazy[name].help, 200), name


def test_help_imports_no_command_module():
    code = (
        "import sys\n"
        "from scanner.cli import run\n"
        "code = run(['--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('scanner.') and m not in "
        "('scanner.cli', 'scanner.cli.lazy', 'scanner.errors')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
    assert "vendor" in out and "report" in out  # the static list was printed


def test_a_command_loads_only_its_module():
    code = (
        "import sys\n"
        "from scanner.cli import run\n"
        "run(['controls', '--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('scanner.cli.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # scanner.cli.options: the option vocabulary help writes its metavars from, no command
    assert out.strip().splitlines()[-1] == "['scanner.cli.catalogue', 'scanner.cli.lazy', 'scanner.cli.options']"


def test_a_quiet_command_imports_no_rich():
    """--quiet prints nothing on stderr, so its console is not rich's (a tenth of a scan's imports)."""
    code = (
        "import sys\n"
        "from scanner.cli.common import stderr_console\n"
        "err = stderr_console(True)\n"
        "err.print('[bold]not shown[/bold]')\n"
        "with err.status('nor this'):\n"
        "    pass\n"
        "print(err.quiet, err.is_terminal, sorted(m for m in sys.modules if m.startswith('rich')))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "True False []" and run.stderr == ""
