"""Threat detection and security alerting (the ``monitoring`` area): ETG 8.3.2, 8.4.4 (GuardDuty,
Defender for Cloud, Security Command Center) and ETG 4.1.6, 8.3.3 (the CIS benchmarks' alerts).

Both are judged per account (AWS account, Azure subscription, GCP project) from the
``monitor.detector`` and ``monitor.alert`` resources the connectors emit; what could not be read
is ERROR with the reason, never a pass.
"""

from __future__ import annotations

from collections.abc import Iterable

from policies.base import Context, Outcome, failed, not_applicable, passed, unknown
from scanner.model import Kind, RelType, Resource

__all__ = ["threat_detection", "security_alerts", "data_access_logged", "regional_verdict", "covering"]


def covering(account: Resource, ctx: Context, kind: str) -> list[Resource]:
    """Resources of ``kind`` that answer for ``account``: its own, and those of its organisation
    (an organisation-level detector, feed or alert covers every member)."""
    org = account.prop("organization_id")
    out = []
    for r in ctx.inventory.of_kind(kind):
        if r.provider != account.provider:
            continue
        if r.account == account.account or (org and r.prop("organization_id") == org):
            out.append(r)
    return out


def _gap(account: Resource, ctx: Context, kind: str, region: str | None = None) -> str | None:
    gaps = ctx.inventory.gaps_for(account.provider, account.account, kind, region)
    if not gaps:
        return None
    g = gaps[0]
    return f"{g.service}: {g.code}" + (f" in {g.region}" if g.region else "")


def regional_verdict(account: Resource, ctx: Context, kind: str, found: Iterable[Resource], what: str) -> Outcome | None:
    """For an AWS account: every region the scan read must have an ``ok`` resource of ``kind``.

    ``found`` are the good resources. Returns FAIL naming the regions without one, ERROR when a
    region's answer is missing, or None when every region is covered (the caller passes)."""
    good_regions = {r.region for r in found}
    regions = account.prop("regions_read")
    if regions is None:
        gap = _gap(account, ctx, kind)
        if gap:
            return unknown(f"{what} could not be read ({gap})")
        if not good_regions:
            return None  # nothing good anywhere: the caller fails with its own reason
        return unknown(f"which regions the account has enabled is unknown (the input names none); "
                       f"{what} found in {', '.join(sorted(str(r) for r in good_regions))}")
    missing: list[str] = []
    unreadable: list[str] = []
    for region in sorted(regions):
        if region in good_regions:
            continue
        gap = _gap(account, ctx, kind, region)
        (unreadable if gap else missing).append(f"{region} ({gap})" if gap else region)
    if missing:
        return failed(f"no {what} in {len(missing)} of {len(regions)} enabled regions: {', '.join(missing)}",
                      regions_without=missing, regions_unreadable=unreadable)
    if unreadable:
        return unknown(f"{what} could not be read in {', '.join(unreadable)}", regions_unreadable=unreadable)
    return None


# --- threat detection (ETG 8.3.2, 8.4.4) ----------------------------------------------------


def threat_detection(r: Resource, ctx: Context) -> Outcome:
    detectors = covering(r, ctx, Kind.DETECTOR)
    if r.provider == "aws":
        return _guardduty(r, ctx, [d for d in detectors if d.prop("service") == "guardduty"])
    if r.provider == "azure":
        return _defender(r, ctx, [d for d in detectors if d.prop("service") == "defender" and d.account == r.account])
    if r.provider == "gcp":
        return _scc(r, ctx, [d for d in detectors if d.prop("service") == "scc"])
    return not_applicable(f"no threat-detection service is known for provider {r.provider}")


def _guardduty(r: Resource, ctx: Context, detectors: list[Resource]) -> Outcome:
    on = [d for d in detectors if d.prop("enabled") is True and d.account == r.account]
    evidence = {"detectors": [d.id for d in detectors]}
    verdict = regional_verdict(r, ctx, Kind.DETECTOR, on, "enabled GuardDuty detector")
    if verdict is not None:
        return verdict._replace(evidence={**evidence, **verdict.evidence})
    if not on:
        if any(d.prop("enabled") is None for d in detectors):
            return unknown("GuardDuty detector state could not be read", **evidence)
        off = [d.region for d in detectors if d.prop("enabled") is False]
        why = f"detectors suspended in {', '.join(sorted(map(str, off)))}" if off else "no detector"
        return failed(f"GuardDuty is not enabled ({why})", **evidence)
    features_off = sorted({f for d in on for f in d.prop("features_off") or []})
    note = f"; features off: {', '.join(features_off)}" if features_off else ""
    return passed(f"GuardDuty enabled in {len(on)} region(s){note}", features_off=features_off, **evidence)


def _defender(r: Resource, ctx: Context, plans: list[Resource]) -> Outcome:
    required = list(ctx.params.get("defender_plans") or ())
    by_plan = {str(p.prop("plan")).lower(): p for p in plans if p.prop("plan")}
    evidence = {"plans": {p.prop("plan"): p.prop("tier") for p in plans}}
    gap = _gap(r, ctx, Kind.DETECTOR)
    off, unread = [], []
    for name in required:
        p = by_plan.get(name.lower())
        if p is None or p.prop("enabled") is None:
            unread.append(name)
        elif p.prop("enabled") is False:
            off.append(f"{name} ({p.prop('tier') or 'not Standard'})")
    if off:
        return failed(f"Defender for Cloud plans not on the Standard tier: {', '.join(off)}", **evidence)
    if unread:
        why = f" ({gap})" if gap else ""
        return unknown(f"Defender for Cloud plan state unknown for {', '.join(unread)}{why}", **evidence)
    return passed(f"Defender for Cloud plans on the Standard tier: {', '.join(required)}", **evidence)


def _scc(r: Resource, ctx: Context, found: list[Resource]) -> Outcome:
    own = [d for d in found if d.account == r.account and isinstance(d.prop("services"), dict)]
    if own:  # the project's effective service states (Security Center Management API)
        return _scc_services(ctx, own[0])
    on = [d for d in found if d.prop("enabled") is True]
    evidence = {"scc": [d.id for d in found]}
    if on:
        d = on[0]
        return passed(f"Security Command Center is active ({d.prop('tier') or 'tier unknown'}) for {d.name or d.id}", **evidence)
    gap = _gap(r, ctx, Kind.DETECTOR)
    if gap:
        return unknown(f"Security Command Center state could not be read ({gap})", **evidence)
    if any(d.prop("enabled") is None for d in found):
        return unknown("Security Command Center state unknown", **evidence)
    return failed("Security Command Center is not active for the project or its organisation", **evidence)


def _scc_services(ctx: Context, d: Resource) -> Outcome:
    required = list(ctx.params.get("scc_services") or ())
    states: dict = d.prop("services") or {}
    evidence = {"scc": [d.id], "services": {n: states.get(n) for n in required}}
    off = [f"{n} ({str(states[n]).lower()})" for n in required if states.get(n) in ("DISABLED", "INGEST_ONLY")]
    if off:
        return failed(f"Security Command Center services not enabled: {', '.join(off)}", **evidence)
    unread = [n for n in required if states.get(n) is None]
    if unread:
        return unknown(f"Security Command Center did not give the state of {', '.join(unread)}", **evidence)
    return passed(f"Security Command Center services enabled: {', '.join(required)}", **evidence)


# --- security alerts (ETG 4.1.6, 8.3.3) -----------------------------------------------------


def _alert_counts(a: Resource, account: Resource, ctx: Context) -> tuple[bool, str]:
    """Whether alert ``a`` serves ``account``, or why not."""
    if a.prop("enabled") is False:
        return False, "disabled"
    if not a.prop("alarm"):
        return False, "no alarm watches the metric"
    if a.prop("notifies") is False:
        return False, "notifies no one"
    if a.prop("enabled") is None or a.prop("notifies") is None:
        return False, "state unknown"
    if account.provider == "aws" and a.prop("log_group"):
        trails = [rel.source for rel in ctx.inventory.incoming(str(a.prop("log_group")), RelType.LOGS_TO)]
        good = []
        for tid in trails:
            t = ctx.inventory.get(tid)
            if t is None or t.kind != Kind.LOG_TRAIL or t.prop("enabled") is False or t.prop("all_regions") is False:
                continue
            if t.account == account.account or (t.prop("organization") and t.prop("organization_id")
                                                 and t.prop("organization_id") == account.prop("organization_id")):
                good.append(tid)
        if not good:
            return False, f"log group {a.prop('log_group')} receives no multi-region trail of this account"
    return True, ""


def security_alerts(r: Resource, ctx: Context) -> Outcome:
    required = list((ctx.params.get("required") or {}).get(r.provider) or ())
    if not required:
        return not_applicable(f"no alert set is defined for provider {r.provider}")
    alerts = covering(r, ctx, Kind.ALERT)
    if r.provider == "aws":  # an alarm in the account that holds the organisation trail's log group
        alerts += [a for a in ctx.inventory.of_kind(Kind.ALERT) if a.provider == "aws" and a.account != r.account
                   and a not in alerts and _alert_counts(a, r, ctx)[0]]
    covered: dict[str, str] = {}
    weak: dict[str, list[str]] = {}
    for a in alerts:
        ok, why = _alert_counts(a, r, ctx)
        for ev in a.prop("events") or []:
            if ok:
                covered.setdefault(ev, a.name or a.id)
            else:
                weak.setdefault(ev, []).append(f"{a.name or a.id}: {why}")
    missing = [c for c in required if c not in covered]
    evidence = {"covered": covered, "missing": missing, "alerts": [a.id for a in alerts]}
    if not missing:
        return passed(f"all {len(required)} security-event alerts of the CIS set are in place", **evidence)
    gap = _gap(r, ctx, Kind.ALERT)
    if gap:
        return unknown(f"alert rules could not be read ({gap}); not found: {', '.join(missing)}", **evidence)
    if all(c in weak and all(w.endswith("state unknown") for w in weak[c]) for c in missing):
        return unknown(f"alert state unknown for {', '.join(missing)}", **evidence)
    detail = [f"{c} ({'; '.join(weak[c])})" if c in weak else c for c in missing]
    return failed(f"{len(missing)} of {len(required)} security events raise no alert: {', '.join(detail)}", **evidence)


# --- data-use monitoring (ETG 8.7.6, material outsourcing) ---------------------------------


#: provider → (trail property, values that cover object-storage reads, PASS text, what is read, FAIL text)
_DATA_LOGS = {
    "aws": ("data_events", {"AWS::S3::Object"}, "S3 object reads are recorded by trail {}",
            "the trails' data-event selectors", "no trail records S3 data events"),
    "gcp": ("data_access_logs", {"allServices", "storage.googleapis.com"}, "Data Access audit logs cover Cloud Storage ({})",
            "the audit configs (Data Access logs)", "no Data Access audit logs for Cloud Storage"),
}


def data_access_logged(r: Resource, ctx: Context) -> Outcome:
    """Reads of object-storage data are recorded: CloudTrail S3 data events (AWS), Data Access
    audit logs for Cloud Storage (GCP), Defender for Storage (Azure: the storage accounts'
    own diagnostic settings are not read, so without Defender it is unknown)."""
    trails = [t for t in ctx.inventory.of_kind(Kind.LOG_TRAIL) if t.provider == r.provider and t.prop("enabled") is not False
              and (t.account == r.account or (t.prop("organization") and r.prop("organization_id")
                                               and t.prop("organization_id") == r.prop("organization_id"))
                   or r.account in (t.prop("covered_accounts") or []))]
    evidence = {"trails": [t.id for t in trails]}
    if r.provider in _DATA_LOGS:
        prop, wanted, ok, what, none = _DATA_LOGS[r.provider]
        logged = [t for t in trails if wanted & set(t.prop(prop) or [])]
        if logged:
            return passed(ok.format(logged[0].name or logged[0].id), **evidence)
        if _gap(r, ctx, Kind.LOG_TRAIL) or any(t.prop(prop) is None for t in trails):
            return unknown(f"{what} could not all be read", **evidence)
        return failed(f"{none}: reads of customer data leave no record", **evidence)
    if r.provider == "azure":
        plans = [d for d in ctx.inventory.of_kind(Kind.DETECTOR) if d.provider == "azure" and d.account == r.account
                 and str(d.prop("plan")).lower() == "storageaccounts"]
        if any(p.prop("enabled") is True for p in plans):
            return passed("Defender for Storage monitors access to the storage accounts' data", **evidence)
        return unknown("Defender for Storage is not on, and the storage accounts' own diagnostic settings "
                       "(StorageRead) are not read: whether data access is recorded is unknown", **evidence)
    return not_applicable(f"no data-access log is known for provider {r.provider}")
