"""The exit-code contract (README "Exit codes"), enforced by ``scanner.cli.run``:

0 ok · 1 a finding failed · 2 usage or input error, one sentence · 3 internal error, a short
message, the traceback only with ``--debug`` / ``CLOUDGOV_DEBUG=1``.

Every command of the typer app (walked, so a new command is covered without editing this
file) is run on garbage: each argument and each option that takes a value gets a file that
is not what it expects (binary, an impossible YAML date, JSON nested 100,000 deep, a
directory), all at once and one option at a time. None may crash into 1, print a
traceback, or answer with more than one line of error."""

from __future__ import annotations

import pytest

from scanner.cli import EXIT_INPUT, EXIT_INTERNAL, app, run

#: flags and options whose values are not files or free text (the walk leaves them out of
#: "garbage everywhere" so that the garbage reaches the file-reading code)
_NOT_GARBAGE = {"--help", "-h"}


def _leaf_commands() -> list[tuple[list[str], object]]:
    import typer.main

    found: list[tuple[list[str], object]] = []

    def walk(cmd: object, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
        else:
            found.append((path, cmd))

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _leaf_commands()


def _params(cmd: object) -> tuple[list[object], list[object]]:
    """(positional arguments, options that take a value)."""
    params = [p for p in cmd.params if p.opts and p.opts[0] not in _NOT_GARBAGE]  # type: ignore[attr-defined]
    args = [p for p in params if p.param_type_name == "argument"]
    opts = [p for p in params if p.param_type_name == "option" and not getattr(p, "is_flag", False)]
    return args, opts


@pytest.fixture
def garbage(tmp_path, monkeypatch):
    """Garbage files by kind, and an environment where nothing reaches a real home or cloud."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("CLOUDGOV_DB", f"sqlite:///{tmp_path / 'default.db'}")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.delenv("CLOUDGOV_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    g = tmp_path / "garbage"
    g.mkdir()
    files = {
        "binary": g / "binary.json",
        "date": g / "date.yaml",
        "deep": g / "deep.json",
        "directory": g / "a-directory",
    }
    files["binary"].write_bytes(b"\xff\xfe\x00\x80garbage\x81{[\x1b[2J")
    files["date"].write_text("expires: 2026-02-30\n", encoding="utf-8")
    files["deep"].write_text("[" * 100_000, encoding="utf-8")
    files["directory"].mkdir()
    return files


def _problem(argv: list[str], capsys) -> str | None:
    """What breaks the contract in this run, or None."""
    code = run(argv)
    out = capsys.readouterr()
    where = " ".join(argv)
    if code == 1:
        return f"{where}: exited 1, the findings' code\n{out.err}"
    if "Traceback" in out.err or "Traceback" in out.out:
        return f"{where}: a traceback without --debug\n{out.err}"
    if code == EXIT_INTERNAL:
        return f"{where}: internal error on garbage input\n{out.err}"
    if code not in (0, EXIT_INPUT):
        return f"{where}: exit {code}\n{out.err}"
    if code == EXIT_INPUT and len([line for line in out.err.splitlines() if line.strip()]) != 1:
        return f"{where}: the error is not one line\n{out.err}"
    return None


@pytest.mark.parametrize("kind", ["binary", "date", "deep", "directory"])
@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_on_garbage_everywhere(path, cmd, kind, garbage, capsys):
    args, opts = _params(cmd)
    value = str(garbage[kind])
    argv = [*path, *[value for _ in args]]
    for o in opts:
        argv += [o.opts[0], value]
    problem = _problem(argv, capsys)
    assert problem is None, problem


@pytest.mark.parametrize("path,cmd", COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_option_alone_on_garbage(path, cmd, garbage, capsys):
    """Each option with garbage while the others keep their defaults (the arguments are
    garbage too, so that no command does real work)."""
    args, opts = _params(cmd)
    problems = []
    for kind in ("binary", "date"):
        value = str(garbage[kind])
        base = [*path, *[value for _ in args]]
        required = [o for o in opts if o.required]
        for o in opts:
            argv = [*base, o.opts[0], value]
            for r in required:
                if r is not o:
                    argv += [r.opts[0], value]
            if path[:1] == ["scan"] and path[1] in ("aws", "azure", "gcp") and o.opts[0] != "--profile":
                # live scans: a bad profile first, so that nothing waits on a cloud's endpoint
                argv += ["--profile", value] if path[1] == "aws" else []
            problems.append(_problem(argv, capsys))
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


def test_internal_error_is_3_with_a_short_message_and_traceback_only_on_debug(monkeypatch, capsys):
    import scanner.cli.catalogue as catalogue_cli

    def boom(*_a, **_k):
        raise RuntimeError("simulated bug\nsecond line")

    monkeypatch.delenv("CLOUDGOV_DEBUG", raising=False)
    monkeypatch.setattr("policies.registry.load_policies", boom)
    assert catalogue_cli  # the command imports load_policies inside the function
    assert run(["policies"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [
        "cloudgov: internal error: RuntimeError: simulated bug "
        "(this is a bug in cloudgov; rerun with --debug for the traceback)"
    ]
    assert run(["--debug", "policies"]) == EXIT_INTERNAL
    assert "Traceback" in capsys.readouterr().err
    monkeypatch.setenv("CLOUDGOV_DEBUG", "1")
    assert run(["policies"]) == EXIT_INTERNAL
    assert "Traceback" in capsys.readouterr().err


def test_usage_error_is_one_line_exit_2(capsys):
    assert run(["scan", "snapshot", "--no-such-option"]) == EXIT_INPUT
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--no-such-option" in err[0]


def test_console_entry_point_exits_with_the_code(cli, tmp_path):
    """The real process: garbage waivers exit 2 with one line, no traceback."""
    bad = tmp_path / "w.yaml"
    bad.write_bytes(b"\xff\xfe garbage")
    r = cli("scan", "snapshot", "samples/estate/", "--waivers", str(bad))
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
