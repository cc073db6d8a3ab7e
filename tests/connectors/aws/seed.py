"""Seed a moto account the way a Taiwanese broker's account looks (own admin-equivalent
policies: moto's AWS managed policies are slow to load and not needed)."""

from __future__ import annotations

import json

ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]})


def seed(session, regions=("ap-east-2", "ap-northeast-1"), endpoint_url=None):
    kw = {"endpoint_url": endpoint_url} if endpoint_url else {}
    c = lambda svc, region="us-east-1": session.client(svc, region_name=region, **kw)  # noqa: E731
    iam = c("iam")
    admin_arn = iam.create_policy(PolicyName="local-admin", PolicyDocument=ADMIN)["Policy"]["Arn"]
    read_arn = iam.create_policy(PolicyName="local-read", PolicyDocument=READ)["Policy"]["Arn"]
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=admin_arn)
    iam.create_user(UserName="alice")
    iam.create_login_profile(UserName="alice", Password="Sup3r-secret!")
    iam.add_user_to_group(GroupName="admins", UserName="alice")
    iam.create_user(UserName="reader")
    iam.create_login_profile(UserName="reader", Password="Sup3r-secret!")
    iam.attach_user_policy(UserName="reader", PolicyArn=read_arn)
    primary = regions[0]
    kms = c("kms", primary)
    cmk = kms.create_key(Description="customer data")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/customer-data", TargetKeyId=cmk)
    s3 = c("s3", primary)
    for name, enc in (("tw-cmk", {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": cmk}),
                      ("tw-aws-managed", {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/aws/s3"}),
                      ("tw-sse-s3", {"SSEAlgorithm": "AES256"}),
                      ("tw-trail-logs", {"SSEAlgorithm": "AES256"})):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": primary})
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": enc}]})
    s3.put_bucket_lifecycle_configuration(Bucket="tw-trail-logs", LifecycleConfiguration={"Rules": [
        {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 365}}]})
    ct = c("cloudtrail", primary)
    ct.create_trail(Name="main", S3BucketName="tw-trail-logs", IsMultiRegionTrail=True)
    ct.start_logging(Name="main")
    logs = c("logs", primary)
    logs.create_log_group(logGroupName="/app/audit", tags={"cloudgov:log-class": "audit"})
    logs.put_retention_policy(logGroupName="/app/audit", retentionInDays=3653)
    logs.create_log_group(logGroupName="/vpc/flow", tags={"cloudgov:log-class": "firewall"})
    ec2 = c("ec2", primary)
    ec2.create_volume(AvailabilityZone=f"{primary}a", Size=8, Encrypted=True, KmsKeyId=cmk)
    ec2.create_volume(AvailabilityZone=f"{primary}a", Size=8)
    c("dynamodb", primary).create_table(TableName="sessions", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    c("sqs", primary).create_queue(QueueName="orders", Attributes={"KmsMasterKeyId": "alias/customer-data"})
    c("sns", regions[1]).create_topic(Name="alerts")
    account = c("sts").get_caller_identity()["Account"]
    # AWS Backup: a daily plan that copies every recovery point to a Tokyo vault
    c("backup", regions[1]).create_backup_vault(BackupVaultName="dr-tokyo")
    backup = c("backup", primary)
    backup.create_backup_vault(BackupVaultName="tw-vault", EncryptionKeyArn=cmk)
    backup.create_backup_vault(BackupVaultName="tw-local")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily-dr", "Rules": [
        {"RuleName": "daily", "TargetBackupVaultName": "tw-vault",
         "CopyActions": [{"DestinationBackupVaultArn": f"arn:aws:backup:{regions[1]}:{account}:backup-vault:dr-tokyo"}]},
        {"RuleName": "local", "TargetBackupVaultName": "tw-local"}]})
    # an Aurora global database: writer in Taipei, secondary in Tokyo
    c("rds", primary).create_global_cluster(GlobalClusterIdentifier="tw-global", Engine="aurora-postgresql", EngineVersion="15.4")
    c("rds", primary).create_db_cluster(DBClusterIdentifier="tw-aurora", Engine="aurora-postgresql", EngineVersion="15.4",
                                        MasterUsername="admin_user", MasterUserPassword="Sup3r-secret-pw", GlobalClusterIdentifier="tw-global",
                                        StorageEncrypted=True, KmsKeyId=cmk)
    c("rds", regions[1]).create_db_cluster(DBClusterIdentifier="tw-aurora-tokyo", Engine="aurora-postgresql", EngineVersion="15.4",
                                           GlobalClusterIdentifier="tw-global")
    # ETG 8.5 / 8.3.2 / 4.1.6: AWS Config recording everything in Taipei, GuardDuty on there,
    # the trail into a CloudWatch Logs group with the CIS root-use filter and an alarm on it;
    # Tokyo has none of them (the policies name it)
    cfg = c("config", primary)
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": f"arn:aws:iam::{account}:role/config-role",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "tw-trail-logs"})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    c("guardduty", primary).create_detector(Enable=True)
    logs.create_log_group(logGroupName="cloudtrail/main")
    ct.update_trail(Name="main", CloudWatchLogsLogGroupArn=f"arn:aws:logs:{primary}:{account}:log-group:cloudtrail/main:*",
                    CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/trail-to-logs")
    logs.put_metric_filter(logGroupName="cloudtrail/main", filterName="RootAccountUsage",
                           filterPattern='{$.userIdentity.type="Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType !="AwsServiceEvent"}',
                           metricTransformations=[{"metricName": "RootAccountUsage", "metricNamespace": "LogMetrics", "metricValue": "1"}])
    topic = c("sns", primary).create_topic(Name="security-alarms")["TopicArn"]
    c("cloudwatch", primary).put_metric_alarm(
        AlarmName="CIS-RootAccountUsage", MetricName="RootAccountUsage", Namespace="LogMetrics", Statistic="Sum", Period=300,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold", AlarmActions=[topic])
    # ETG 8.4.1: two image repositories in Taipei — one with fixed tags, one whose tags move —
    # under a BASIC registry rule that scans the payments repositories on push
    ecr = c("ecr", primary)
    ecr.create_repository(repositoryName="payments/api", imageTagMutability="IMMUTABLE")
    ecr.create_repository(repositoryName="batch/legacy", imageTagMutability="MUTABLE",
                          imageScanningConfiguration={"scanOnPush": True})
    ecr.put_registry_scanning_configuration(scanType="BASIC", rules=[
        {"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [{"filter": "payments/*", "filterType": "WILDCARD"}]}])
    return {"cmk": cmk, "account": account}
