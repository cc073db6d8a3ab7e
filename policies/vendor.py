"""Governance checks over the vendor register (ETG Art. 5–7, CSM CC-19000 (4), CC-21100 (1)).

The register (``vendor_dd``) becomes pseudo-resources of kinds ``vendor.service`` and
``vendor.provider`` whose properties are computed there (next review due, clause status,
last audit, evidence validity, observed vs declared regions; see docs/vendor_dd.md).
Dates are compared with ``ctx.now`` (the register snapshot's date), so results reproduce.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from policies.base import Context, Outcome, failed, not_applicable, passed, unknown
from scanner.model import Resource

_APPLIES = ("all", "material", "material_natural_person")


def _today(ctx: Context) -> date:
    return ctx.now.date()


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _scope(r: Resource, applies_to: str) -> Outcome | None:
    """None when the policy applies to this service; else the outcome to return."""
    if applies_to == "all":
        return None
    material = r.prop("material")
    if material is None:
        return unknown("materiality (重大性) of the service has not been assessed", material=None)
    if not material:
        return not_applicable("not a material (重大性) service", material=False)
    if applies_to == "material_natural_person":
        npd = r.prop("natural_person_data")
        if npd is None:
            return unknown("whether the service holds natural-person customer data is not recorded", natural_person_data=None)
        if not npd:
            return not_applicable("holds no natural-person customer data", natural_person_data=False)
    return None


def contract_clauses(r: Resource, ctx: Context) -> Outcome:
    """Each clause in ``params.clauses`` is present in a contract in force for the service."""
    out = _scope(r, ctx.params.get("applies_to", "all"))
    if out is not None:
        return out
    clauses = list(ctx.params["clauses"])
    status = {c: r.prop(f"clause.{c}") for c in clauses}
    where = {c: r.prop(f"clause.{c}.where") for c in clauses if r.prop(f"clause.{c}.where")}
    evidence = {"clauses": status, "where": where, "contracts_in_force": r.prop("contract.in_force")}
    if any(v is None for v in status.values()):
        return unknown("no contract in force covers the service, so its clauses are unknown", **evidence)
    short = [f"{c} {v}" for c, v in status.items() if v != "present"]
    if short:
        return failed("contract clause not fully present: " + ", ".join(short), **evidence)
    return passed("clause present: " + ", ".join(f"{c} ({where.get(c, '?')})" for c in clauses), **evidence)


def contract_in_force(r: Resource, ctx: Context) -> Outcome:
    in_force = r.prop("contract.in_force") or []
    evidence = {"contracts": r.prop("contract.all") or [], "contracts_in_force": in_force}
    if in_force:
        return passed("contract in force: " + ", ".join(in_force), **evidence)
    if evidence["contracts"]:
        return failed("the service's contracts have expired or are not yet effective", **evidence)
    return failed("no contract is recorded for the service", **evidence)


def materiality_assessed(r: Resource, ctx: Context) -> Outcome:
    material = r.prop("material")
    approver = r.prop("materiality_approved_by")
    evidence = {"material": material, "approved_by": approver}
    if material is None:
        return failed("materiality (重大性) has not been assessed", **evidence)
    if not approver:
        return failed("materiality assessment has no recorded approver", **evidence)
    return passed(f"assessed {'material' if material else 'not material'}, approved by {approver}", **evidence)


def review_current(r: Resource, ctx: Context) -> Outcome:
    due = _day(r.prop("review.next_due"))
    evidence = {
        "last_completed": r.prop("review.last_completed"),
        "next_due": r.prop("review.next_due"),
        "basis": r.prop("review.next_due_basis"),
        "cadence_days": r.prop("review.cadence_days"),
        "status": r.prop("review.status"),
    }
    if due is None:
        return failed("no completed due-diligence review is on record", **evidence)
    today = _today(ctx)
    if due < today:
        return failed(f"due-diligence review overdue since {due} ({(today - due).days} days)", **evidence)
    return passed(f"next due-diligence review due {due}", **evidence)


def review_shortfalls_compensated(r: Resource, ctx: Context) -> Outcome:
    if r.prop("review.last_completed") is None:
        return not_applicable("no completed review yet (see vendor.review_current)")
    shortfalls = r.prop("review.shortfalls")
    if shortfalls is None:
        return unknown("the completed review's domain results were not read")
    bare = [s["domain"] for s in shortfalls if not s.get("compensating")]
    evidence = {"shortfalls": shortfalls}
    if bare:
        return failed("domains that fall short without a compensating measure (補償性措施): " + ", ".join(bare), **evidence)
    if shortfalls:
        return passed(f"{len(shortfalls)} shortfall(s), each with a compensating measure", **evidence)
    return passed("every reviewed domain met the requirements", **evidence)


def audit_performed(r: Resource, ctx: Context) -> Outcome:
    out = _scope(r, ctx.params.get("applies_to", "material"))
    if out is not None:
        return out
    max_days = ctx.params.get("max_days", 365)
    material = r.prop("material")
    basis = ""
    if isinstance(max_days, Mapping):
        # ETG 6.1: a risk-based frequency. Unassessed materiality gets the stricter interval.
        interval = int(max_days["non_material"] if material is False else max_days["material"])
        if material is None:
            basis = " (materiality not assessed: the material interval applies)"
    else:
        interval = int(max_days)
    last = _day(r.prop("audit.last_date"))
    evidence = {"last_audit": r.prop("audit.last_date"), "party": r.prop("audit.last_party"), "max_days": interval,
                "material": material}
    if last is None:
        return failed("the provider has never been audited for this service", **evidence)
    age = (_today(ctx) - last).days
    if age > interval:
        return failed(f"last audit {last} is {age} days ago (more than {interval}){basis}", **evidence)
    return passed(f"audited {last} by {r.prop('audit.last_party')}", **evidence)


def audit_findings_tracked(r: Resource, ctx: Context) -> Outcome:
    overdue = r.prop("audit.findings_overdue")
    if overdue is None:
        return unknown("audit findings were not read")
    if overdue:
        first = overdue[0]
        return failed(
            f"{len(overdue)} audit finding(s) past their remediation date, e.g. {first['description']!r} due {first['due']}",
            findings=overdue,
        )
    return passed("no audit finding is past its remediation date", findings=[])


def data_location_observed(r: Resource, ctx: Context) -> Outcome:
    scopes = r.prop("scopes") or []
    if not scopes:
        return not_applicable("no cloud scopes are linked to the service")
    if not r.prop("observed.checked"):
        return not_applicable("no scan inventory was given (cloudgov vendor check --inventory)")
    declared = r.prop("declared_regions")
    observed = r.prop("observed_regions")
    missing = r.prop("observed.scopes_missing") or []
    evidence = {"declared_regions": declared, "observed_regions": observed, "scopes": scopes, "scopes_not_scanned": missing}
    if declared is None:
        return unknown("the contract and review declare no data location for the service", **evidence)
    if observed is None:
        return unknown("none of the service's scopes is in the given inventories: " + ", ".join(missing), **evidence)
    extra = sorted(set(observed) - set(declared))
    if extra:
        return failed("data observed in regions the contract/review does not declare: " + ", ".join(extra), **evidence)
    if missing:
        return unknown("scopes not in the given inventories: " + ", ".join(missing), **evidence)
    gaps = r.prop("observed.gaps") or []
    if gaps:
        return unknown("the scans could not read every data store: " + "; ".join(gaps), gaps=gaps, **evidence)
    return passed("observed regions are all declared: " + ", ".join(observed or ["none"]), **evidence)


def assurance_report_current(r: Resource, ctx: Context) -> Outcome:
    """A current report against any of the international standards in ``params.kinds`` (ETG 6.3.6
    asks for international security and privacy standards, not one brand of report)."""
    kinds = list(ctx.params.get("kinds") or [ctx.params.get("kind", "soc2-type2")])
    material = r.prop("material_services") or []
    on_file = {k: r.prop(f"evidence.{k.replace('-', '_')}.valid_until") for k in kinds
               if r.prop(f"evidence.{k.replace('-', '_')}.on_file")}
    evidence = {"kinds": kinds, "on_file": on_file, "material_services": material}
    names = ", ".join(kinds)
    if not on_file:
        if not material:
            return not_applicable(f"no assurance report ({names}) on file; no material service depends on it", **evidence)
        return failed(f"no assurance report ({names}) on file for a provider of material services", **evidence)
    today = _today(ctx)
    current = {k: d for k, d in on_file.items() if (day := _day(d)) is not None and day >= today}
    if current:
        return passed("current: " + ", ".join(f"{k} valid until {d}" for k, d in current.items()), **evidence)
    undated = [k for k, d in on_file.items() if _day(d) is None]
    if undated:
        return unknown(f"the {', '.join(undated)} report on file has no valid-until date", **evidence)
    return failed("every assurance report on file has expired: " + ", ".join(f"{k} on {d}" for k, d in on_file.items()),
                  **evidence)


def concentration(r: Resource, ctx: Context) -> Outcome:
    """ETG 4.1.4: no single provider carries more than ``max_share`` of the material services."""
    mine = r.prop("concentration.material_services")
    total = r.prop("concentration.material_total")
    unassessed = r.prop("concentration.unassessed_total") or 0
    limit = float(ctx.params.get("max_share", 0.8))
    evidence = {"material_services": mine, "material_total": total, "unassessed": unassessed, "max_share": limit}
    if mine is None or total is None:
        return unknown("the register's material services were not counted", **evidence)
    if total == 0:
        if unassessed:
            return unknown(f"no service is assessed material and {unassessed} are unassessed: "
                           "concentration cannot be judged", **evidence)
        return not_applicable("the register has no material service", **evidence)
    share = mine / total
    evidence["share"] = round(share, 3)
    text = f"{mine} of {total} material services ({share:.0%}) depend on this provider"
    if share > limit:
        return failed(f"{text}, above {limit:.0%}: spread the risk or record why not (ETG 4.1.4)", **evidence)
    note = f"; {unassessed} service(s) not yet assessed could change this" if unassessed else ""
    return passed(f"{text}, within {limit:.0%}{note}", **evidence)


def evidence_not_expiring(r: Resource, ctx: Context) -> Outcome:
    flagged = r.prop("evidence.flagged")
    if flagged is None:
        return unknown("the provider's evidence and its validity dates were not read")
    soon = [f for f in flagged if str(f.get("state", "")).startswith("expiring")]
    if soon:
        names = ", ".join(f"{f['kind']} {f['file']} ({f['days_left']} d)" for f in soon)
        return failed("evidence expiring soon: " + names, evidence=soon)
    return passed("no evidence expires within 30 days", evidence=[])
