"""One account's raw payloads (a *bundle*) → an Inventory. Pure: no I/O, no boto3.

The bundle is what :mod:`scanner.connectors.aws.collect` gathers live and what
:mod:`scanner.connectors.aws.offline` builds from AWS Config / IAM export files::

    {"account_id": "123456789012", "partition": "aws",
     "organization": {"Id": "o-..."},                       # optional
     "iam": {"credential_report": "<csv>", "account_summary": {...},
             "authorization_details": {...}, "virtual_mfa_devices": [...]},
     "s3": {"buckets": [{"Name", "BucketRegion"|"Location", "Encryption", "Replication",
                         "Policy", "Lifecycle", "ObjectLock"}]},
     "regions": {"ap-east-2": {"tags": {arn: {k: v}}, "kms": [...],
                               "rds": {"instances", "clusters", "snapshots", "cluster_snapshots",
                                       "parameter_groups": {name: {TLS parameter: value}}},
                               "ec2": {"volumes", "snapshots", "security_groups", "instances",
                                       "managed_instances": [DescribeInstanceInformation entries]},
                               "elbv2": {"load_balancers": [.. with "Listeners"], "ssl_policies": {name: [protocols]}},
                               "dynamodb": [...], "cloudtrail": [...], "logs": [...],
                               "backup": {"vaults", "recovery_points", "plans"}, "sns": [...], "sqs": [...],
                               "config": {"recorders", "statuses"}, "guardduty": [...],
                               "alarms": {"metric_filters", "alarms"},
                               "ecr": {"repositories", "scanning"}}},
     "rds_global_clusters": [DescribeGlobalClusters entries],   # optional: read when Aurora exists
     "known_organizations": [{"Id", "MasterAccountId", "Accounts": [ids]}],  # optional, see below
     "not_collected": [collection units],  # optional: left out for the scan's policy selection
     "gaps": [CoverageGap dicts]}

``known_organizations`` are the organisations other accounts of the same scan could read
(``Accounts``: the ``ListAccounts`` answer of ``--organization``). A member account whose
own ``DescribeOrganization`` was refused takes its organisation from them: when listed as a
member, or when it receives an organization trail whose home account belongs to one (AWS
delivers an organization trail only inside its organisation). Otherwise it stays unknown.

A section or field that is absent was not read: what it would tell stays unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from scanner.connectors.aws import normalize_data as data
from scanner.connectors.aws import normalize_network as network
from scanner.connectors.aws.common import PROVIDER, arn_account, tag_map
from scanner.connectors.aws.keys import KeyIndex, kms_keys
from scanner.connectors.aws.normalize_backup import recovery_points
from scanner.connectors.aws.normalize_compute import ec2_instances
from scanner.connectors.aws.normalize_iam import identities
from scanner.connectors.aws.normalize_logs import log_group, trail, trail_log_prefixes
from scanner.connectors.aws.normalize_monitor import config_recorders, guardduty_detectors, metric_alerts
from scanner.connectors.aws.normalize_registry import ecr_repositories
from scanner.connectors.values import flag
from scanner.inventory import Inventory
from scanner.model import CoverageGap, Resource

__all__ = ["normalize_account"]

_REGIONAL: list[tuple[tuple[str, ...], Callable[..., Any]]] = [
    (("ec2", "volumes"), data.ebs_volume),
    (("ec2", "snapshots"), data.ebs_snapshot),
    (("ec2", "security_groups"), network.security_group),
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


def _organization(account: str, bundle: Mapping[str, Any]) -> tuple[dict[str, Any], str | None, Callable[[str], str | None]]:
    """(the account's organisation, how it is known, trail ARN → its organisation id)."""
    own = dict(bundle.get("organization") or {})
    known = [k for k in bundle.get("known_organizations") or [] if k.get("Id")]

    def holding(acct: str | None) -> dict[str, Any] | None:
        return next((k for k in known if acct and (acct == k.get("MasterAccountId") or acct in (k.get("Accounts") or []))), None)

    source = "organizations:DescribeOrganization" if own.get("Id") else None
    if not own.get("Id"):
        listed = holding(account)
        if listed:
            own, source = {"Id": listed["Id"], "MasterAccountId": listed.get("MasterAccountId")}, "organizations:ListAccounts"
    if not own.get("Id"):
        for reg in (bundle.get("regions") or {}).values():
            for t in reg.get("cloudtrail") or []:
                home = holding(arn_account(t.get("TrailARN"))) if flag(t, "IsOrganizationTrail") else None
                if home:
                    own, source = {"Id": home["Id"], "MasterAccountId": home.get("MasterAccountId")}, "organization trail"
                    break

    def trail_org(trail_arn: str) -> str | None:
        if own.get("Id"):
            return own["Id"]  # an account belongs to one organisation, and receives only its trails
        home = holding(arn_account(trail_arn))
        return home["Id"] if home else None

    return own, source, trail_org


def _add_merged(inv: Inventory, out: tuple[list[Resource], list[Any]]) -> None:
    """Add, keeping what an earlier reader said about the same id: AWS Backup's EBS and RDS
    recovery points are the snapshots DescribeSnapshots already listed (same ARN)."""
    from dataclasses import replace

    res, rels = out
    for r in res:
        old = inv.resources.get(r.id)
        inv.add(replace(old, properties={**r.properties, **old.properties}) if old else r)
    ids = {r.id for r in res}
    have = {(x.source, x.type, x.target) for x in inv.relationships if x.source in ids}
    inv.relationships.extend(x for x in rels if (x.source, x.type, x.target) not in have)


def _inherit_snapshot_keys(inv: Inventory) -> None:
    """An encrypted snapshot whose answer names no key (moto's DescribeSnapshots; some
    exports) is encrypted with its source's key: EBS and RDS encrypt a snapshot with the
    key of the volume or instance it is taken from. Copies may change key, so a copy
    (EBS: no source volume; RDS: ``SourceDBSnapshotIdentifier``) stays unknown."""
    from dataclasses import replace

    from scanner.model import Relationship, RelType

    for r in list(inv.resources.values()):
        if r.native_type not in ("AWS::EC2::Snapshot", "AWS::RDS::DBSnapshot", "AWS::RDS::DBClusterSnapshot"):
            continue
        if r.prop("encryption.enabled") is not True or r.prop("encryption.key_id") or r.prop("copied_from"):
            continue
        source = inv.get(r.prop("source_id") or "")
        key_id = source.prop("encryption.key_id") if source is not None else None
        if source is None or not key_id:
            continue
        props = {**r.properties, "encryption.key_id": key_id, "encryption.key_from": source.id}
        if source.prop("encryption.key_manager"):
            props["encryption.key_manager"] = source.prop("encryption.key_manager")
        inv.add(replace(r, properties=props))
        inv.relationships.append(Relationship(r.id, RelType.ENCRYPTED_BY, key_id))


#: sections whose absence the account-level policies must not read as "none configured":
#: (section, service, kinds). An export (AWS Config snapshot, IAM files) carries none of them.
_ACCOUNT_WIDE = (("config", "config", ("monitor.recorder",)), ("guardduty", "guardduty", ("monitor.detector",)),
                 ("alarms", "cloudwatch", ("monitor.alert",)))


def _not_collected(inv: Inventory, account: str, bundle: Mapping[str, Any]) -> None:
    """A gap for every region (or the whole account) whose bundle lacks one of these sections
    and names no gap for it: what was not read stays unknown (ERROR), never "not enabled"."""
    regions: Mapping[str, Mapping[str, Any]] = bundle.get("regions") or {}
    live = bundle.get("source") != "aws-config" and bool(regions)
    skipped = set(bundle.get("not_collected") or ())
    for section, service, kinds in _ACCOUNT_WIDE:
        if section in skipped:
            continue  # not read because no selected policy needs it: nothing to judge, nothing missing
        if not live:
            inv.gap(CoverageGap(PROVIDER, account, None, service, kinds, "NotInExport",
                                f"the input carries no {service} state for account {account}"))
            continue
        for region, reg in regions.items():
            if section not in reg and not inv.gaps_for(PROVIDER, account, kinds[0], region):
                inv.gap(CoverageGap(PROVIDER, account, region, service, kinds, "NotCollected",
                                    f"{service} was not read in {region}"))


def normalize_account(bundle: Mapping[str, Any]) -> Inventory:
    account = str(bundle["account_id"])
    partition = bundle.get("partition") or "aws"
    org, org_source, trail_org = _organization(account, bundle)
    inv = Inventory()
    regions: Mapping[str, Mapping[str, Any]] = bundle.get("regions") or {}

    # ETG 8.2.2: source-IP / VPC-endpoint conditions (SCPs, privileged policies) are not read yet
    acct_props: dict[str, Any] = {"internet_access.unread": "AWS: aws:SourceIp / aws:SourceVpce conditions in SCPs and "
                                                            "privileged policies are not read by the connector yet"}
    if org.get("Id"):
        acct_props["organization_id"] = org["Id"]
        acct_props["management_account"] = org.get("MasterAccountId")
        acct_props["organization_source"] = org_source
    if bundle.get("alias"):
        acct_props["alias"] = bundle["alias"]
    if bundle.get("source") != "aws-config" and regions:
        acct_props["regions_read"] = sorted(regions)  # a live scan: every enabled region (or those asked for)
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

    global_clusters = bundle.get("rds_global_clusters")
    members = data.global_cluster_members(global_clusters) if global_clusters is not None else None
    log_buckets: dict[str, list[str]] = {}
    trail_keys: dict[str, list[tuple[str, str | None]]] = {}  # bucket → (trail ARN, its SSE-KMS key)
    for region, reg in regions.items():
        for t in reg.get("cloudtrail") or []:
            if t.get("S3BucketName") and str(t.get("TrailARN", "")).split(":")[4:5] == [account]:
                log_buckets.setdefault(t["S3BucketName"], []).append(trail_log_prefixes(t))
                trail_keys.setdefault(t["S3BucketName"], []).append((t["TrailARN"], t.get("KmsKeyId") or None))
            add(trail(account, t, keys, organization_id=trail_org(t["TrailARN"]), tags=tags, partition=partition))
        for path, fn in _REGIONAL:
            for item in _dig(reg, path) or []:
                add(fn(account, region, item, keys, tags))
        for db in _dig(reg, ("rds", "instances")) or []:
            add(data.rds_instance(account, region, db, keys, tags, _dig(reg, ("rds", "parameter_groups"))))
        for c in _dig(reg, ("rds", "clusters")) or []:
            add(data.rds_cluster(account, region, c, keys, tags, global_members=members))
        if "config" in reg:
            inv.add_all(config_recorders(account, region, reg["config"], partition))
        if "guardduty" in reg:
            inv.add_all(guardduty_detectors(account, region, reg["guardduty"], partition))
        if "alarms" in reg:
            inv.add_all(metric_alerts(account, region, reg["alarms"], partition))
        if isinstance(reg.get("ec2"), Mapping) and "instances" in reg["ec2"]:
            add(ec2_instances(account, region, reg["ec2"], tags, partition, export=bundle.get("source") == "aws-config"))
        if isinstance(reg.get("ecr"), Mapping):
            inv.add_all(ecr_repositories(account, region, reg["ecr"], tags))
        if isinstance(reg.get("elbv2"), Mapping):
            add(network.load_balancers(account, region, reg["elbv2"], keys, tags))
        backup = reg.get("backup")
        if backup and backup.get("vaults") is not None:
            add(data.backup_vaults(account, region, backup["vaults"], backup.get("plans"), keys, tags))
        if backup and backup.get("recovery_points"):
            _add_merged(inv, recovery_points(account, region, backup["recovery_points"], backup.get("plans"), keys, tags))

    buckets = (bundle.get("s3") or {}).get("buckets") or []
    bucket_regions = {b["Name"]: data.bucket_region(b) for b in buckets}
    for b in buckets:
        arn = f"arn:{partition}:s3:::{b['Name']}"
        btags = tag_map(b["Tags"]) if "Tags" in b else tags.get(arn, {})
        add(data.s3_bucket(account, b, keys, tags=btags, bucket_regions=bucket_regions,
                           log_prefixes=log_buckets.get(b["Name"]), trail_keys=trail_keys.get(b["Name"]), partition=partition))

    _inherit_snapshot_keys(inv)
    for g in bundle.get("gaps") or []:
        inv.gap(g if isinstance(g, CoverageGap) else CoverageGap.from_dict(g))
    _not_collected(inv, account, bundle)
    inv._invalidate()
    return inv
