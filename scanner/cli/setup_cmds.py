"""``cloudgov init`` (a commented cloudgov.yaml with the regulatory defaults) and
``cloudgov doctor`` (which optional parts, checkov, fonts and database are there)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from scanner.cli.common import DbOpt


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @app.command("init")
    def init(
        output: Annotated[
            Path, typer.Option("--output", metavar="FILE", help="Where to write the configuration.")
        ] = Path("cloudgov.yaml"),
        force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    ) -> None:
        """Write a cloudgov.yaml holding every regulatory default, commented out, each with the
        article it comes from: uncomment what your firm decides differently."""
        from scanner.errors import UsageError

        if output.exists() and not force:
            raise UsageError(f"{output} exists already; give --force to overwrite it, or --output another file.")
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(commented_defaults(), encoding="utf-8")
        typer.echo(f"wrote {output}: the regulatory defaults, commented; cloudgov reads ./cloudgov.yaml "
                   "(or --config FILE) on every run")

    @app.command("doctor")
    def doctor(db: DbOpt = None) -> None:
        """Say which optional parts (extras), checkov, fonts and database this installation has,
        and what to run for the ones that are missing."""
        rows = checks(db)
        width = max(len(r[0]) for r in rows)
        for name, ok, detail in rows:
            mark = "ok     " if ok else "missing"
            typer.echo(f"{name:<{width}}  {mark}  {detail}")


def commented_defaults() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from scanner.config import DEFAULTS_PATH

    try:
        ver = version("cloudgov")
    except PackageNotFoundError:
        ver = "source"
    body = Path(DEFAULTS_PATH).read_text(encoding="utf-8")
    head = (
        f"# cloudgov.yaml — written by `cloudgov init` (cloudgov {ver}) on {dt.date.today().isoformat()}.\n"
        "# Every setting below is cloudgov's regulatory default, with the article it comes from\n"
        "# (ETG, CSM, SRR, DSG, WFH). All of it is commented out: uncomment and change only what\n"
        "# your firm decides differently; the rest keeps following cloudgov's defaults.\n"
        "# cloudgov reads ./cloudgov.yaml (or --config FILE) on every run and refuses unknown keys.\n"
        "#\n"
    )
    lines = [("# " + line) if line.strip() else "#" for line in body.splitlines()]
    return head + "\n".join(lines) + "\n"


def checks(db: str | None) -> list[tuple[str, bool, str]]:
    """(what, present, detail) for each part an installation may lack."""
    from scanner.extras import extras, missing

    rows: list[tuple[str, bool, str]] = []
    for extra in sorted(e for e in extras() if e != "test"):  # test: the project's own tooling
        absent = missing(extra)
        rows.append((f"extra {extra}", not absent,
                     "installed" if not absent else f"{', '.join(absent)} not installed: pip install 'cloudgov[{extra}]'"))
    rows.append(_checkov())
    rows.append(_fonts())
    rows.append(_database(db))
    return rows


def _checkov() -> tuple[str, bool, str]:
    from scanner.errors import CloudgovError
    from scanner.iac.checkov import find_checkov

    try:
        return ("checkov", True, str(find_checkov()))
    except CloudgovError as e:
        return ("checkov", False, str(e))


def _fonts() -> tuple[str, bool, str]:
    """A Traditional Chinese font for the board report's PDF and charts (fontconfig)."""
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return ("CJK font", False, "fontconfig not installed: cloudgov report setup installs it and fonts-noto-cjk")
    try:
        out = subprocess.run(["fc-list", ":lang=zh-tw", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return ("CJK font", False, f"fc-list failed: {e}")
    # Traditional Chinese (TC) families first: what the report's stylesheet asks for
    families = sorted({f.split(",")[0].strip() for f in out.splitlines() if f.strip()},
                      key=lambda name: (" TC" not in name, name))
    if not families:
        return ("CJK font", False, "no Traditional Chinese font: cloudgov report setup installs fonts-noto-cjk")
    return ("CJK font", True, ", ".join(families[:3]) + (" …" if len(families) > 3 else ""))


def _database(db: str | None) -> tuple[str, bool, str]:
    """Where the register and history live, and whether that database exists yet (nothing is
    created here: doctor only looks)."""
    from scanner.errors import CloudgovError
    from scanner.store.db import parse_url

    try:
        url: Any = parse_url(db)
    except CloudgovError as e:
        return ("database", False, str(e))
    shown = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            return ("database", True, f"{shown} (in memory)")
        exists = Path(url.database).expanduser().is_file()
        return ("database", True, f"{shown} ({'exists' if exists else 'created on first use'})")
    from scanner.extras import missing

    if url.get_backend_name() == "postgresql" and missing("postgres"):
        return ("database", False, f"{shown}: pip install 'cloudgov[postgres]'")
    return ("database", True, f"{shown} (not contacted)")
