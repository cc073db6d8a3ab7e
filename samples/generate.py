"""Generate the sample estate (samples/estate/*.json) of 福爾摩沙證券 (Formosa Securities).

Deterministic: the same files every run. Each deliberate violation carries a comment that
matches a row of samples/README.md; everything else is built to pass. Run:

    python samples/generate.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from scanner.inventory import Inventory, save  # noqa: E402
from scanner.connectors.azure.registries import ACR_TAGS_UNREAD  # noqa: E402
from scanner.model import CoverageGap, Resource  # noqa: E402

COLLECTED_AT = "2026-11-01T02:00:00Z"
ORG = "o-fmsa7x2k9q"
MGMT, TRADING, DATA = "111111111111", "222222222222", "333333333333"
TW = "ap-east-2"
NATURAL_PERSON = "cloudgov:material-natural-person"  # ETG 8.6.3.3 scope (policies/defaults.yaml)


def res(inv, provider, account, region, kind, native, rid, name, props=None, tags=None):
    inv.add(Resource(provider, account, region, kind, native, rid, name, tags or {}, props or {}))
    return rid


# ----------------------------------------------------------------------------- AWS
#: the CIS AWS Foundations alarms, each a metric filter on the organisation trail's log group
CIS_AWS = ("unauthorized_api_calls", "console_signin_without_mfa", "root_use", "iam_policy_change", "audit_trail_change",
           "console_auth_failure", "key_deletion", "storage_policy_change", "config_change", "security_group_change",
           "nacl_change", "network_gateway_change", "route_table_change", "vpc_change", "organization_change")


def monitoring_aws(inv, org_group, k_trading, k_data):
    """Config recorders, GuardDuty, the CIS alarms (in the management account, on the organisation
    trail's log group), backup vaults and the volumes' recovery points (ETG 8.5, 8.3.2, 4.1.6, 9.3)."""
    recorders = {MGMT: [TW], TRADING: [TW, "ap-southeast-1"], DATA: [TW, "ap-northeast-1", "ap-southeast-1"]}
    for acct, regions in recorders.items():
        for region in regions:
            # VIOLATION logging.change_records: the data account's Tokyo recorder was stopped
            stopped = acct == DATA and region == "ap-northeast-1"
            res(inv, "aws", acct, region, "monitor.recorder", "AWS::Config::ConfigurationRecorder",
                f"arn:aws:config:{region}:{acct}:configuration-recorder/default", "default",
                {"recording": not stopped, "all_resource_types": True, "global_resources": region == TW, "resource_types": []})
            # VIOLATION monitoring.threat_detection: no GuardDuty detector in the trading account's Singapore region
            if acct == TRADING and region == "ap-southeast-1":
                continue
            res(inv, "aws", acct, region, "monitor.detector", "AWS::GuardDuty::Detector",
                f"arn:aws:guardduty:{region}:{acct}:detector/{acct[:4]}{region.replace('-', '')}", f"{acct[:4]}{region.replace('-', '')}",
                {"service": "guardduty", "enabled": True, "features_on": ["CLOUD_TRAIL", "DNS_LOGS", "FLOW_LOGS", "S3_DATA_EVENTS"],
                 "features_off": []})
    for cls in CIS_AWS:
        name = "CIS-" + "".join(w.capitalize() for w in cls.split("_"))
        res(inv, "aws", MGMT, TW, "monitor.alert", "AWS::CloudWatch::Alarm", f"{org_group}:metric-filter:{name}/alarm/{name}", name,
            {"events": [cls], "enabled": True, "notifies": True, "alarm": f"arn:aws:cloudwatch:{TW}:{MGMT}:alarm:{name}",
             "log_group": org_group, "metric": f"LogMetrics/{name}"})
    for acct, key, lock in ((TRADING, k_trading, "locked"), (DATA, k_data, "none")):
        # VIOLATION backup.vault_immutable: the data account's vault has no Vault Lock
        name = "fmsa-trading-vault" if acct == TRADING else "fmsa-data-vault"
        vid = f"arn:aws:backup:{TW}:{acct}:backup-vault:{name}"
        props = {"encryption.enabled": True, "replica_regions": [], "backup_vault": True, "immutability": lock,
                 "locked": lock == "locked"}
        if lock == "locked":
            props.update({"lock_date": "2025-01-10T00:00:00Z", "min_retention_days": 35})
        res(inv, "aws", acct, TW, "backup", "AWS::Backup::BackupVault", vid, name, props)
        inv.relate(vid, "encrypted_by", key)
    vault = f"arn:aws:backup:{TW}:{TRADING}:backup-vault:fmsa-trading-vault"
    for i in range(1, 40):  # VIOLATION backup.data_store_backed_up: vol-0a0040 is in no backup plan
        rp = f"arn:aws:ec2:{TW}::snapshot/snap-0b{i:04d}"
        res(inv, "aws", TRADING, TW, "backup", "AWS::Backup::RecoveryPoint", rp, f"vol-0a{i:04d}",
            {"encryption.enabled": True, "replica_regions": [], "created": "2026-10-31T18:00:00Z", "vault": vault,
             "source_id": f"arn:aws:ec2:{TW}:{TRADING}:volume/vol-0a{i:04d}"})
        inv.relate(rp, "backup_of", f"arn:aws:ec2:{TW}:{TRADING}:volume/vol-0a{i:04d}")
        inv.relate(rp, "encrypted_by", k_trading)


def aws() -> Inventory:
    inv = Inventory(collected_at=COLLECTED_AT, sources=[{"connector": "sample", "provider": "aws"}])
    regions_read = {MGMT: [TW], TRADING: [TW, "ap-southeast-1"], DATA: [TW, "ap-northeast-1", "ap-southeast-1"]}
    for acct, name in ((MGMT, "fmsa-management"), (TRADING, "fmsa-trading-prod"), (DATA, "fmsa-data-prod")):
        # ERROR network.internet_access_conditions: source-IP conditions (SCPs, IAM) are not read on AWS
        res(inv, "aws", acct, "global", "account", "AWS::Organizations::Account", f"arn:aws:organizations::{MGMT}:account/{ORG}/{acct}", name,
            {"organization_id": ORG, "regions_read": regions_read[acct],
             "internet_access.unread": "AWS: aws:SourceIp / aws:SourceVpce conditions in SCPs and "
                                       "privileged policies are not read by the connector yet"})
        root = f"arn:aws:iam::{acct}:root"
        # VIOLATION mfa.root_account: the data-prod root user has no MFA
        res(inv, "aws", acct, "global", "identity.user", "AWS::IAM::User", root, "<root_account>",
            {"root": True, "human": True, "mfa": acct != DATA, "mfa_evidence": "credential_report",
             "console_access": True, "access_keys": [], "last_used": "2026-02-03T01:00:00Z", "roles": [], "actions": ["*"]})

    def iam(name, acct=TRADING, **p):
        base = {"human": True, "console_access": True, "mfa": True, "mfa_evidence": "credential_report",
                "access_keys": [], "created": "2024-03-01T00:00:00Z", "last_used": "2026-10-28T09:00:00Z"}
        base.update(p)
        return res(inv, "aws", acct, "global", "identity.user", "AWS::IAM::User", f"arn:aws:iam::{acct}:user/{name}", name, base)

    ops = res(inv, "aws", TRADING, "global", "identity.group", "AWS::IAM::Group", f"arn:aws:iam::{TRADING}:group/ops-admins", "ops-admins",
              {"roles": ["ops-iam-inline"], "actions": ["iam:*", "ec2:*"]})
    devs = res(inv, "aws", TRADING, "global", "identity.group", "AWS::IAM::Group", f"arn:aws:iam::{TRADING}:group/developers", "developers",
               {"roles": ["ReadOnlyAccess"], "actions": ["s3:Get*", "s3:List*", "ec2:Describe*", "logs:Get*"]})
    iam("alice.chen", roles=["AdministratorAccess"], actions=["*"])
    # VIOLATION mfa.privileged_users: bob is privileged only through group ops-admins (iam:*)
    bob = iam("bob.lin", roles=[], actions=[], mfa=False)
    inv.relate(bob, "member_of", ops)
    # carol is read-only: no MFA, but not privileged, so NOT a finding (Prowler flags this kind)
    carol = iam("carol.wu", roles=[], actions=[], mfa=False)
    inv.relate(carol, "member_of", devs)
    # VIOLATION mfa.privileged_access_keys: a machine user with admin rights and a 2-year-old key
    iam("deploy-bot", human=False, console_access=False, mfa=False, roles=["AdministratorAccess"], actions=["*"],
        access_keys=[{"id": "AKIAEXAMPLEDEPLOY01", "active": True, "created": "2024-11-02T00:00:00Z", "last_used": "2026-10-31T22:00:00Z"}])
    # VIOLATION mfa.unused_privileged_credentials: IAM admin last signed in 2026-01-10 (295 days)
    iam("dave.huang", roles=["IAMFullAccess"], actions=["iam:*"], last_used="2026-01-10T03:00:00Z")
    # ERROR mfa.privileged_users: permissions of this contractor could not be read
    iam("erin.contractor", mfa=False)
    for i in range(1, 41):
        u = iam(f"dev{i:02d}", roles=[], actions=[], mfa=i % 3 != 0)
        inv.relate(u, "member_of", devs)
    for i in range(1, 9):
        iam(f"sre{i:02d}", acct=DATA, roles=["PowerUserAccess"], actions=["*"])

    def role(name, acct=TRADING, **p):
        base = {"human": False, "roles": ["AdministratorAccess"], "actions": ["*"], "created": "2024-01-10T00:00:00Z",
                "last_used": "2026-10-30T00:00:00Z"}
        base.update(p)
        return res(inv, "aws", acct, "global", "identity.role", "AWS::IAM::Role", f"arn:aws:iam::{acct}:role/{name}", name, base)

    for acct in (TRADING, DATA):
        role("OrganizationAccountAccessRole", acct)
    role("app-orders-task", roles=["orders-table-rw"], actions=["dynamodb:PutItem", "dynamodb:GetItem"])
    # VIOLATION mfa.unused_privileged_credentials: admin role created 2025-06-01, never used
    role("legacy-migration-admin", last_used="never", created="2025-06-01T00:00:00Z")

    def key(kid, acct=TRADING, region=TW, **p):
        base = {"key_manager": "customer", "rotation_enabled": True, "state": "enabled", "policy_public": False,
                "protection_level": "hsm", "protection_evidence": "origin AWS_KMS: AWS KMS HSMs (FIPS 140-2 Level 3)"}
        base.update(p)
        return res(inv, "aws", acct, region, "kms.key", "AWS::KMS::Key", f"arn:aws:kms:{region}:{acct}:key/{kid}", kid, base)

    k_trading = key("mrk-trading")
    k_data = key("mrk-data", DATA)
    key("aws-s3-managed", key_manager="provider", rotation_enabled=True)
    # VIOLATION encryption.key_rotation: rotation off on a customer key
    key("mrk-legacy-crm", rotation_enabled=False)
    # VIOLATION encryption.key_policy_public: key policy grants Principal "*"
    key("mrk-shared-partner", DATA, policy_public=True)
    k_tokyo = key("mrk-fx-archive", DATA, "ap-northeast-1")
    k_sg = key("mrk-mktdata-sg", DATA, "ap-southeast-1")

    def bucket(name, acct=TRADING, region=TW, keyid=None, tags=None, **p):
        base = {"encryption.enabled": True, "replica_regions": [],
                "transit.tls_required": True, "transit.min_tls_version": "1.2",
                "transit.tls_required_by": "bucket policy statement DenyInsecureTransport denies aws:SecureTransport false",
                "transit.min_tls_by": "platform: AWS API endpoints refuse TLS 1.0 and 1.1 (since 2023)"}
        if keyid is None:
            base["encryption.key_manager"] = "provider"
        base.update(p)
        rid = res(inv, "aws", acct, region, "storage.object", "AWS::S3::Bucket", f"arn:aws:s3:::{name}", name, base, tags)
        if keyid:
            inv.relate(rid, "encrypted_by", keyid)
        return rid

    bucket("fmsa-trading-data", keyid=k_trading)
    # VIOLATION encryption.object_storage_cmk: customer statements under SSE-S3 (provider key)
    bucket("fmsa-customer-statements")
    # VIOLATION residency.data_location: "ap-east-1" is Hong Kong, not Taiwan
    bucket("fmsa-research-hk", DATA, "ap-east-1", keyid=k_data, tags={NATURAL_PERSON: "false"})  # research, no customer data
    # VIOLATION residency.replica_location: replication rule to Tokyo
    bucket("fmsa-reports", keyid=k_trading, replica_regions=["ap-northeast-1"])
    # residency.data_location (waived by W-2026-001: the board's approval)
    # VIOLATION residency.offshore_without_local_backup: customers' FX trades (a material
    # natural-person system) offshore with no in-country backup; the board's approval is not
    # the regulator's (ETG 8.6.3.3), so the waiver does not change it
    bucket("fmsa-fx-archive-tokyo", DATA, "ap-northeast-1", keyid=k_tokyo, tags={NATURAL_PERSON: "true"})
    # licensed market data (no customer data): ETG 8.6.3.3 does not apply; copied to Taiwan anyway
    sg = bucket("fmsa-mktdata-sg", DATA, "ap-southeast-1", keyid=k_sg, replica_regions=[TW], tags={NATURAL_PERSON: "false"})
    sg_copy = bucket("fmsa-mktdata-sg-copy", DATA, TW, keyid=k_data)
    inv.relate(sg, "replicates_to", sg_copy)
    for i in range(1, 31):
        # VIOLATION encryption.storage_tls_only: app bucket 07 has no policy refusing plain HTTP
        plain = {"transit.tls_required": False, "transit.tls_required_by": "no bucket policy"} if i == 7 else {}
        bucket(f"fmsa-app-{i:02d}", TRADING if i % 2 else DATA, keyid=k_trading if i % 2 else k_data, **plain)

    for i in range(1, 41):
        v = f"arn:aws:ec2:{TW}:{TRADING}:volume/vol-0a{i:04d}"
        props = {"encryption.enabled": True}
        # VIOLATION encryption.block_storage_cmk: two volumes under the AWS-managed aws/ebs key
        if i in (7, 31):
            props["encryption.key_manager"] = "provider"
        res(inv, "aws", TRADING, TW, "storage.block", "AWS::EC2::Volume", v, f"vol-0a{i:04d}", props)
        if i not in (7, 31):
            inv.relate(v, "encrypted_by", k_trading)

    def db(name, native, acct=TRADING, region=TW, keyid=None, **p):
        base = {"encryption.enabled": True, "replica_regions": []}
        if keyid is None:
            base["encryption.key_manager"] = "provider"
        if native.startswith("AWS::DynamoDB"):
            # DynamoDB's endpoints also answer plain HTTP: only the table's resource policy
            # (GetResourcePolicy) denying aws:SecureTransport false refuses it
            base.update({"transit.tls_required": True,
                         "transit.tls_required_by": "resource policy statement DenyPlainHttp denies aws:SecureTransport false",
                         "transit.min_tls_version": "1.2",
                         "transit.min_tls_by": "platform: AWS API endpoints refuse TLS 1.0 and 1.1 (since 2023)"})
        else:
            base.update({"transit.tls_required": True, "transit.tls_required_by": "pg16-tls: rds.force_ssl = 1",
                         "transit.min_tls_version": "1.2", "transit.min_tls_by": "pg16-tls: ssl_min_protocol_version = TLSv1.2"})
        base.update(p)
        prefix = "dynamodb" if native.startswith("AWS::DynamoDB") else "rds"
        kind_path = f"table/{name}" if prefix == "dynamodb" else f"db:{name}"
        rid = f"arn:aws:{prefix}:{region}:{acct}:{kind_path}"
        res(inv, "aws", acct, region, "database", native, rid, name, base)
        if keyid:
            inv.relate(rid, "encrypted_by", keyid)
        return rid

    trading_db = db("trading-core", "AWS::RDS::DBInstance", keyid=k_trading, **{"backup.enabled": True, "backup.retention_days": 35})
    # VIOLATION encryption.database_cmk: CRM database under the AWS-managed aws/rds key
    # VIOLATION backup.data_store_backed_up: automated backups off (retention 0), no snapshot (ETG 9.3)
    # VIOLATION encryption.database_tls_only: MySQL's default require_secure_transport = 0
    db("crm-legacy", "AWS::RDS::DBInstance", engine="mysql", **{
        "backup.enabled": False, "backup.retention_days": 0,
        "transit.tls_required": False, "transit.tls_required_by": "default.mysql8.0: require_secure_transport = 0",
        "transit.min_tls_version": "1.2", "transit.min_tls_by": "default.mysql8.0: tls_version = TLSv1.2,TLSv1.3"})
    # VIOLATION residency.replica_location: DynamoDB global table with a Tokyo replica
    # VIOLATION encryption.database_tls_only: no resource policy, so plain HTTP is answered
    db("orders", "AWS::DynamoDB::Table", keyid=k_trading, replica_regions=[TW, "ap-northeast-1"], **{
        "backup.enabled": True, "transit.tls_required": False,
        "transit.tls_required_by": "DynamoDB endpoints accept HTTP and the table has no resource policy denying it"})
    for i in range(1, 9):
        db(f"svc-{i}", "AWS::DynamoDB::Table", DATA, keyid=k_data, **{"backup.enabled": True})  # point-in-time recovery

    def snap(name, source, region=TW, acct=TRADING, keyid=k_trading):
        rid = f"arn:aws:rds:{region}:{acct}:snapshot:{name}"
        res(inv, "aws", acct, region, "backup", "AWS::RDS::DBSnapshot", rid, name,
            {"encryption.enabled": True, "replica_regions": [], "source_id": source})
        inv.relate(rid, "backup_of", source)
        inv.relate(rid, "encrypted_by", keyid)

    for d in range(1, 11):
        snap(f"trading-core-2026-10-{d:02d}", trading_db)
    # VIOLATION residency.data_location: a manual snapshot copy left in Singapore
    snap("trading-core-dr-copy", trading_db, "ap-southeast-1", keyid=k_sg)

    # VIOLATION logging.audit_store_immutable: Object Lock in governance mode (s3:BypassGovernanceRetention lifts it)
    trail_bucket = res(inv, "aws", MGMT, TW, "log.store", "AWS::S3::Bucket", "arn:aws:s3:::fmsa-org-cloudtrail", "fmsa-org-cloudtrail",
                       {"encryption.enabled": True, "retention_days": 2557, "log_class": "audit", "replica_regions": [],
                        "immutability": "unlocked"})
    key("mrk-audit", MGMT)
    inv.relate(trail_bucket, "encrypted_by", f"arn:aws:kms:{TW}:{MGMT}:key/mrk-audit")
    trail = res(inv, "aws", MGMT, TW, "log.trail", "AWS::CloudTrail::Trail", f"arn:aws:cloudtrail:{TW}:{MGMT}:trail/fmsa-org-trail", "fmsa-org-trail",
                {"enabled": True, "all_regions": True, "organization": True, "organization_id": ORG, "management_events": True,
                 "data_events": ["AWS::S3::Object"]})  # S3 object reads recorded (ETG 8.7.6)
    inv.relate(trail, "logs_to", trail_bucket)

    def log_group(name, acct=TRADING, keyid=k_trading, tags=None, **p):
        base = {"encryption.enabled": True}
        base.update(p)
        rid = f"arn:aws:logs:{TW}:{acct}:log-group:{name}"
        if keyid:
            inv.relate(rid, "encrypted_by", keyid)
        else:
            base["encryption.key_manager"] = "provider"
        return res(inv, "aws", acct, TW, "log.store", "AWS::Logs::LogGroup", rid, name, base, tags)

    org_group = log_group("/fmsa/cloudtrail/org", MGMT, f"arn:aws:kms:{TW}:{MGMT}:key/mrk-audit", {"cloudgov:log-class": "audit"}, retention_days=1827)
    inv.relate(trail, "logs_to", org_group)
    monitoring_aws(inv, org_group, k_trading, k_data)
    # VIOLATION logging.retention_minimum: firewall (VPC flow) logs kept 1 year, minimum 3
    log_group("/fmsa/vpc/flow-logs", tags={"cloudgov:log-class": "firewall"}, retention_days=365)
    # VIOLATION logging.retention_minimum: no class tag -> audit assumed (3 years); kept 90 days
    # VIOLATION encryption.log_store_cmk: no customer key on this log group
    log_group("/fmsa/app/orders", keyid=None, retention_days=90)
    log_group("/fmsa/app/pii-access", tags={"cloudgov:log-class": "personal_data_access"}, retention_days=1827)
    log_group("/fmsa/contact-center/chat", tags={"cloudgov:log-class": "customer_communications"}, retention_days=400)
    log_group("/fmsa/app/settlement", retention_unlimited=True)
    for i in range(1, 16):
        log_group(f"/fmsa/svc/{i:02d}", DATA, k_data, {"cloudgov:log-class": "audit"}, retention_days=1096)

    # VIOLATION encryption.messaging_cmk: order-events queue uses the SQS-managed key
    res(inv, "aws", TRADING, TW, "messaging.queue", "AWS::SQS::Queue", f"arn:aws:sqs:{TW}:{TRADING}:order-events", "order-events",
        {"encryption.enabled": True, "encryption.key_manager": "provider"})
    res(inv, "aws", TRADING, TW, "messaging.queue", "AWS::SQS::Queue", f"arn:aws:sqs:{TW}:{TRADING}:settlement-events", "settlement-events",
        {"encryption.enabled": True, "encryption.key_manager": "customer", "encryption.key_id": k_trading})

    # network: security groups (ETG 8) and a load balancer's TLS policy (ETG 8.1.1, 8.2.1)
    def sg(gid, name, rules, acct=TRADING):
        return res(inv, "aws", acct, TW, "network.firewall", "AWS::EC2::SecurityGroup",
                   f"arn:aws:ec2:{TW}:{acct}:security-group/{gid}", name,
                   {"rule_model": "allow_any", "network": "vpc-0fmsa0trading", "ingress_rules": rules})

    web = {"action": "allow", "protocol": "tcp", "ports": [[443, 443]], "sources": ["0.0.0.0/0"], "priority": None}
    sg("sg-0fmsa00000000001", "trading-web", [web])
    sg("sg-0fmsa00000000002", "trading-db", [{"action": "allow", "protocol": "tcp", "ports": [[5432, 5432]],
                                               "sources": ["sg:sg-0fmsa00000000001"], "priority": None}])
    # VIOLATION network.admin_ports_open: the ops bastion takes SSH from anywhere
    sg("sg-0fmsa00000000003", "ops-bastion", [{"action": "allow", "protocol": "tcp", "ports": [[22, 22]],
                                                "sources": ["0.0.0.0/0"], "priority": None}])
    sg("sg-0fmsa00000000004", "data-etl", [{"action": "allow", "protocol": "all", "ports": None,
                                            "sources": ["10.20.0.0/16"], "priority": None}], DATA)
    res(inv, "aws", TRADING, TW, "network.load_balancer", "AWS::ElasticLoadBalancingV2::LoadBalancer",
        f"arn:aws:elasticloadbalancing:{TW}:{TRADING}:loadbalancer/app/trading-web/6d0ecf831eec9f09", "trading-web",
        {"scheme": "internet-facing", "tls.listeners": 1, "tls.policies": ["ELBSecurityPolicy-TLS13-1-2-2021-06"],
         "transit.min_tls_version": "1.2", "transit.min_tls_by": "listener TLS policy ELBSecurityPolicy-TLS13-1-2-2021-06"})

    # virtual machines (ETG 8.4.2): Systems Manager's view of them
    def vm(iid, name, acct=TRADING, region=TW, **p):
        return res(inv, "aws", acct, region, "compute.instance", "AWS::EC2::Instance",
                   f"arn:aws:ec2:{region}:{acct}:instance/{iid}", name, {"platform": "Linux/UNIX", **p}, {"Name": name})

    online = {"state": "running", "managed.agent": True, "managed.by": "ssm", "managed.last_seen": "2026-11-01T01:55:00Z",
              "managed.detail": "SSM PingStatus Online"}
    for i in (1, 2):
        app = vm(f"i-0fmsa0000000000{i}", f"trading-app-{i:02d}", **online)
        for v in (2 * i - 1, 2 * i):  # their root and data volumes
            inv.relate(f"arn:aws:ec2:{TW}:{TRADING}:volume/vol-0a{v:04d}", "attached_to", app)
    # VIOLATION compute.instances_managed: the ops bastion VM is not registered with Systems Manager
    vm("i-0fmsa00000000003", "ops-bastion-vm", state="running", **{"managed.agent": False,
       "managed.detail": "not registered with Systems Manager"})
    vm("i-0fmsa00000000004", "report-batch", state="stopped", **{"managed.agent": False,  # stopped: not in use
       "managed.detail": "SSM PingStatus ConnectionLost", "managed.by": "ssm", "managed.last_seen": "2026-09-30T18:00:00Z"})
    # ERROR (coverage gap): Systems Manager in Singapore could not be read in the data account
    vm("i-0fmsa00000000005", "etl-worker-sg", DATA, "ap-southeast-1", state="running",
       **{"managed.unread": "Systems Manager (DescribeInstanceInformation) was not read in ap-southeast-1"})
    inv.gap(CoverageGap("aws", DATA, "ap-southeast-1", "ssm", ("compute.instance",), "AccessDeniedException",
                        "User is not authorized to perform: ssm:DescribeInstanceInformation"))

    # ERROR (coverage gap): DynamoDB in Tokyo could not be read in the data account
    inv.gap(CoverageGap("aws", DATA, "ap-northeast-1", "dynamodb", ("database",), "AccessDenied",
                        "User is not authorized to perform: dynamodb:ListTables"))
    registries_aws(inv)
    return inv


def registries_aws(inv):
    """ECR repositories (ETG 8.4.1): the trading account scans its repositories on push with a
    BASIC registry rule (filter trading/*); the data account has no registry rules."""
    rule = "registry rule (BASIC, SCAN_ON_PUSH)"
    for acct, name, mutability, scanned in (
        (TRADING, "trading/order-api", "IMMUTABLE", True),
        # VIOLATION compute.registry_tags_immutable: trading/web keeps `latest` movable (IMMUTABLE_WITH_EXCLUSION)
        (TRADING, "trading/web", "IMMUTABLE_WITH_EXCLUSION", True),
        # VIOLATION compute.registry_tags_immutable: data/etl-batch has MUTABLE tags
        # VIOLATION compute.registry_images_scanned: data/etl-batch is not scanned (no rules, its scanOnPush off)
        (DATA, "data/etl-batch", "MUTABLE", False),
    ):
        props = {"images.tags_immutable": mutability.startswith("IMMUTABLE"), "images.tags_immutable_by": f"imageTagMutability {mutability}",
                 "images.scan_type": "BASIC", "images.scan_on_push": scanned, "images.scan_continuous": False,
                 "images.scan_by": rule if scanned else "repository scanOnPush off (no registry rules)",
                 "created": "2025-08-01T00:00:00Z"}
        if mutability.endswith("_WITH_EXCLUSION"):
            props["images.tag_exclusions"] = ["latest"]
        res(inv, "aws", acct, TW, "compute.registry", "AWS::ECR::Repository", f"arn:aws:ecr:{TW}:{acct}:repository/{name}", name, props)


# --------------------------------------------------------------------------- Azure
TENANT = "7d1e5f3a-0b2c-4d6e-8f90-a1b2c3d4e5f6"
SUB_PROD = "aaaaaaaa-1111-4aaa-8aaa-000000000001"
SUB_DEV = "bbbbbbbb-2222-4bbb-8bbb-000000000002"


def azure() -> Inventory:
    inv = Inventory(collected_at=COLLECTED_AT, sources=[{"connector": "sample", "provider": "azure"}])

    def arm(sub, rg, typ, name):
        return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{typ}/{name}"

    for sub, name in ((SUB_PROD, "fmsa-prod"), (SUB_DEV, "fmsa-dev")):
        res(inv, "azure", sub, "global", "account", "Microsoft.Resources/subscriptions", f"/subscriptions/{sub}", name,
            {"organization_id": TENANT, "internet_access.conditions": [
                {"kind": "device", "by": "Conditional Access 'CA01 Admins: compliant or hybrid-joined device' (all apps)"}]})
    law_sec = arm(SUB_PROD, "rg-sec", "Microsoft.OperationalInsights/workspaces", "law-fmsa-sec")
    trail = f"/subscriptions/{SUB_PROD}/providers/microsoft.insights/diagnosticSettings/activity-to-law"
    res(inv, "azure", SUB_PROD, "global", "log.trail", "Microsoft.Insights/diagnosticSettings", trail, "activity-to-law",
        {"enabled": True, "all_regions": True, "management_events": True})
    inv.relate(trail, "logs_to", law_sec)
    # VIOLATION logging.audit_trail_enabled: the dev subscription exports no activity log
    # VIOLATION logging.retention_minimum: security workspace tagged audit keeps 730 days
    res(inv, "azure", SUB_PROD, "taiwannorth", "log.store", "Microsoft.OperationalInsights/workspaces", law_sec, "law-fmsa-sec",
        {"retention_days": 730, "encryption.enabled": True, "encryption.key_manager": "customer"}, {"cloudgov:log-class": "audit"})
    res(inv, "azure", SUB_PROD, "taiwannorth", "log.store", "Microsoft.OperationalInsights/workspaces",
        arm(SUB_PROD, "rg-net", "Microsoft.OperationalInsights/workspaces", "law-fmsa-firewall"), "law-fmsa-firewall",
        {"retention_days": 1100, "encryption.enabled": True, "encryption.key_manager": "customer"}, {"cloudgov:log-class": "firewall"})

    def user(name, **p):
        base = {"human": True, "console_access": True, "mfa": True, "mfa_evidence": "userRegistrationDetails",
                "roles": [], "actions": None, "access_keys": [], "last_used": "2026-10-29T00:00:00Z"}
        base.update(p)
        oid = f"/tenants/{TENANT}/users/{name}@fmsa.com.tw"
        return res(inv, "azure", TENANT, "global", "identity.user", "Microsoft.Graph/users", oid, f"{name}@fmsa.com.tw", base)

    user("grace.kao", roles=["Global Administrator"])
    # VIOLATION mfa.privileged_users: subscription Owner without MFA registration
    user("henry.tsai", roles=["Owner"], role_scopes=[f"/subscriptions/{SUB_PROD}"], mfa=False)
    user("ivy.helpdesk", roles=["Reader"], mfa=False)
    # ERROR mfa.privileged_users: Contributor whose MFA registration report could not be read
    user("jack.vendor", roles=["Contributor"], mfa=None, mfa_unknown_reason="guest user: not in userRegistrationDetails")
    for i in range(1, 21):
        user(f"staff{i:02d}", roles=["Reader"], mfa=i % 4 != 0)
    res(inv, "azure", TENANT, "global", "identity.user", "Microsoft.Graph/servicePrincipals",
        f"/tenants/{TENANT}/servicePrincipals/sp-backup-automation", "sp-backup-automation",
        {"human": False, "roles": ["Backup Contributor"], "actions": None, "access_keys": [], "last_used": "2026-10-31T00:00:00Z"})

    kv = arm(SUB_PROD, "rg-sec", "Microsoft.KeyVault/vaults", "kv-fmsa-tw")
    k_ok = f"https://kv-fmsa-tw.vault.azure.net/keys/cmk-storage"
    res(inv, "azure", SUB_PROD, "taiwannorth", "kms.key", "Microsoft.KeyVault/vaults/keys", k_ok, "cmk-storage",
        {"key_manager": "customer", "rotation_enabled": True, "rotation_period_days": 365, "state": "enabled", "policy_public": False,
         "vault": kv, "protection_level": "hsm", "protection_evidence": "kty RSA-HSM"})
    # VIOLATION encryption.key_rotation: no rotation policy on the SQL key
    # VIOLATION encryption.key_in_hsm: the SQL key is software-protected (kty RSA, Standard vault)
    res(inv, "azure", SUB_PROD, "taiwannorth", "kms.key", "Microsoft.KeyVault/vaults/keys", "https://kv-fmsa-tw.vault.azure.net/keys/cmk-sql",
        "cmk-sql", {"key_manager": "customer", "rotation_enabled": False, "state": "enabled", "policy_public": False, "vault": kv,
                    "protection_level": "software", "protection_evidence": "kty RSA"})

    def storage(name, region="taiwannorth", sub=SUB_PROD, cmk=True, tags=None, **p):
        base = {"encryption.enabled": True, "encryption.key_manager": "customer" if cmk else "provider",
                "geo_redundant": False, "replica_regions": [],
                "transit.tls_required": True, "transit.tls_required_by": "supportsHttpsTrafficOnly",
                "transit.min_tls_version": "1.2", "transit.min_tls_by": "minimumTlsVersion TLS1_2"}
        if cmk:
            base["encryption.key_id"] = k_ok
        base.update(p)
        rid = arm(sub, "rg-data", "Microsoft.Storage/storageAccounts", name)
        return res(inv, "azure", sub, region, "storage.object", "Microsoft.Storage/storageAccounts", rid, name, base, tags)

    storage("stfmsaprod", geo_redundant=True, secondary_regions=["taiwannorthwest"])
    # VIOLATION encryption.object_storage_cmk: Microsoft-managed keys on the records account
    storage("stfmsarecords", cmk=False)
    # VIOLATION residency.data_location: East Asia is Hong Kong
    # VIOLATION residency.geo_redundant_storage: RA-GRS pair is Southeast Asia (Singapore)
    # VIOLATION encryption.tls_minimum_version: the legacy account still accepts TLS 1.0
    storage("stfmsalegacy", "eastasia", geo_redundant=True, secondary_regions=["southeastasia"],
            tags={NATURAL_PERSON: "false"},  # legacy application logs, no customer data
            **{"transit.min_tls_version": "1.0", "transit.min_tls_by": "minimumTlsVersion TLS1_0"})
    for i in range(1, 11):
        storage(f"stfmsaapp{i:02d}", sub=SUB_DEV if i > 6 else SUB_PROD)

    for i in range(1, 21):
        cmk = i != 13
        # VIOLATION encryption.block_storage_cmk: disk 13 uses platform-managed keys
        res(inv, "azure", SUB_PROD, "taiwannorth", "storage.block", "Microsoft.Compute/disks",
            arm(SUB_PROD, "rg-app", "Microsoft.Compute/disks", f"disk-app-{i:02d}"), f"disk-app-{i:02d}",
            {"encryption.enabled": True, "encryption.key_manager": "customer" if cmk else "provider"})
    # VIOLATION encryption.database_cmk: service-managed TDE on the CRM database
    res(inv, "azure", SUB_PROD, "taiwannorth", "database", "Microsoft.Sql/servers/databases",
        arm(SUB_PROD, "rg-app", "Microsoft.Sql/servers", "sql-fmsa/databases/crm"), "sql-fmsa/crm",
        {"encryption.enabled": True, "encryption.key_manager": "provider", "geo_redundant": False, "replica_regions": [],
         "transit.tls_required": True, "transit.tls_required_by": "platform: Azure SQL Database enforces encryption on all connections",
         "transit.min_tls_version": "1.2", "transit.min_tls_by": "server minimalTlsVersion 1.2"})
    res(inv, "azure", SUB_PROD, "taiwannorth", "database", "Microsoft.Sql/servers/databases",
        arm(SUB_PROD, "rg-app", "Microsoft.Sql/servers", "sql-fmsa/databases/trading"), "sql-fmsa/trading",
        {"encryption.enabled": True, "encryption.key_manager": "customer", "geo_redundant": False, "replica_regions": [],
         "transit.tls_required": True, "transit.tls_required_by": "platform: Azure SQL Database enforces encryption on all connections",
         "transit.min_tls_version": "1.2", "transit.min_tls_by": "server minimalTlsVersion 1.2"})
    for rid in list(inv.resources):  # Azure SQL keeps automated backups for point-in-time restore (7 days by default)
        if "/Microsoft.Sql/servers/" in rid:
            inv.resources[rid].properties.update({"backup.enabled": True, "backup.retention_days": 7})
    monitoring_azure(inv, arm, k_ok)
    nsg = lambda name: arm(SUB_PROD, "rg-net", "Microsoft.Network/networkSecurityGroups", name)  # noqa: E731
    res(inv, "azure", SUB_PROD, "taiwannorth", "network.firewall", "Microsoft.Network/networkSecurityGroups", nsg("nsg-web"), "nsg-web",
        {"rule_model": "first_match", "network": "vnet-fmsa-prod", "ingress_rules": [
            {"action": "allow", "protocol": "tcp", "ports": [[443, 443]], "sources": ["Internet"], "priority": 100, "name": "allow-https"},
            {"action": "allow", "protocol": "tcp", "ports": [[3389, 3389]], "sources": ["10.10.0.0/24"], "priority": 200, "name": "rdp-from-bastion"}]})
    # VIOLATION network.admin_ports_open: RDP allowed from any address before the deny
    res(inv, "azure", SUB_PROD, "taiwannorth", "network.firewall", "Microsoft.Network/networkSecurityGroups", nsg("nsg-jumpbox"), "nsg-jumpbox",
        {"rule_model": "first_match", "network": "vnet-fmsa-prod", "ingress_rules": [
            {"action": "allow", "protocol": "tcp", "ports": [[3389, 3389]], "sources": ["*"], "priority": 110, "name": "RDP"},
            {"action": "deny", "protocol": "all", "ports": None, "sources": ["Internet"], "priority": 4000, "name": "deny-internet"}]})
    # virtual machines (ETG 8.4.2): Azure Update Manager's periodic assessment
    def vm(name, sub=SUB_PROD, rg="rg-app", **p):
        return res(inv, "azure", sub, "taiwannorth", "compute.instance", "Microsoft.Compute/virtualMachines",
                   arm(sub, rg, "Microsoft.Compute/virtualMachines", name), name, p)

    for i in (1, 2):
        vm(f"vm-trading-{i:02d}", state="running", platform="Linux", **{"managed.agent": True, "managed.by": "azure-update-manager",
           "managed.detail": "patchSettings.assessmentMode AutomaticByPlatform, patchMode AutomaticByPlatform"})
    # VIOLATION compute.instances_managed: the jump box is left to the image's default (no periodic assessment)
    vm("vm-jumpbox", rg="rg-net", state="running", platform="Windows", **{"managed.agent": False,
       "managed.detail": "patchSettings.assessmentMode ImageDefault, patchMode AutomaticByOS"})
    vm("vm-dev-build", SUB_DEV, "rg-dev", state="stopped", platform="Linux", **{"managed.agent": False,  # deallocated
       "managed.detail": "patchSettings.assessmentMode ImageDefault"})
    res(inv, "azure", SUB_PROD, "taiwannorth", "network.load_balancer", "Microsoft.Network/applicationGateways",
        arm(SUB_PROD, "rg-net", "Microsoft.Network/applicationGateways", "agw-fmsa-web"), "agw-fmsa-web",
        {"tls.listeners": 1, "tls.policies": ["AppGwSslPolicy20220101"], "transit.min_tls_version": "1.2",
         "transit.min_tls_by": "sslPolicy Predefined AppGwSslPolicy20220101"})
    return inv


#: the CIS Azure Foundations activity-log alerts (§5.2), as two rules
CIS_AZURE = (("alert-policy-and-nsg", ["policy_assignment_write", "policy_assignment_delete", "security_group_write",
                                       "security_group_delete", "security_solution_write", "security_solution_delete"]),
             ("alert-sql-fw-and-pip", ["db_firewall_write", "db_firewall_delete", "public_ip_write", "public_ip_delete"]))


def monitoring_azure(inv, arm, k_ok):
    plans = ("VirtualMachines", "StorageAccounts", "SqlServers", "KeyVaults", "Arm")
    for sub in (SUB_PROD, SUB_DEV):
        for plan in plans:
            # VIOLATION monitoring.threat_detection: Defender for Servers is on the Free tier in dev
            standard = not (sub == SUB_DEV and plan == "VirtualMachines")
            res(inv, "azure", sub, "global", "monitor.detector", "Microsoft.Security/pricings",
                f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/{plan}", plan,
                {"service": "defender", "plan": plan, "tier": "Standard" if standard else "Free", "enabled": standard})
    # VIOLATION monitoring.security_alerts: the dev subscription has no activity-log alert rules
    for name, events in CIS_AZURE:
        rid = arm(SUB_PROD, "rg-sec", "Microsoft.Insights/activityLogAlerts", name)
        res(inv, "azure", SUB_PROD, "global", "monitor.alert", "Microsoft.Insights/activityLogAlerts", rid, name,
            {"events": events, "enabled": True, "notifies": True, "alarm": rid})
    # VIOLATION backup.vault_immutable: the Recovery Services vault's immutability is enabled but not locked
    for name, typ, lock in (("bv-fmsa-disks", "Microsoft.DataProtection/backupVaults", "locked"),
                            ("rsv-fmsa", "Microsoft.RecoveryServices/vaults", "unlocked")):
        res(inv, "azure", SUB_PROD, "taiwannorth", "backup", typ, arm(SUB_PROD, "rg-backup", typ, name), name,
            {"encryption.enabled": True, "encryption.key_manager": "customer", "encryption.key_id": k_ok,
             "geo_redundant": False, "replica_regions": [], "backup_vault": True, "immutability": lock})
    vault = arm(SUB_PROD, "rg-backup", "Microsoft.DataProtection/backupVaults", "bv-fmsa-disks")
    for i in range(1, 21):
        disk = arm(SUB_PROD, "rg-app", "Microsoft.Compute/disks", f"disk-app-{i:02d}")
        rid = f"{vault}/backupInstances/disk-app-{i:02d}"
        res(inv, "azure", SUB_PROD, "taiwannorth", "backup", "Microsoft.DataProtection/backupVaults/backupInstances", rid,
            f"disk-app-{i:02d}", {"encryption.enabled": True, "encryption.key_manager": "customer", "encryption.key_id": k_ok,
                                  "geo_redundant": False, "replica_regions": [], "created": "2026-10-31T20:00:00Z", "vault": vault,
                                  "source_id": disk})
        inv.relate(rid, "backup_of", disk)
    registries_azure(inv, arm)


def registries_azure(inv, arm):
    """Container registries (ETG 8.4.1) and the Defender for Containers plan that scans them."""
    for sub, standard in ((SUB_PROD, True), (SUB_DEV, False)):
        res(inv, "azure", sub, "global", "monitor.detector", "Microsoft.Security/pricings",
            f"/subscriptions/{sub}/providers/Microsoft.Security/pricings/Containers", "Containers",
            {"service": "defender", "plan": "Containers", "tier": "Standard" if standard else "Free", "enabled": standard,
             **({"features_on": ["ContainerRegistriesVulnerabilityAssessments"], "features_off": []} if standard else {})})
    # ERROR compute.registry_tags_immutable: ACR tag locks are data-plane (both registries)
    # VIOLATION compute.registry_images_scanned: the dev subscription's Defender for Containers plan is Free
    for sub, name, sku, scanned in ((SUB_PROD, "acrfmsaprod", "Premium", True), (SUB_DEV, "acrfmsadev", "Basic", False)):
        rg = "rg-app" if sub == SUB_PROD else "rg-dev"
        by = ("Defender for Cloud Containers plan (Standard, ContainerRegistriesVulnerabilityAssessments on)" if scanned
              else "no Defender plan with ContainerRegistriesVulnerabilityAssessments on the Standard tier "
                   "(Containers, CloudPosture, ContainerRegistry)")
        res(inv, "azure", sub, "taiwannorth", "compute.registry", "Microsoft.ContainerRegistry/registries",
            arm(sub, rg, "Microsoft.ContainerRegistry/registries", name), name,
            {"sku": sku, "images.content_trust": sku == "Premium", "images.quarantine": False, "images.unread": ACR_TAGS_UNREAD,
             "images.scan_on_push": scanned, "images.scan_continuous": scanned, "images.scan_by": by})


# ----------------------------------------------------------------------------- GCP
GCP_ORG = "123456789012"
GCS_TRANSIT = "not configurable: Cloud Storage has no bucket setting that refuses plain HTTP or old TLS"
BQ_TRANSIT = "not configurable: BigQuery has no per-dataset transport setting (Google APIs over TLS)"
P_TRADE, P_ANALYTICS = "fmsa-trading-prod", "fmsa-analytics"


def gcp() -> Inventory:
    inv = Inventory(collected_at=COLLECTED_AT, sources=[{"connector": "sample", "provider": "gcp"}])
    for p in (P_TRADE, P_ANALYTICS):
        # VIOLATION network.internet_access_conditions: the analytics project is outside the
        # service perimeter, so nothing conditions access from the internet on device or source IP
        conditions = [{"kind": "perimeter", "by": "VPC Service Controls perimeter fmsa_trading (access level office_ips: ipSubnetworks)"}] \
            if p == P_TRADE else []
        res(inv, "gcp", p, "global", "account", "cloudresourcemanager.googleapis.com/Project",
            f"//cloudresourcemanager.googleapis.com/projects/{p}", p,
            {"organization_id": GCP_ORG, "internet_access.conditions": conditions})
    audit = f"//cloudresourcemanager.googleapis.com/organizations/{GCP_ORG}/auditConfigs/allServices"
    res(inv, "gcp", GCP_ORG, "global", "log.trail", "cloudresourcemanager.googleapis.com/AuditConfig", audit, "org audit config",
        {"enabled": True, "all_regions": True, "organization": True, "organization_id": GCP_ORG, "management_events": True,
         "aggregated": True, "data_access_logs": ["allServices"]})  # an organisation sink with includeChildren (ETG 8.3.4)
    inv.relate(audit, "logs_to", f"//logging.googleapis.com/projects/{P_TRADE}/locations/asia-east1/buckets/sec-audit")
    # Security Command Center per project (Security Center Management securityCenterServices.list)
    # VIOLATION monitoring.threat_detection: Event Threat Detection turned off for the analytics project
    for p, etd in ((P_TRADE, "ENABLED"), (P_ANALYTICS, "DISABLED")):
        res(inv, "gcp", p, "global", "monitor.detector", "securitycentermanagement.googleapis.com/SecurityCenterService",
            f"//securitycentermanagement.googleapis.com/projects/{p}/locations/global/securityCenterServices",
            "Security Command Center",
            {"service": "scc", "enabled": True, "services": {"event-threat-detection": etd, "security-health-analytics": "ENABLED",
                                                             "container-threat-detection": "DISABLED"}})
    # VIOLATION monitoring.security_alerts: the analytics project has no log-based metric alerts
    for cls in ("owner_change", "audit_trail_change", "custom_role_change", "security_group_change", "route_table_change",
                "vpc_change", "storage_policy_change", "db_config_change"):
        pol = f"//monitoring.googleapis.com/projects/{P_TRADE}/alertPolicies/cis-{cls.replace('_', '-')}"
        res(inv, "gcp", P_TRADE, "global", "monitor.alert", "monitoring.googleapis.com/AlertPolicy", pol, f"cis-{cls.replace('_', '-')}",
            {"events": [cls], "enabled": True, "notifies": True, "alarm": pol,
             "metric": f"logging.googleapis.com/user/cis-{cls.replace('_', '-')}"})

    def member(email, roles, **p):
        base = {"human": True, "console_access": True, "mfa": True, "mfa_evidence": "directory_api", "roles": roles,
                "actions": None, "access_keys": [], "last_used": "2026-10-20T00:00:00Z"}
        base.update(p)
        return res(inv, "gcp", GCP_ORG, "global", "identity.user", "iam.googleapis.com/Member", f"user:{email}", email, base)

    member("kevin.lee@fmsa.com.tw", ["roles/owner"])
    member("lisa.analyst@fmsa.com.tw", ["roles/bigquery.dataViewer"], mfa=False)
    # ERROR mfa.privileged_users: 2SV state unknown (Directory API not granted)
    member("mike.ops@fmsa.com.tw", ["roles/editor"], mfa=None, mfa_unknown_reason="Directory API not readable (no --directory-customer)")
    # VIOLATION mfa.privileged_access_keys: Terraform service account (roles/editor) with a user-managed key
    res(inv, "gcp", P_TRADE, "global", "identity.user", "iam.googleapis.com/ServiceAccount",
        f"//iam.googleapis.com/projects/{P_TRADE}/serviceAccounts/sa-terraform@{P_TRADE}.iam.gserviceaccount.com",
        f"sa-terraform@{P_TRADE}.iam.gserviceaccount.com",
        {"human": False, "roles": ["roles/editor"], "actions": None, "last_used": "2026-10-31T00:00:00Z",
         "access_keys": [{"id": "3f2a9c0d1e", "active": True, "created": "2025-02-14T00:00:00Z"}]})

    def kkey(name, loc="asia-east1", **p):
        base = {"key_manager": "customer", "rotation_enabled": True, "rotation_period_days": 90, "state": "enabled", "policy_public": False,
                "protection_level": "hsm", "protection_evidence": "versionTemplate.protectionLevel HSM"}
        base.update(p)
        rid = f"//cloudkms.googleapis.com/projects/{P_TRADE}/locations/{loc}/keyRings/fmsa/cryptoKeys/{name}"
        return res(inv, "gcp", P_TRADE, loc, "kms.key", "cloudkms.googleapis.com/CryptoKey", rid, name, base)

    k_tw = kkey("cmek-tw")
    # VIOLATION residency.data_location: the disk key lives in Tokyo
    # VIOLATION encryption.key_in_hsm: the Tokyo key is software-protected
    k_jp = kkey("cmek-tokyo", "asia-northeast1", protection_level="software",
                protection_evidence="versionTemplate.protectionLevel SOFTWARE")

    def bucket(name, loc="asia-east1", keyid=k_tw, project=P_TRADE, **p):
        base = {"encryption.enabled": True, "geo_redundant": False, "replica_regions": [],
                "transit.tls_required_by": GCS_TRANSIT, "transit.min_tls_by": GCS_TRANSIT}
        base.update(p)
        rid = f"//storage.googleapis.com/projects/_/buckets/{name}"
        if keyid:
            inv.relate(rid, "encrypted_by", keyid)
        else:
            base["encryption.key_manager"] = "provider"
        return res(inv, "gcp", project, loc, "storage.object", "storage.googleapis.com/Bucket", rid, name, base)

    bucket("fmsa-trading-data")
    # VIOLATION residency.data_location: ASIA multi-region places data anywhere in Asia
    # VIOLATION encryption.object_storage_cmk: Google-managed encryption key
    # ERROR residency.offshore_without_local_backup: offshore, and nobody declared whether it
    # holds customer data of a material natural-person system (no cloudgov-material-natural-person label)
    bucket("fmsa-research-asia", "ASIA", None, P_ANALYTICS, geo_redundant=True)
    for i in range(1, 16):
        bucket(f"fmsa-batch-{i:02d}", project=P_ANALYTICS if i > 8 else P_TRADE)

    for i in range(1, 11):
        rid = f"//compute.googleapis.com/projects/{P_TRADE}/zones/asia-east1-b/disks/gke-node-{i:02d}"
        res(inv, "gcp", P_TRADE, "asia-east1-b", "storage.block", "compute.googleapis.com/Disk", rid, f"gke-node-{i:02d}",
            {"encryption.enabled": True, "backup.enabled": True})  # a daily snapshot schedule (resource policy)
        inv.relate(rid, "encrypted_by", k_jp if i == 10 else k_tw)
    # VIOLATION encryption.database_cmk: Cloud SQL with Google-managed encryption
    # VIOLATION encryption.database_tls_only: sslMode ALLOW_UNENCRYPTED_AND_ENCRYPTED
    res(inv, "gcp", P_TRADE, "asia-east1", "database", "sqladmin.googleapis.com/Instance",
        f"//cloudsql.googleapis.com/projects/{P_TRADE}/instances/pg-accounts", "pg-accounts",
        {"encryption.enabled": True, "encryption.key_manager": "provider", "replica_regions": [], "geo_redundant": False,
         "transit.tls_required": False, "transit.tls_required_by": "settings.ipConfiguration.sslMode ALLOW_UNENCRYPTED_AND_ENCRYPTED",
         "backup.enabled": True})
    ds = f"//bigquery.googleapis.com/projects/{P_ANALYTICS}/datasets/risk_marts"
    res(inv, "gcp", P_ANALYTICS, "asia-east1", "database", "bigquery.googleapis.com/Dataset", ds, "risk_marts",
        {"encryption.enabled": True, "replica_regions": [], "geo_redundant": False,
         "transit.tls_required_by": BQ_TRANSIT, "transit.min_tls_by": BQ_TRANSIT})
    inv.relate(ds, "encrypted_by", k_tw)
    snap = f"//bigquery.googleapis.com/projects/{P_ANALYTICS}/datasets/risk_marts_backup/tables/positions_20261031"
    res(inv, "gcp", P_ANALYTICS, "asia-east1", "backup", "bigquery.googleapis.com/Table", snap, "positions_20261031",
        {"encryption.enabled": True, "replica_regions": [], "geo_redundant": False, "created": "2026-10-31T16:00:00Z", "source_id": ds,
         "snapshot_type": "table snapshot"})
    inv.relate(snap, "backup_of", ds)
    inv.relate(snap, "encrypted_by", k_tw)

    def log_bucket(name, project, days, keyid=k_tw, tags=None, locked=False):
        rid = f"//logging.googleapis.com/projects/{project}/locations/asia-east1/buckets/{name}"
        res(inv, "gcp", project, "asia-east1", "log.store", "logging.googleapis.com/LogBucket", rid, name,
            {"encryption.enabled": True, "retention_days": days, "locked": locked}, tags)
        inv.relate(rid, "encrypted_by", keyid)

    # virtual machines (ETG 8.4.2): VM Manager (OS Config), enabled on the instance or the project
    def gce(name, project, **p):
        rid = f"//compute.googleapis.com/projects/{project}/zones/asia-east1-b/instances/{name}"
        return res(inv, "gcp", project, "asia-east1-b", "compute.instance", "compute.googleapis.com/Instance", rid, name, p)

    gce("order-gw-01", P_TRADE, state="running", **{"managed.agent": True, "managed.by": "osconfig",
        "managed.detail": "enable-osconfig TRUE in the instance's metadata"})
    gce("order-gw-02", P_TRADE, state="running", **{"managed.agent": True, "managed.by": "osconfig",
        "managed.detail": "enable-osconfig TRUE in the project's metadata"})
    gce("order-gw-old", P_TRADE, state="stopped", **{"managed.agent": True, "managed.by": "osconfig",  # TERMINATED: stopped
        "managed.detail": "enable-osconfig TRUE in the project's metadata"})
    # ERROR compute.instances_managed: the analytics VM sets no enable-osconfig and its project's metadata was not read
    gce("risk-notebook", P_ANALYTICS, state="running", **{"managed.unread": "the instance sets no enable-osconfig "
        "and the project's metadata (commonInstanceMetadata) was not read"})

    fw = lambda name: f"//compute.googleapis.com/projects/{P_TRADE}/global/firewalls/{name}"  # noqa: E731
    # VIOLATION network.admin_ports_open: the default network's well-known default-allow-ssh rule
    res(inv, "gcp", P_TRADE, "global", "network.firewall", "compute.googleapis.com/Firewall", fw("default-allow-ssh"), "default-allow-ssh",
        {"rule_model": "network_rules", "network": "default", "disabled": False, "ingress_rules": [
            {"action": "allow", "protocol": "tcp", "ports": [[22, 22]], "sources": ["0.0.0.0/0"], "priority": 65534, "name": "default-allow-ssh"}]})
    res(inv, "gcp", P_TRADE, "global", "network.firewall", "compute.googleapis.com/Firewall", fw("default-allow-internal"), "default-allow-internal",
        {"rule_model": "network_rules", "network": "default", "disabled": False, "ingress_rules": [
            {"action": "allow", "protocol": "all", "ports": None, "sources": ["10.128.0.0/9"], "priority": 65534, "name": "default-allow-internal"}]})
    # GCP's default SSL policy (none attached) is the COMPATIBLE profile with TLS 1.0
    # VIOLATION encryption.tls_minimum_version: the web proxy has no SSL policy
    res(inv, "gcp", P_TRADE, "global", "network.load_balancer", "compute.googleapis.com/TargetHttpsProxy",
        f"//compute.googleapis.com/projects/{P_TRADE}/global/targetHttpsProxies/web-proxy", "web-proxy",
        {"tls.listeners": 1, "tls.policies": [], "transit.min_tls_version": "1.0",
         "transit.min_tls_by": "no SSL policy: Google's default (COMPATIBLE, TLS 1.0)"})

    log_bucket("sec-audit", P_TRADE, 1830, tags={"cloudgov-log-class": "audit"}, locked=True)
    # VIOLATION logging.retention_minimum: _Default bucket keeps 30 days (audit class assumed)
    # VIOLATION logging.audit_store_immutable: _Default bucket is not locked
    log_bucket("_Default", P_ANALYTICS, 30)
    registries_gcp(inv)
    return inv


def registries_gcp(inv):
    """Artifact Registry Docker repositories (ETG 8.4.1); a remote repository caching Docker Hub."""
    def repo(project, name, props):
        res(inv, "gcp", project, "asia-east1", "compute.registry", "artifactregistry.googleapis.com/Repository",
            f"//artifactregistry.googleapis.com/projects/{project}/locations/asia-east1/repositories/{name}", name,
            {"format": "DOCKER", "created": "2025-05-20T03:00:00Z", **props})

    scanning = {"images.scan_on_push": True, "images.scan_continuous": True,
                "images.scan_by": "Artifact Analysis (vulnerabilityScanningConfig SCANNING_ACTIVE)"}
    repo(P_TRADE, "trading-images", {"mode": "STANDARD_REPOSITORY", "images.tags_immutable": True,
                                     "images.tags_immutable_by": "dockerConfig.immutableTags", **scanning})
    repo(P_TRADE, "dockerhub-cache", {"mode": "REMOTE_REPOSITORY", **scanning})
    # VIOLATION compute.registry_tags_immutable: analytics-notebooks lets tags move
    # VIOLATION compute.registry_images_scanned: analytics-notebooks has scanning disabled
    repo(P_ANALYTICS, "analytics-notebooks", {"mode": "STANDARD_REPOSITORY", "images.tags_immutable": False,
                                              "images.tags_immutable_by": "dockerConfig.immutableTags",
                                              "images.scan_on_push": False, "images.scan_continuous": False,
                                              "images.scan_by": "vulnerabilityScanningConfig SCANNING_DISABLED (DISABLED)"})


def main() -> None:
    out = ROOT / "estate"
    out.mkdir(exist_ok=True)
    for name, build in (("aws", aws), ("azure", azure), ("gcp", gcp)):
        inv = build()
        save(inv, out / f"{name}.json", with_raw=False)
        print(f"{name}: {len(inv)} resources, {len(inv.relationships)} relationships -> estate/{name}.json")


if __name__ == "__main__":
    main()
