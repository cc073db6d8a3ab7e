"""Network exposure, encryption in transit and key protection, collected from moto and judged
by the policies (ETG 8, 8.1.1, 8.2.1, 8.7.1, 8.7.4).

Payload shapes: moto answers the EC2, ELBv2, RDS and S3 API reference shapes; the bucket
policy is the S3 user guide's "Deny requests that do not use HTTPS" example
(docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html); the DynamoDB
table policies are the shapes of the DynamoDB developer guide's resource-based policy
examples (docs.aws.amazon.com/amazondynamodb/latest/developerguide/rbac-examples.html, the
MusicCollection GetItem/BatchGetItem grant) and of aws-samples/resource-control-policy-examples'
"Restrict access to only HTTPS connections" statement (Deny, Principal *, dynamodb:*,
BoolIfExists aws:SecureTransport false), narrowed to one table's ARN."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from policies.registry import load_policies
from scanner.config import load_config
from scanner.connectors.aws.collect import ScanRequest, collect
from scanner.engine import evaluate

from .conftest import deny

TW = "ap-east-2"
ACCT = "123456789012"

#: the S3 user guide's example (its Sid and shape), for bucket tw-https
HTTPS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "RestrictToTLSRequestsOnly",
        "Action": "s3:*",
        "Effect": "Deny",
        "Resource": ["arn:aws:s3:::tw-https", "arn:aws:s3:::tw-https/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        "Principal": "*",
    }],
}
def _table_arn(name):
    return f"arn:aws:dynamodb:{TW}:{ACCT}:table/{name}"


#: DynamoDB: the HTTPS-only deny, on the table's own ARN
DDB_HTTPS_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": ["dynamodb:*"],
                   "Resource": _table_arn("orders-tls"), "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}],
}
#: DynamoDB: the guide's grant to two users — an Allow refuses nothing
DDB_GRANT = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "1111", "Effect": "Allow",
                   "Principal": {"AWS": [f"arn:aws:iam::{ACCT}:user/username", f"arn:aws:iam::{ACCT}:user/Jane"]},
                   "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem"], "Resource": [_table_arn("music")]}],
}
#: a policy that names SecureTransport but only for one prefix: plain HTTP still reaches the rest
PARTIAL = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "TlsForReports", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
                   "Resource": "arn:aws:s3:::tw-partial/reports/*",
                   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}],
}


@pytest.fixture
def estate():
    with mock_aws():
        s3 = boto3.client("s3", region_name=TW)
        for name, policy in (("tw-https", HTTPS_ONLY), ("tw-partial", PARTIAL), ("tw-nopolicy", None)):
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": TW})
            if policy:
                s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        ec2 = boto3.client("ec2", region_name=TW)
        vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        ssh = ec2.create_security_group(GroupName="bastion-open", Description="ssh from anywhere", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=ssh, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        every = ec2.create_security_group(GroupName="all-v6", Description="everything from ::/0", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=every, IpPermissions=[
            {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
        web = ec2.create_security_group(GroupName="web", Description="https only", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]][:2]
        elb = boto3.client("elbv2", region_name=TW)
        cert = boto3.client("acm", region_name=TW).request_certificate(DomainName="trade.example.com.tw")["CertificateArn"]
        target = elb.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]["TargetGroupArn"]
        lbs = {}
        for name, policy in (("old-tls", "ELBSecurityPolicy-2016-08"), ("tls12", "ELBSecurityPolicy-TLS13-1-2-2021-06")):
            arn = elb.create_load_balancer(Name=name, Subnets=subnets, SecurityGroups=[web])["LoadBalancers"][0]["LoadBalancerArn"]
            elb.create_listener(LoadBalancerArn=arn, Protocol="HTTPS", Port=443, SslPolicy=policy,
                                Certificates=[{"CertificateArn": cert}],
                                DefaultActions=[{"Type": "forward", "TargetGroupArn": target}])
            lbs[name] = arn
        plain = elb.create_load_balancer(Name="plain", Subnets=subnets, SecurityGroups=[web])["LoadBalancers"][0]["LoadBalancerArn"]
        elb.create_listener(LoadBalancerArn=plain, Protocol="HTTP", Port=80,
                            DefaultActions=[{"Type": "forward", "TargetGroupArn": target}])
        lbs["plain"] = plain
        rds = boto3.client("rds", region_name=TW)
        rds.create_db_parameter_group(DBParameterGroupName="pg-tls", DBParameterGroupFamily="postgres16", Description="TLS only")
        rds.modify_db_parameter_group(DBParameterGroupName="pg-tls", Parameters=[
            {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}])
        rds.create_db_parameter_group(DBParameterGroupName="mysql-plain", DBParameterGroupFamily="mysql8.0", Description="x")
        rds.modify_db_parameter_group(DBParameterGroupName="mysql-plain", Parameters=[
            {"ParameterName": "require_secure_transport", "ParameterValue": "0", "ApplyMethod": "immediate"}])
        for name, engine, group in (("pg-tls", "postgres", "pg-tls"), ("my-plain", "mysql", "mysql-plain")):
            rds.create_db_instance(DBInstanceIdentifier=name, Engine=engine, DBInstanceClass="db.t3.micro",
                                   MasterUsername="u", MasterUserPassword="password1234", DBParameterGroupName=group)
        ddb = boto3.client("dynamodb", region_name=TW)
        for name, policy in (("orders-tls", DDB_HTTPS_ONLY), ("music", DDB_GRANT), ("plain", None)):
            ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
            if policy:
                ddb.put_resource_policy(ResourceArn=_table_arn(name), Policy=json.dumps(policy))
        key = boto3.client("kms", region_name=TW).create_key(Description="orders")["KeyMetadata"]["Arn"]
        yield {"ssh": ssh, "every": every, "web": web, "lbs": lbs, "key": key}


def _scan(**kw):
    return collect(ScanRequest(regions=[TW], workers=4), session=boto3.Session(region_name="us-east-1"), **kw)


def _verdicts(inv):
    result = evaluate(inv, load_policies(), load_config())
    return {(f.policy, f.resource.id): f for f in result.findings}


def test_security_groups_load_balancers_buckets_and_databases(estate):
    inv = _scan()
    v = _verdicts(inv)
    sg = lambda gid: f"arn:aws:ec2:{TW}:{ACCT}:security-group/{gid}"  # noqa: E731
    assert v[("network.admin_ports_open", sg(estate["ssh"]))].status.value == "FAIL"
    assert "22 (SSH)" in v[("network.admin_ports_open", sg(estate["ssh"]))].message
    every = v[("network.admin_ports_open", sg(estate["every"]))]
    assert every.status.value == "FAIL"  # protocol -1: every port, all 24 of the list
    assert {o["port"] for o in every.evidence["open_ports"]} >= {3389, 5432, 27017}
    assert v[("network.admin_ports_open", sg(estate["web"]))].status.value == "PASS"  # 5432 only from 10/8
    assert inv.get(sg(estate["web"])).prop("network")  # its VPC
    lb = lambda name: estate["lbs"][name]  # noqa: E731
    assert v[("encryption.tls_minimum_version", lb("old-tls"))].status.value == "FAIL"
    assert inv.get(lb("old-tls")).prop("transit.min_tls_version") == "1.0"
    assert v[("encryption.tls_minimum_version", lb("tls12"))].status.value == "PASS"
    assert v[("encryption.tls_minimum_version", lb("plain"))].status.value == "NOT_APPLICABLE"
    assert v[("encryption.storage_tls_only", "arn:aws:s3:::tw-https")].status.value == "PASS"
    assert "RestrictToTLSRequestsOnly" in v[("encryption.storage_tls_only", "arn:aws:s3:::tw-https")].message
    assert v[("encryption.storage_tls_only", "arn:aws:s3:::tw-partial")].status.value == "FAIL"
    assert v[("encryption.storage_tls_only", "arn:aws:s3:::tw-nopolicy")].status.value == "FAIL"
    assert v[("encryption.tls_minimum_version", "arn:aws:s3:::tw-https")].status.value == "PASS"  # the endpoint's TLS 1.2
    db = lambda name: f"arn:aws:rds:{TW}:{ACCT}:db:{name}"  # noqa: E731
    assert v[("encryption.database_tls_only", db("pg-tls"))].status.value == "PASS"
    assert v[("encryption.database_tls_only", db("my-plain"))].status.value == "FAIL"
    assert inv.get(estate["key"]).prop("protection_level") == "hsm"  # AWS KMS HSMs
    # DynamoDB answers plain HTTP unless the table's resource policy denies it
    tls = v[("encryption.database_tls_only", _table_arn("orders-tls"))]
    assert tls.status.value == "PASS" and "DenyPlainHttp" in tls.message
    assert v[("encryption.database_tls_only", _table_arn("music"))].status.value == "FAIL"  # an Allow only
    plain = v[("encryption.database_tls_only", _table_arn("plain"))]
    assert plain.status.value == "FAIL" and "no resource policy" in plain.message
    assert inv.coverage_gaps == []


def test_unreadable_network_services_are_errors_not_passes(estate):
    inv = _scan(instrument=deny("ec2.DescribeSecurityGroups"))
    gaps = [g for g in inv.coverage_gaps if g.service == "ec2"]
    assert gaps and "network.firewall" in gaps[0].kinds
    v = _verdicts(inv)
    assert any(p == "network.admin_ports_open" and f.status.value == "ERROR" for (p, _), f in v.items())
    inv = _scan(instrument=deny("s3.GetBucketPolicy"))
    assert _verdicts(inv)[("encryption.storage_tls_only", "arn:aws:s3:::tw-https")].status.value == "ERROR"
    inv = _scan(instrument=deny("dynamodb.GetResourcePolicy"))
    unread = _verdicts(inv)[("encryption.database_tls_only", _table_arn("orders-tls"))]
    assert unread.status.value == "ERROR" and "not read" in unread.message
    gap = next(g for g in inv.coverage_gaps if g.service == "dynamodb")
    assert gap.kinds == () and "GetResourcePolicy" in gap.message.replace("get_resource_policy", "GetResourcePolicy")
    # it hid no table: no region-wide "could not read dynamodb" ERROR on the other database policies
    assert not any(f.status.value == "ERROR" and f.policy != "encryption.database_tls_only" and "dynamodb" in f.message
                   for f in _verdicts(inv).values())
    inv = _scan(instrument=deny("elbv2.DescribeSSLPolicies"))
    assert _verdicts(inv)[("encryption.tls_minimum_version", estate["lbs"]["old-tls"])].status.value == "ERROR"


def test_documented_shapes_are_judged_as_we_read_them():
    """tests/data/aws/network.json: AWS's documented examples and variants (sources in
    tests/data/aws/public/README.md); each verdict is ours."""
    from pathlib import Path

    from scanner.connectors.aws.normalize import normalize_account

    doc = json.loads((Path(__file__).resolve().parents[2] / "data" / "aws" / "network.json").read_text(encoding="utf-8"))
    v = {(p, rid.rsplit("/", 1)[-1].rsplit(":", 1)[-1]): f.status.value for (p, rid), f in _verdicts(normalize_account(doc)).items()}
    assert v[("network.admin_ports_open", "sg-903004f8")] == "PASS"          # SSH only from 203.0.113.0/24
    assert v[("network.admin_ports_open", "sg-0a1b2c3d4e5f60001")] == "FAIL"  # RDP 0.0.0.0/0, SQL Server ::/0
    assert v[("network.admin_ports_open", "sg-0a1b2c3d4e5f60002")] == "PASS"  # 80 and 443 only
    assert v[("encryption.tls_minimum_version", "50dc6c495c0c9188")] == "FAIL"  # ELBSecurityPolicy-2016-08: TLS 1.0
    assert v[("encryption.tls_minimum_version", "5d1b75f4f1cee11e")] == "PASS"
    assert v[("encryption.storage_tls_only", "amzn-s3-demo-bucket")] == "PASS"
    assert v[("encryption.storage_tls_only", "amzn-s3-demo-public-read")] == "FAIL"  # an Allow is no refusal
    assert v[("encryption.storage_tls_only", "amzn-s3-demo-no-policy")] == "FAIL"
    assert v[("encryption.database_tls_only", "database-1")] == "PASS"    # rds.force_ssl = 1
    assert v[("encryption.database_tls_only", "mysql-legacy")] == "FAIL"  # require_secure_transport = 0
    assert v[("encryption.tls_minimum_version", "mysql-legacy")] == "PASS"  # tls_version TLSv1.2,TLSv1.3
