"""Data-bearing resources: S3 buckets, EBS volumes and snapshots, RDS, DynamoDB, Backup,
SNS and SQS → canonical kinds with encryption, replica regions and backup sources.

Convention for every payload: a key that is *absent* was not read (unknown, property
left out); a key present with ``None`` means the API said "not configured".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from scanner.connectors.aws.common import (
    LOG_CLASS_TAG,
    PROVIDER,
    arn_region,
    iso,
    tag_map,
)
from scanner.connectors.aws.keys import KeyIndex, encryption
from scanner.connectors.aws.normalize_backup import backup_vaults
from scanner.connectors.values import flag
from scanner.model import Relationship, RelType, Resource

__all__ = [
    "bucket_region",
    "s3_bucket",
    "ebs_volume",
    "ebs_snapshot",
    "rds_instance",
    "rds_cluster",
    "rds_snapshot",
    "dynamodb_table",
    "backup_vaults",  # re-exported from normalize_backup
    "global_cluster_members",
    "sns_topic",
    "sqs_queue",
    "lifecycle_retention",
]

Out = tuple[list[Resource], list[Relationship]]


def bucket_region(entry: Mapping[str, Any]) -> str | None:
    if entry.get("BucketRegion"):
        return entry["BucketRegion"]
    if "Location" not in entry:
        return None
    loc = (entry["Location"] or {}).get("LocationConstraint")
    if not loc:
        return "us-east-1"  # S3 reports the original region as an empty constraint
    return "eu-west-1" if loc == "EU" else loc


def lifecycle_retention(rules: Iterable[Mapping[str, Any]] | None, prefixes: Iterable[str] = ("",)) -> dict[str, Any]:
    """Retention of the objects under ``prefixes`` from enabled expiration rules that
    cover them: the shortest applies; none → kept forever. A covering rule that expires
    objects on a fixed ``Date`` makes retention unknown here (it depends on when the
    objects were written), never "kept forever"."""
    days: list[int] = []
    dated = False
    for rule in rules or []:
        if rule.get("Status") != "Enabled":
            continue
        exp = rule.get("Expiration") or {}
        if not exp.get("Days"):
            if exp.get("Date") and _covers(rule, prefixes):
                dated = True
            continue
        if _covers(rule, prefixes):
            days.append(int(exp["Days"]))
    if days:
        return {"retention_days": min(days), "retention_unlimited": False}
    if dated:
        return {}
    return {"retention_unlimited": True}


def _covers(rule: Mapping[str, Any], prefixes: Iterable[str]) -> bool:
    flt = rule.get("Filter") or {}
    if "Tag" in flt or (flt.get("And") or {}).get("Tags"):
        return False  # applies only to tagged objects, not to the logs as a whole
    rprefix = rule.get("Prefix", flt.get("Prefix", (flt.get("And") or {}).get("Prefix", ""))) or ""
    return any(p.startswith(rprefix) for p in prefixes)


def s3_bucket(
    account: str,
    entry: Mapping[str, Any],
    keys: KeyIndex,
    *,
    tags: Mapping[str, str] | None,
    bucket_regions: Mapping[str, str | None],
    log_prefixes: list[str] | None = None,
    trail_keys: list[tuple[str, str | None]] | None = None,
    partition: str = "aws",
) -> Out:
    """One bucket. ``log_prefixes``: where trails write into it (makes it a ``log.store``).
    ``trail_keys``: (trail ARN, the trail's ``KmsKeyId`` or None) of those trails. CloudTrail
    encrypts its log files with the trail's key (SSE-KMS) whatever the bucket's default: when
    every trail writing here has one, the audit records are under those keys."""
    name = entry["Name"]
    arn = f"arn:{partition}:s3:::{name}"
    region = bucket_region(entry)
    tags = dict(tags or {})
    is_log = log_prefixes is not None or LOG_CLASS_TAG in tags
    props: dict[str, Any] = {"created": iso(entry.get("CreationDate"))}
    rels: list[Relationship] = []
    if "Encryption" in entry:
        rules = ((entry["Encryption"] or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules") or []
        default = next((r.get("ApplyServerSideEncryptionByDefault") for r in rules if r.get("ApplyServerSideEncryptionByDefault")), None)
        if default is None:
            p, r = encryption(arn, region, keys, enabled=False)
        elif default.get("SSEAlgorithm") == "AES256":
            p, r = encryption(arn, region, keys, enabled=True, provider_default=True)  # SSE-S3
        else:  # aws:kms, aws:kms:dsse; no key named → the AWS-managed aws/s3 key
            p, r = encryption(arn, region, keys, enabled=True, key_ref=default.get("KMSMasterKeyID") or "alias/aws/s3")
        props.update(p)
        rels += r
    if trail_keys and all(k for _, k in trail_keys):
        p, r = _trail_encryption(arn, region, keys, trail_keys)
        props.update(p)
        rels = [x for x in rels if x.type != RelType.ENCRYPTED_BY] + r
    if "Replication" in entry:
        rules = ((entry["Replication"] or {}).get("ReplicationConfiguration") or {}).get("Rules") or []
        regions: set[str] = set()
        unresolved = False
        for rule in rules:
            if rule.get("Status") != "Enabled":
                continue
            dest = (rule.get("Destination") or {}).get("Bucket", "")
            dname = dest.split(":::")[-1]
            rels.append(Relationship(arn, RelType.REPLICATES_TO, dest or f"arn:{partition}:s3:::{dname}"))
            dregion = bucket_regions.get(dname)
            if dregion:
                regions.add(dregion)
            else:
                unresolved = True  # bucket in another account: its region is not in the ARN
        if not unresolved:
            props["replica_regions"] = sorted(regions - {region})
        else:
            props["replica_targets_unresolved"] = True
    if "ObjectLock" in entry:
        cfg = (entry["ObjectLock"] or {}).get("ObjectLockConfiguration") or {}
        props["object_lock"] = cfg.get("ObjectLockEnabled") == "Enabled"
        retention = ((cfg.get("Rule") or {}).get("DefaultRetention")) or {}
        if retention:
            props["object_lock_mode"] = retention.get("Mode")
        # evidence protection (CSM CC-18000 (4)c): only a compliance-mode default retention
        # binds everyone; governance mode yields to s3:BypassGovernanceRetention, and Object
        # Lock with no default leaves each object unprotected unless its writer sets one
        if props["object_lock"] and retention.get("Mode") == "COMPLIANCE":
            props["immutability"] = "locked"
        elif props["object_lock"] and retention.get("Mode") == "GOVERNANCE":
            props["immutability"] = "unlocked"
        else:
            props["immutability"] = "none"
    kind = "storage.object"
    if is_log:
        kind = "log.store"
        props["log_class"] = tags.get(LOG_CLASS_TAG) or None
        props["log_source"] = "cloudtrail" if log_prefixes is not None else "tag"
        if "Lifecycle" in entry:
            rules = (entry["Lifecycle"] or {}).get("Rules")
            props.update(lifecycle_retention(rules, log_prefixes or [""]))
    else:
        from scanner.connectors.aws.normalize_network import bucket_transit

        props.update(bucket_transit(entry, partition))
    raw = {k: entry[k] for k in ("Encryption", "Replication", "Lifecycle", "ObjectLock", "Policy") if k in entry}
    return [Resource(PROVIDER, account, region, kind, "AWS::S3::Bucket", arn, name, tags, props, raw)], rels


def _trail_encryption(arn: str, region: str | None, keys: KeyIndex,
                      trail_keys: list[tuple[str, str | None]]) -> tuple[dict[str, Any], list[Relationship]]:
    """The encryption of the trails' records: one key → its properties; several → the key
    manager they share (none when they differ: unknown), an edge to each."""
    props: dict[str, Any] = {}
    rels: list[Relationship] = []
    managers = set()
    for _, ref in trail_keys:
        p, r = encryption(arn, region, keys, enabled=True, key_ref=ref)
        managers.add(p.get("encryption.key_manager"))
        rels += [x for x in r if x.target not in {y.target for y in rels}]
        props = p if not props else props
    if len({x.target for x in rels}) > 1:
        props = {"encryption.enabled": True}
        if len(managers) == 1 and None not in managers:
            props["encryption.key_manager"] = managers.pop()
    props["encryption.by_trail"] = sorted(t for t, _ in trail_keys)
    return props, rels


def _tags(item: Mapping[str, Any], tags: Mapping[str, Mapping[str, str]], arn: str) -> dict[str, str]:
    return tag_map(item.get("Tags") or item.get("TagList")) or dict(tags.get(arn) or {})


def ebs_volume(account: str, region: str, v: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]], partition: str = "aws") -> Out:
    arn = f"arn:{partition}:ec2:{region}:{account}:volume/{v['VolumeId']}"
    t = _tags(v, tags, arn)
    props, rels = encryption(arn, region, keys, enabled=flag(v, "Encrypted"), key_ref=v.get("KmsKeyId"))
    props.update({"availability_zone": v.get("AvailabilityZone"), "created": iso(v.get("CreateTime"))})
    for a in v.get("Attachments") or []:
        if a.get("InstanceId"):
            rels.append(Relationship(arn, RelType.ATTACHED_TO, f"arn:{partition}:ec2:{region}:{account}:instance/{a['InstanceId']}"))
    name = t.get("Name", v["VolumeId"])
    return [Resource(PROVIDER, account, region, "storage.block", "AWS::EC2::Volume", arn, name, t, props)], rels


def ebs_snapshot(account: str, region: str, s: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]], partition: str = "aws") -> Out:
    arn = f"arn:{partition}:ec2:{region}::snapshot/{s['SnapshotId']}"
    t = _tags(s, tags, arn)
    props, rels = encryption(arn, region, keys, enabled=flag(s, "Encrypted"), key_ref=s.get("KmsKeyId"))
    props["created"] = iso(s.get("StartTime"))
    vol = s.get("VolumeId")
    if vol and vol != "vol-ffffffff":  # copied snapshots name a placeholder volume
        src = f"arn:{partition}:ec2:{region}:{account}:volume/{vol}"
        props["source_id"] = src
        rels.append(Relationship(arn, RelType.BACKUP_OF, src))
    return [Resource(PROVIDER, account, region, "backup", "AWS::EC2::Snapshot", arn, t.get("Name", s["SnapshotId"]), t, props)], rels


def _replica_regions(region: str, ids: Iterable[str]) -> list[str]:
    return sorted({arn_region(i) or region for i in ids} - {region})


def rds_instance(account: str, region: str, db: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]],
                 parameter_groups: Mapping[str, Mapping[str, Any]] | None = None) -> Out:
    from scanner.connectors.aws.normalize_network import rds_transit

    arn = db["DBInstanceArn"]
    props, rels = encryption(arn, region, keys, enabled=flag(db, "StorageEncrypted"), key_ref=db.get("KmsKeyId"))
    props.update(rds_transit(db, parameter_groups))
    replicas = list(db.get("ReadReplicaDBInstanceIdentifiers") or [])
    backups = [b.get("DBInstanceAutomatedBackupsArn", "") for b in db.get("DBInstanceAutomatedBackupsReplications") or []]
    props["replica_regions"] = sorted(set(_replica_regions(region, replicas)) | set(_replica_regions(region, backups)))
    props.update({"engine": db.get("Engine"), "multi_az": db.get("MultiAZ"), "cluster": db.get("DBClusterIdentifier")})
    props.update(_automated_backups(db))
    for rep in replicas:
        target = rep if rep.startswith("arn:") else f"{arn.rsplit(':', 1)[0]}:{rep}"
        rels.append(Relationship(arn, RelType.REPLICATES_TO, target, {"region": arn_region(target) or region}))
    for b in backups:
        rels.append(Relationship(arn, RelType.REPLICATES_TO, b, {"automated_backups": True, "region": arn_region(b) or region}))
    t = _tags(db, tags, arn)
    return [Resource(PROVIDER, account, region, "database", "AWS::RDS::DBInstance", arn, db.get("DBInstanceIdentifier", ""), t, props)], rels


def global_cluster_members(global_clusters: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Member cluster ARN → its global database (``DescribeGlobalClusters`` entries):
    ``{"global_cluster": ARN, "writer": bool, "peers": [other members' ARNs]}``."""
    out: dict[str, dict[str, Any]] = {}
    for g in global_clusters:
        members = [m for m in g.get("GlobalClusterMembers") or [] if m.get("DBClusterArn")]
        arns = [m["DBClusterArn"] for m in members]
        for m in members:
            out[m["DBClusterArn"]] = {"global_cluster": g.get("GlobalClusterArn") or g.get("GlobalClusterIdentifier"),
                                      "writer": m.get("IsWriter"), "peers": [a for a in arns if a != m["DBClusterArn"]]}
    return out


def rds_cluster(account: str, region: str, c: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]],
                global_members: Mapping[str, Mapping[str, Any]] | None = None) -> Out:
    """``global_members``: :func:`global_cluster_members` of the account, None when not read.
    An Aurora cluster may belong to a global database (which copies its data to every member's
    region) without saying so in older ``DescribeDBClusters`` answers: unread → unknown."""
    arn = c["DBClusterArn"]
    props, rels = encryption(arn, region, keys, enabled=flag(c, "StorageEncrypted"), key_ref=c.get("KmsKeyId"))
    props["transit.tls_required_by"] = "the DB cluster parameter group is not read"
    replicas = list(c.get("ReadReplicaIdentifiers") or [])
    props["engine"] = c.get("Engine")
    props.update(_automated_backups(c))
    for rep in replicas:
        rels.append(Relationship(arn, RelType.REPLICATES_TO, rep, {"region": arn_region(rep) or region}))
    aurora = str(c.get("Engine") or "").startswith("aurora")
    member = (global_members or {}).get(arn)
    if member:
        props["global_cluster"] = member["global_cluster"]
        props["global_role"] = "primary" if member["writer"] else "secondary"
        for peer in member["peers"]:
            rels.append(Relationship(arn, RelType.REPLICATES_TO, peer, {"region": arn_region(peer) or region, "global_cluster": True}))
        props["replica_regions"] = _replica_regions(region, replicas + list(member["peers"]))
    elif c.get("GlobalClusterIdentifier") or (aurora and global_members is None):
        if c.get("GlobalClusterIdentifier"):  # membership not in the global-cluster answer, or that was unread
            props["global_cluster"] = c["GlobalClusterIdentifier"]
    else:
        props["replica_regions"] = _replica_regions(region, replicas)
    t = _tags(c, tags, arn)
    return [Resource(PROVIDER, account, region, "database", "AWS::RDS::DBCluster", arn, c.get("DBClusterIdentifier", ""), t, props)], rels


def rds_snapshot(account: str, region: str, s: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]]) -> Out:
    cluster = "DBClusterSnapshotArn" in s
    arn = s["DBClusterSnapshotArn" if cluster else "DBSnapshotArn"]
    props, rels = encryption(arn, region, keys, enabled=flag(s, "StorageEncrypted", flag(s, "Encrypted")), key_ref=s.get("KmsKeyId"))
    props.update({"created": iso(s.get("SnapshotCreateTime")), "snapshot_type": s.get("SnapshotType")})
    copied = s.get("SourceDBSnapshotIdentifier") or s.get("SourceDBClusterSnapshotArn")
    if copied:
        props["copied_from"] = copied  # a copy may carry another key than its database's
    src_id = s.get("DBClusterIdentifier" if cluster else "DBInstanceIdentifier")
    if src_id:
        src = f"{arn.split(':snapshot:')[0].split(':cluster-snapshot:')[0]}:{'cluster' if cluster else 'db'}:{src_id}"
        props["source_id"] = src
        rels.append(Relationship(arn, RelType.BACKUP_OF, src))
    native = "AWS::RDS::DBClusterSnapshot" if cluster else "AWS::RDS::DBSnapshot"
    name = s.get("DBClusterSnapshotIdentifier" if cluster else "DBSnapshotIdentifier", "")
    return [Resource(PROVIDER, account, region, "backup", native, arn, name, _tags(s, tags, arn), props)], rels


def _automated_backups(db: Mapping[str, Any]) -> dict[str, Any]:
    """RDS / Aurora automated backups (ETG 9.3): on when ``BackupRetentionPeriod`` > 0."""
    days = db.get("BackupRetentionPeriod")
    if not isinstance(days, int) or isinstance(days, bool):
        return {}
    return {"backup.enabled": days > 0, "backup.retention_days": days}


def dynamodb_table(account: str, region: str, t: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]]) -> Out:
    arn = t["TableArn"]
    sse = t.get("SSEDescription")
    if not sse or sse.get("Status") in ("DISABLED", None):
        props, rels = encryption(arn, region, keys, enabled=True, provider_default=True)  # AWS owned key
    else:
        props, rels = encryption(arn, region, keys, enabled=True, key_ref=sse.get("KMSMasterKeyArn") or "alias/aws/dynamodb")
    pitr = ((t.get("ContinuousBackups") or {}).get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus")
    if pitr in ("ENABLED", "DISABLED"):  # DescribeContinuousBackups; absent: not read
        props["backup.enabled"] = pitr == "ENABLED"
    replicas = [r.get("RegionName") for r in t.get("Replicas") or [] if r.get("RegionName")]
    props["replica_regions"] = sorted(set(replicas) - {region})
    from scanner.connectors.aws.normalize_network import PLATFORM_TLS, dynamodb_transit

    props["transit.min_tls_version"], props["transit.min_tls_by"] = PLATFORM_TLS
    props.update(dynamodb_transit(t))
    for r in props["replica_regions"]:
        rels.append(Relationship(arn, RelType.REPLICATES_TO, arn.replace(f":{region}:", f":{r}:", 1)))
    return [Resource(PROVIDER, account, region, "database", "AWS::DynamoDB::Table", arn, t.get("TableName", ""), _tags(t, tags, arn), props)], rels


def sns_topic(account: str, region: str, attrs: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]]) -> Out:
    arn = attrs["TopicArn"]
    key = attrs.get("KmsMasterKeyId")
    props, rels = encryption(arn, region, keys, enabled=bool(key), key_ref=key)
    return [Resource(PROVIDER, account, region, "messaging.queue", "AWS::SNS::Topic", arn, arn.rsplit(":", 1)[-1], dict(tags.get(arn) or {}), props)], rels


def sqs_queue(account: str, region: str, attrs: Mapping[str, Any], keys: KeyIndex, tags: Mapping[str, Mapping[str, str]]) -> Out:
    arn = attrs["QueueArn"]
    key = attrs.get("KmsMasterKeyId")
    if key:
        props, rels = encryption(arn, region, keys, enabled=True, key_ref=key)
    else:
        managed = str(attrs.get("SqsManagedSseEnabled", "")).lower()
        enabled = True if managed == "true" else (False if managed == "false" else None)
        props, rels = encryption(arn, region, keys, enabled=enabled, provider_default=True)
    return [Resource(PROVIDER, account, region, "messaging.queue", "AWS::SQS::Queue", arn, arn.rsplit(":", 1)[-1], dict(tags.get(arn) or {}), props)], rels
