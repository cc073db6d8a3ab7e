"""Governance checks over exit plans and terminations (ETG 9.1, 9.2, 9.5, 9.6, 7.2, 5.3).

The pseudo-resources and their properties come from ``exit_plans.check`` (docs/exit_plans.md).
Dates are compared with ``ctx.now`` (the day the check is run for), so results reproduce.
"""

from __future__ import annotations

from datetime import date

from policies.base import Context, Outcome, failed, not_applicable, parse_time, passed, unknown
from scanner.model import Resource


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _material(r: Resource) -> Outcome | None:
    """None when the service is material; else the outcome for a non-material or unknown one."""
    material = r.prop("material")
    if material is None:
        return unknown("materiality (重大性) of the service has not been assessed", material=None)
    if not material:
        return not_applicable("not a material (重大性) service", material=False)
    return None


def plan_exists(r: Resource, ctx: Context) -> Outcome:
    if r.prop("plan.exists"):
        return passed(f"exit plan version {r.prop('plan.version') or '?'} on record",
                      version=r.prop("plan.version"), approved_on=r.prop("plan.approved_on"))
    return failed("no exit plan is on record for the service", service=r.prop("service"))


def plan_before_go_live(r: Resource, ctx: Context) -> Outcome:
    approved = _day(r.prop("plan.approved_on"))
    live = _day(r.prop("go_live"))
    evidence = {"approved_on": r.prop("plan.approved_on"), "approved_by": r.prop("plan.approved_by"),
                "go_live": r.prop("go_live"), "go_live_basis": r.prop("go_live.basis")}
    if approved is None:
        return failed("the exit plan has not been approved", **evidence)
    if live is None:
        return unknown("go-live is unknown: no contract start, plan go_live or scan of the service's clouds", **evidence)
    if approved > live:
        return failed(f"exit plan approved {approved}, {(approved - live).days} days after go-live {live} "
                      f"({r.prop('go_live.basis')})", **evidence)
    return passed(f"exit plan approved {approved}, before go-live {live} ({r.prop('go_live.basis')})", **evidence)


def plan_tested(r: Resource, ctx: Context) -> Outcome:
    out = _material(r)
    if out is not None:
        return out
    max_age = int(ctx.params.get("max_age_days", 365))
    today = ctx.now.date()
    last = _day(r.prop("test.last_date"))
    last_ok = _day(r.prop("test.last_passing_date"))
    evidence = {"tests": r.prop("tests") or [], "last_test": r.prop("test.last_date"),
                "last_result": r.prop("test.last_result"), "last_passing": r.prop("test.last_passing_date"),
                "max_age_days": max_age}
    if last is None:
        return failed("the exit plan has never been tested", **evidence)
    if r.prop("test.last_result") == "failed":
        return failed(f"the last exit test ({last}, {r.prop('test.last_kind')}) failed", **evidence)
    if last_ok is None:
        return failed("no exit test has passed", **evidence)
    age = (today - last_ok).days
    if age > max_age:
        return failed(f"last successful exit test {last_ok} is {age} days old (more than {max_age})", **evidence)
    return passed(f"exit plan tested {last_ok} ({r.prop('test.last_kind')}, {r.prop('test.last_result')})", **evidence)


def next_test_scheduled(r: Resource, ctx: Context) -> Outcome:
    out = _material(r)
    if out is not None:
        return out
    due = _day(r.prop("test.next_due"))
    evidence = {"next_due": r.prop("test.next_due"), "last_test": r.prop("test.last_date")}
    if due is None:
        return failed("no next exit-plan test is scheduled", **evidence)
    today = ctx.now.date()
    if due < today:
        return failed(f"the exit-plan test due {due} is overdue by {(today - due).days} days", **evidence)
    return passed(f"next exit-plan test due {due}", **evidence)


def transition_within_rto(r: Resource, ctx: Context) -> Outcome:
    hours = r.prop("transition_hours")
    rto = r.prop("rto_hours")
    evidence = {"transition_hours": hours, "rto_hours": rto}
    if hours is None:
        return unknown("the plan does not estimate the transition time", **evidence)
    if rto is None:
        return unknown("the service has no RTO in the vendor register", **evidence)
    if hours > rto:
        return failed(f"estimated transition {hours:g} h is longer than the service's RTO {rto:g} h", **evidence)
    return passed(f"estimated transition {hours:g} h within the RTO {rto:g} h", **evidence)


def stressed_exit_playbook(r: Resource, ctx: Context) -> Outcome:
    pb = r.prop("playbook.stressed")
    if not pb:
        return failed("the plan has no stressed-exit playbook (what happens if the provider fails)",
                      planned=bool(r.prop("playbook.planned")))
    return passed(f"stressed-exit playbook: {pb.get('summary', '')[:120]}", playbook=pb)


def plan_complete(r: Resource, ctx: Context) -> Outcome:
    missing = r.prop("plan.missing_elements")
    if missing is None:
        return unknown("the plan's elements were not read")
    if missing:
        return failed("the exit plan lacks: " + ", ".join(missing), missing=missing)
    return passed("strategy, triggers, playbook, export formats, roles, success criteria and dependencies named",
                  strategy=r.prop("strategy"), target=r.prop("target"))


def portable_export_formats(r: Resource, ctx: Context) -> Outcome:
    formats = r.prop("export_formats") or []
    open_ = r.prop("export_formats.open") or []
    evidence = {"export_formats": formats, "open": open_}
    if not formats:
        return failed("the plan names no data export format", **evidence)
    if not open_:
        return failed("only provider-specific export formats: " + ", ".join(formats), **evidence)
    return passed("exports in " + ", ".join(open_), **evidence)


def deletion_certificate(r: Resource, ctx: Context) -> Outcome:
    evidence = {"file": r.prop("certificate.file"), "sha256": r.prop("certificate.sha256"),
                "issued_by": r.prop("certificate.issued_by"), "scope": r.prop("certificate.scope"),
                "terminated_on": r.prop("terminated_on")}
    if not r.prop("certificate.on_file"):
        return failed(f"service terminated {r.prop('terminated_on')} without a certificate of complete deletion", **evidence)
    missing = r.prop("certificate.scope_missing")
    if missing is None:
        return unknown("what the deletion certificate covers was not recorded", **evidence)
    if missing:
        return failed("the deletion certificate does not cover: " + ", ".join(missing), **evidence)
    return passed(f"certificate {r.prop('certificate.file')} (sha256 {str(r.prop('certificate.sha256'))[:12]}…) "
                  "covers primary data, replicas, backups, logs and keys", **evidence)


def deletion_verified(r: Resource, ctx: Context) -> Outcome:
    result = r.prop("verification.result")
    evidence = {"verified_on": r.prop("verification.last_date"), "result": result,
                "scan_collected_at": r.prop("verification.collected_at"),
                "leftovers": r.prop("verification.leftovers") or [], "gaps": r.prop("verification.gaps") or []}
    if result is None:
        return failed("no scan has verified the deletion (run cloudgov exit verify)", **evidence)
    scanned = parse_time(r.prop("verification.collected_at"))
    ended = _day(r.prop("terminated_on"))
    if scanned is not None and ended is not None and scanned.date() < ended:
        return failed(f"the verifying scan ({scanned.date()}) predates the termination ({ended})", **evidence)
    if result == "fail":
        left = evidence["leftovers"]
        return failed(f"{len(left)} resource(s) left after exit, e.g. {left[0] if left else '?'}", **evidence)
    if result != "pass":
        return unknown("the verification was incomplete: " + "; ".join(evidence["gaps"] or ["key state unknown"]),
                       **evidence)
    return passed(f"scan of {r.prop('verification.collected_at')} found nothing left", **evidence)


def residual_data(r: Resource, ctx: Context) -> Outcome:
    cat = r.prop("category")
    evidence = {"category": cat, "kind": r.prop("resource_kind"), "found_by": r.prop("found_by"),
                "service": r.prop("service"), "terminated_on": r.prop("terminated_on"),
                "covered_by_certificate": r.prop("covered_by_certificate")}
    note = "" if r.prop("covered_by_certificate") else f"; the certificate does not cover {cat}"
    where = f" in {r.region}" if r.region else ""
    return failed(f"{r.prop('resource_kind')} {r.name or r.id}{where} ({cat}) still exists after the exit of "
                  f"{r.prop('service')} on {r.prop('terminated_on')}{note}", **evidence)


def key_shredded(r: Resource, ctx: Context) -> Outcome:
    state = r.prop("state")
    evidence = {"state": state, "key_manager": r.prop("key_manager"), "found_by": r.prop("found_by"),
                "service": r.prop("service")}
    if state is None:
        return unknown(f"the state of key {r.name or r.id} is unknown", **evidence)
    if r.prop("shredded"):
        return passed(f"key {r.name or r.id} is {state}", **evidence)
    return failed(f"customer-managed key {r.name or r.id} is still {state} after the exit of {r.prop('service')}",
                  **evidence)
