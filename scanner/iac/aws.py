"""AWS Terraform types → canonical kinds and properties (docs/model.md).

Defaults follow what AWS does when the argument is absent, where AWS documents it:
S3 encrypts every new bucket with SSE-S3 (since 2023-01-05), CloudWatch Logs encrypts
with service keys, DynamoDB with an AWS-owned key, RDS stores unencrypted unless
``storage_encrypted``. EBS is the exception: the account's default encryption setting
decides, which code outside this stack may change, so an absent ``encrypted`` stays unknown.
"""

from __future__ import annotations

from typing import Any

from scanner.connectors.aws.keys import key_policy_public
from scanner.iac.hcl import TfResource, Unknown, ref_address, resolve
from scanner.iac.normalize import Ctx, Normalized, key_edges, log_class, register, tags_of
from scanner.iac.regions import place

_S3_SIDE = ("bucket",)


def _encryption(ctx: Ctx, key_value, *, enabled: bool | None, default_manager: str | None) -> dict:
    """Canonical encryption fields from a key argument."""
    props: dict = {}
    if enabled is False:
        return {"encryption.enabled": False, "encryption.key_manager": "none"}
    manager, key = ctx.key_ref(key_value) if key_value is not None else (None, None)
    if key_value is None:
        manager = default_manager
    if enabled is not None or manager is not None:
        props["encryption.enabled"] = True if (enabled or manager) else enabled
    props["encryption.key_manager"] = manager
    if key:
        props["encryption.key_id"] = key
    return props


def iam_user_props(console: bool | None, roles: list[str] | None, actions: list[str] | None,
                   keys: list[dict[str, Any]]) -> dict[str, Any]:
    """An IAM user defined in code (Terraform or CloudFormation): it cannot have an active MFA
    device, since a device is only enabled by a person after the user exists."""
    return {
        "human": True if console else None,
        "root": False,
        "console_access": console,
        "mfa": False if console else None,
        "mfa_evidence": "iac: a user created by code has no active MFA device" if console else None,
        "roles": roles,
        "actions": actions,
        "access_keys": keys,
        "last_used": "never",
    }


def s3_bucket(res: TfResource, ctx: Ctx) -> Normalized:
    props: dict = {}
    sse = ctx.attached(res, ("aws_s3_bucket_server_side_encryption_configuration",), _S3_SIDE)
    rule = None
    if sse:
        r = ctx.block(sse[0], "rule")
        rule = ctx.block(r, "apply_server_side_encryption_by_default") if r else None
    else:  # provider v3 style, inline
        inline = ctx.block(res, "server_side_encryption_configuration")
        r = ctx.block(inline, "rule") if inline else None
        rule = ctx.block(r, "apply_server_side_encryption_by_default") if r else None
    if rule is None:
        props.update({"encryption.enabled": True, "encryption.key_manager": "provider"})  # SSE-S3 default
    else:
        algo = resolve(rule.get("sse_algorithm"), ctx.module)
        if algo == "AES256":
            props.update({"encryption.enabled": True, "encryption.key_manager": "provider"})
        elif isinstance(algo, str) and algo.startswith("aws:kms"):
            key = rule.get("kms_master_key_id")
            props.update(_encryption(ctx, key, enabled=True, default_manager="provider"))
    # lifecycle expiration → how long objects (e.g. trail logs) are kept
    life = ctx.attached(res, ("aws_s3_bucket_lifecycle_configuration",), _S3_SIDE)
    retention = ctx.scoped(lambda: _s3_retention(
        ctx, ctx.blocks(life[0].attrs, "rule") if life else ctx.blocks(res.attrs, "lifecycle_rule")))
    props.update(retention or {})
    repl = ctx.attached(res, ("aws_s3_bucket_replication_configuration",), _S3_SIDE)
    props["replica_regions"] = ctx.scoped(lambda: _replica_regions(ctx, repl))
    tags = tags_of(res, ctx)
    props["log_class"] = log_class(tags)
    lock = ctx.attached(res, ("aws_s3_bucket_object_lock_configuration",), _S3_SIDE)
    props.update(ctx.scoped(lambda: _object_lock(ctx, res, lock)) or {})
    name = ctx.value(res, "bucket")
    props.update(_bucket_transit(res, ctx, name))
    return Normalized("storage.object", "AWS::S3::Bucket", props, name=name or res.name, edges=key_edges(props))


def _object_lock(ctx: Ctx, res: TfResource, lock: list) -> dict:
    """S3 Object Lock's default retention (CSM CC-18000 (4)c): compliance mode binds everyone,
    governance mode yields to s3:BypassGovernanceRetention; none declared: not locked."""
    src = lock[0].attrs if lock else ctx.block(res, "object_lock_configuration")
    rule = ctx.block(src, "rule") if src else None
    retention = ctx.block(rule, "default_retention") if rule else None
    if retention is None:
        enabled = ctx.value(res, "object_lock_enabled") if "object_lock_enabled" in res.attrs else False
        return {"immutability": "none"} if enabled in (False, True) else {}
    mode = resolve(retention.get("mode"), ctx.module)
    return {"immutability": {"COMPLIANCE": "locked", "GOVERNANCE": "unlocked"}[mode]} if mode in ("COMPLIANCE", "GOVERNANCE") else {}
def _bucket_transit(res: TfResource, ctx: Ctx, name) -> dict:
    """What refuses plain HTTP: the ``aws_s3_bucket_policy`` of this code naming the bucket,
    read as the live connector reads GetBucketPolicy (none in the code: no policy)."""
    from scanner.connectors.aws.normalize_network import bucket_transit

    pols = ctx.attached(res, ("aws_s3_bucket_policy",), _S3_SIDE)
    if not pols:
        return bucket_transit({"Name": name or res.name, "Policy": None})
    text = ctx.value(pols[0], "policy")
    if not isinstance(text, (str, dict)) or not isinstance(name, str):
        out = bucket_transit({"Name": res.name})  # the platform's minimum TLS only
        out["transit.tls_required_by"] = "the bucket policy could not be evaluated"
        return out
    return bucket_transit({"Name": name, "Policy": {"Policy": text}})


def _s3_retention(ctx: Ctx, rules: list[dict]) -> dict:
    """No enabled expiration rule means objects are kept forever."""
    days: list[int] = []
    for rule in rules:
        status = resolve(rule.get("status"), ctx.module)
        if rule.get("enabled") is False or (isinstance(status, str) and status != "Enabled"):
            continue
        for exp in ctx.blocks(rule, "expiration"):
            d = resolve(exp.get("days"), ctx.module)
            if d is None and "days" in exp:
                return {}  # an expiration we cannot read: retention unknown
            if isinstance(d, int):
                days.append(d)
    if days:
        return {"retention_days": min(days), "retention_unlimited": False}
    return {"retention_unlimited": True}


def _replica_regions(ctx: Ctx, repl: list[TfResource]) -> list[str] | None:
    if not repl:
        return []
    regions: list[str] = []
    for cfg in repl:
        for rule in ctx.blocks(cfg.attrs, "rule"):
            dest = ctx.block(rule, "destination")
            if not dest:
                return None  # a rule whose destination evaluation could not give
            target = _bucket(ctx, dest.get("bucket"))
            if target is None:
                return None  # destination outside this code: region unknown
            region = place(target).region
            if region is None:
                return None
            regions.append(region)
    return sorted(set(regions))


def _bucket(ctx: Ctx, value) -> TfResource | None:
    """The bucket a reference, a bucket name or an ``arn:aws:s3:::name`` means, anywhere in the code."""
    ref = ref_address(value)
    candidates = ctx.project.resources if ctx.project is not None else ctx.of_type("aws_s3_bucket")
    if ref:
        return next((r for r in candidates if r.address == ref and r.type == "aws_s3_bucket"), None)
    text = value.expr if isinstance(value, Unknown) else value
    if not isinstance(text, str):
        return None
    name = text.removeprefix("arn:aws:s3:::").split("/", 1)[0]

    def same(v) -> bool:  # a literal name, or the same unevaluated expression
        return (v.expr if isinstance(v, Unknown) else v) == name and isinstance(v, Unknown) == isinstance(value, Unknown)

    return next((r for r in candidates if r.type == "aws_s3_bucket" and same(r.attrs.get("bucket"))), None)


def cloudwatch_log_group(res: TfResource, ctx: Ctx) -> Normalized:
    props = _encryption(ctx, res.attrs.get("kms_key_id"), enabled=True, default_manager="provider")
    if "kms_key_id" in res.attrs and props.get("encryption.key_manager") is None:
        # CloudWatch Logs accepts only customer-managed keys
        props["encryption.key_manager"] = "customer" if props.get("encryption.key_id") else None
    if "retention_in_days" not in res.attrs:
        props["retention_unlimited"] = True
    else:
        days = ctx.value(res, "retention_in_days")
        if isinstance(days, int):
            props.update({"retention_days": days} if days else {"retention_unlimited": True})
    props["log_class"] = log_class(tags_of(res, ctx))
    return Normalized("log.store", "AWS::Logs::LogGroup", props, name=ctx.value(res, "name") or res.name,
                      edges=key_edges(props))


def kms_key(res: TfResource, ctx: Ctx) -> Normalized:
    props: dict = {"key_manager": "customer"}
    rot = ctx.value(res, "enable_key_rotation")
    props["rotation_enabled"] = bool(rot) if "enable_key_rotation" in res.attrs else False
    if rot is None and "enable_key_rotation" in res.attrs:
        props["rotation_enabled"] = None
    period = ctx.value(res, "rotation_period_in_days")
    props["rotation_period_days"] = period if isinstance(period, int) else (365 if props["rotation_enabled"] else None)
    enabled = ctx.value(res, "is_enabled")
    props["state"] = "disabled" if enabled is False else ("enabled" if "is_enabled" not in res.attrs or enabled else None)
    # no policy argument: AWS applies the default key policy (the account only); a policy is
    # judged by the live connector's own function (kms:CallerAccount confines `*`,
    # kms:ViaService alone does not); one not known from code is unknown
    props["policy_public"] = key_policy_public(policy_from_code(ctx.value(res, "policy"))) if "policy" in res.attrs else False
    if "custom_key_store_id" not in res.attrs:
        props.update({"protection_level": "hsm", "protection_evidence": "origin AWS_KMS: AWS KMS HSMs (FIPS 140-2 Level 3)"})
    else:
        store = ctx.lookup(ref_address(res.attrs["custom_key_store_id"]) or "")
        kind = ctx.value(store, "custom_key_store_type") if store is not None else None
        if store is not None and kind in (None, "AWS_CLOUDHSM"):
            props.update({"protection_level": "hsm_dedicated", "protection_evidence": "a CloudHSM custom key store"})
        elif kind == "EXTERNAL_KEY_STORE":
            props.update({"protection_level": "external", "protection_evidence": "an external key store"})
    return Normalized("kms.key", "AWS::KMS::Key", props)


def _has_null(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


def policy_from_code(value: Any) -> dict | None:
    """A policy document evaluated from code, or None when not known. tfparse prints
    ``null`` for the parts of a ``jsonencode()``d document it could not evaluate (a
    statement naming ``data.aws_caller_identity.current.account_id`` comes back as
    ``"Statement": null``); the IAM policy grammar has no null, so any null means unknown."""
    import json

    try:
        doc = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return None
    return doc if isinstance(doc, dict) and not _has_null(doc) else None


def ebs_volume(res: TfResource, ctx: Ctx) -> Normalized:
    enc = ctx.value(res, "encrypted")
    if enc is True:
        props = _encryption(ctx, res.attrs.get("kms_key_id"), enabled=True, default_manager="provider")
        if "kms_key_id" not in res.attrs and ctx.of_type("aws_ebs_default_kms_key"):
            props["encryption.key_manager"] = None  # the account default key is set in this code
    else:
        props = {}  # the account's default-encryption setting decides; not visible here
    return Normalized("storage.block", "AWS::EC2::Volume", props, edges=key_edges(props))


def rds(native: str):
    def fn(res: TfResource, ctx: Ctx) -> Normalized:
        enc = ctx.value(res, "storage_encrypted")
        if "storage_encrypted" in res.attrs and enc is None:
            props: dict = {}
        elif not enc and not res.attrs.get("kms_key_id") and not res.attrs.get("replicate_source_db"):
            props = {"encryption.enabled": False, "encryption.key_manager": "none"}
        else:
            props = _encryption(ctx, res.attrs.get("kms_key_id"), enabled=True, default_manager="provider")
        # cross-region copies: automated-backup replication (created in the destination
        # region), and the other members of a global cluster
        from scanner.iac.aws_data import backup_replication_regions, replica_regions_of_cluster

        # automated backups (ETG 9.3): unset, AWS keeps them 1 day (CreateDBInstance and
        # CreateDBCluster's default); 0 turns them off (instances only); unresolved: unknown
        days = ctx.value(res, "backup_retention_period") if "backup_retention_period" in res.attrs else 1
        if isinstance(days, int) and not isinstance(days, bool):
            props.update({"backup.enabled": days > 0, "backup.retention_days": days})
        if native == "AWS::RDS::DBInstance":
            props["replica_regions"] = backup_replication_regions(ctx, res)
        else:
            props["replica_regions"] = replica_regions_of_cluster(ctx, res)
        props.update(_rds_transit(res, ctx, native))
        return Normalized("database", native, props, name=ctx.value(res, "identifier") or res.name,
                          edges=key_edges(props))
    return fn


def _rds_transit(res: TfResource, ctx: Ctx, native: str) -> dict:
    """The TLS parameters of the instance's (cluster's) parameter group in this code, read as
    the live connector reads DescribeDBParameters."""
    from scanner.connectors.aws.normalize_network import rds_transit

    arg, group_type = (("parameter_group_name", "aws_db_parameter_group") if native == "AWS::RDS::DBInstance"
                       else ("db_cluster_parameter_group_name", "aws_rds_cluster_parameter_group"))
    engine = ctx.value(res, "engine")
    value = res.attrs.get(arg)
    group = ctx.lookup(ref_address(value) or "") if ref_address(value) else next(
        (g for g in ctx.of_type(group_type) if value is not None and ctx.value(g, "name") == resolve(value, ctx.module)), None)
    if group is None:
        what = "the engine's default parameter group" if value is None else f"parameter group {value!s} (not in this code)"
        return {"transit.tls_required_by": f"{what}: its TLS parameters are not known here"}
    params = {resolve(p.get("name"), ctx.module): resolve(p.get("value"), ctx.module) for p in ctx.blocks(group.attrs, "parameter")}
    payload = {"Engine": engine if native == "AWS::RDS::DBInstance" else str(engine or "").replace("aurora-", ""),
               "DBParameterGroups": [{"DBParameterGroupName": group.address}]}
    return rds_transit(payload, {group.address: {k: v for k, v in params.items() if isinstance(k, str)}})


def dynamodb_table(res: TfResource, ctx: Ctx) -> Normalized:
    sse = ctx.block(res, "server_side_encryption")
    if sse is None:
        props = {"encryption.enabled": True, "encryption.key_manager": "provider"}
    else:
        on = resolve(sse.get("enabled"), ctx.module)
        props = (
            _encryption(ctx, sse.get("kms_key_arn"), enabled=True, default_manager="provider")
            if on else ({"encryption.enabled": True, "encryption.key_manager": "provider"} if on is False else {})
        )
    def replicas() -> list[str] | None:
        regions = [resolve(rep.get("region_name")) for rep in ctx.blocks(res.attrs, "replica")]
        return None if None in regions else sorted(regions)  # type: ignore[type-var]

    props["replica_regions"] = ctx.scoped(replicas)  # replicas a dynamic block could not give: unknown
    return Normalized("database", "AWS::DynamoDB::Table", props, name=ctx.value(res, "name") or res.name,
                      edges=key_edges(props))


def cloudtrail(res: TfResource, ctx: Ctx) -> Normalized:
    logging_on = ctx.value(res, "enable_logging")
    mgmt = True
    for sel in ctx.blocks(res.attrs, "event_selector"):
        v = resolve(sel.get("include_management_events"), ctx.module)
        mgmt = mgmt and (v is not False)
    props = {
        "enabled": True if "enable_logging" not in res.attrs else logging_on,
        "all_regions": bool(ctx.value(res, "is_multi_region_trail")) if "is_multi_region_trail" in res.attrs else False,
        "organization": bool(ctx.value(res, "is_organization_trail")),
        "management_events": mgmt,
    }
    props.update(_encryption(ctx, res.attrs.get("kms_key_id"), enabled=True, default_manager="provider"))
    edges = key_edges(props)
    bucket = _bucket(ctx, res.attrs.get("s3_bucket_name"))
    if bucket is not None:
        edges.append(("logs_to", ctx.id_of(bucket.address)))
    cw = ref_address(res.attrs.get("cloud_watch_logs_group_arn"))
    if cw:
        edges.append(("logs_to", ctx.id_of(cw)))
    return Normalized("log.trail", "AWS::CloudTrail::Trail", props, name=ctx.value(res, "name") or res.name, edges=edges)


def sns_topic(res: TfResource, ctx: Ctx) -> Normalized:
    if "kms_master_key_id" not in res.attrs:
        props = {"encryption.enabled": False, "encryption.key_manager": "none"}
    else:
        props = _encryption(ctx, res.attrs["kms_master_key_id"], enabled=True, default_manager=None)
    return Normalized("messaging.queue", "AWS::SNS::Topic", props, edges=key_edges(props))


def sqs_queue(res: TfResource, ctx: Ctx) -> Normalized:
    if "kms_master_key_id" in res.attrs:
        props = _encryption(ctx, res.attrs["kms_master_key_id"], enabled=True, default_manager=None)
    elif ctx.value(res, "sqs_managed_sse_enabled") is False:
        props = {"encryption.enabled": False, "encryption.key_manager": "none"}
    else:
        props = {"encryption.enabled": True, "encryption.key_manager": "provider"}  # SSE-SQS default
    return Normalized("messaging.queue", "AWS::SQS::Queue", props, edges=key_edges(props))


def backup_vault(res: TfResource, ctx: Ctx) -> Normalized:
    props = _encryption(ctx, res.attrs.get("kms_key_arn"), enabled=True, default_manager="provider")
    return Normalized("backup", "AWS::Backup::BackupVault", props, edges=key_edges(props))


def iam_user(res: TfResource, ctx: Ctx) -> Normalized:
    """An IAM user made by code. Terraform cannot activate an MFA device (that needs two
    codes from the device), so a user created here has no MFA when deployed."""
    console = bool(ctx.attached(res, ("aws_iam_user_login_profile",), ("user",)))
    attached: list[str] = []
    attached_unknown = False
    for att in ctx.attached(res, ("aws_iam_user_policy_attachment",), ("user",)):
        arn = ctx.value(att, "policy_arn")
        ref = ref_address(att.attrs.get("policy_arn"))
        if isinstance(arn, str):
            attached.append(arn.rsplit("/", 1)[-1])
        elif ref:
            attached.append(ref.rsplit(".", 1)[-1])  # a policy defined in code: its Terraform name
        else:
            attached_unknown = True
            break
    roles: list[str] | None = None if attached_unknown else attached
    edges: list[tuple[str, str]] = []
    for mem in ctx.attached(res, ("aws_iam_user_group_membership",), ("user",)):
        for g in mem.attrs.get("groups") or []:
            # a reference, or the group's name (what `aws_iam_group.x.name` evaluates to)
            addr = ref_address(g) or next((x.address for x in ctx.of_type("aws_iam_group")
                                           if ctx.value(x, "name") == resolve(g)), None)
            if addr:
                edges.append(("member_of", ctx.id_of(addr)))
    inline = ctx.attached(res, ("aws_iam_user_policy",), ("user",))
    actions = _inline_actions(ctx, inline)
    if inline and actions is None and roles is not None and not roles:
        roles = None  # an inline policy we cannot read may grant anything
    keys = [
        {"id": ctx.id_of(k.address), "active": ctx.value(k, "status") in (None, "Active"),
         "created": None, "last_used": None}
        for k in ctx.attached(res, ("aws_iam_access_key",), ("user",))
    ]
    props = iam_user_props(console, roles, actions, keys)
    # not deployed yet: the user comes into being when the code is applied, i.e. now
    props["created"] = ctx.now
    return Normalized("identity.user", "AWS::IAM::User", props, name=ctx.value(res, "name") or res.name,
                      edges=edges, region_override="global")


def _inline_actions(ctx: Ctx, inline: list[TfResource]) -> list[str] | None:
    actions: list[str] = []
    for pol in inline:
        doc = policy_from_code(ctx.value(pol, "policy"))
        if doc is None:
            return None
        stmts = doc.get("Statement", [])
        for s in stmts if isinstance(stmts, list) else [stmts]:
            if s.get("Effect") == "Allow":
                a = s.get("Action", [])
                actions.extend([a] if isinstance(a, str) else a)
    return actions


def iam_group(res: TfResource, ctx: Ctx) -> Normalized:
    roles = []
    for att in ctx.attached(res, ("aws_iam_group_policy_attachment",), ("group",)):
        arn = ctx.value(att, "policy_arn")
        roles.append(arn.rsplit("/", 1)[-1] if isinstance(arn, str) else None)
    return Normalized("identity.group", "AWS::IAM::Group", {"roles": None if None in roles else roles},
                      name=ctx.value(res, "name") or res.name, region_override="global")


register(
    {
        "aws_s3_bucket": (s3_bucket, ("storage.object", "log.store")),
        "aws_cloudwatch_log_group": (cloudwatch_log_group, "log.store"),
        "aws_kms_key": (kms_key, "kms.key"),
        "aws_ebs_volume": (ebs_volume, "storage.block"),
        "aws_db_instance": (rds("AWS::RDS::DBInstance"), "database"),
        "aws_rds_cluster": (rds("AWS::RDS::DBCluster"), "database"),
        "aws_dynamodb_table": (dynamodb_table, "database"),
        "aws_cloudtrail": (cloudtrail, "log.trail"),
        "aws_sns_topic": (sns_topic, "messaging.queue"),
        "aws_sqs_queue": (sqs_queue, "messaging.queue"),
        "aws_backup_vault": (backup_vault, "backup"),
        "aws_iam_user": (iam_user, "identity.user"),
        "aws_iam_group": (iam_group, "identity.group"),
    }
)
