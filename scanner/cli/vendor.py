"""``cloudgov vendor ...``: the register of cloud service providers (vendor_dd).

Only typer is imported at start-up; SQLAlchemy and vendor_dd load inside the commands.
Every command that touches the register takes ``--db``; commands that change it take
``--actor`` (default CLOUDGOV_ACTOR, else the OS user) and ``--today`` (default
CLOUDGOV_TODAY, else the real date) and run in one transaction.
"""


import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from scanner.cli.common import DbOpt, ScanOptions, evaluate_and_exit, scan_options, stderr_console
from scanner.cli.register_common import ActorOpt, OutFmt, TodayOpt, db_session, db_write
from scanner.cli.register_common import check_format as _fmt
from scanner.cli.register_common import console as _console
from scanner.cli.register_common import print_json as _print_json
from scanner.cli.register_common import who as _who
from scanner.errors import UsageError
from scanner.outputs.escape import inert


def _session(db: str | None):
    return db_session(db, "the register")


def _date(value: str | None, what: str) -> date | None:
    from scanner.records.clock import parse_date

    return parse_date(value, what)


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    vendor = typer.Typer(help="The register of cloud service providers: due diligence, contracts, audits, evidence.", no_args_is_help=True)
    review = typer.Typer(help="Due-diligence reviews over the twelve ETG 5.1 domains (盡職調查).", no_args_is_help=True)
    evidence = typer.Typer(help="Evidence files: hashed, stored, with validity dates.", no_args_is_help=True)
    audit = typer.Typer(help="Audits of providers by the firm, the regulator, the association or third parties (ETG 6).", no_args_is_help=True)
    app.add_typer(vendor, name="vendor")
    vendor.add_typer(review, name="review")
    vendor.add_typer(evidence, name="evidence")
    vendor.add_typer(audit, name="audit")

    @vendor.command("import")
    def import_(
        path: Annotated[Path, typer.Argument(help="Register file: YAML or JSON (cloudgov.vendors v1), or a per-service CSV.")],
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Bulk load providers, services, contracts, reviews, audits and evidence (idempotent)."""
        from vendor_dd.evidence import store_root
        from vendor_dd.importer import import_document, read_document

        who = _who(actor, today)
        doc = read_document(path)
        root = store_root(db)
        report = db_write(
            db, "the register",
            lambda s: import_document(s, who, doc, base_dir=path.parent, evidence_root=root, source=path.name),
        )
        stderr_console().print(inert(f"{path}: {report.summary()}"))

    @vendor.command("list")
    def list_(db: DbOpt = None, today: TodayOpt = None, format: OutFmt = "table") -> None:
        """Providers and services: materiality, next review due, status."""
        from scanner.records.clock import today as today_fn
        from vendor_dd.exporter import service_rows

        _fmt(format)
        with _session(db) as s:
            rows = service_rows(s, today_fn(today))
        if format == "json":
            _print_json(rows)
            return
        from rich.table import Table

        t = Table(title="Cloud service providers (雲端服務提供者)")
        rows = inert(rows)  # names come from users' files: shown, never obeyed
        for col in ("service", "model", "重大性 material", "next review due", "status", "last audit", "evidence"):
            t.add_column(col)
        for r in rows:
            t.add_row(f"{r['provider']}/{r['service']}", r["service_model"], r["material"] or "unassessed",
                      r["next_review_due"] or "—", r["review_status"], r["last_audit"] or "never", r["evidence_flagged"] or "ok")
        _console().print(t)

    @vendor.command("show")
    def show(
        provider: Annotated[str, typer.Argument(help="Provider id, e.g. aws-tw.")],
        db: DbOpt = None,
        today: TodayOpt = None,
        format: OutFmt = "table",
    ) -> None:
        """Everything about one provider: services, contracts and clauses, reviews, audits, evidence."""
        from scanner.records.clock import today as today_fn
        from vendor_dd.views import provider_view, render_provider

        _fmt(format)
        with _session(db) as s:
            view = provider_view(s, provider, today_fn(today))
        if format == "json":
            _print_json(view)
        else:
            render_provider(_console(), inert(view))

    @vendor.command("history")
    def history(
        key: Annotated[str | None, typer.Argument(help="Only changes to this provider or provider/service.")] = None,
        limit: Annotated[int, typer.Option("--limit", help="How many changes, newest first.")] = 50,
        db: DbOpt = None,
        format: OutFmt = "table",
    ) -> None:
        """The register's own audit trail: who changed what, when."""
        from scanner.records.changelog import changes

        _fmt(format)
        with _session(db) as s:
            rows: list[dict[str, Any]] = [{"at": c.at.isoformat(), "actor": c.actor, "action": c.action, "entity": c.entity, "key": c.key,
                     "details": c.details} for c in changes(s, limit, key)]
        if format == "json":
            _print_json(rows)
            return
        for r in rows:
            details = inert(json.dumps(r["details"], ensure_ascii=False, default=str)[:120])
            r = inert(r)
            _console().print(f"{r['at'][:19]}  {r['actor']:<12} {r['action']:<8} {r['entity']:<9} {r['key']}  "
                             f"[dim]{details}[/dim]")

    @vendor.command("export")
    def export(
        format: Annotated[str, typer.Option("--format", "-f", help="yaml, json or csv.")] = "yaml",
        output: Annotated[Path | None, typer.Option("--output", metavar="FILE", help="Write to this file instead of stdout.")] = None,
        db: DbOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Export the register: YAML/JSON (re-importable) or CSV (one row per service)."""
        from scanner.records.clock import today as today_fn
        from vendor_dd.evidence import store_root
        from vendor_dd.exporter import FORMATS, render

        if format not in FORMATS:
            raise UsageError(f"--format: {format!r} is not one of {', '.join(FORMATS)}")
        with _session(db) as s:
            text = render(s, format, today_fn(today), store_root(db))
        if output:
            output.write_text(text, encoding="utf-8")
            stderr_console().print(f"wrote {output}")
        else:
            sys.stdout.write(text)

    @vendor.command("check")
    @scan_options
    def check(
        inventory: Annotated[
            list[Path] | None,
            typer.Option("--inventory", "-i", help="A cloudgov snapshot of the linked clouds (repeatable): fills observed regions."),
        ] = None,
        today: TodayOpt = None,
        opts: ScanOptions = None,  # type: ignore[assignment]
    ) -> None:
        """Governance findings over the register, with the same outputs and exit codes as scans."""
        from scanner.records.clock import today as today_fn
        from vendor_dd.check import build_inventory, load_scans

        scans = load_scans(inventory or [])
        with _session(opts.db) as s:
            inv = build_inventory(s, today_fn(today), scans)
        evaluate_and_exit(inv, opts, source="vendor_dd", areas={"vendor"})

    # --- reviews ---------------------------------------------------------------------------

    @review.command("start")
    def review_start(
        service: Annotated[str, typer.Argument(help="provider/service, e.g. aws-tw/core-trading.")],
        reviewer: Annotated[str | None, typer.Option("--reviewer", help="Default: the actor.")] = None,
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Open a due-diligence review with every ETG 5.1 domain pending."""
        from vendor_dd.register import start_review

        who = _who(actor, today)

        def work(s):
            r = start_review(s, who, service, reviewer)
            return r.reviewer, [d.domain for d in r.domains]

        by, domains = db_write(db, "the register", work)
        stderr_console().print(inert(f"{service}: review started {who.today} by {by}; domains: {', '.join(domains)}"))

    @review.command("set")
    def review_set(
        service: Annotated[str, typer.Argument(help="provider/service.")],
        domain: Annotated[str, typer.Argument(help="ETG 5.1 domain, e.g. backup, bcp_dr, financial_soundness.")],
        result: Annotated[str, typer.Option("--result", help="met, partially_met, not_met or not_applicable.")],
        finding: Annotated[str | None, typer.Option("--finding")] = None,
        evidence_ref: Annotated[str | None, typer.Option("--evidence", help="What the result rests on.")] = None,
        compensating: Annotated[str | None, typer.Option("--compensating", help="補償性措施 where the domain falls short.")] = None,
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Record the result of one domain of the open review."""
        from vendor_dd.register import record_domain

        who = _who(actor, today)
        db_write(db, "the register", lambda s: record_domain(s, who, service, domain, result, finding=finding,
                                                             evidence=evidence_ref, compensating=compensating))
        stderr_console().print(inert(f"{service}: {domain} = {result}"))

    @review.command("complete")
    def review_complete(
        service: Annotated[str, typer.Argument(help="provider/service.")],
        approver: Annotated[str, typer.Option("--approver", help="Who approved the review.")],
        region: Annotated[list[str] | None, typer.Option("--region", help="Data location the review found (repeatable).")] = None,
        next_review: Annotated[str | None, typer.Option("--next-review", help="Override the computed next review date.")] = None,
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Complete the open review; the next review date follows from the cadence."""
        from vendor_dd import facts
        from vendor_dd.register import cadence, complete_review

        who = _who(actor, today)
        override = _date(next_review, "--next-review")

        def work(s):
            r = complete_review(s, who, service, approver, declared_regions=region, next_review=override)
            return facts.next_review_due(r.service, cadence(s))

        due, basis = db_write(db, "the register", work)
        stderr_console().print(inert(f"{service}: review completed {who.today}; next review due {due} ({basis})"))

    # --- evidence ----------------------------------------------------------------------------

    @evidence.command("add")
    def evidence_add(
        provider: Annotated[str, typer.Argument(help="Provider id.")],
        file: Annotated[Path, typer.Argument(help="The file to store (hashed and copied; never modified).")],
        kind: Annotated[str, typer.Option("--kind", help="soc2-type2, iso27001, pentest-report, financial-statement, …")],
        valid_from: Annotated[str | None, typer.Option("--valid-from")] = None,
        valid_until: Annotated[str | None, typer.Option("--valid-until")] = None,
        service: Annotated[str | None, typer.Option("--service", help="Only for this service of the provider.")] = None,
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Add an evidence file; a changed file under the same name becomes a new revision."""
        from vendor_dd.evidence import store_root
        from vendor_dd.register import add_evidence_file

        who = _who(actor, today)
        vf, vu = _date(valid_from, "--valid-from"), _date(valid_until, "--valid-until")
        root = store_root(db)

        def work(s):
            ev, created = add_evidence_file(s, who, provider, file, kind=kind, root=root, valid_from=vf, valid_until=vu, service=service)
            return ev.filename, ev.revision, ev.sha256, created

        name, rev, digest, created = db_write(db, "the register", work)
        what = f"revision {rev}" if created else f"unchanged, already on file as revision {rev}"
        stderr_console().print(inert(f"{provider}: {name} ({kind}) {what}, sha256 {digest[:16]}…"))

    @evidence.command("list")
    def evidence_list(
        provider: Annotated[str | None, typer.Argument(help="Only this provider.")] = None,
        db: DbOpt = None,
        today: TodayOpt = None,
        format: OutFmt = "table",
    ) -> None:
        """Evidence on file with its state: valid, expiring (30/7/1 days), expired."""
        from scanner.records.clock import today as today_fn
        from vendor_dd.exporter import evidence_rows
        from vendor_dd.register import find_provider

        _fmt(format)
        with _session(db) as s:
            if provider:
                find_provider(s, provider)
            rows = evidence_rows(s, today_fn(today), provider)
        if format == "json":
            _print_json(rows)
            return
        for r in inert(rows):
            _console().print(f"{r['provider']:<14} {r['kind']:<20} {r['file']} #{r['revision']}  "
                             f"until {r['valid_until'] or '—'}  {r['state']}")

    # --- audits ---------------------------------------------------------------------------------

    @audit.command("add")
    def audit_add(
        provider: Annotated[str, typer.Argument(help="Provider id.")],
        party: Annotated[str, typer.Option("--party", help="firm, regulator, association, third_party or pooled.")],
        when: Annotated[str, typer.Option("--date", help="Audit date (a future date records a planned audit).")],
        scope: Annotated[str | None, typer.Option("--scope")] = None,
        report: Annotated[Path | None, typer.Option("--report", help="The audit report (stored as evidence).")] = None,
        service: Annotated[list[str] | None, typer.Option("--service", help="Services audited (default: all).")] = None,
        finding: Annotated[list[str] | None, typer.Option("--finding", help="An audit finding (repeatable).")] = None,
        due: Annotated[list[str] | None, typer.Option("--due", help="Remediation due date of each --finding, in order.")] = None,
        db: DbOpt = None,
        actor: ActorOpt = None,
        today: TodayOpt = None,
    ) -> None:
        """Record an audit of the provider, its report and findings with remediation dates."""
        from vendor_dd.evidence import store_root
        from vendor_dd.register import add_audit

        who = _who(actor, today)
        audit_date = _date(when, "--date")
        if audit_date is None:
            raise UsageError("--date: give the day of the audit (YYYY-MM-DD)")
        findings, dues = finding or [], due or []
        if dues and len(dues) != len(findings):
            raise UsageError(f"--due: give one date per --finding ({len(findings)} findings, {len(dues)} dates)")
        pairs = [(f, _date(dues[i], "--due") if dues else None) for i, f in enumerate(findings)]
        root = store_root(db)
        db_write(db, "the register", lambda s: add_audit(s, who, provider, party=party, audit_date=audit_date, scope=scope,
                                                          services=service or [], report=report, findings=pairs,
                                                          evidence_root=root))
        planned = " (planned)" if audit_date > who.today else ""
        stderr_console().print(inert(f"{provider}: {party} audit {audit_date}{planned} recorded with {len(pairs)} finding(s)"))
