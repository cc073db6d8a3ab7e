"""AWS Config configuration items → the account bundle the normalizers read.

Config records most types with the describe API's field names in camelCase
(``storageEncrypted``, ``sSEDescription``): upper-casing the first letter gives the API's
name back. Types Config records from CloudFormation schemas (log groups, Backup, SNS,
SQS) already use the API's PascalCase names, or are mapped below. S3 keeps its details
in ``supplementaryConfiguration``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from scanner.connectors.aws.common import as_list, tag_map

__all__ = ["add_item", "new_bundle", "pascal"]

SKIP_STATUS = {"ResourceDeleted", "ResourceDeletedNotRecorded", "ResourceNotRecorded"}


def pascal(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {(k[:1].upper() + k[1:]) if isinstance(k, str) else k: pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def new_bundle(account: str) -> dict[str, Any]:
    return {"account_id": account, "regions": {}, "source": "aws-config"}


def _region(bundle: dict[str, Any], region: str) -> dict[str, Any]:
    return bundle["regions"].setdefault(region, {"tags": {}})


def _s3(item: Mapping[str, Any], cfg: Mapping[str, Any]) -> dict[str, Any]:
    sup = {k: _json(v) for k, v in (item.get("supplementaryConfiguration") or {}).items()}
    b: dict[str, Any] = {"Name": cfg.get("Name") or item.get("resourceName") or item.get("resourceId"),
                         "CreationDate": cfg.get("CreationDate"), "BucketRegion": item.get("awsRegion")}
    enc = sup.get("ServerSideEncryptionConfiguration")
    if enc is not None or "ServerSideEncryptionConfiguration" in sup:
        rules = [pascal(r) for r in as_list((enc or {}).get("rules") or (enc or {}).get("Rules"))]
        for r in rules:  # Config spells it kmsMasterKeyID / sseAlgorithm
            d = r.get("ApplyServerSideEncryptionByDefault") or {}
            for config_name, api_name in (("SseAlgorithm", "SSEAlgorithm"), ("KmsMasterKeyID", "KMSMasterKeyID")):
                if config_name in d:
                    d[api_name] = d.pop(config_name)
        b["Encryption"] = {"ServerSideEncryptionConfiguration": {"Rules": rules}} if rules else None
    repl = sup.get("BucketReplicationConfiguration")
    if repl is not None:
        rules_in = (repl or {}).get("rules") or {}
        rules_in = list(rules_in.values()) if isinstance(rules_in, Mapping) else as_list(rules_in)
        rules = []
        for r in rules_in:
            dest = r.get("destinationConfig") or r.get("destination") or {}
            rules.append({"Status": r.get("ruleStatus") or r.get("status"), "Destination": {"Bucket": dest.get("bucketARN") or dest.get("bucket")}})
        b["Replication"] = {"ReplicationConfiguration": {"Rules": rules}} if rules else None
    life = sup.get("BucketLifecycleConfiguration")
    if life is not None:
        rules = []
        for r in as_list((life or {}).get("rules")):
            flt = (r.get("filter") or {}).get("predicate") or {}
            prefix = r.get("prefix") if r.get("prefix") is not None else flt.get("prefix", "")
            if flt.get("type") not in (None, "LifecyclePrefixPredicate"):
                prefix = None  # tag / and-filters: not the whole bucket
            rule: dict[str, Any] = {"Status": r.get("status"), "Prefix": prefix or ""}
            if r.get("expirationInDays") and prefix is not None:
                rule["Expiration"] = {"Days": r["expirationInDays"]}
            rules.append(rule)
        b["Lifecycle"] = {"Rules": rules}
    lock = sup.get("ObjectLockConfiguration")
    if lock is not None:
        b["ObjectLock"] = {"ObjectLockConfiguration": pascal(lock)}
    return b


def add_item(bundles: dict[str, dict[str, Any]], item: Mapping[str, Any]) -> bool:
    """Put one configuration item into its account's bundle; False if the type is not used."""
    if item.get("configurationItemStatus") in SKIP_STATUS:
        return True
    account = str(item.get("awsAccountId") or "")
    rtype = item.get("resourceType", "")
    if not account or not rtype:
        return False
    bundle = bundles.setdefault(account, new_bundle(account))
    region = item.get("awsRegion") or "global"
    arn = item.get("ARN") or item.get("arn") or ""
    tags = tag_map(item.get("tags"))
    cfg = pascal(_json(item.get("configuration")) or {})
    if arn and tags:
        _region(bundle, region)["tags"][arn] = tags
    reg = lambda: _region(bundle, region)  # noqa: E731
    if rtype == "AWS::S3::Bucket":
        b = _s3(item, cfg)
        b["Tags"] = tags
        bundle.setdefault("s3", {"buckets": []})["buckets"].append(b)
    elif rtype == "AWS::KMS::Key":
        md = dict(cfg)
        md.setdefault("Arn", arn)
        md.setdefault("KeyId", item.get("resourceId"))
        reg().setdefault("kms", []).append({"KeyMetadata": md, "Aliases": []})
    elif rtype == "AWS::EC2::Volume":
        reg().setdefault("ec2", {}).setdefault("volumes", []).append(cfg)
    elif rtype == "AWS::EC2::Instance":
        # DescribeInstances' Instance in camelCase; Systems Manager's view of it is no Config item
        # the export carries, so its management stays unknown (ERROR), never "unmanaged"
        cfg.setdefault("InstanceId", item.get("resourceId"))
        reg().setdefault("ec2", {}).setdefault("instances", []).append(cfg)
    elif rtype == "AWS::RDS::DBInstance":
        cfg.setdefault("DBInstanceArn", arn)
        reg().setdefault("rds", {}).setdefault("instances", []).append(cfg)
    elif rtype == "AWS::RDS::DBCluster":
        cfg.setdefault("DBClusterArn", arn)
        reg().setdefault("rds", {}).setdefault("clusters", []).append(cfg)
    elif rtype == "AWS::RDS::DBSnapshot":
        cfg.setdefault("DBSnapshotArn", arn)
        reg().setdefault("rds", {}).setdefault("snapshots", []).append(cfg)
    elif rtype == "AWS::RDS::DBClusterSnapshot":
        cfg.setdefault("DBClusterSnapshotArn", arn)
        reg().setdefault("rds", {}).setdefault("cluster_snapshots", []).append(cfg)
    elif rtype == "AWS::DynamoDB::Table":
        cfg.setdefault("TableArn", arn)
        reg().setdefault("dynamodb", []).append(cfg)
    elif rtype == "AWS::CloudTrail::Trail":
        cfg.setdefault("TrailARN", cfg.get("TrailArn") or arn)
        cfg.setdefault("HomeRegion", region)
        reg().setdefault("cloudtrail", []).append(cfg)
    elif rtype == "AWS::Logs::LogGroup":
        g = {"logGroupName": cfg.get("LogGroupName"), "logGroupArn": (cfg.get("Arn") or arn).removesuffix(":*"),
             "retentionInDays": cfg.get("RetentionInDays"), "kmsKeyId": cfg.get("KmsKeyId"), "tags": tags}
        reg().setdefault("logs", []).append(g)
    elif rtype == "AWS::Backup::BackupVault":
        cfg.setdefault("BackupVaultArn", arn)
        reg().setdefault("backup", {}).setdefault("vaults", []).append(cfg)
    elif rtype == "AWS::Backup::BackupPlan":
        plan = cfg.get("BackupPlan") or cfg
        rules = [{"TargetBackupVaultName": r.get("TargetBackupVault"), "CopyActions": r.get("CopyActions") or []}
                 for r in plan.get("BackupPlanRule") or plan.get("Rules") or []]
        reg().setdefault("backup", {}).setdefault("plans", []).append({"BackupPlan": {"Rules": rules}})
    elif rtype == "AWS::SNS::Topic":
        cfg.setdefault("TopicArn", arn)
        reg().setdefault("sns", []).append(cfg)
    elif rtype == "AWS::SQS::Queue":
        cfg.setdefault("QueueArn", arn)
        reg().setdefault("sqs", []).append(cfg)
    elif rtype == "AWS::ECR::Repository":
        # the AWS Config schema (ImageTagMutability, ImageScanningConfiguration.ScanOnPush) in
        # DescribeRepositories' shape; the registry's scanning configuration is not recorded, so
        # scanning stays unknown (ERROR), never judged from the repository's own setting alone
        ecr = reg().setdefault("ecr", {"repositories": [], "scanning_unread": "NotInExport (AWS Config records no registry "
                                                                              "scanning configuration)"})
        repo: dict[str, Any] = {"repositoryName": cfg.get("RepositoryName") or item.get("resourceName"),
                                "repositoryArn": cfg.get("Arn") or arn}
        if cfg.get("ImageTagMutability"):
            repo["imageTagMutability"] = cfg["ImageTagMutability"]
            repo["imageTagMutabilityExclusionFilters"] = [
                {"filter": f.get("ImageTagMutabilityExclusionFilterValue"), "filterType": f.get("ImageTagMutabilityExclusionFilterType")}
                for f in cfg.get("ImageTagMutabilityExclusionFilters") or [] if isinstance(f, Mapping)]
        if isinstance(cfg.get("ImageScanningConfiguration"), Mapping):
            repo["imageScanningConfiguration"] = {"scanOnPush": cfg["ImageScanningConfiguration"].get("ScanOnPush")}
        ecr["repositories"].append(repo)
    elif rtype in ("AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Role", "AWS::IAM::Policy"):
        details = bundle.setdefault("iam", {}).setdefault(
            "authorization_details", {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []})
        key = {"AWS::IAM::User": "UserDetailList", "AWS::IAM::Group": "GroupDetailList",
               "AWS::IAM::Role": "RoleDetailList", "AWS::IAM::Policy": "Policies"}[rtype]
        cfg.setdefault("Arn", arn)
        details[key].append(cfg)
    else:
        return False
    return True
