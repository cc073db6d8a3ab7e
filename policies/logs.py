"""Log retention and audit logging (the ``logging`` area; module named so it cannot shadow
the standard library). CSM CC-18000 (4)c, CC-17010 b(c), SRR 9, ETG 8.3.1 / 37, DSG 4.5(1)."""

from __future__ import annotations

from policies.base import Context, Outcome, failed, not_applicable, passed, unknown
from scanner.model import Kind, Resource


def _covering_trails(account: Resource, ctx: Context) -> list[Resource]:
    org = account.prop("organization_id")
    out = []
    for t in ctx.inventory.of_kind(Kind.LOG_TRAIL):
        if t.provider != account.provider:
            continue
        if t.account == account.account or (org and t.prop("organization") and t.prop("organization_id") == org):
            out.append(t)
    return out


def audit_trail_enabled(r: Resource, ctx: Context) -> Outcome:
    trails = _covering_trails(r, ctx)
    good, doubtful, bad = [], [], []
    for t in trails:
        flags = (t.prop("enabled"), t.prop("all_regions"), t.prop("management_events", True))
        if all(f is True for f in flags):
            good.append(t)
        elif any(f is False for f in flags):
            why = []
            if flags[0] is False:
                why.append("logging is off")
            if flags[1] is False:
                why.append("single-region")
            if flags[2] is False:
                why.append("management events not recorded")
            bad.append(f"{t.name or t.id}: {', '.join(why)}")
        else:
            doubtful.append(t.name or t.id)
    evidence = {"trails": [t.id for t in trails]}
    if good:
        return passed(f"control-plane audit logging covers every region: {good[0].name or good[0].id}", **evidence)
    gaps = ctx.inventory.gaps_for(r.provider, r.account, Kind.LOG_TRAIL)
    if gaps:
        g = gaps[0]
        return unknown(f"audit logging configuration could not be read ({g.service}: {g.code})", **evidence)
    if doubtful:
        return unknown(f"trail state unknown: {', '.join(doubtful)}", **evidence)
    if bad:
        return failed("no complete control-plane audit trail: " + "; ".join(bad), **evidence)
    return failed("no control-plane audit logging (trail / activity-log export / audit config) found", **evidence)


def _log_class(r: Resource, ctx: Context) -> tuple[str, str]:
    return ctx.config.log_class_of(r.id, r.name, r.tags, r.prop("log_class"))


def _keeps_logs(r: Resource, ctx: Context) -> bool:
    """A log store, or object storage that receives logs (a trail's bucket, a storage account
    that a diagnostic setting writes to, or one tagged with a log class)."""
    if r.kind == Kind.LOG_STORE:
        return True
    tag = ctx.config.log_class_tag
    return bool(
        r.prop("log_class")
        or tag in r.tags
        or tag.replace(":", "-") in r.tags
        or ctx.inventory.incoming(r.id, "logs_to")
    )


def retention_minimum(r: Resource, ctx: Context) -> Outcome:
    if not _keeps_logs(r, ctx):
        return not_applicable("object storage that receives no logs")
    cls_name, how = _log_class(r, ctx)
    cls = ctx.config.log_classes.get(cls_name)
    if cls is None:
        return unknown(f"unknown log class {cls_name!r} ({how}); known: {', '.join(ctx.config.log_classes)}")
    cite = cls.source or None
    assumed = how.startswith("assumed")
    label = f"{cls.title_en} ({'class assumed: no class tag' if assumed else how})"
    evidence = {
        "log_class": cls_name,
        "class_from": how,
        "min_days": cls.min_days,
        "retention_days": r.prop("retention_days"),
    }
    if r.prop("retention_unlimited") is True:
        return passed(f"{label}: records never expire", retention_unlimited=True, **evidence).citing(cite)
    days = r.prop("retention_days")
    if days is None:
        return unknown(f"{label}: retention period could not be read", **evidence).citing(cite)
    if days >= cls.min_days:
        return passed(f"{label}: kept {days} days, minimum {cls.min_days}", **evidence).citing(cite)
    return failed(f"{label}: kept {days} days, below the minimum of {cls.min_days}", **evidence).citing(cite)


def audit_store_encrypted(r: Resource, ctx: Context) -> Outcome:
    if not _keeps_logs(r, ctx):
        return not_applicable("object storage that receives no logs")
    cls_name, how = _log_class(r, ctx)
    if cls_name not in ctx.params.get("classes", ()):
        return not_applicable(f"log class {cls_name} is not an audit trail")
    manager, decided = ctx.key_manager(r)
    enabled = r.prop("encryption.enabled")
    evidence = {"log_class": cls_name, "class_from": how, "encryption_enabled": enabled, "key_manager": manager}
    trails = r.prop("encryption.by_trail")
    if trails:
        evidence["encrypted_by_trails"] = trails
    if manager in ("customer", "provider") or enabled is True:
        how = f" (log files under the SSE-KMS key of trail {', '.join(trails)})" if trails else ""
        return passed(f"audit-log store is encrypted at rest{how}", **evidence)
    if manager == "none" or enabled is False:
        return failed("audit-log store is not encrypted at rest", **evidence)
    return unknown(f"whether the audit-log store is encrypted is unknown ({decided})", **evidence)


# --- configuration change records (ETG 8.5) ------------------------------------------------


def change_records(r: Resource, ctx: Context) -> Outcome:
    """AWS: a Config recorder recording every resource type in every region the scan read (and
    global types in one); Azure: the activity log (every ARM write) exported; GCP: a Cloud Asset
    feed, or the Admin Activity audit logs exported by a sink beyond ``_Required``."""
    from policies.monitoring import covering, regional_verdict

    if r.provider == "aws":
        recorders = [x for x in covering(r, ctx, Kind.RECORDER) if x.account == r.account]
        good = [x for x in recorders if x.prop("recording") is True and x.prop("all_resource_types") is True]
        evidence = {"recorders": [x.id for x in recorders]}
        bad = {str(x.region): _recorder_problem(x) for x in recorders if x not in good}
        verdict = regional_verdict(r, ctx, Kind.RECORDER, good, "AWS Config recorder recording every resource type")
        if verdict is not None:
            if bad and verdict.status.value == "FAIL":
                why = "; ".join(f"{region}: {p}" for region, p in sorted(bad.items()))
                verdict = verdict._replace(message=f"{verdict.message} ({why})")
            return verdict._replace(evidence={**evidence, **verdict.evidence})
        if not good:
            if any(p.endswith("unknown") for p in bad.values()):
                return unknown("AWS Config recorder state could not be read: " + "; ".join(bad.values()), **evidence)
            why = "; ".join(f"{region}: {p}" for region, p in sorted(bad.items())) or "no recorder"
            return failed(f"AWS Config records no configuration changes ({why})", **evidence)
        if not any(x.prop("global_resources") is True for x in good):
            if any(x.prop("global_resources") is None for x in good):
                return unknown("whether any recorder records global (IAM) resource types is unknown", **evidence)
            return failed("no region's AWS Config recorder records global (IAM) resource types", **evidence)
        return passed(f"AWS Config records every resource type in {len(good)} region(s), global types included", **evidence)
    trails = _covering_trails(r, ctx)
    if r.provider == "azure":
        exported = [t for t in trails if t.prop("enabled") is True and t.prop("management_events") is True]
        if exported:
            return passed("the activity log (every Resource Manager write) is exported by a diagnostic setting",
                          trails=[t.id for t in exported])
        gap = _gap_text(r, ctx, Kind.LOG_TRAIL)
        if gap or any(t.prop("enabled") is None for t in trails):
            return unknown(f"the activity-log export could not be read{f' ({gap})' if gap else ''}")
        return failed("the activity log is not exported: changes are kept only for Azure's 90 days")
    if r.provider == "gcp":
        feeds = [x for x in covering(r, ctx, Kind.RECORDER) if x.prop("recording") is not False]
        if feeds:
            return passed(f"Cloud Asset feed {feeds[0].name or feeds[0].id} records configuration changes",
                          feeds=[x.id for x in feeds])
        exported = [t for t in trails if _exported(t, ctx)]
        if exported:
            return passed("Admin Activity audit logs (every configuration change) are exported by a log sink",
                          trails=[t.id for t in exported])
        gap = _gap_text(r, ctx, Kind.RECORDER) or _gap_text(r, ctx, Kind.LOG_TRAIL)
        if gap:
            return unknown(f"asset feeds or log sinks could not be read ({gap})")
        return failed("no Cloud Asset feed and no sink exporting Admin Activity audit logs: changes stay only in "
                      "_Required (400 days)")
    return not_applicable(f"no change-record service is known for provider {r.provider}")


def _recorder_problem(x: Resource) -> str:
    if x.prop("recording") is False:
        return "recorder stopped"
    if x.prop("all_resource_types") is False:
        types = x.prop("resource_types") or []
        return f"records only {len(types)} resource type(s)"
    return "recorder state unknown"


def _gap_text(r: Resource, ctx: Context, kind: str) -> str | None:
    gaps = ctx.inventory.gaps_for(r.provider, r.account, kind)
    return f"{gaps[0].service}: {gaps[0].code}" if gaps else None


def _exported(trail: Resource, ctx: Context) -> bool:
    """A GCP trail whose audit logs go somewhere beyond the ``_Required`` bucket (a sink)."""
    return any(not rel.target.endswith("/buckets/_Required") for rel in ctx.inventory.outgoing(trail.id, "logs_to"))


# --- centralised audit trail (ETG 8.3.4) ---------------------------------------------------


def central_audit_trail(r: Resource, ctx: Context) -> Outcome:
    """One place holds every account's audit records: an organisation trail (AWS), an
    organisation or folder sink including its children (GCP), or a destination shared by every
    subscription of the tenant (Azure); a standalone AWS account's multi-region trail."""
    trails = [t for t in _covering_trails(r, ctx) if t.prop("enabled") is not False]
    org = r.prop("organization_id")
    evidence = {"trails": [t.id for t in trails], "organization_id": org}
    central = [t for t in trails if t.prop("aggregated") is True
               or (r.provider == "aws" and t.prop("organization") is True and t.prop("enabled") is True)]
    if r.provider == "gcp":
        central += [t for t in ctx.inventory.of_kind(Kind.LOG_TRAIL) if t.provider == "gcp"
                    and t.prop("aggregated") is True and r.account in (t.prop("covered_accounts") or [])]
    if central:
        t = central[0]
        return passed(f"audit records are collected centrally by {t.name or t.id}", **evidence)
    gap = _gap_text(r, ctx, Kind.LOG_TRAIL)
    if gap:
        return unknown(f"audit logging configuration could not be read ({gap})", **evidence)
    if r.provider == "aws":
        own = [t for t in trails if t.account == r.account and t.prop("enabled") is True and t.prop("all_regions") is True]
        if not org and own:
            return passed(f"standalone account: multi-region trail {own[0].name or own[0].id} keeps every region's "
                          "records in one place", **evidence)
        shared = _shared_destination(r, ctx, own, lambda t: [t.prop("s3_bucket")] if t.prop("s3_bucket") else [])
        if shared:
            return passed(f"trail delivers into {shared}, shared with the organisation's other accounts", **evidence)
        if not own:
            return failed("no organisation trail and no multi-region trail of the account", **evidence)
        return failed(f"audit records are kept per account: no organisation trail of {org}", **evidence)
    if r.provider == "azure":
        own = [t for t in trails if t.account == r.account and t.prop("enabled") is True]
        shared = _shared_destination(r, ctx, own, lambda t: [x.target.lower() for x in ctx.inventory.outgoing(t.id, "logs_to")])
        if shared:
            return passed(f"activity log exported to {shared}, shared by the tenant's subscriptions", **evidence)
        if not own:
            return failed("the activity log is not exported at all", **evidence)
        return failed("the activity log is exported to a destination no other subscription of the tenant uses", **evidence)
    if r.provider == "gcp":
        return failed("no organisation or folder log sink collecting this project's audit logs (includeChildren)", **evidence)
    return not_applicable(f"no central audit trail is known for provider {r.provider}")


def _shared_destination(r: Resource, ctx: Context, own: list[Resource], dests) -> str | None:
    """A destination of ``own`` trails that every other account of the organisation seen in the
    scan also writes to (at least one other must exist)."""
    org = r.prop("organization_id")
    if not org or not own:
        return None
    mine = sorted({d for t in own for d in dests(t)})
    trails = [t for t in ctx.inventory.of_kind(Kind.LOG_TRAIL) if t.provider == r.provider and t.prop("enabled") is True]
    others = [a.account for a in ctx.inventory.of_kind(Kind.ACCOUNT)
              if a.provider == r.provider and a.account != r.account and a.prop("organization_id") == org
              and any(t.account == a.account for t in trails)]
    if not others:  # no other account of the organisation exports: this one's store is the only one
        return f"{mine[0]} (the only export of {org})" if mine else None
    for d in mine:
        if all(any(d in dests(t) for t in trails if t.account == acct) for acct in others):
            return d
    return None


# --- audit logs as evidence: immutability (CSM CC-18000 (4)c 保護) ---------------------------


def audit_store_immutable(r: Resource, ctx: Context) -> Outcome:
    """An audit-log store keeps its records from being altered or deleted: S3 Object Lock in
    compliance mode, an Azure locked immutability policy, a locked GCS retention policy or
    log bucket. A governance-mode or unlocked policy can be lifted by an administrator."""
    if not _keeps_logs(r, ctx):
        return not_applicable("object storage that receives no logs")
    cls_name, how = _log_class(r, ctx)
    if cls_name not in ctx.params.get("classes", ()):
        return not_applicable(f"log class {cls_name} is not an audit trail")
    lockable = ctx.params.get("lockable_types")
    if lockable and r.native_type not in lockable and r.prop("immutability") is None and r.prop("locked") is None:
        return not_applicable(f"{r.native_type} offers no lock: keep the evidence copy in a lockable store "
                              "(the trail's bucket, a storage account, a log bucket)")
    evidence = {"log_class": cls_name, "class_from": how, "locked": r.prop("locked"),
                "immutability": r.prop("immutability")}
    state = r.prop("immutability")
    if r.prop("locked") is True or state == "locked":
        return passed("audit records cannot be altered or deleted before their retention ends (locked)", **evidence)
    if state == "unlocked":
        return failed("the retention lock can be lifted by an administrator (S3 Object Lock in governance mode, or an "
                      "immutability policy not locked)", **evidence)
    if r.prop("locked") is False or state == "none":
        return failed("audit records can be altered or deleted: no locked retention (Object Lock compliance mode, "
                      "locked immutability policy, bucket lock)", **evidence)
    return unknown("whether the audit-log store is immutable could not be read", **evidence)
