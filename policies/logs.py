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
