"""EC2 instances → ``compute.instance``, with whether Systems Manager manages them (ETG 8.4.2).
Pure, like every normalizer.

Payload shapes: the EC2 API reference (DescribeInstances: ``Reservations[].Instances[]``,
``State.Name``) and the Systems Manager API reference (DescribeInstanceInformation:
``InstanceInformationList[]`` with ``PingStatus`` Online / ConnectionLost / Inactive and
``LastPingDateTime``); recorded public examples in tests/data/aws/public/README.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scanner.connectors.aws.common import PROVIDER, iso, tag_map
from scanner.model import Relationship, Resource

__all__ = ["ec2_instances", "INSTANCE_STATE"]

Out = tuple[list[Resource], list[Relationship]]

#: EC2 instance state → canonical ``state`` (shutting-down / terminated are not collected)
INSTANCE_STATE = {"pending": "running", "running": "running", "stopping": "stopped", "stopped": "stopped"}


def _managed(info: Mapping[str, Any] | None, read: bool, region: str, export: bool) -> dict[str, Any]:
    if not read:
        if export:
            return {"managed.unread": "an AWS Config export carries no Systems Manager state (the SSM agent's "
                                      "reports are read on a live scan)"}
        return {"managed.unread": f"Systems Manager (DescribeInstanceInformation) was not read in {region}"}
    if info is None:
        return {"managed.agent": False, "managed.detail": "not registered with Systems Manager"}
    status = info.get("PingStatus")
    props: dict[str, Any] = {"managed.by": "ssm", "managed.last_seen": iso(info.get("LastPingDateTime")),
                             "managed.detail": f"SSM PingStatus {status}"}
    if status == "Online":
        props["managed.agent"] = True
    elif status in ("ConnectionLost", "Inactive"):
        props["managed.agent"] = False  # registered, but the agent no longer reports
    else:
        props["managed.unread"] = f"Systems Manager answered PingStatus {status!r}"
    return props


def ec2_instances(account: str, region: str, ec2: Mapping[str, Any], tags: Mapping[str, Mapping[str, str]],
                  partition: str = "aws", *, export: bool = False) -> Out:
    """The ``ec2`` section's ``instances`` (trimmed DescribeInstances entries) joined with its
    ``managed_instances`` (DescribeInstanceInformation); that key absent: SSM was not read
    (``export``: the bundle is an AWS Config export, which has no such answer)."""
    read = "managed_instances" in ec2
    by_id = {m["InstanceId"]: m for m in ec2.get("managed_instances") or [] if m.get("InstanceId")}
    out: list[Resource] = []
    for i in ec2.get("instances") or []:
        native_state = (i.get("State") or {}).get("Name")
        if native_state in ("shutting-down", "terminated"):
            continue  # gone or going: not in use
        iid = i.get("InstanceId")
        if not iid:
            continue
        arn = f"arn:{partition}:ec2:{region}:{account}:instance/{iid}"
        t = tag_map(i.get("Tags")) or dict(tags.get(arn) or {})
        props: dict[str, Any] = {"state": INSTANCE_STATE.get(str(native_state)),
                                 "platform": i.get("PlatformDetails") or i.get("Platform"),
                                 **_managed(by_id.get(iid), read, region, export)}
        out.append(Resource(PROVIDER, account, region, "compute.instance", "AWS::EC2::Instance", arn,
                            t.get("Name", iid), t, props))
    return out, []
