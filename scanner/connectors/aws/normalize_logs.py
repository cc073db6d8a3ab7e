"""CloudTrail trails → ``log.trail``; CloudWatch Logs groups → ``log.store``.

A trail's S3 bucket becomes a ``log.store`` too (native type ``AWS::S3::Bucket``, made by
:func:`scanner.connectors.aws.normalize_data.s3_bucket` with the trail's prefixes), so
retention, encryption and residency policies all see where the audit records live.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.connectors.aws.common import LOG_CLASS_TAG, PROVIDER, as_list, tag_map
from scanner.connectors.aws.keys import KeyIndex, encryption
from scanner.connectors.values import flag
from scanner.model import Relationship, RelType, Resource

__all__ = ["trail", "log_group", "trail_log_prefixes", "management_events"]


def management_events(selectors: Mapping[str, Any] | None) -> bool | None:
    """Whether ``GetEventSelectors`` says management write events are recorded."""
    if selectors is None:
        return None
    basic = selectors.get("EventSelectors")
    advanced = selectors.get("AdvancedEventSelectors")
    if basic:
        return any(s.get("IncludeManagementEvents", True) and s.get("ReadWriteType", "All") in ("All", "WriteOnly") for s in basic)
    if advanced:
        for sel in advanced:
            fields = {f.get("Field"): f for f in sel.get("FieldSelectors") or []}
            cat = fields.get("eventCategory") or {}
            if "Management" not in as_list(cat.get("Equals")):
                continue
            ro = fields.get("readOnly") or {}
            if "true" in [str(v).lower() for v in as_list(ro.get("Equals"))]:
                continue
            return True
        return False
    if "EventSelectors" in selectors or "AdvancedEventSelectors" in selectors:
        return False
    return None


def data_events(selectors: Mapping[str, Any] | None) -> list[str] | None:
    """The resource types whose data-event **reads** a trail records (``GetEventSelectors``):
    ``AWS::S3::Object`` for S3 object reads (ETG 8.7.6: monitoring data use). None: not read."""
    if selectors is None:
        return None
    out: set[str] = set()
    for s in selectors.get("EventSelectors") or []:
        if s.get("ReadWriteType", "All") in ("All", "ReadOnly"):
            out |= {str(d.get("Type")) for d in s.get("DataResources") or [] if d.get("Type")}
    for sel in selectors.get("AdvancedEventSelectors") or []:
        fields = {f.get("Field"): f for f in sel.get("FieldSelectors") or []}
        if "Data" not in as_list((fields.get("eventCategory") or {}).get("Equals")):
            continue
        ro = [str(v).lower() for v in as_list((fields.get("readOnly") or {}).get("Equals"))]
        if ro == ["false"]:
            continue  # writes only: reads of the data are not recorded
        out |= {str(t) for t in as_list((fields.get("resources.type") or {}).get("Equals"))}
    return sorted(out)


def trail_log_prefixes(t: Mapping[str, Any]) -> str:
    """Where a trail writes in its bucket: ``[prefix/]AWSLogs/``."""
    prefix = (t.get("S3KeyPrefix") or "").strip("/")
    return f"{prefix}/AWSLogs/" if prefix else "AWSLogs/"


def trail(account: str, t: Mapping[str, Any], keys: KeyIndex, *, organization_id: str | None = None,
          tags: Mapping[str, Mapping[str, str]] | None = None, partition: str = "aws") -> tuple[list[Resource], list[Relationship]]:
    """``t`` = ``DescribeTrails`` entry plus optional ``Status`` (GetTrailStatus) and
    ``EventSelectors`` (GetEventSelectors)."""
    arn = t["TrailARN"]
    region = t.get("HomeRegion")
    props: dict[str, Any] = {
        "all_regions": flag(t, "IsMultiRegionTrail"),
        "organization": flag(t, "IsOrganizationTrail", False),
        "organization_id": organization_id if flag(t, "IsOrganizationTrail") else None,
        "log_file_validation": flag(t, "LogFileValidationEnabled"),
        "global_service_events": flag(t, "IncludeGlobalServiceEvents"),
    }
    if "Status" in t:
        props["enabled"] = None if t["Status"] is None else t["Status"].get("IsLogging")
    if t.get("HasCustomEventSelectors") is False:
        props["management_events"] = True  # AWS's default selector: all management events
        props["data_events"] = []  # ... and no data events
    elif "EventSelectors" in t:
        props["management_events"] = management_events(t["EventSelectors"])
        props["data_events"] = data_events(t["EventSelectors"])
    rels: list[Relationship] = []
    enc, r = encryption(arn, region, keys, enabled=bool(t.get("KmsKeyId")), key_ref=t.get("KmsKeyId"))
    if t.get("KmsKeyId"):
        props.update(enc)
        rels += r
    else:
        props["encryption.trail_kms"] = False  # records take the bucket's default encryption
    if t.get("S3BucketName"):
        bucket = f"arn:{partition}:s3:::{t['S3BucketName']}"
        props["s3_bucket"] = t["S3BucketName"]
        rels.append(Relationship(arn, RelType.LOGS_TO, bucket, {"prefix": trail_log_prefixes(t)}))
    if t.get("CloudWatchLogsLogGroupArn"):
        rels.append(Relationship(arn, RelType.LOGS_TO, t["CloudWatchLogsLogGroupArn"].removesuffix(":*")))
    raw = {k: v for k, v in t.items() if k not in ("Status",)}
    res = Resource(PROVIDER, account, region, "log.trail", "AWS::CloudTrail::Trail", arn, t.get("Name", ""),
                   dict((tags or {}).get(arn) or {}), props, raw)
    return [res], rels


def log_group(account: str, region: str, g: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]]) -> tuple[list[Resource], list[Relationship]]:
    """``g`` = a ``DescribeLogGroups`` entry. Without ``retentionInDays`` records never expire."""
    arn = g.get("logGroupArn") or str(g.get("arn", "")).removesuffix(":*")
    t = tag_map(g.get("tags")) or dict(tags.get(arn) or {})
    props, rels = encryption(arn, region, keys, enabled=True, key_ref=g.get("kmsKeyId"), provider_default=True)
    if g.get("retentionInDays"):
        props.update({"retention_days": int(g["retentionInDays"]), "retention_unlimited": False})
    else:
        props["retention_unlimited"] = True
    props["log_class"] = t.get(LOG_CLASS_TAG) or None
    if g.get("logGroupClass"):
        props["log_group_class"] = g["logGroupClass"]
    props["stored_bytes"] = g.get("storedBytes")
    return [Resource(PROVIDER, account, region, "log.store", "AWS::Logs::LogGroup", arn, g.get("logGroupName", ""), t, props)], rels
