"""Small shared pieces of the AWS connector: ARNs, tags, timestamps, key references.

Pure Python, no boto3: the offline readers and the normalizers import this.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import unquote

PROVIDER = "aws"
LOG_CLASS_TAG = "cloudgov:log-class"



@dataclass(frozen=True)
class Service:
    """One AWS service the connector reads: the canonical kinds an unreadable call to it
    leaves incomplete, whether it is read per region, and its section of a region's bundle
    (the key of ``fetch_regional.REGION_SERVICES``)."""

    kinds: tuple[str, ...]
    regional: bool
    section: str | None = None


#: The connector's services, declared once. A kind a normalizer emits must be listed under
#: the service it comes from (tests/test_vocabulary.py checks it against every fixture):
#: that is what makes an account or region we could not read an ERROR for that kind.
SERVICES: dict[str, Service] = {
    "iam": Service(("identity.user", "identity.role", "identity.group"), regional=False),
    "organizations": Service(("account",), regional=False),
    "sts": Service((), regional=False),
    "s3": Service(("storage.object", "log.store"), regional=False),
    "resourcegroupstaggingapi": Service(("log.store",), regional=True, section="tags"),  # tags give the log class
    "kms": Service(("kms.key",), regional=True, section="kms"),
    "cloudtrail": Service(("log.trail",), regional=True, section="cloudtrail"),
    "logs": Service(("log.store",), regional=True, section="logs"),
    "ec2": Service(("storage.block", "backup", "network.firewall", "compute.instance"), regional=True, section="ec2"),
    # DescribeInstanceInformation: which instances the SSM agent reports (asked only where instances are)
    "ssm": Service(("compute.instance",), regional=True, section="ec2"),
    "elbv2": Service(("network.load_balancer",), regional=True, section="elbv2"),
    "rds": Service(("database", "backup"), regional=True, section="rds"),
    "dynamodb": Service(("database",), regional=True, section="dynamodb"),
    "backup": Service(("backup",), regional=True, section="backup"),
    "sns": Service(("messaging.queue",), regional=True, section="sns"),
    "sqs": Service(("messaging.queue",), regional=True, section="sqs"),
    "config": Service(("monitor.recorder",), regional=True, section="config"),
    "guardduty": Service(("monitor.detector",), regional=True, section="guardduty"),
    "cloudwatch": Service(("monitor.alert",), regional=True, section="alarms"),  # and the logs metric filters
    "ecr": Service(("compute.registry",), regional=True, section="ecr"),
}

#: service → kinds its coverage gaps name
SERVICE_KINDS: dict[str, tuple[str, ...]] = {name: s.kinds for name, s in SERVICES.items()}

#: Every canonical kind this connector produces (derived): an account we could not enter
#: at all makes all of them incomplete.
ALL_KINDS: tuple[str, ...] = ("account", *dict.fromkeys(k for s in SERVICES.values() for k in s.kinds if k != "account"))


def arn_region(arn: str | None) -> str | None:
    """The region field of an ARN (``arn:aws:rds:us-west-2:...`` → ``us-west-2``), or None."""
    if not arn or not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 5)
    return parts[3] or None if len(parts) > 3 else None


def arn_account(arn: str | None) -> str | None:
    if not arn or not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 5)
    return parts[4] or None if len(parts) > 4 else None


def arn_partition(arn: str | None, default: str = "aws") -> str:
    if arn and arn.startswith("arn:"):
        return arn.split(":", 2)[1] or default
    return default


def tag_map(tags: Any) -> dict[str, str]:
    """Tags in any of AWS's shapes (``[{Key, Value}]``, ``[{TagKey, TagValue}]``,
    ``{k: v}``, ``[{key, value}]``) as a flat str→str map."""
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for t in tags:
        if not isinstance(t, Mapping):
            continue
        k = t.get("Key", t.get("TagKey", t.get("key", t.get("tagKey"))))
        v = t.get("Value", t.get("TagValue", t.get("value", t.get("tagValue"))))
        if k is not None:
            out[str(k)] = "" if v is None else str(v)
    return out


def iso(value: Any) -> str | None:
    """A timestamp from boto3 (datetime), a JSON export (ISO text) or epoch millis, as ISO
    8601 UTC text; None when absent or not a time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=UTC)
        return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        secs = value / 1000 if value > 1e11 else value
        return datetime.fromtimestamp(secs, tz=UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, str):
        text = value.strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return iso(dt)
    return None


def jsonable(value: Any) -> Any:
    """A boto3 response made JSON-safe (datetimes → ISO, bytes → text), minus
    ResponseMetadata. Collected payloads are kept in this form, so the live path and the
    recorded test payloads are the same shape."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return iso(value) if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value


def policy_document(doc: Any) -> dict[str, Any] | None:
    """A policy document as a dict: boto3 gives dicts, the raw API and some exports give
    URL-encoded JSON text."""
    if doc is None:
        return None
    if isinstance(doc, Mapping):
        return dict(doc)
    if isinstance(doc, str):
        for text in (doc, unquote(doc)):
            try:
                parsed = json.loads(text)
            except (json.JSONDecodeError, TypeError):
                continue
            if isinstance(parsed, dict):
                return parsed
    return None


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def statements(doc: Mapping[str, Any] | None) -> Iterable[Mapping[str, Any]]:
    if not doc:
        return []
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, Mapping)]
