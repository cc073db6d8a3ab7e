"""One account's raw payloads (a *bundle*) → an Inventory. Pure: no I/O, no boto3.

The bundle is what :mod:`scanner.connectors.aws.collect` gathers live and what
:mod:`scanner.connectors.aws.offline` builds from AWS Config / IAM export files::

    {"account_id": "123456789012", "partition": "aws",
     "organization": {"Id": "o-..."},                       # optional
     "iam": {"credential_report": "<csv>", "account_summary": {...},
             "authorization_details": {...}, "virtual_mfa_devices": [...]},
     "s3": {"buckets": [{"Name", "BucketRegion"|"Location", "Encryption", "Replication",
                         "Lifecycle", "ObjectLock"}]},
     "regions": {"ap-east-2": {"tags": {arn: {k: v}}, "kms": [...], "ec2": {"volumes", "snapshots"},
                               "rds": {"instances", "clusters", "snapshots", "cluster_snapshots"},
                               "dynamodb": [...], "cloudtrail": [...], "logs": [...],
                               "backup": {"vaults", "plans"}, "sns": [...], "sqs": [...]}},
     "gaps": [CoverageGap dicts]}

A section or field that is absent was not read: what it would tell stays unknown.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from scanner.connectors.aws import normalize_data as data
from scanner.connectors.aws.common import PROVIDER, tag_map
from scanner.connectors.aws.keys import KeyIndex, kms_keys
from scanner.connectors.aws.normalize_iam import identities
from scanner.connectors.aws.normalize_logs import log_group, trail, trail_log_prefixes
from scanner.inventory import Inventory
from scanner.model import CoverageGap, Resource

__all__ = ["normalize_account"]

_REGIONAL: list[tuple[tuple[str, ...], Callable[..., Any]]] = [
    (("ec2", "volumes"), data.ebs_volume),
    (("ec2", "snapshots"), data.ebs_snapshot),
    (("rds", "instances"), data.rds_instance),
    (("rds", "clusters"), data.rds_cluster),
    (("rds", "snapshots"), data.rds_snapshot),
    (("rds", "cluster_snapshots"), data.rds_snapshot),
    (("dynamodb",), data.dynamodb_table),
    (("logs",), log_group),
    (("sns",), data.sns_topic),
    (("sqs",), data.sqs_queue),
]


def _dig(d: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for p in path:
        if not isinstance(d, Mapping) or p not in d:
            return None
        d = d[p]
    return d


def normalize_account(bundle: Mapping[str, Any]) -> Inventory:
    account = str(bundle["account_id"])
    partition = bundle.get("partition") or "aws"
    org = bundle.get("organization") or {}
    inv = Inventory()
    regions: Mapping[str, Mapping[str, Any]] = bundle.get("regions") or {}

    acct_props: dict[str, Any] = {}
    if org.get("Id"):
        acct_props["organization_id"] = org["Id"]
        acct_props["management_account"] = org.get("MasterAccountId")
    if bundle.get("alias"):
        acct_props["alias"] = bundle["alias"]
    inv.add(Resource(PROVIDER, account, "global", "account", "AWS::::Account", account, bundle.get("alias") or account, {}, acct_props))

    # tags from every region (S3 buckets are tagged in their own region)
    tags: dict[str, dict[str, str]] = {}
    for reg in regions.values():
        for arn, t in (reg.get("tags") or {}).items():
            tags[arn] = tag_map(t)

    keys = KeyIndex(account, partition)
    for region, reg in regions.items():
        for key in kms_keys(account, region, reg.get("kms") or [], tags):
            keys.add_key(key)
            inv.add(key)

    def add(out: tuple[list[Resource], list[Any]]) -> None:
        res, rels = out
        inv.add_all(res)
        inv.relationships.extend(rels)

    if "iam" in bundle:
        add(identities(account, bundle["iam"], partition))

    log_buckets: dict[str, list[str]] = {}
    for region, reg in regions.items():
        for t in reg.get("cloudtrail") or []:
            if t.get("S3BucketName") and str(t.get("TrailARN", "")).split(":")[4:5] == [account]:
                log_buckets.setdefault(t["S3BucketName"], []).append(trail_log_prefixes(t))
            add(trail(account, t, keys, organization_id=org.get("Id"), tags=tags, partition=partition))
        for path, fn in _REGIONAL:
            for item in _dig(reg, path) or []:
                add(fn(account, region, item, keys, tags))
        backup = reg.get("backup")
        if backup and backup.get("vaults") is not None:
            add(data.backup_vaults(account, region, backup["vaults"], backup.get("plans"), keys, tags))

    buckets = (bundle.get("s3") or {}).get("buckets") or []
    bucket_regions = {b["Name"]: data.bucket_region(b) for b in buckets}
    for b in buckets:
        arn = f"arn:{partition}:s3:::{b['Name']}"
        btags = tag_map(b["Tags"]) if "Tags" in b else tags.get(arn, {})
        add(data.s3_bucket(account, b, keys, tags=btags, bucket_regions=bucket_regions,
                           log_prefixes=log_buckets.get(b["Name"]), partition=partition))

    for g in bundle.get("gaps") or []:
        inv.gap(g if isinstance(g, CoverageGap) else CoverageGap.from_dict(g))
    inv._invalidate()
    return inv
