"""``cloudgov history`` and ``cloudgov report board``: the scan history and the board report.

Only typer is imported at start-up; SQLAlchemy, jinja2, matplotlib and WeasyPrint load
inside the commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from scanner.cli.common import DbOpt, stderr_console
from scanner.errors import InputError, UsageError


def _engine(db: str | None):
    import scanner.store.models_history  # noqa: F401  (maps the tables)
    from scanner.store.db import open_db

    return open_db(db)


def _scan_rows(db: str | None, limit: int) -> list[dict[str, Any]]:
    from scanner.store.db import session_scope
    from scanner.store.queries import scan_rows

    with session_scope(_engine(db)) as session:
        return scan_rows(session, limit)


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    history = typer.Typer(
        help="Past scans kept in the database (--store on any scan, or history import).",
        invoke_without_command=True,
    )
    report = typer.Typer(help="Reports built from the scan history and the registers.", no_args_is_help=True)
    app.add_typer(history, name="history")
    app.add_typer(report, name="report")

    @history.callback()
    def history_list(
        ctx: typer.Context,
        db: DbOpt = None,
        limit: Annotated[int, typer.Option("--limit", "-n", help="How many scans, newest first.")] = 20,
        fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    ) -> None:
        """List past scans: when, scope, pass rates per area."""
        if ctx.invoked_subcommand is not None:
            return
        if fmt not in ("table", "json"):
            raise UsageError(f"--format: {fmt!r} is not one of table, json")
        rows = _scan_rows(db, limit)
        if fmt == "json":
            sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
            return
        from rich.console import Console
        from rich.table import Table

        console = Console(highlight=False)
        if not rows:
            console.print("No scans stored yet: run a scan with --store, or `cloudgov history import DIR`.")
            return
        areas = sorted({a for r in rows for a in r["pass_rate"]})
        t = Table(title="Scan history (pass rate = PASS ÷ applicable findings)")
        for col in ("id", "evaluated (UTC)", "scope", "resources", "fail", "error", "waived", *areas):
            t.add_column(col, justify="right" if col not in ("evaluated (UTC)", "scope") else "left",
                         no_wrap=col in ("id", "evaluated (UTC)"))
        for r in rows:
            clouds = sorted({a.split(":", 1)[0] for a in r["accounts"]})
            scope = f"{len(r['accounts'])} ({', '.join(clouds)})"
            st = r["by_status"]
            t.add_row(str(r["id"]), r["evaluated_at"][:16].replace("T", " "), scope, f"{r['resources']:,}",
                      str(st.get("FAIL", 0)), str(st.get("ERROR", 0)), str(st.get("WAIVED", 0)),
                      *[("—" if r["pass_rate"].get(a) is None else f"{100 * r['pass_rate'][a]:.1f}%") for a in areas])
        console.print(t)

    @history.command("import")
    def history_import(
        paths: Annotated[list[Path], typer.Argument(help="Findings JSON files (--format json), or folders of them.", show_default=False)],
        db: DbOpt = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """Import findings files (schema cloudgov.findings/1) into the scan history."""
        from scanner.store.history import import_paths

        err = stderr_console(quiet)
        outcomes = import_paths(paths, db)
        if not any(o.scan_id for o in outcomes):
            raise InputError(f"no findings documents found in {', '.join(map(str, paths))}")
        for o in outcomes:
            if o.scan_id is None:
                err.print(f"[dim]{o.path}: {o.note}[/dim]")
            else:
                what = "imported" if o.created else "unchanged"
                err.print(f"{what} {o.path} as scan {o.scan_id} ({o.evaluated_at}, {o.findings} findings)"
                          + (f": {o.note}" if o.note and o.created else ""))

    @history.command("prune")
    def history_prune(
        keep_days: Annotated[int | None, typer.Option("--keep-days", help="Keep scans evaluated in the last N days (default: CLOUDGOV_HISTORY_RETENTION_DAYS).")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Say how many scans would be deleted; delete nothing.")] = False,
        yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation on a terminal.")] = False,
        db: DbOpt = None,
    ) -> None:
        """Delete scans older than the retention period (asks first on a terminal; --dry-run to see)."""
        from scanner.store.db import session_scope
        from scanner.store.history import prune, retention_days

        days = retention_days(keep_days)
        if days is None:
            raise UsageError("give --keep-days N, or set history.retention_days in cloudgov.yaml (or CLOUDGOV_HISTORY_RETENTION_DAYS); history is kept forever by default")
        err = stderr_console()
        with session_scope(_engine(db)) as session:
            n = prune(session, days)  # counted inside the transaction, kept only when confirmed
            if dry_run or n == 0:
                session.rollback()
                err.print(f"{'would delete' if n else 'nothing to delete:'} {n} scan(s) evaluated more than {days} days ago")
                return
            if not yes and sys.stdin.isatty() and not typer.confirm(
                    f"delete {n} scan(s) evaluated more than {days} days ago?", default=False, err=True):
                session.rollback()
                err.print("nothing deleted")
                return
        err.print(f"deleted {n} scan(s) evaluated more than {days} days ago")

    @report.command("setup")
    def report_setup(
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what is missing and the command that would install it; change nothing.")] = False,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show apt-get's output.")] = False,
    ) -> None:
        """Install the system packages the PDF report needs (Pango, HarfBuzz, fontconfig, Noto Sans
        CJK TC) with apt-get on Debian/Ubuntu; elsewhere, say what to install. Does nothing when
        they are all there."""
        from scanner.report.system import install, packages, plan

        p = plan()
        if p.debian and not p.missing:
            typer.echo(f"report setup: all {len(packages())} system packages are installed")
            return
        if dry_run:
            if not p.debian:
                typer.echo("report setup: not a Debian/Ubuntu system; install by hand: "
                           + ", ".join(f"{n} ({why})" for n, why in packages()))
            else:
                typer.echo(f"report setup: missing {' '.join(p.missing)}; would run: {' '.join(p.command)}")
            return
        install(p, verbose=verbose)
        typer.echo(f"report setup: installed {' '.join(p.missing)}")

    @report.command("board")
    def board(
        period: Annotated[str, typer.Option("--period", help="2026-Q3, 2026-H1, 2026 or 2026-09.", show_default=False)],
        lang: Annotated[str, typer.Option("--lang", "-l", help="zh-TW or en.")] = "zh-TW",
        fmt: Annotated[str, typer.Option("--format", "-f", help="html or pdf (default: from --output's suffix, else html).")] = "",
        output: Annotated[Path | None, typer.Option("--output", metavar="FILE", help="File to write (default: board-<period>.<format>).")] = None,
        firm: Annotated[str, typer.Option("--firm", help="The firm's name on the cover (default: firm.name in cloudgov.yaml).", envvar="CLOUDGOV_FIRM")] = "",
        appetite: Annotated[Path | None, typer.Option("--appetite", help="YAML overriding the risk-appetite thresholds (scanner/report/appetite.yaml, then report.appetite in cloudgov.yaml).")] = None,
        config: Annotated[Path | None, typer.Option("--config", "-c", help="cloudgov.yaml (jurisdiction) (default: ./cloudgov.yaml when present).")] = None,
        db: DbOpt = None,
        quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    ) -> None:
        """The board report on cloud risk (ETG 4.2, CSM CC-12000 (6)): HTML or PDF, zh-TW or English."""
        from scanner.report.i18n import check_lang
        from scanner.report.periods import parse_period
        from scanner.report.render import FORMATS

        per = parse_period(period)
        language = check_lang(lang)
        fmt = (fmt or (output.suffix.lstrip(".").lower() if output and output.suffix else "html")).lower()
        if fmt not in FORMATS:
            raise UsageError(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
        output = output or Path(f"board-{per.label}.{fmt}")
        err = stderr_console(quiet or not sys.stderr.isatty())
        from scanner.config import load_config
        from scanner.report import board_data
        from scanner.report.appetite import load_appetite
        from scanner.report.render import render_html, render_pdf
        from scanner.store.db import session_scope

        cfg = load_config(config)
        thresholds = load_appetite(appetite, dict(cfg.report_appetite))
        with err.status(f"building the {per.label} report"):
            with session_scope(_engine(db)) as session:
                data = board_data(session, per, config=cfg, appetite=thresholds, firm=firm or cfg.firm_name)
            html = render_html(data, language, dates=cfg.report_dates)
            payload = render_pdf(html) if fmt == "pdf" else html.encode("utf-8")
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            tmp = output.with_name(output.name + ".tmp")
            tmp.write_bytes(payload)
            tmp.replace(output)
        except OSError as e:
            raise InputError(f"--output: cannot write {output} ({e.strerror})") from None
        summary = stderr_console(quiet)
        if not data["has_scans"]:
            summary.print(f"[yellow]no scans stored for {per.label}[/yellow]: the report says so")
        summary.print(f"wrote {output}")
