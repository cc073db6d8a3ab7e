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
def aws() -> Inventory:
    inv = Inventory(collected_at=COLLECTED_AT, sources=[{"connector": "sample", "provider": "aws"}])
    for acct, name in ((MGMT, "fmsa-management"), (TRADING, "fmsa-trading-prod"), (DATA, "fmsa-data-prod")):
        res(inv, "aws", acct, "global", "account", "AWS::Organizations::Account", f"arn:aws:organizations::{MGMT}:account/{ORG}/{acct}", name, {"organization_id": ORG})
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
        base = {"key_manager": "customer", "rotation_enabled": True, "state": "enabled", "policy_public": False}
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
        base = {"encryption.enabled": True, "replica_regions": []}
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
        bucket(f"fmsa-app-{i:02d}", TRADING if i % 2 else DATA, keyid=k_trading if i % 2 else k_data)

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
        base.update(p)
        prefix = "dynamodb" if native.startswith("AWS::DynamoDB") else "rds"
        kind_path = f"table/{name}" if prefix == "dynamodb" else f"db:{name}"
        rid = f"arn:aws:{prefix}:{region}:{acct}:{kind_path}"
        res(inv, "aws", acct, region, "database", native, rid, name, base)
        if keyid:
            inv.relate(rid, "encrypted_by", keyid)
        return rid

    trading_db = db("trading-core", "AWS::RDS::DBInstance", keyid=k_trading)
    # VIOLATION encryption.database_cmk: CRM database under the AWS-managed aws/rds key
    db("crm-legacy", "AWS::RDS::DBInstance")
    # VIOLATION residency.replica_location: DynamoDB global table with a Tokyo replica
    db("orders", "AWS::DynamoDB::Table", keyid=k_trading, replica_regions=[TW, "ap-northeast-1"])
    for i in range(1, 9):
        db(f"svc-{i}", "AWS::DynamoDB::Table", DATA, keyid=k_data)

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

    trail_bucket = res(inv, "aws", MGMT, TW, "log.store", "AWS::S3::Bucket", "arn:aws:s3:::fmsa-org-cloudtrail", "fmsa-org-cloudtrail",
                       {"encryption.enabled": True, "retention_days": 2557, "log_class": "audit", "replica_regions": []})
    key("mrk-audit", MGMT)
    inv.relate(trail_bucket, "encrypted_by", f"arn:aws:kms:{TW}:{MGMT}:key/mrk-audit")
    trail = res(inv, "aws", MGMT, TW, "log.trail", "AWS::CloudTrail::Trail", f"arn:aws:cloudtrail:{TW}:{MGMT}:trail/fmsa-org-trail", "fmsa-org-trail",
                {"enabled": True, "all_regions": True, "organization": True, "organization_id": ORG, "management_events": True})
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

    log_group("/fmsa/cloudtrail/org", MGMT, f"arn:aws:kms:{TW}:{MGMT}:key/mrk-audit", {"cloudgov:log-class": "audit"}, retention_days=1827)
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

    # ERROR (coverage gap): DynamoDB in Tokyo could not be read in the data account
    inv.gap(CoverageGap("aws", DATA, "ap-northeast-1", "dynamodb", ("database",), "AccessDenied",
                        "User is not authorized to perform: dynamodb:ListTables"))
    return inv


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
            {"organization_id": TENANT})
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
         "vault": kv})
    # VIOLATION encryption.key_rotation: no rotation policy on the SQL key
    res(inv, "azure", SUB_PROD, "taiwannorth", "kms.key", "Microsoft.KeyVault/vaults/keys", "https://kv-fmsa-tw.vault.azure.net/keys/cmk-sql",
        "cmk-sql", {"key_manager": "customer", "rotation_enabled": False, "state": "enabled", "policy_public": False, "vault": kv})

    def storage(name, region="taiwannorth", sub=SUB_PROD, cmk=True, tags=None, **p):
        base = {"encryption.enabled": True, "encryption.key_manager": "customer" if cmk else "provider",
                "geo_redundant": False, "replica_regions": []}
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
    storage("stfmsalegacy", "eastasia", geo_redundant=True, secondary_regions=["southeastasia"],
            tags={NATURAL_PERSON: "false"})  # legacy application logs, no customer data
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
        {"encryption.enabled": True, "encryption.key_manager": "provider", "geo_redundant": False, "replica_regions": []})
    res(inv, "azure", SUB_PROD, "taiwannorth", "database", "Microsoft.Sql/servers/databases",
        arm(SUB_PROD, "rg-app", "Microsoft.Sql/servers", "sql-fmsa/databases/trading"), "sql-fmsa/trading",
        {"encryption.enabled": True, "encryption.key_manager": "customer", "geo_redundant": False, "replica_regions": []})
    return inv


# ----------------------------------------------------------------------------- GCP
GCP_ORG = "123456789012"
P_TRADE, P_ANALYTICS = "fmsa-trading-prod", "fmsa-analytics"


def gcp() -> Inventory:
    inv = Inventory(collected_at=COLLECTED_AT, sources=[{"connector": "sample", "provider": "gcp"}])
    for p in (P_TRADE, P_ANALYTICS):
        res(inv, "gcp", p, "global", "account", "cloudresourcemanager.googleapis.com/Project",
            f"//cloudresourcemanager.googleapis.com/projects/{p}", p, {"organization_id": GCP_ORG})
    audit = f"//cloudresourcemanager.googleapis.com/organizations/{GCP_ORG}/auditConfigs/allServices"
    res(inv, "gcp", GCP_ORG, "global", "log.trail", "cloudresourcemanager.googleapis.com/AuditConfig", audit, "org audit config",
        {"enabled": True, "all_regions": True, "organization": True, "organization_id": GCP_ORG, "management_events": True})

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
        base = {"key_manager": "customer", "rotation_enabled": True, "rotation_period_days": 90, "state": "enabled", "policy_public": False}
        base.update(p)
        rid = f"//cloudkms.googleapis.com/projects/{P_TRADE}/locations/{loc}/keyRings/fmsa/cryptoKeys/{name}"
        return res(inv, "gcp", P_TRADE, loc, "kms.key", "cloudkms.googleapis.com/CryptoKey", rid, name, base)

    k_tw = kkey("cmek-tw")
    # VIOLATION residency.data_location: the disk key lives in Tokyo
    k_jp = kkey("cmek-tokyo", "asia-northeast1")

    def bucket(name, loc="asia-east1", keyid=k_tw, project=P_TRADE, **p):
        base = {"encryption.enabled": True, "geo_redundant": False, "replica_regions": []}
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
            {"encryption.enabled": True})
        inv.relate(rid, "encrypted_by", k_jp if i == 10 else k_tw)
    # VIOLATION encryption.database_cmk: Cloud SQL with Google-managed encryption
    res(inv, "gcp", P_TRADE, "asia-east1", "database", "sqladmin.googleapis.com/Instance",
        f"//cloudsql.googleapis.com/projects/{P_TRADE}/instances/pg-accounts", "pg-accounts",
        {"encryption.enabled": True, "encryption.key_manager": "provider", "replica_regions": [], "geo_redundant": False})
    ds = f"//bigquery.googleapis.com/projects/{P_ANALYTICS}/datasets/risk_marts"
    res(inv, "gcp", P_ANALYTICS, "asia-east1", "database", "bigquery.googleapis.com/Dataset", ds, "risk_marts",
        {"encryption.enabled": True, "replica_regions": [], "geo_redundant": False})
    inv.relate(ds, "encrypted_by", k_tw)

    def log_bucket(name, project, days, keyid=k_tw, tags=None):
        rid = f"//logging.googleapis.com/projects/{project}/locations/asia-east1/buckets/{name}"
        res(inv, "gcp", project, "asia-east1", "log.store", "logging.googleapis.com/LogBucket", rid, name,
            {"encryption.enabled": True, "retention_days": days}, tags)
        inv.relate(rid, "encrypted_by", keyid)

    log_bucket("sec-audit", P_TRADE, 1830, tags={"cloudgov-log-class": "audit"})
    # VIOLATION logging.retention_minimum: _Default bucket keeps 30 days (audit class assumed)
    log_bucket("_Default", P_ANALYTICS, 30)
    return inv


def main() -> None:
    out = ROOT / "estate"
    out.mkdir(exist_ok=True)
    for name, build in (("aws", aws), ("azure", azure), ("gcp", gcp)):
        inv = build()
        save(inv, out / f"{name}.json", with_raw=False)
        print(f"{name}: {len(inv)} resources, {len(inv.relationships)} relationships -> estate/{name}.json")


if __name__ == "__main__":
    main()
