"""CloudFormation AWS types → the canonical kinds and properties the Terraform normalizers
(:mod:`scanner.iac.aws`) and the live AWS connector produce, so the same predicates apply.

Defaults are what AWS does when a property is absent (S3 SSE-S3, CloudWatch Logs service
keys, DynamoDB AWS-owned key, RDS unencrypted, a KMS key without rotation, a trail in one
region); EBS ``Encrypted`` absent is left unknown, as the account's default-encryption
setting (outside the template) decides.
"""

from __future__ import annotations

from typing import Any

from scanner.connectors.aws.keys import key_policy_public
from scanner.iac.aws import iam_user_props
from scanner.iac.cfn import Template, register
from scanner.iac.normalize import Normalized, key_edges, key_props, log_class

_KEYS = ("AWS::KMS::Key", "AWS::KMS::ReplicaKey")


def _bool(v: Any) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return None


def _encryption(tpl: Template, props: dict, key: str, *, default_manager: str | None) -> dict:
    if not tpl.has(props, key):
        return {"encryption.enabled": True, "encryption.key_manager": default_manager}
    return key_props(*tpl.key_ref(props[key]))


def _name(tpl: Template, props: dict, key: str, lid: str) -> str:
    v = tpl.value(props.get(key))
    return v if isinstance(v, str) and v else lid


def s3_bucket(lid: str, p: dict, tpl: Template) -> Normalized:
    props: dict = {"encryption.enabled": True, "encryption.key_manager": "provider"}  # SSE-S3 default
    enc = p.get("BucketEncryption")
    if enc is not None:
        rules = enc.get("ServerSideEncryptionConfiguration") if isinstance(enc, dict) else None
        first = rules[0] if isinstance(rules, list) and rules and isinstance(rules[0], dict) else {}
        default = first.get("ServerSideEncryptionByDefault")
        algo = tpl.value(default.get("SSEAlgorithm")) if isinstance(default, dict) else None
        if isinstance(algo, str) and algo.startswith("aws:kms") and isinstance(default, dict):
            props = _encryption(tpl, default, "KMSMasterKeyID", default_manager="provider")  # aws/s3 without a key
        elif algo != "AES256":
            props = {}  # present but not readable: unknown
    rules = tpl.value((p.get("LifecycleConfiguration") or {}).get("Rules")) if isinstance(
        p.get("LifecycleConfiguration"), dict) else []
    props.update(_s3_retention(rules))
    props["replica_regions"] = _replica_regions(tpl, p)
    props["log_class"] = log_class(tpl.tags(p))
    lock_on = tpl.value(p.get("ObjectLockEnabled"))
    cfg = p.get("ObjectLockConfiguration")
    rule = tpl.value((cfg.get("Rule") or {}).get("DefaultRetention")) if isinstance(cfg, dict) and isinstance(cfg.get("Rule"), dict) else None
    mode = tpl.value(rule.get("Mode")) if isinstance(rule, dict) else None
    if lock_on is True and mode in ("COMPLIANCE", "GOVERNANCE"):  # evidence protection (CSM CC-18000 (4)c)
        props["immutability"] = "locked" if mode == "COMPLIANCE" else "unlocked"
    elif lock_on in (None, False) or (lock_on is True and cfg is None):
        props["immutability"] = "none"
    props.update(_bucket_transit(lid, p, tpl))
    return Normalized("storage.object", "AWS::S3::Bucket", props, name=_name(tpl, p, "BucketName", lid),
                      edges=key_edges(props))


def _bucket_transit(lid: str, p: dict, tpl: Template) -> dict:
    """The template's ``AWS::S3::BucketPolicy`` for this bucket, read as GetBucketPolicy's answer."""
    import json

    from scanner.connectors.aws.normalize_network import bucket_transit

    name = tpl.value(p.get("BucketName")) if tpl.has(p, "BucketName") else None
    policies = [pp for _, pp in tpl.of_type("AWS::S3::BucketPolicy") if tpl.target(pp.get("Bucket")) == lid]
    if not policies:
        return bucket_transit({"Name": name or lid, "Policy": None})
    doc = tpl.value(policies[0].get("PolicyDocument"))
    if not isinstance(doc, dict) or not isinstance(name, str):
        # a Fn::Sub'd ARN or a generated bucket name: the statement's resources cannot be matched here
        out = bucket_transit({"Name": lid})
        out["transit.tls_required_by"] = "the bucket policy could not be evaluated"
        return out
    return bucket_transit({"Name": name, "Policy": {"Policy": json.dumps(doc)}})


def _s3_retention(rules: Any) -> dict:
    if rules is None:
        return {}
    days: list[int] = []
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict) or rule.get("Status") != "Enabled":
            if isinstance(rule, dict) and rule.get("Status") is None:
                return {}  # a status we cannot read
            continue
        if "ExpirationInDays" in rule:
            try:
                days.append(int(rule["ExpirationInDays"]))
            except (TypeError, ValueError):
                return {}
    if days:
        return {"retention_days": min(days), "retention_unlimited": False}
    return {"retention_unlimited": True}


def _replica_regions(tpl: Template, p: dict) -> list[str] | None:
    """A destination bucket in this template is in the stack's region; one elsewhere is unknown."""
    cfg = p.get("ReplicationConfiguration")
    if cfg is None:
        return []
    rules = cfg.get("Rules") if isinstance(cfg, dict) else None
    if not isinstance(rules, list):
        return None
    regions: set[str] = set()
    for rule in rules:
        dest = (rule or {}).get("Destination") if isinstance(rule, dict) else None
        target = tpl.target((dest or {}).get("Bucket")) if isinstance(dest, dict) else None
        if target is None or tpl.type_of(target) != "AWS::S3::Bucket" or tpl.region is None:
            return None
        regions.add(tpl.region)
    return sorted(regions)


def log_group(lid: str, p: dict, tpl: Template) -> Normalized:
    props = _encryption(tpl, p, "KmsKeyId", default_manager="provider")
    if tpl.has(p, "KmsKeyId") and props.get("encryption.key_manager") is None and props.get("encryption.key_id"):
        props["encryption.key_manager"] = "customer"  # CloudWatch Logs accepts only customer-managed keys
    if not tpl.has(p, "RetentionInDays"):
        props["retention_unlimited"] = True
    else:
        try:
            props["retention_days"] = int(tpl.value(p["RetentionInDays"]))
        except (TypeError, ValueError):
            pass
    props["log_class"] = log_class(tpl.tags(p))
    return Normalized("log.store", "AWS::Logs::LogGroup", props, name=_name(tpl, p, "LogGroupName", lid),
                      edges=key_edges(props))


def kms_key(lid: str, p: dict, tpl: Template) -> Normalized:
    props: dict = {"key_manager": "customer"}
    rotation = _bool(tpl.value(p["EnableKeyRotation"])) if tpl.has(p, "EnableKeyRotation") else False
    props["rotation_enabled"] = rotation
    period = tpl.value(p.get("RotationPeriodInDays"))
    props["rotation_period_days"] = int(period) if isinstance(period, (int, str)) and str(period).isdigit() else (
        365 if rotation else None)
    spec = tpl.value(p.get("KeySpec")) if tpl.has(p, "KeySpec") else "SYMMETRIC_DEFAULT"
    if spec != "SYMMETRIC_DEFAULT":
        props["rotation_supported"] = False if isinstance(spec, str) else None
    enabled = _bool(tpl.value(p["Enabled"])) if tpl.has(p, "Enabled") else True
    props["state"] = None if enabled is None else ("enabled" if enabled else "disabled")
    # no KeyPolicy: AWS applies the default key policy (the account only)
    props["policy_public"] = key_policy_public(tpl.value(p["KeyPolicy"])) if tpl.has(p, "KeyPolicy") else False
    from scanner.connectors.aws.keys import protection

    props.update(protection({"Origin": tpl.value(p["Origin"]) if tpl.has(p, "Origin") else "AWS_KMS"}))
    return Normalized("kms.key", "AWS::KMS::Key", props)


def ebs_volume(lid: str, p: dict, tpl: Template) -> Normalized:
    enc = _bool(tpl.value(p.get("Encrypted")))
    props = _encryption(tpl, p, "KmsKeyId", default_manager="provider") if enc else {}
    if enc is False:
        props = {}  # the account's default encryption may still apply: unknown
    return Normalized("storage.block", "AWS::EC2::Volume", props, edges=key_edges(props))


def rds(native: str):
    def fn(lid: str, p: dict, tpl: Template) -> Normalized | None:
        if native == "AWS::RDS::DBInstance" and tpl.has(p, "DBClusterIdentifier"):
            return None  # an Aurora member: its cluster holds the storage
        enc = _bool(tpl.value(p.get("StorageEncrypted"))) if tpl.has(p, "StorageEncrypted") else False
        if tpl.has(p, "StorageEncrypted") and enc is None:
            props: dict = {}
        elif not enc and not tpl.has(p, "KmsKeyId") and not tpl.has(p, "SourceDBInstanceIdentifier"):
            props = {"encryption.enabled": False, "encryption.key_manager": "none"}
        else:
            props = _encryption(tpl, p, "KmsKeyId", default_manager="provider")
        props["replica_regions"] = []
        props.update(_rds_transit(p, tpl, native))
        return Normalized("database", native, props, edges=key_edges(props),
                          name=_name(tpl, p, "DBInstanceIdentifier" if "Instance" in native else "DBClusterIdentifier", lid))
    return fn


def _rds_transit(p: dict, tpl: Template, native: str) -> dict:
    """TLS parameters of the template's DB parameter group, read as DescribeDBParameters'."""
    from scanner.connectors.aws.normalize_network import rds_transit

    arg, group_type = (("DBParameterGroupName", "AWS::RDS::DBParameterGroup") if native == "AWS::RDS::DBInstance"
                       else ("DBClusterParameterGroupName", "AWS::RDS::DBClusterParameterGroup"))
    lid = tpl.target(p.get(arg))
    if lid is None or tpl.type_of(lid) != group_type:
        what = "the engine's default parameter group" if arg not in p else "a parameter group outside the template"
        return {"transit.tls_required_by": f"{what}: its TLS parameters are not known here"}
    params = tpl.value(tpl.props(lid).get("Parameters"))
    engine = str(tpl.value(p.get("Engine")) or "")
    return rds_transit({"Engine": engine.replace("aurora-", ""), "DBParameterGroups": [{"DBParameterGroupName": lid}]},
                       {lid: {str(k): v for k, v in params.items()} if isinstance(params, dict) else {}})


def dynamodb(native: str):
    def fn(lid: str, p: dict, tpl: Template) -> Normalized:
        sse = p.get("SSESpecification")
        on = _bool(tpl.value(sse.get("SSEEnabled"))) if isinstance(sse, dict) else False
        if not isinstance(sse, dict) or on is False:
            props = {"encryption.enabled": True, "encryption.key_manager": "provider"}  # AWS-owned key
        elif on is None:
            props = {}
        else:  # SSEEnabled without a key: the AWS-managed aws/dynamodb key
            props = _encryption(tpl, sse, "KMSMasterKeyId", default_manager="provider")
            for rep in p.get("Replicas") or []:  # global tables name the key per replica
                rep_sse = rep.get("SSESpecification") if isinstance(rep, dict) else None
                if isinstance(rep_sse, dict) and tpl.has(rep_sse, "KMSMasterKeyId"):
                    props = _encryption(tpl, rep_sse, "KMSMasterKeyId", default_manager="provider")
                    break
        found: list[str] = []
        region_unknown = False
        for rep in p.get("Replicas") or []:
            r = tpl.value(rep.get("Region")) if isinstance(rep, dict) else None
            if not isinstance(r, str):
                region_unknown = True
                break
            found.append(r)
        regions: list[str] | None = None if region_unknown else found
        if regions is not None and tpl.region:
            regions = [r for r in regions if r != tpl.region]  # the stack's own region is the table itself
        elif regions:
            regions = None  # which replica is the table itself depends on the stack's region
        props["replica_regions"] = sorted(regions) if regions is not None else None
        return Normalized("database", native, props, name=_name(tpl, p, "TableName", lid), edges=key_edges(props))
    return fn


def trail(lid: str, p: dict, tpl: Template) -> Normalized:
    mgmt: bool | None = True
    for sel in tpl.value(p.get("EventSelectors")) or []:
        v = _bool(sel.get("IncludeManagementEvents")) if isinstance(sel, dict) and "IncludeManagementEvents" in sel else True
        mgmt = False if v is False or mgmt is False else (None if v is None else mgmt)
    props = {
        "enabled": _bool(tpl.value(p.get("IsLogging"))),
        "all_regions": _bool(tpl.value(p["IsMultiRegionTrail"])) if tpl.has(p, "IsMultiRegionTrail") else False,
        "organization": bool(_bool(tpl.value(p.get("IsOrganizationTrail")))),
        "management_events": mgmt,
    }
    props.update(_encryption(tpl, p, "KMSKeyId", default_manager="provider"))
    edges = key_edges(props)
    for arg in ("S3BucketName", "CloudWatchLogsLogGroupArn"):
        target = tpl.target(p.get(arg))
        if target:
            edges.append(("logs_to", tpl.id_of(target)))
    return Normalized("log.trail", "AWS::CloudTrail::Trail", props, name=_name(tpl, p, "TrailName", lid), edges=edges)


def sns_topic(lid: str, p: dict, tpl: Template) -> Normalized:
    props = (_encryption(tpl, p, "KmsMasterKeyId", default_manager=None) if tpl.has(p, "KmsMasterKeyId")
             else {"encryption.enabled": False, "encryption.key_manager": "none"})
    return Normalized("messaging.queue", "AWS::SNS::Topic", props, name=_name(tpl, p, "TopicName", lid),
                      edges=key_edges(props))


def sqs_queue(lid: str, p: dict, tpl: Template) -> Normalized:
    if tpl.has(p, "KmsMasterKeyId"):
        props = _encryption(tpl, p, "KmsMasterKeyId", default_manager=None)
    elif _bool(tpl.value(p.get("SqsManagedSseEnabled"))) is False:
        props = {"encryption.enabled": False, "encryption.key_manager": "none"}
    else:
        props = {"encryption.enabled": True, "encryption.key_manager": "provider"}  # SSE-SQS default
    return Normalized("messaging.queue", "AWS::SQS::Queue", props, name=_name(tpl, p, "QueueName", lid),
                      edges=key_edges(props))


def backup_vault(lid: str, p: dict, tpl: Template) -> Normalized:
    props = _encryption(tpl, p, "EncryptionKeyArn", default_manager="provider")
    return Normalized("backup", "AWS::Backup::BackupVault", props, name=_name(tpl, p, "BackupVaultName", lid),
                      edges=key_edges(props))


def _policy_names(tpl: Template, arns: Any) -> tuple[list[str] | None, list[str]]:
    """Managed policy names (AWS ones from the ARN, ours by logical id) and actions of ours."""
    names: list[str] = []
    actions: list[str] = []
    for a in arns if isinstance(arns, list) else []:
        lid = tpl.target(a)
        if lid and tpl.type_of(lid) == "AWS::IAM::ManagedPolicy":
            names.append(_name(tpl, tpl.props(lid), "ManagedPolicyName", lid))
            actions.extend(_actions(tpl, [tpl.props(lid).get("PolicyDocument")]) or [])
            continue
        v = tpl.value(a)
        sub = a.get("Fn::Sub") if isinstance(a, dict) else None
        if not isinstance(v, str) and isinstance(sub, str) and "${" not in sub.rsplit("/", 1)[-1]:
            v = sub  # arn:${AWS::Partition}:iam::aws:policy/X: the name does not depend on the partition
        if not isinstance(v, str):
            return None, actions
        names.append(v.rsplit("/", 1)[-1])
    return names, actions


def _actions(tpl: Template, docs: list[Any]) -> list[str] | None:
    actions: list[str] = []
    for doc in docs:
        doc = tpl.value(doc)
        if not isinstance(doc, dict):
            return None
        stmts = doc.get("Statement", [])
        for s in stmts if isinstance(stmts, list) else [stmts]:
            if isinstance(s, dict) and s.get("Effect") == "Allow":
                a = s.get("Action", [])
                if a is None:
                    return None
                actions.extend([a] if isinstance(a, str) else [x for x in a if isinstance(x, str)])
    return actions


def _attached_to(tpl: Template, lid: str, types: tuple[str, ...], arg: str) -> list[tuple[str, dict]]:
    out = []
    for other, props in tpl.of_type(*types):
        refs = props.get(arg)
        if any(tpl.target(r) == lid for r in (refs if isinstance(refs, list) else [refs])):
            out.append((other, props))
    return out


def iam_user(lid: str, p: dict, tpl: Template) -> Normalized:
    """CloudFormation cannot activate an MFA device either: a console user it creates has none."""
    console = tpl.has(p, "LoginProfile")
    roles, actions = _policy_names(tpl, p.get("ManagedPolicyArns") or [])
    inline = [pol.get("PolicyDocument") for pol in p.get("Policies") or [] if isinstance(pol, dict)]
    inline += [pp.get("PolicyDocument") for _, pp in _attached_to(tpl, lid, ("AWS::IAM::Policy",), "Users")]
    for other, pp in _attached_to(tpl, lid, ("AWS::IAM::ManagedPolicy",), "Users"):
        if roles is not None:
            roles.append(_name(tpl, pp, "ManagedPolicyName", other))
        inline.append(pp.get("PolicyDocument"))
    extra = _actions(tpl, inline)
    all_actions = None if extra is None else actions + extra
    if extra is None and roles is not None and not roles:
        roles = None  # a policy we cannot read may grant anything
    edges = [("member_of", tpl.id_of(g)) for g in (tpl.target(x) for x in p.get("Groups") or []) if g]
    for _, add in tpl.of_type("AWS::IAM::UserToGroupAddition"):
        if any(tpl.target(u) == lid for u in add.get("Users") or []):
            g = tpl.target(add.get("GroupName"))
            if g:
                edges.append(("member_of", tpl.id_of(g)))
    keys = [{"id": tpl.id_of(k), "active": tpl.value(kp.get("Status")) in (None, "Active"), "created": None,
             "last_used": None} for k, kp in _attached_to(tpl, lid, ("AWS::IAM::AccessKey",), "UserName")]
    props = iam_user_props(console, roles, all_actions, keys)
    return Normalized("identity.user", "AWS::IAM::User", props, name=_name(tpl, p, "UserName", lid),
                      edges=edges, region_override="global")


def iam_group(lid: str, p: dict, tpl: Template) -> Normalized:
    roles, actions = _policy_names(tpl, p.get("ManagedPolicyArns") or [])
    extra = _actions(tpl, [pol.get("PolicyDocument") for pol in p.get("Policies") or [] if isinstance(pol, dict)])
    props = {"roles": roles, "actions": None if extra is None else actions + extra}
    return Normalized("identity.group", "AWS::IAM::Group", props, name=_name(tpl, p, "GroupName", lid),
                      region_override="global")


def ecr_repository(lid: str, p: dict, tpl: Template) -> Normalized:
    """ETG 8.4.1, read with the live connector's functions: ``ImageTagMutability`` (default
    MUTABLE) and its exclusion filters; scanning as the template's
    ``AWS::ECR::RegistryScanningConfiguration`` decides, else unknown (the account's registry
    rules, when any, override the repository's ``ScanOnPush``)."""
    from scanner.connectors.aws.normalize_registry import on_off, registry_scan, tag_mutability

    name = tpl.value(p.get("RepositoryName")) if tpl.has(p, "RepositoryName") else None
    mutability = tpl.value(p.get("ImageTagMutability")) if tpl.has(p, "ImageTagMutability") else "MUTABLE"
    filters = tpl.value(p.get("ImageTagMutabilityExclusionFilters")) or []
    exclusions = [{"filter": tpl.value(f.get("ImageTagMutabilityExclusionFilterValue"))} for f in filters
                  if isinstance(f, dict)] if isinstance(filters, list) else []
    props = tag_mutability(mutability, exclusions)
    cfg = tpl.value(p.get("ImageScanningConfiguration"))
    own = _bool(tpl.value(cfg.get("ScanOnPush"))) if isinstance(cfg, dict) and "ScanOnPush" in cfg else (
        False if cfg is None else None)
    configs = tpl.of_type("AWS::ECR::RegistryScanningConfiguration")
    if not configs:
        props["images.unread"] = (f"the repository's ScanOnPush is {on_off(own)}, but the registry's scanning configuration "
                                  "(AWS::ECR::RegistryScanningConfiguration) is not in this template: its rules, when "
                                  "the account has any, decide")
    else:
        c = configs[0][1]
        rules = [{"scanFrequency": tpl.value(r.get("ScanFrequency")),
                  "repositoryFilters": [{"filter": tpl.value(f.get("Filter"))} for f in tpl.value(r.get("RepositoryFilters")) or []
                                        if isinstance(f, dict)]}
                 for r in tpl.value(c.get("Rules")) or [] if isinstance(r, dict)]
        scan = registry_scan(name if isinstance(name, str) else "", own, {"scanType": tpl.value(c.get("ScanType")), "rules": rules})
        if not isinstance(name, str) and scan.get("images.scan_on_push") is not True:
            # a generated name: only a rule for every name (*) is known to match it
            scan = {"images.unread": "the repository's name is generated at deploy time: which registry rules match it is unknown"}
        props.update(scan)
    return Normalized("compute.registry", "AWS::ECR::Repository", {k: v for k, v in props.items() if v is not None},
                      name=name if isinstance(name, str) else lid)


register(
    {
        "AWS::ECR::Repository": (ecr_repository, "compute.registry"),
        "AWS::S3::Bucket": (s3_bucket, ("storage.object", "log.store")),
        "AWS::Logs::LogGroup": (log_group, "log.store"),
        "AWS::KMS::Key": (kms_key, "kms.key"),
        "AWS::EC2::Volume": (ebs_volume, "storage.block"),
        "AWS::RDS::DBInstance": (rds("AWS::RDS::DBInstance"), "database"),
        "AWS::RDS::DBCluster": (rds("AWS::RDS::DBCluster"), "database"),
        "AWS::DynamoDB::Table": (dynamodb("AWS::DynamoDB::Table"), "database"),
        "AWS::DynamoDB::GlobalTable": (dynamodb("AWS::DynamoDB::GlobalTable"), "database"),
        "AWS::CloudTrail::Trail": (trail, "log.trail"),
        "AWS::SNS::Topic": (sns_topic, "messaging.queue"),
        "AWS::SQS::Queue": (sqs_queue, "messaging.queue"),
        "AWS::Backup::BackupVault": (backup_vault, "backup"),
        "AWS::IAM::User": (iam_user, "identity.user"),
        "AWS::IAM::Group": (iam_group, "identity.group"),
    }
)
