"""Regional fetchers: one region of one account → the bundle's ``regions[region]`` entry,
and S3 (global listing, per-bucket details in the bucket's region)."""

from __future__ import annotations

from typing import Any

from scanner.connectors.aws.fetch import _ABSENT, Reader, Unreadable, _try

__all__ = ["fetch_region", "list_buckets", "fetch_bucket", "fetch_global_clusters", "REGION_SERVICES", "BUCKET_CALLS",
           "EC2_PARTS"]

#: Errors that mean the whole region is out of reach (not enabled, not allowed).
REGION_CLOSED = frozenset({"OptInRequired", "UnrecognizedClientException", "AuthFailure", "InvalidClientTokenId"})


def _kms(r: Reader, region: str) -> list[dict[str, Any]]:
    keys = r.pages("kms", region, "list_keys", "Keys")
    aliases = r.pages("kms", region, "list_aliases", "Aliases")  # one call gives every key's aliases
    by_key: dict[str, list[str]] = {}
    for a in aliases:
        if a.get("TargetKeyId"):
            by_key.setdefault(a["TargetKeyId"], []).append(a["AliasName"])
    out = []
    for k in keys:
        kid = k["KeyId"]
        try:
            md = r.call("kms", region, "describe_key", KeyId=kid)["KeyMetadata"]
        except Unreadable:
            continue
        entry: dict[str, Any] = {"KeyMetadata": md, "Aliases": by_key.get(kid, [])}
        aws_managed = md.get("KeyManager") == "AWS" or any(a.startswith("alias/aws/") for a in entry["Aliases"])
        if md.get("KeyState") not in ("PendingDeletion", "PendingReplicaDeletion"):
            # rotation matters only for keys the customer controls (AWS rotates its own yearly);
            # the policy of every key, since an AWS-managed key's policy is judged too
            symmetric = md.get("KeySpec", "SYMMETRIC_DEFAULT") == "SYMMETRIC_DEFAULT" and md.get("Origin", "AWS_KMS") == "AWS_KMS"
            if not aws_managed and symmetric and r.wants("kms.rotation"):
                v = _try(r.call, "kms", region, "get_key_rotation_status", KeyId=kid)
                if v is not _ABSENT:
                    entry["Rotation"] = v
            if r.wants("kms.policy"):
                v = _try(r.call, "kms", region, "get_key_policy", KeyId=kid, PolicyName="default")
                if v is not _ABSENT:
                    entry["Policy"] = v.get("Policy")
        out.append(entry)
    return out


def _tags(r: Reader, region: str) -> dict[str, dict[str, str]]:
    """Every tagged resource of the region in ~1 call per 100 (instead of one per resource)."""
    items = r.pages("resourcegroupstaggingapi", region, "get_resources", "ResourceTagMappingList", ResourcesPerPage=100)
    return {i["ResourceARN"]: {t["Key"]: t.get("Value", "") for t in i.get("Tags") or []} for i in items}


def _trails(r: Reader, region: str) -> list[dict[str, Any]]:
    trails = r.call("cloudtrail", region, "describe_trails", includeShadowTrails=False).get("trailList") or []
    out = []
    for t in trails:
        if t.get("HomeRegion", region) != region:
            continue  # listed in its home region
        arn = t["TrailARN"]
        v = _try(r.call, "cloudtrail", region, "get_trail_status", Name=arn)
        if v is not _ABSENT:
            t["Status"] = {"IsLogging": v.get("IsLogging")}
        if t.get("HasCustomEventSelectors") is False:
            out.append(t)  # default selectors: all management events; no need to ask
            continue
        v = _try(r.call, "cloudtrail", region, "get_event_selectors", TrailName=arn)
        if v is not _ABSENT:
            t["EventSelectors"] = {k: v[k] for k in ("EventSelectors", "AdvancedEventSelectors") if k in v}
        out.append(t)
    return out


def _dynamodb(r: Reader, region: str) -> list[dict[str, Any]]:
    out = []
    for name in r.pages("dynamodb", region, "list_tables", "TableNames"):
        v = _try(r.call, "dynamodb", region, "describe_table", TableName=name)
        if v is not _ABSENT:
            table = v["Table"]
            pitr: Any = _ABSENT
            if r.wants("dynamodb.continuous_backups"):
                pitr = _try(r.call, "dynamodb", region, "describe_continuous_backups", TableName=name)
            if pitr is not _ABSENT:  # point-in-time recovery (ETG 9.3); unread: the gap says so
                table["ContinuousBackups"] = pitr.get("ContinuousBackupsDescription") or {}
            # TLS only (ETG 8.1.1, 8.2.1): the endpoints answer HTTP unless a resource policy
            # denies it; PolicyNotFoundException: known, none. Unread, it hides no table: the
            # table's TLS finding says so
            pol: Any = _ABSENT
            if r.wants("dynamodb.resource_policy"):
                pol = _try(r.call, "dynamodb", region, "get_resource_policy", ResourceArn=table["TableArn"],
                           not_configured_ok=True, gap_kinds=())
            if pol is not _ABSENT:
                table["ResourcePolicy"] = pol
            out.append(table)
    return out


def _backup(r: Reader, region: str) -> dict[str, Any]:
    vaults = r.pages("backup", region, "list_backup_vaults", "BackupVaultList")
    out: dict[str, Any] = {"vaults": vaults}
    points: list[dict[str, Any]] = []
    for v in vaults:
        if v.get("NumberOfRecoveryPoints") == 0:
            continue  # the listing says the vault is empty: no call
        got = _try(r.pages, "backup", region, "list_recovery_points_by_backup_vault", "RecoveryPoints",
                   BackupVaultName=v["BackupVaultName"], PaginationConfig={"PageSize": 1000})
        if got is not _ABSENT:  # else the gap is recorded: that vault's recovery points stay unknown
            points.extend(got)
    out["recovery_points"] = points
    try:
        plans = []
        for p in r.pages("backup", region, "list_backup_plans", "BackupPlansList"):
            plans.append({"BackupPlan": r.call("backup", region, "get_backup_plan", BackupPlanId=p["BackupPlanId"])["BackupPlan"],
                          "BackupPlanId": p["BackupPlanId"]})
        out["plans"] = plans
    except Unreadable:
        pass  # copy destinations unknown: vaults and recovery points keep replica_regions unknown
    return out


def _sns(r: Reader, region: str) -> list[dict[str, Any]]:
    out = []
    for t in r.pages("sns", region, "list_topics", "Topics"):
        v = _try(r.call, "sns", region, "get_topic_attributes", TopicArn=t["TopicArn"])
        if v is not _ABSENT:
            out.append(v["Attributes"])
    return out


def _sqs(r: Reader, region: str) -> list[dict[str, Any]]:
    out = []
    for url in r.pages("sqs", region, "list_queues", "QueueUrls"):
        v = _try(r.call, "sqs", region, "get_queue_attributes", QueueUrl=url,
                 AttributeNames=["QueueArn", "KmsMasterKeyId", "SqsManagedSseEnabled"])
        if v is not _ABSENT:
            out.append(v.get("Attributes") or {})
    return out


#: the instance fields kept (the normalizer and the evidence need no more: an instance answer is ~4 KB)
_INSTANCE_FIELDS = ("InstanceId", "State", "Tags", "Platform", "PlatformDetails", "LaunchTime", "ImageId",
                    "InstanceType", "IamInstanceProfile", "Placement")
_MANAGED_FIELDS = ("InstanceId", "PingStatus", "LastPingDateTime", "AgentVersion", "PlatformType", "PlatformName",
                   "ResourceType", "IsLatestVersion")
#: an instance in these states is gone or going: not "in use" (ETG 8.4.2), not collected
_INSTANCE_STATES = ["pending", "running", "stopping", "stopped"]
#: EC2's listings: (bundle key, operation, result field, the kinds a failure hides, extra arguments);
#: each is its own collection unit "ec2.<key>" (scanner/connectors/aws/plan.py)
EC2_PARTS: tuple[tuple[str, str, str, tuple[str, ...], dict[str, Any]], ...] = (
    ("volumes", "describe_volumes", "Volumes", ("storage.block",), {}),
    ("snapshots", "describe_snapshots", "Snapshots", ("backup",), {"OwnerIds": ["self"]}),
    ("security_groups", "describe_security_groups", "SecurityGroups", ("network.firewall",), {}),
)


def _ec2(r: Reader, region: str) -> dict[str, Any]:
    # each listing names the kinds its failure hides (a DescribeVolumes refusal hides no instance)
    out: dict[str, Any] = {}
    for key, op, field, gap_kinds, kw in EC2_PARTS:
        if not r.wants(f"ec2.{key}"):
            continue
        v = _try(r.pages, "ec2", region, op, field, gap_kinds=gap_kinds, **kw)
        if v is not _ABSENT:
            out[key] = v
    if not r.wants("ec2.instances"):
        return out
    v = _try(r.pages, "ec2", region, "describe_instances", "Reservations", gap_kinds=("compute.instance",),
             Filters=[{"Name": "instance-state-name", "Values": _INSTANCE_STATES}])
    if v is not _ABSENT:
        out["instances"] = [{k: i[k] for k in _INSTANCE_FIELDS if k in i}
                            for res in v for i in res.get("Instances") or []]
        if out["instances"]:  # no instance: no Systems Manager call
            m = _try(r.pages, "ssm", region, "describe_instance_information", "InstanceInformationList",
                     PaginationConfig={"PageSize": 50})
            if m is not _ABSENT:  # else the gap (kinds compute.instance) leaves their management unknown
                out["managed_instances"] = [{k: i[k] for k in _MANAGED_FIELDS if k in i} for i in m]
    return out


def _elbv2(r: Reader, region: str) -> dict[str, Any]:
    """Application, network and gateway load balancers with their listeners (one call per
    load balancer), and the TLS policies they name (one DescribeSSLPolicies call)."""
    lbs = r.pages("elbv2", region, "describe_load_balancers", "LoadBalancers")
    named: set[str] = set()
    for lb in lbs:
        v = _try(r.pages, "elbv2", region, "describe_listeners", "Listeners", LoadBalancerArn=lb["LoadBalancerArn"])
        if v is not _ABSENT:
            lb["Listeners"] = v
            named |= {x["SslPolicy"] for x in v if x.get("SslPolicy")}
    out: dict[str, Any] = {"load_balancers": lbs}
    if named:
        v = _try(r.call, "elbv2", region, "describe_ssl_policies", Names=sorted(named))
        if v is not _ABSENT:
            out["ssl_policies"] = {p["Name"]: p.get("SslProtocols") or [] for p in v.get("SslPolicies") or []}
    return out


def _rds(r: Reader, region: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, op, field in (
        ("instances", "describe_db_instances", "DBInstances"),
        ("clusters", "describe_db_clusters", "DBClusters"),
        ("snapshots", "describe_db_snapshots", "DBSnapshots"),
        ("cluster_snapshots", "describe_db_cluster_snapshots", "DBClusterSnapshots"),
    ):
        v = _try(r.pages, "rds", region, op, field)
        if v is not _ABSENT:
            out[key] = v
    groups = sorted({g["DBParameterGroupName"] for db in out.get("instances") or []
                     for g in db.get("DBParameterGroups") or [] if g.get("DBParameterGroupName")}) if r.wants("rds.parameters") else []
    params: dict[str, dict[str, Any]] = {}
    for name in groups:  # one read per distinct parameter group, not per instance
        v = _try(r.pages, "rds", region, "describe_db_parameters", "Parameters", DBParameterGroupName=name)
        if v is not _ABSENT:
            params[name] = {p["ParameterName"]: p.get("ParameterValue") for p in v if p.get("ParameterName") in TLS_PARAMETERS}
    if groups:
        out["parameter_groups"] = params
    return out


def _config(r: Reader, region: str) -> dict[str, Any]:
    """AWS Config recorders and whether each is recording (ETG 8.5)."""
    out: dict[str, Any] = {"recorders": r.call("config", region, "describe_configuration_recorders").get("ConfigurationRecorders") or []}
    if out["recorders"]:
        v = _try(r.call, "config", region, "describe_configuration_recorder_status")
        if v is not _ABSENT:
            out["statuses"] = v.get("ConfigurationRecordersStatus") or []
    return out


def _guardduty(r: Reader, region: str) -> list[dict[str, Any]]:
    out = []
    for did in r.pages("guardduty", region, "list_detectors", "DetectorIds"):
        v = _try(r.call, "guardduty", region, "get_detector", DetectorId=did)
        if v is not _ABSENT:
            out.append({"DetectorId": did, **v})
    return out


def _alarms(r: Reader, region: str) -> dict[str, Any]:
    """Metric filters (CloudWatch Logs) and the metric alarms that may watch them (ETG 4.1.6)."""
    filters = r.pages("logs", region, "describe_metric_filters", "metricFilters", gap_kinds=("monitor.alert",))
    out: dict[str, Any] = {"metric_filters": filters}
    if filters:  # no filter: no alarm can be on one, no call
        out["alarms"] = r.pages("cloudwatch", region, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])
    return out
def _ecr(r: Reader, region: str) -> dict[str, Any]:
    """ECR repositories (tag mutability, own scan on push) and, when there are any, the registry's
    scanning configuration (ETG 8.4.1): one page of up to 1,000 repositories and one call."""
    repos = r.pages("ecr", region, "describe_repositories", "repositories", PaginationConfig={"PageSize": 1000})
    out: dict[str, Any] = {"repositories": repos}
    if repos:  # no repository: nothing the registry's rules could apply to, no call
        try:
            # a failure is a gap of no kind (the repositories and their tags were read) and the
            # repositories' scanning stays unknown, naming the code (images.unread)
            v = r.call("ecr", region, "get_registry_scanning_configuration", gap_kinds=())
            out["scanning"] = v.get("scanningConfiguration") or {}
        except Unreadable as e:
            out["scanning_unread"] = str(e)
    return out


#: the DB parameters that decide whether an RDS instance refuses unencrypted connections and
#: its minimum TLS version (RDS user guide, "Using SSL/TLS with …" per engine)
TLS_PARAMETERS = frozenset({"rds.force_ssl", "require_secure_transport", "ssl_min_protocol_version", "tls_version",
                            "rds.tls10", "rds.tls11"})


REGION_SERVICES = {
    "tags": _tags,
    "kms": _kms,
    "cloudtrail": _trails,
    "logs": lambda r, region: r.pages("logs", region, "describe_log_groups", "logGroups"),
    "ec2": _ec2,
    "elbv2": _elbv2,
    "rds": _rds,
    "dynamodb": _dynamodb,
    "backup": _backup,
    "sns": _sns,
    "sqs": _sqs,
    "config": _config,
    "guardduty": _guardduty,
    "alarms": _alarms,
    "ecr": _ecr,
}


def fetch_region(r: Reader, region: str, services: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every regional service the scan collects (``r.wants``); an unreadable one is left out (its gap recorded)."""
    out: dict[str, Any] = {}
    for name, fn in (services or REGION_SERVICES).items():
        if not r.wants(name):
            continue
        v = _try(fn, r, region)
        if v is not _ABSENT:
            out[name] = v
        if any(g.region == region and g.code in REGION_CLOSED for g in r.gaps):
            break  # the region is closed to us: no point asking the other services
    return out


# --- S3 ----------------------------------------------------------------------------------


def list_buckets(r: Reader, region: str) -> list[dict[str, Any]]:
    # one call lists the buckets of every region: its failure hides them all
    return r.pages("s3", region, "list_buckets", "Buckets", global_call=True)


#: the per-bucket calls after the location: (bundle key, operation, unit, log buckets only);
#: every unit is declared in scanner/connectors/aws/plan.py UNITS (GetBucketTagging: "s3.tagging")
BUCKET_CALLS: tuple[tuple[str, str, str, bool], ...] = (
    ("Encryption", "get_bucket_encryption", "s3.encryption", False),
    ("Replication", "get_bucket_replication", "s3.replication", False),
    ("Policy", "get_bucket_policy", "s3.policy", False),
    ("Lifecycle", "get_bucket_lifecycle_configuration", "s3.lifecycle", True),
    ("ObjectLock", "get_object_lock_configuration", "s3.object_lock", True),
)


def fetch_bucket(r: Reader, bucket: dict[str, Any], home_region: str, *, log_bucket: bool,
                 tagged_regions: frozenset[str] | set[str] | None = None) -> dict[str, Any]:
    """Region, default encryption and replication of every bucket; lifecycle and Object
    Lock only of log buckets (trail destinations, or tagged with a log class). Tags come
    from the tagging API of the bucket's region (``tagged_regions``: where it answered);
    only a log bucket outside those regions costs a ``GetBucketTagging`` call."""
    b = dict(bucket)
    name = b["Name"]
    if not b.get("BucketRegion"):
        v = _try(r.call, "s3", home_region, "get_bucket_location", Bucket=name)
        if v is _ABSENT:
            return b
        b["Location"] = {"LocationConstraint": v.get("LocationConstraint")}
    from scanner.connectors.aws.normalize_data import bucket_region

    region = bucket_region(b) or home_region
    calls = [(key, op) for key, op, unit, only_logs in BUCKET_CALLS if r.wants(unit) and (log_bucket or not only_logs)]
    if log_bucket and tagged_regions is not None and region not in tagged_regions and r.wants("s3.tagging"):
        calls.append(("Tags", "get_bucket_tagging"))
    for key, op in calls:
        v = _try(r.call, "s3", region, op, Bucket=name, not_configured_ok=True)
        if v is _ABSENT:
            continue
        if key == "Tags":
            v = (v or {}).get("TagSet") or []  # NoSuchTagSet: known, no tags
        b[key] = v
    return b


def fetch_global_clusters(r: Reader, regions: dict[str, Any]) -> list[dict[str, Any]] | None:
    """Aurora global databases (one call per account, only when it has Aurora clusters):
    ``DescribeGlobalClusters`` lists every member cluster of every region. None: no Aurora
    cluster (nothing to ask) or unreadable (gap recorded)."""
    region = next((name for name, reg in sorted(regions.items())
                   if any(str(c.get("Engine", "")).startswith("aurora") for c in (reg.get("rds") or {}).get("clusters") or [])), None)
    if region is None or not r.wants("rds.global_clusters"):
        return None
    v = _try(r.pages, "rds", region, "describe_global_clusters", "GlobalClusters")
    return None if v is _ABSENT else v
