"""``cloudgov exit ...``: exit plans, lock-in analysis, terminations and deletion checks.

Only typer is imported at start-up; SQLAlchemy, networkx, matplotlib and exit_plans load
inside the commands. Commands that change the database take ``--actor`` and ``--today``
(as ``cloudgov vendor`` does) and run in one transaction; ``check`` and ``verify`` take
the shared scan options and exit like scans.
"""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from scanner.cli.common import DbOpt, ScanOptions, evaluate_and_exit, scan_options, stderr_console
from scanner.cli.register_common import ActorOpt, OutFmt, TodayOpt, db_session, db_write
from scanner.cli.register_common import check_format as _fmt
from scanner.cli.register_common import console as _console
from scanner.cli.register_common import who as _who
from scanner.errors import InputError, UsageError
from scanner.outputs.escape import inert


def _session(db: str | None):
    return db_session(db, "the exit plans")

InventoryOpt = Annotated[
    list[Path] | None,
    typer.Option("--inventory", "-i", help="A cloudgov snapshot (.json, .jsonl, .json.gz); repeatable, merged."),
]


def _load(paths: list[Path] | None, what: str = "--inventory"):
    from scanner.inventory import load, merge

    if not paths:
        raise UsageError(f"{what}: give at least one cloudgov snapshot")
    return merge(load(p) for p in paths)


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    exit_app = typer.Typer(help="Exit plans, lock-in analysis and proof of deletion at termination (ETG Art. 9).",
                           no_args_is_help=True)
    plan = typer.Typer(help="Exit plans: one per service of the vendor register (ETG 9.5).", no_args_is_help=True)
    test = typer.Typer(help="Exit-plan tests and drills (ETG 9.2).", no_args_is_help=True)
    app.add_typer(exit_app, name="exit")
    exit_app.add_typer(plan, name="plan")
    exit_app.add_typer(test, name="test")

    @plan.command("import")
    def plan_import(
        path: Annotated[Path, typer.Argument(help="Plans file: YAML or JSON (cloudgov.exit-plans v1).")],
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Create or update exit plans and their tests (idempotent; nothing is deleted)."""
        from exit_plans.importer import import_document, read_document

        who = _who(actor, today)
        doc = read_document(path)
        report = db_write(db, "the exit plans", lambda s: import_document(s, who, doc, source=path.name))
        stderr_console().print(inert(f"{path}: {report.summary()}"))

    @plan.command("list")
    def plan_list(db: DbOpt = None, today: TodayOpt = None, format: OutFmt = "table") -> None:
        """Every service: its plan, approval, last test, transition time vs RTO, termination."""
        from exit_plans.check import build_inventory
        from scanner.records.clock import today as today_fn

        _fmt(format)
        with _session(db) as s:
            inv = build_inventory(s, today_fn(today))
        rows = []
        for r in sorted(inv, key=lambda r: r.id):
            p = r.properties
            rows.append({
                "service": p["service"], "state": r.kind.split(".", 1)[1], "version": p.get("plan.version"),
                "approved_on": p.get("plan.approved_on"), "go_live": p.get("go_live"),
                "last_test": p.get("test.last_date"), "last_result": p.get("test.last_result"),
                "next_test_due": p.get("test.next_due"), "transition_hours": p.get("transition_hours"),
                "rto_hours": p.get("rto_hours"), "terminated_on": p.get("terminated_on"),
                "verification": p.get("verification.result"),
            })
        if format == "json":
            sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
            return
        from rich.table import Table

        t = Table(title="Exit plans (退場計畫)")
        rows = inert(rows)  # names and versions come from users' files: shown, never obeyed
        for col in ("service", "state", "version", "approved", "go-live", "last test", "next due", "transition / RTO"):
            t.add_column(col)
        for row in rows:
            if row["state"] == "termination":
                t.add_row(row["service"], f"terminated {row['terminated_on']}", "", "", "", "", "",
                          f"verification: {row['verification'] or 'none'}")
                continue
            tr = "—" if row["transition_hours"] is None else f"{row['transition_hours']:g} h"
            rto = "—" if row["rto_hours"] is None else f"{row['rto_hours']:g} h"
            last = f"{row['last_test']} {row['last_result']}" if row["last_test"] else "never"
            t.add_row(row["service"], "plan" if row["state"] == "plan" else "[red]no plan[/red]", row["version"] or "",
                      row["approved_on"] or "—", row["go_live"] or "—", last if row["state"] == "plan" else "",
                      row["next_test_due"] or "—", f"{tr} / {rto}")
        _console().print(t)

    @test.command("add")
    def test_add(
        service: Annotated[str, typer.Argument(help="provider/service, e.g. aws-tw/core-trading.")],
        date_: Annotated[str, typer.Option("--date", help="When the test was held, YYYY-MM-DD.")],
        kind: Annotated[str, typer.Option("--kind", help="tabletop, restore, partial_migration or full_migration.")],
        result: Annotated[str, typer.Option("--result", help="passed, passed_with_issues or failed.")],
        scenario: Annotated[str | None, typer.Option("--scenario", help="stressed or planned.")] = None,
        evidence: Annotated[str | None, typer.Option("--evidence", help="Where the test report is kept.")] = None,
        notes: Annotated[str | None, typer.Option("--notes")] = None,
        next_due: Annotated[str | None, typer.Option("--next-due", help="Next test due, YYYY-MM-DD.")] = None,
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Record an exit-plan test or drill."""
        from exit_plans.service import add_test
        from scanner.records.clock import parse_date

        who = _who(actor, today)
        tested_on = parse_date(date_, "--date")
        if tested_on is None:
            raise UsageError("--date: give the day the test was held (YYYY-MM-DD)")
        nd = parse_date(next_due, "--next-due")
        db_write(db, "the exit plans", lambda s: add_test(s, who, service, tested_on=tested_on, kind=kind, result=result,
                                                           scenario=scenario, evidence=evidence, notes=notes,
                                                           next_test_due=nd))
        stderr_console().print(inert(f"{service}: {kind} test of {tested_on} recorded ({result})"))

    @exit_app.command("check")
    @scan_options
    def check(
        inventory: Annotated[
            list[Path] | None,
            typer.Option("--inventory", "-i", help="Scan snapshots: the first one that saw a service's clouds "
                         "dates its go-live when no contract does (remembered in the database)."),
        ] = None,
        today: TodayOpt = None,
        actor: ActorOpt = None,
        opts: ScanOptions = None,  # type: ignore[assignment]
    ) -> None:
        """Exit-readiness findings (ETG 9.x, 7.2, 5.3), with the same outputs and exit codes as scans."""
        from exit_plans.check import build_inventory
        from exit_plans.service import note_sightings

        who = _who(actor, today)
        with _session(opts.db) as s:
            for p in inventory or []:
                note_sightings(s, who, _load([p]), source=p.name)
            inv = build_inventory(s, who.today)
        evaluate_and_exit(inv, opts, source="exit_plans", areas={"exit"})

    @exit_app.command("lockin")
    def lockin(
        inventory: InventoryOpt = None,
        service: Annotated[str | None, typer.Option("--service", help="provider/service: its linked cloud scopes.")] = None,
        scope: Annotated[list[str] | None, typer.Option("--scope", help="A cloud scope (aws:222222222222) instead of, or besides, --service; repeatable.")] = None,
        diagram: Annotated[Path | None, typer.Option("--diagram", help="Draw the dependency picture to this .svg or .png.")] = None,
        format: OutFmt = "table",
        db: DbOpt = None,
    ) -> None:
        """Portability of a service's components, a score and a migration order (ETG 5.3)."""
        from exit_plans.lockin import analyse
        from exit_plans.service import parse_scope_list

        _fmt(format)
        if not service and not scope:
            raise UsageError("name the service (--service provider/service) or its cloud scopes (--scope aws:ACCOUNT)")
        scopes = parse_scope_list(scope or [])
        name = service or ", ".join(scopes)
        if service:
            from vendor_dd.register import find_service

            with _session(db) as s:
                svc = find_service(s, service)
                scopes = [f"{x.cloud}:{x.account}" for x in svc.scopes] + scopes
            if not scopes:
                raise InputError(f"{service}: no cloud scopes are linked to the service; pass --scope")
        report = analyse(_load(inventory), name, scopes)
        if diagram is not None:
            from exit_plans.diagram import draw

            draw(report, diagram)
        if format == "json":
            sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
        else:
            _print_lockin(report)
        if diagram is not None:
            stderr_console().print(f"wrote {diagram}")

    @exit_app.command("terminate")
    def terminate(
        service: Annotated[str, typer.Argument(help="provider/service, e.g. aws-tw/legacy-crm.")],
        certificate: Annotated[Path | None, typer.Option("--certificate", help="The provider's certificate of complete deletion (hashed and stored).")] = None,
        date_: Annotated[str | None, typer.Option("--date", help="Termination date (default: today).")] = None,
        scope_covers: Annotated[list[str] | None, typer.Option("--scope-covers", help="What the certificate covers: primary_data, replicas, backups, logs, keys (repeatable; default all).")] = None,
        issued_by: Annotated[str | None, typer.Option("--issued-by", help="Who signed the certificate.")] = None,
        issued_on: Annotated[str | None, typer.Option("--issued-on", help="Certificate date, YYYY-MM-DD.")] = None,
        also_scope: Annotated[list[str] | None, typer.Option("--also-scope", help="Another cloud scope that held the service's data (e.g. a DR account), aws:ACCOUNT; repeatable.")] = None,
        reason: Annotated[str | None, typer.Option("--reason")] = None,
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Record the termination of a service and its deletion certificate (ETG 9.6)."""
        from exit_plans.service import terminate as terminate_fn
        from scanner.records.clock import parse_date
        from vendor_dd.evidence import store_root

        who = _who(actor, today)
        root, on, issued = store_root(db), parse_date(date_, "--date"), parse_date(issued_on, "--issued-on")

        def work(s):
            term = terminate_fn(
                s, who, service, certificate=certificate, evidence_root=root, terminated_on=on,
                scope=scope_covers or None, issued_by=issued_by, issued_on=issued, reason=reason,
                extra_scopes=also_scope or [],
            )
            return term.terminated_on, term.certificate_sha256

        terminated_on, sha = db_write(db, "the exit plans", work)
        cert = f"certificate sha256 {sha}" if sha else "[yellow]no certificate yet[/yellow]"
        stderr_console().print(f"{inert(service)}: terminated {terminated_on}; {cert}")

    @exit_app.command("verify")
    @scan_options
    def verify(
        service: Annotated[str, typer.Argument(help="The terminated service, provider/service.")],
        inventory: InventoryOpt = None,
        today: TodayOpt = None,
        actor: ActorOpt = None,
        opts: ScanOptions = None,  # type: ignore[assignment]
    ) -> None:
        """Check a post-exit scan: a FAIL for every resource left in the service's clouds."""
        from exit_plans.check import verification_inventory
        from exit_plans.service import record_verification, termination_for
        from exit_plans.verify import verify_exit
        from vendor_dd.register import find_service

        scans = _load(inventory)
        who = _who(actor, today)
        with _session(opts.db) as s:
            svc = find_service(s, service)
            term = termination_for(s, svc)
            if term is None:
                raise InputError(f"{service}: no termination is recorded; run cloudgov exit terminate {service} first")
            scopes = [f"{x.cloud}:{x.account}" for x in svc.scopes] + list(term.extra_scopes or [])
            if not scopes:
                raise InputError(f"{service}: no cloud scopes are linked to the service; add one with --also-scope on exit terminate")
            outcome = verify_exit(scans, scopes)
            record_verification(s, who, term, outcome)
            s.flush()
            inv = verification_inventory(term, outcome, who.today)
        if not opts.quiet:
            stderr_console().print(f"{inert(service)}: verification {outcome.result} — {len(outcome.failures)} left over, "
                                   f"{len(outcome.scopes_missing)} scope(s) not in the scan, {len(outcome.gaps)} gap(s)")
        evaluate_and_exit(inv, opts, source="exit_plans.verify", areas={"exit"})


def _print_lockin(report) -> None:
    from rich.table import Table

    colour = {"portable": "green", "provider_specific": "red", "unknown": "grey50"}
    t = Table(title=f"Lock-in: {inert(report.service)} (portability {report.score if report.score is not None else 'n/a'}%)")
    for col in ("wave", "component", "kind", "region", "portability", "why", "after"):
        t.add_column(col, overflow="fold")
    names = {c.id: c.name for c in report.components}
    for c in report.components:  # names, kinds and regions come from the scanned clouds: shown, never obeyed
        t.add_row(str(c.wave), inert(c.name), inert(c.kind or "?"), inert(c.region or ""),
                  f"[{colour[c.portability]}]{c.portability}[/]", inert(c.why),
                  inert(", ".join(names.get(d, d) for d in c.depends_on)))
    con = _console()
    con.print(t)
    con.print(f"{len(report.components)} components: {report.count('portable')} portable, "
              f"{report.count('provider_specific')} provider-specific, {report.count('unknown')} unknown")
