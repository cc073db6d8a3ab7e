"""The normalized model shared by every cloud: resources, relationships, findings.

One schema for AWS, Azure, GCP and IaC, so a policy is written once. ``None`` in a
property means *unknown*, never *false*: predicates that meet it return ERROR.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "Kind",
    "DATA_BEARING_KINDS",
    "Status",
    "Severity",
    "ControlRef",
    "Resource",
    "Relationship",
    "RelType",
    "CoverageGap",
    "Finding",
    "Waiver",
]


class Kind(StrEnum):
    """Canonical resource kinds. Connectors map native types onto these."""

    ACCOUNT = "account"  # AWS account, Azure subscription, GCP project
    IDENTITY_USER = "identity.user"
    IDENTITY_ROLE = "identity.role"
    IDENTITY_GROUP = "identity.group"
    IDENTITY_POLICY = "identity.policy"
    KMS_KEY = "kms.key"
    STORAGE_OBJECT = "storage.object"  # S3 bucket, storage account, GCS bucket
    STORAGE_BLOCK = "storage.block"  # EBS volume, managed disk, PD
    DATABASE = "database"  # RDS, DynamoDB, SQL, Cosmos DB, Cloud SQL, BigQuery, Spanner
    BACKUP = "backup"  # snapshots, backup vaults, recovery points
    LOG_TRAIL = "log.trail"  # control-plane audit logging: CloudTrail, activity-log export, audit config
    LOG_STORE = "log.store"  # where logs are kept: log groups, workspaces, log buckets
    RECORDER = "monitor.recorder"  # configuration change recording: AWS Config, Cloud Asset feeds
    DETECTOR = "monitor.detector"  # threat detection: GuardDuty, Defender for Cloud, Security Command Center
    ALERT = "monitor.alert"  # alerting on security events: metric filters + alarms, activity-log alerts
    QUEUE = "messaging.queue"  # SNS/SQS, Service Bus, Pub/Sub
    FIREWALL = "network.firewall"  # security groups, NSGs, VPC firewall rules
    LOAD_BALANCER = "network.load_balancer"  # ELB listeners, Application Gateway, target proxies
    COMPUTE = "compute.instance"
    FUNCTION = "compute.function"
    CONTAINER = "compute.container"
    REGISTRY = "compute.registry"  # container image repositories: ECR, Artifact Registry, ACR


def _data_bearing() -> frozenset[Kind]:
    from scanner.vocabulary import data_bearing_kinds

    return frozenset(Kind(k) for k in data_bearing_kinds())


#: Kinds that hold customer data; residency and CMK policies apply to them
#: (``data_bearing: true`` in scanner/vocabulary.yaml).
DATA_BEARING_KINDS = _data_bearing()


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"  # could not be evaluated: unknown data, unreadable API
    NOT_APPLICABLE = "NOT_APPLICABLE"
    WAIVED = "WAIVED"


class Severity(StrEnum):
    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValueError(
                f"unknown severity {value!r}; use one of {', '.join(s.value for s in cls)}"
            ) from None


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}

_CONTROL_RE = re.compile(r"^(?P<reg>[A-Z]{2,5}):(?P<path>[A-Za-z0-9][A-Za-z0-9.\-]*)$")


@dataclass(frozen=True, slots=True, order=True)
class ControlRef:
    """A reference to one item of a regulation, e.g. ``ETG:8.2.3`` or ``CSM:CC-17020.b.e``."""

    regulation: str
    path: str

    @classmethod
    def parse(cls, text: str) -> ControlRef:
        m = _CONTROL_RE.match(text.strip())
        if not m:
            raise ValueError(f"malformed control reference {text!r} (expected e.g. ETG:8.2.3)")
        return cls(m["reg"], m["path"])

    def __str__(self) -> str:
        return f"{self.regulation}:{self.path}"


@dataclass(frozen=True, slots=True, eq=False)
class Resource:
    """One cloud resource in normalized form.

    ``id`` is the provider's own identifier (ARN, Azure resource id, GCP full resource
    name). ``properties`` holds the canonical fields policies read (see docs/model.md);
    ``raw`` keeps what the API said, for evidence.
    """

    provider: str
    account: str
    region: str | None
    kind: str
    native_type: str
    id: str
    name: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    properties: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] | None = None

    def prop(self, key: str, default: Any = None) -> Any:
        return self.properties.get(key, default)

    def to_dict(self, *, with_raw: bool = True) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "provider": self.provider,
            "account": self.account,
            "region": self.region,
            "kind": self.kind,
            "native_type": self.native_type,
            "name": self.name,
            "tags": dict(self.tags),
            "properties": dict(self.properties),
        }
        if with_raw and self.raw is not None:
            d["raw"] = self.raw
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Resource:
        return cls(
            provider=d["provider"],
            account=str(d["account"]),
            region=d.get("region"),
            kind=d["kind"],
            native_type=d.get("native_type", ""),
            id=d["id"],
            name=d.get("name") or "",
            tags=d.get("tags") or {},
            properties=d.get("properties") or {},
            raw=d.get("raw"),
        )

    def ref(self) -> dict[str, Any]:
        """The short form used inside findings."""
        return {
            "id": self.id,
            "provider": self.provider,
            "account": self.account,
            "region": self.region,
            "kind": self.kind,
            "native_type": self.native_type,
            "name": self.name,
        }


class RelType(StrEnum):
    ENCRYPTED_BY = "encrypted_by"  # resource -> kms.key
    LOGS_TO = "logs_to"  # trail -> log store / bucket
    REPLICATES_TO = "replicates_to"  # bucket/table -> replica
    BACKUP_OF = "backup_of"  # snapshot/backup -> source
    MEMBER_OF = "member_of"  # user -> group
    MAY_BE_MEMBER_OF = "may_be_member_of"  # user -> group whose membership could not be read
    CAN_ASSUME = "can_assume"  # principal -> role
    IN_ACCOUNT = "in_account"  # resource -> account
    OPERATED_BY = "operated_by"  # account -> vendor service
    ATTACHED_TO = "attached_to"  # volume -> instance


@dataclass(frozen=True, slots=True)
class Relationship:
    source: str
    type: str
    target: str
    properties: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"source": self.source, "type": self.type, "target": self.target}
        if self.properties:
            d["properties"] = dict(self.properties)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Relationship:
        return cls(d["source"], d["type"], d["target"], d.get("properties") or {})


@dataclass(frozen=True, slots=True)
class CoverageGap:
    """Something a collector could not read, and why. Policies turn it into ERROR."""

    provider: str
    account: str
    region: str | None
    service: str
    kinds: tuple[str, ...]  # resource kinds whose evaluation this gap makes incomplete
    code: str  # the API's error code, e.g. AccessDenied, or OptInRequired
    message: str

    @property
    def id(self) -> str:
        return f"gap:{self.provider}:{self.account}:{self.region or 'global'}:{self.service}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "account": self.account,
            "region": self.region,
            "service": self.service,
            "kinds": list(self.kinds),
            "code": self.code,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CoverageGap:
        return cls(
            provider=d["provider"],
            account=str(d["account"]),
            region=d.get("region"),
            service=d["service"],
            kinds=tuple(d.get("kinds") or ()),
            code=d.get("code") or "Unknown",
            message=d.get("message") or "",
        )


@dataclass(frozen=True, slots=True)
class Waiver:
    """An approved exception (例外): which policy, which resources, why, until when."""

    id: str
    policy: str
    resources: tuple[str, ...]  # exact ids or globs (fnmatch), never substrings
    reason: str
    compensating_control: str  # 補償性措施
    owner: str
    approver: str
    expires: str  # ISO date
    #: tag selector: the resource carries every key with a matching value (exact or glob)
    tags: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id,
            "policy": self.policy,
            "resources": list(self.resources),
            "reason": self.reason,
            "compensating_control": self.compensating_control,
            "owner": self.owner,
            "approver": self.approver,
            "expires": self.expires,
        }
        if self.tags:
            d["tags"] = dict(self.tags)
        return d


@dataclass(slots=True)
class Finding:
    """The result of one policy on one resource."""

    policy: str
    status: Status
    severity: Severity
    resource: Resource
    message: str
    controls: tuple[str, ...]
    evidence: Mapping[str, Any] = field(default_factory=dict)
    waiver: Waiver | None = None
    location: Mapping[str, Any] | None = None  # IaC: {"file":..., "start_line":..., "end_line":...}

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    @property
    def fingerprint(self) -> str:
        """Stable id of this (policy, resource) pair across scans."""
        import hashlib

        return hashlib.sha256(f"{self.policy}\0{self.resource.id}".encode()).hexdigest()[:32]
