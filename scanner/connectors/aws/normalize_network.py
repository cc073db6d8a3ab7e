"""Network and transport: EC2 security groups → ``network.firewall``, ELBv2 load balancers
and their listeners' TLS policies → ``network.load_balancer``, and what refuses plain HTTP
on an S3 bucket (its policy's ``aws:SecureTransport`` deny). Pure, like every normalizer.

Sources of the payload shapes: the EC2 API reference (DescribeSecurityGroups,
``IpPermissions``), the ELBv2 API reference (DescribeListeners, DescribeSSLPolicies) and the
S3 user guide's example policy "Deny requests that do not use HTTPS"
(docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html); moto answers
the same shapes (tests/connectors/aws/test_collect_network.py).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.connectors.aws.common import PROVIDER, as_list, policy_document, statements, tag_map
from scanner.model import Relationship, Resource

__all__ = ["security_group", "load_balancers", "bucket_transit", "rds_transit", "PLATFORM_TLS"]

Out = tuple[list[Resource], list[Relationship]]

#: AWS removed TLS 1.0 and 1.1 from every service API endpoint in 2023
#: (aws.amazon.com/blogs/security/tls-1-2-required-for-aws-endpoints/)
PLATFORM_TLS = ("1.2", "platform: AWS API endpoints refuse TLS 1.0 and 1.1 (since 2023)")


def _ip_rules(perm: Mapping[str, Any]) -> dict[str, Any]:
    proto = str(perm.get("IpProtocol", ""))
    protocol = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(proto, proto.lower())
    ports: list[list[int]] | None
    if protocol == "all":
        ports = None  # every protocol and every port
    elif protocol in ("tcp", "udp"):
        lo, hi = perm.get("FromPort"), perm.get("ToPort")
        if lo is None or hi is None or int(lo) == -1:
            ports = None
        else:
            ports = [[int(lo), int(hi)]]
    else:
        ports = []
    sources = [r["CidrIp"] for r in perm.get("IpRanges") or [] if r.get("CidrIp")]
    sources += [r["CidrIpv6"] for r in perm.get("Ipv6Ranges") or [] if r.get("CidrIpv6")]
    sources += [r["PrefixListId"] for r in perm.get("PrefixListIds") or [] if r.get("PrefixListId")]
    sources += [f"sg:{g.get('GroupId')}" for g in perm.get("UserIdGroupPairs") or [] if g.get("GroupId")]
    return {"action": "allow", "protocol": protocol, "ports": ports, "sources": sources, "priority": None}


def security_group(account: str, region: str, sg: Mapping[str, Any], _keys: Any = None,
                   tags: Mapping[str, Mapping[str, str]] | None = None) -> Out:
    """One ``DescribeSecurityGroups`` entry. Security groups only allow: any rule admits."""
    gid = sg["GroupId"]
    arn = f"arn:aws:ec2:{region}:{sg.get('OwnerId') or account}:security-group/{gid}"
    props: dict[str, Any] = {"rule_model": "allow_any", "network": sg.get("VpcId")}
    if "IpPermissions" in sg:
        props["ingress_rules"] = [{**_ip_rules(p), "name": f"{gid} ingress {i + 1}"}
                                  for i, p in enumerate(sg.get("IpPermissions") or [])]
    own_tags = tag_map(sg.get("Tags")) or dict((tags or {}).get(arn, {}))
    return [Resource(PROVIDER, account, region, "network.firewall", "AWS::EC2::SecurityGroup", arn,
                     sg.get("GroupName") or gid, own_tags, props, {"SecurityGroup": dict(sg)})], []


_TLS = {"SSLv3": "1.0", "TLSv1": "1.0", "TLSv1.1": "1.1", "TLSv1.2": "1.2", "TLSv1.3": "1.3"}


def _lowest(protocols: Iterable[str]) -> str | None:
    versions = [_TLS[p] for p in protocols if p in _TLS]
    return min(versions) if versions else None


def load_balancers(account: str, region: str, section: Mapping[str, Any], _keys: Any = None,
                   tags: Mapping[str, Mapping[str, str]] | None = None) -> Out:
    """``{"load_balancers": [DescribeLoadBalancers entries, each with "Listeners": [...] when
    read], "ssl_policies": {name: [SslProtocols]}}``. A listener's minimum is its policy's
    oldest protocol; the load balancer's is the oldest of its TLS listeners."""
    policies: Mapping[str, list[str]] = section.get("ssl_policies") or {}
    out: list[Resource] = []
    for lb in section.get("load_balancers") or []:
        arn = lb["LoadBalancerArn"]
        props: dict[str, Any] = {"scheme": lb.get("Scheme")}
        if "Listeners" in lb:
            tls = [x for x in lb["Listeners"] or [] if str(x.get("Protocol", "")).upper() in ("HTTPS", "TLS")]
            names = sorted({str(x.get("SslPolicy")) for x in tls if x.get("SslPolicy")})
            props["tls.listeners"] = len(tls)
            props["tls.policies"] = names
            lows = {n: _lowest(policies[n]) if n in policies else None for n in names}
            unnamed = any(not x.get("SslPolicy") for x in tls)
            if tls and not unnamed and all(lows.values()):
                props["transit.min_tls_version"] = min(v for v in lows.values() if v)
                props["transit.min_tls_by"] = "listener TLS policy " + ", ".join(names)
            elif tls:
                unknown = [n for n, v in lows.items() if not v] + (["(a listener names none)"] if unnamed else [])
                props["transit.min_tls_by"] = "TLS policy not described: " + ", ".join(unknown)
        out.append(Resource(PROVIDER, account, region, "network.load_balancer",
                            "AWS::ElasticLoadBalancingV2::LoadBalancer", arn, lb.get("LoadBalancerName") or arn,
                            dict((tags or {}).get(arn, {})), props,
                            {"LoadBalancer": {k: v for k, v in lb.items() if k != "Listeners"},
                             "Listeners": lb.get("Listeners")}))
    return out, []


def _false(value: Any) -> bool:
    return any(str(v).lower() == "false" for v in as_list(value))


def _matches(patterns: Any, value: str) -> bool:
    return any(fnmatch.fnmatchcase(value.lower(), str(p).lower()) for p in as_list(patterns))


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and any(p == "*" for p in as_list(principal.get("AWS")))


def plain_http_denied_by(doc: Mapping[str, Any] | None, actions: tuple[str, ...], resource: str) -> Mapping[str, Any] | None:
    """The statement of a resource policy that refuses plain HTTP: a Deny to everyone on
    all of ``actions`` over ``resource`` carrying ``"Bool": {"aws:SecureTransport": "false"}``
    (NotAction / NotResource statements are not relied on). None when no statement does."""
    for st in statements(doc):
        if st.get("Effect") != "Deny" or not _everyone(st.get("Principal")):
            continue
        cond = st.get("Condition") or {}
        insecure = any(_false((cond.get(op) or {}).get("aws:SecureTransport")) for op in ("Bool", "BoolIfExists"))
        if not insecure or "NotAction" in st or "NotResource" in st:
            continue
        if all(_matches(st.get("Action"), a) for a in actions) and _matches(st.get("Resource"), resource):
            return st
    return None


def bucket_transit(entry: Mapping[str, Any], partition: str = "aws") -> dict[str, Any]:
    """``transit.*`` of one bucket from its policy (``"Policy"``: GetBucketPolicy's text, None
    when the bucket has none; absent: not read). Plain HTTP is refused when a Deny to everyone
    on object reads and writes carries ``"Bool": {"aws:SecureTransport": "false"}``."""
    props: dict[str, Any] = {"transit.min_tls_version": PLATFORM_TLS[0], "transit.min_tls_by": PLATFORM_TLS[1]}
    if "Policy" not in entry:
        return props
    if entry["Policy"] is None:
        props.update({"transit.tls_required": False, "transit.tls_required_by": "no bucket policy"})
        return props
    doc = policy_document((entry["Policy"] or {}).get("Policy") if isinstance(entry["Policy"], Mapping) else entry["Policy"])
    if doc is None:
        props["transit.tls_required_by"] = "the bucket policy could not be parsed"
        return props
    st = plain_http_denied_by(doc, ("s3:GetObject", "s3:PutObject"), f"arn:{partition}:s3:::{entry['Name']}/object")
    if st is not None:
        props.update({"transit.tls_required": True,
                      "transit.tls_required_by": f"bucket policy statement {st.get('Sid') or '(no Sid)'} denies aws:SecureTransport false"})
        return props
    props.update({"transit.tls_required": False,
                  "transit.tls_required_by": "the bucket policy has no deny on aws:SecureTransport false for all objects"})
    return props


#: DynamoDB's endpoints answer plain HTTP too; a table refuses it only by a resource policy
#: (or an identity-side deny, not read): reads and writes are what the deny must cover
DYNAMODB_DATA_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan")


def dynamodb_transit(t: Mapping[str, Any]) -> dict[str, Any]:
    """``transit.tls_required`` of a DynamoDB table from its resource policy
    (``"ResourcePolicy"``: GetResourcePolicy's answer, None when the table has none; absent:
    not read, so unknown)."""
    if "ResourcePolicy" not in t:
        return {"transit.tls_required_by": "DynamoDB endpoints accept HTTP; the table's resource policy was not read"}
    if t["ResourcePolicy"] is None:
        return {"transit.tls_required": False,
                "transit.tls_required_by": "DynamoDB endpoints accept HTTP and the table has no resource policy denying it"}
    raw = t["ResourcePolicy"]
    doc = policy_document(raw.get("Policy") if isinstance(raw, Mapping) else raw)
    if doc is None:
        return {"transit.tls_required_by": "the table's resource policy could not be parsed"}
    st = plain_http_denied_by(doc, DYNAMODB_DATA_ACTIONS, str(t.get("TableArn") or ""))
    if st is not None:
        return {"transit.tls_required": True,
                "transit.tls_required_by": f"resource policy statement {st.get('Sid') or '(no Sid)'} denies aws:SecureTransport false"}
    return {"transit.tls_required": False,
            "transit.tls_required_by": "DynamoDB endpoints accept HTTP and the table's resource policy has no deny on aws:SecureTransport false for reads and writes"}


_ON = {"1", "on", "true"}
_OFF = {"0", "off", "false"}


def rds_transit(db: Mapping[str, Any], parameter_groups: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """``transit.*`` of an RDS instance from its DB parameter group (``parameter_groups``:
    name → the TLS parameters read; None: not read). PostgreSQL and SQL Server refuse plain
    connections with ``rds.force_ssl`` = 1, MySQL and MariaDB with
    ``require_secure_transport`` = 1/ON; a parameter without a value, an Aurora member (its
    cluster parameter group decides) or Oracle (an SSL option) stays unknown."""
    engine = str(db.get("Engine") or "").lower()
    names = [g.get("DBParameterGroupName") for g in db.get("DBParameterGroups") or [] if g.get("DBParameterGroupName")]
    if engine.startswith("aurora") or db.get("DBClusterIdentifier"):
        return {"transit.tls_required_by": "an Aurora member: its DB cluster parameter group is not read"}
    if engine.startswith("postgres") or engine.startswith("sqlserver"):
        param = "rds.force_ssl"
    elif engine in ("mysql", "mariadb"):
        param = "require_secure_transport"
    else:
        return {"transit.tls_required_by": f"engine {engine or '(unknown)'}: TLS is enforced by an option group, not read"}
    if parameter_groups is None or not names or names[0] not in parameter_groups:
        return {"transit.tls_required_by": f"the DB parameter group ({param}) was not read"}
    params = parameter_groups[names[0]]
    value = str(params.get(param) or "").strip().lower()
    props: dict[str, Any] = {}
    if value in _ON:
        props.update({"transit.tls_required": True, "transit.tls_required_by": f"{names[0]}: {param} = {params[param]}"})
    elif value in _OFF:
        props.update({"transit.tls_required": False, "transit.tls_required_by": f"{names[0]}: {param} = {params[param]}"})
    else:
        props["transit.tls_required_by"] = f"{names[0]}: {param} has no value (engine default)"
    minimum = str(params.get("ssl_min_protocol_version") or "")
    if minimum.startswith("TLSv"):
        props.update({"transit.min_tls_version": _TLS.get(minimum, minimum[4:]),
                      "transit.min_tls_by": f"{names[0]}: ssl_min_protocol_version = {minimum}"})
    elif params.get("tls_version"):
        versions = [_TLS[v.strip()] for v in str(params["tls_version"]).split(",") if v.strip() in _TLS]
        if versions:
            props.update({"transit.min_tls_version": min(versions),
                          "transit.min_tls_by": f"{names[0]}: tls_version = {params['tls_version']}"})
    return props
