"""AWS Config recorders → ``monitor.recorder``; GuardDuty detectors → ``monitor.detector``;
CloudWatch Logs metric filters and the alarms on their metrics → ``monitor.alert``. Pure.

A metric filter's pattern is matched against the CIS AWS Foundations Benchmark's (v3.0 §4.1–
4.15): a filter serves an event class when its pattern names every event the benchmark's
pattern names (token by token, so spacing, order and extra terms do not matter). A filter
no alarm watches is still emitted, with ``alarm`` null, so the policy can say so.

Bundle sections (per region): ``config: {"recorders": [...], "statuses": [...]}``
(DescribeConfigurationRecorders / ...RecorderStatus), ``guardduty: [GetDetector answers with
"DetectorId"]``, ``alarms: {"metric_filters": [...], "alarms": [MetricAlarms]}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from scanner.connectors.aws.common import PROVIDER
from scanner.model import Kind, Resource

__all__ = ["config_recorders", "guardduty_detectors", "metric_alerts", "pattern_events", "CIS_EVENTS"]

#: event class → the tokens the CIS benchmark's filter pattern names (every one must appear)
CIS_EVENTS: dict[str, tuple[str, ...]] = {
    "unauthorized_api_calls": ("UnauthorizedOperation", "AccessDenied"),
    "console_signin_without_mfa": ("ConsoleLogin", "MFAUsed"),
    "root_use": ("userIdentity.type", "Root"),
    "iam_policy_change": ("DeleteGroupPolicy", "DeleteRolePolicy", "DeleteUserPolicy", "PutGroupPolicy", "PutRolePolicy",
                          "PutUserPolicy", "CreatePolicy", "DeletePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
                          "AttachRolePolicy", "DetachRolePolicy", "AttachUserPolicy", "DetachUserPolicy",
                          "AttachGroupPolicy", "DetachGroupPolicy"),
    "audit_trail_change": ("CreateTrail", "UpdateTrail", "DeleteTrail", "StartLogging", "StopLogging"),
    "console_auth_failure": ("ConsoleLogin", "Failed authentication"),
    "key_deletion": ("kms.amazonaws.com", "DisableKey", "ScheduleKeyDeletion"),
    "storage_policy_change": ("s3.amazonaws.com", "PutBucketAcl", "PutBucketPolicy", "PutBucketCors", "PutBucketLifecycle",
                              "PutBucketReplication", "DeleteBucketPolicy", "DeleteBucketCors", "DeleteBucketLifecycle",
                              "DeleteBucketReplication"),
    "config_change": ("config.amazonaws.com", "StopConfigurationRecorder", "DeleteDeliveryChannel", "PutDeliveryChannel",
                      "PutConfigurationRecorder"),
    "security_group_change": ("AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress", "RevokeSecurityGroupIngress",
                              "RevokeSecurityGroupEgress", "CreateSecurityGroup", "DeleteSecurityGroup"),
    "nacl_change": ("CreateNetworkAcl", "CreateNetworkAclEntry", "DeleteNetworkAcl", "DeleteNetworkAclEntry",
                    "ReplaceNetworkAclEntry", "ReplaceNetworkAclAssociation"),
    "network_gateway_change": ("CreateCustomerGateway", "DeleteCustomerGateway", "AttachInternetGateway",
                               "CreateInternetGateway", "DeleteInternetGateway", "DetachInternetGateway"),
    "route_table_change": ("CreateRoute", "CreateRouteTable", "ReplaceRoute", "ReplaceRouteTableAssociation",
                           "DeleteRouteTable", "DeleteRoute", "DisassociateRouteTable"),
    "vpc_change": ("CreateVpc", "DeleteVpc", "ModifyVpcAttribute", "AcceptVpcPeeringConnection", "CreateVpcPeeringConnection",
                   "DeleteVpcPeeringConnection", "RejectVpcPeeringConnection"),
    "organization_change": ("organizations.amazonaws.com", "AcceptHandshake", "AttachPolicy", "CreateAccount",
                            "CreateOrganizationalUnit", "CreatePolicy", "DeclineHandshake", "DeleteOrganization",
                            "DeleteOrganizationalUnit", "DeletePolicy", "DetachPolicy", "DisablePolicyType",
                            "EnablePolicyType", "InviteAccountToOrganization", "LeaveOrganization", "MoveAccount",
                            "RemoveAccountFromOrganization", "UpdatePolicy", "UpdateOrganizationalUnit"),
}

_WORD = re.compile(r"[A-Za-z0-9_.*-]+(?: authentication)?")


def pattern_events(pattern: str | None) -> list[str]:
    """The CIS event classes a CloudWatch Logs filter pattern covers."""
    if not pattern:
        return []
    text = str(pattern)
    words = {w.strip("*.") for w in _WORD.findall(text)} | {w.strip("*") for w in re.findall(r'"([^"]*)"', text)}
    words |= {part for w in list(words) for part in w.split(".")}  # $.additionalEventData.MFAUsed names MFAUsed
    out = []
    for cls, tokens in CIS_EVENTS.items():
        if all(t in words for t in tokens):
            out.append(cls)
    return out


def _recorder_arn(account: str, region: str, name: str, partition: str) -> str:
    return f"arn:{partition}:config:{region}:{account}:configuration-recorder/{name}"


def config_recorders(account: str, region: str, section: Mapping[str, Any], partition: str = "aws") -> list[Resource]:
    statuses = {s.get("name"): s for s in section.get("statuses") or [] if isinstance(s, Mapping)}
    statuses_read = "statuses" in section
    out = []
    for rec in section.get("recorders") or []:
        name = str(rec.get("name") or "default")
        group = rec.get("recordingGroup") or {}
        strategy = (group.get("recordingStrategy") or {}).get("useOnly")
        if strategy:
            everything = strategy == "ALL_SUPPORTED_RESOURCE_TYPES"
        else:
            everything = group.get("allSupported") if isinstance(group.get("allSupported"), bool) else None
        status = statuses.get(name)
        props: dict[str, Any] = {
            "all_resource_types": everything,
            "global_resources": group.get("includeGlobalResourceTypes") if isinstance(group.get("includeGlobalResourceTypes"), bool) else None,
            "resource_types": list(group.get("resourceTypes") or []),
        }
        if status is not None:
            props["recording"] = status.get("recording") if isinstance(status.get("recording"), bool) else None
            props["last_status"] = status.get("lastStatus")
        elif statuses_read:
            props["recording"] = False  # the status call answered without this recorder: never started
        arn = rec.get("arn") or _recorder_arn(account, region, name, partition)
        out.append(Resource(PROVIDER, account, region, Kind.RECORDER, "AWS::Config::ConfigurationRecorder", arn, name,
                            {}, {k: v for k, v in props.items() if v is not None}, {"recorder": dict(rec), "status": status}))
    return out


def guardduty_detectors(account: str, region: str, detectors: Iterable[Mapping[str, Any]], partition: str = "aws") -> list[Resource]:
    out = []
    for d in detectors:
        did = str(d.get("DetectorId") or "")
        if not did:
            continue
        status = d.get("Status")
        features = [f for f in d.get("Features") or [] if isinstance(f, Mapping) and f.get("Name")]
        props: dict[str, Any] = {
            "service": "guardduty",
            "enabled": {"ENABLED": True, "DISABLED": False}.get(str(status).upper()) if status else None,
            "features_on": sorted(f["Name"] for f in features if f.get("Status") == "ENABLED"),
            "features_off": sorted(f["Name"] for f in features if f.get("Status") == "DISABLED"),
        }
        arn = f"arn:{partition}:guardduty:{region}:{account}:detector/{did}"
        out.append(Resource(PROVIDER, account, region, Kind.DETECTOR, "AWS::GuardDuty::Detector", arn, did,
                            dict(d.get("Tags") or {}), {k: v for k, v in props.items() if v is not None},
                            {k: v for k, v in d.items() if k in ("Status", "Features", "DataSources", "FindingPublishingFrequency")}))
    return out


def metric_alerts(account: str, region: str, section: Mapping[str, Any], partition: str = "aws") -> list[Resource]:
    by_metric: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for a in section.get("alarms") or []:
        by_metric.setdefault((str(a.get("Namespace")), str(a.get("MetricName"))), []).append(a)
    out = []
    for f in section.get("metric_filters") or []:
        events = pattern_events(f.get("filterPattern"))
        group = str(f.get("logGroupName") or "")
        group_arn = f"arn:{partition}:logs:{region}:{account}:log-group:{group}"
        name = str(f.get("filterName") or "")
        base = f"{group_arn}:metric-filter:{name}"
        for t in f.get("metricTransformations") or [{}]:
            metric = (str(t.get("metricNamespace")), str(t.get("metricName")))
            watching = by_metric.get(metric, [])
            common = {"events": events, "filter": f.get("filterPattern"), "log_group": group_arn,
                      "metric": f"{metric[0]}/{metric[1]}"}
            if not watching:  # a filter no alarm watches (or the alarms were not read: their gap says so)
                out.append(Resource(PROVIDER, account, region, Kind.ALERT, "AWS::Logs::MetricFilter", base, name,
                                    {}, {**common, "alarm": None}, {"filter": dict(f)}))
                continue
            for a in watching:
                props = {**common, "alarm": a.get("AlarmArn") or a.get("AlarmName"),
                         "enabled": a.get("ActionsEnabled") if isinstance(a.get("ActionsEnabled"), bool) else None,
                         "notifies": bool(a.get("AlarmActions"))}
                rid = f"{base}/alarm/{a.get('AlarmName')}"
                out.append(Resource(PROVIDER, account, region, Kind.ALERT, "AWS::CloudWatch::Alarm", rid,
                                    str(a.get("AlarmName") or name), {}, {k: v for k, v in props.items() if v is not None},
                                    {"filter": dict(f), "alarm": dict(a)}))
    return out
