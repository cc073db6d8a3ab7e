"""What a live AWS scan reads, derived from the policies chosen for it.

Every collection unit — a regional service of ``fetch_regional.REGION_SERVICES``, a part
of one (KMS rotation, DynamoDB continuous backups), a per-bucket call, a global read — is
declared once in :data:`UNITS` with what it produces: the canonical kinds whose resources
it emits or whose properties it changes, and, for a unit that only adds properties or
edges to resources others emit, those field names (vocabulary properties and relationship
types). A selected policy declares what its predicate reads (``reads:`` in
``policies/<area>.yaml``: its own kinds, the kinds it consults through edges, and the fields
it reads — see :class:`policies.registry.Reads`); a unit is collected when some selected
policy may read what it produces. A policy that declares nothing reads everything, and
no selection collects every unit: when in doubt, collect.

The guard (tests/connectors/aws/test_plan.py) scans a seeded moto account once in full
and once per selection, and requires each selection's findings to equal its subset of the
full scan's: a unit that produces more than it declares turns it red.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policies.registry import Policy

__all__ = ["Collects", "UNITS", "Plan", "plan_for", "needing", "EVERYTHING"]


@dataclass(frozen=True)
class Collects:
    """What one collection unit produces. ``kinds``: the kinds whose resources it emits or
    whose properties (or class: a bucket becomes a log store) it changes. ``fields``: None
    when it emits resources or decides what they are; else the only properties and
    relationship types it adds (globs such as ``transit.*``)."""

    kinds: tuple[str, ...]
    fields: tuple[str, ...] | None = None


#: data-bearing kinds whose encryption properties name a KMS key
_ENCRYPTED = ("storage.object", "storage.block", "database", "backup", "log.store", "messaging.queue", "log.trail",
              "network.load_balancer")
_BUCKETS = ("storage.object", "log.store")

#: Every collection unit, declared once. A regional service is its REGION_SERVICES key; a
#: part of one or a per-bucket call is ``<service>.<part>`` (what ``Reader.wants`` is asked).
UNITS: dict[str, Collects] = {
    # --- global ---------------------------------------------------------------------------
    "iam": Collects(("identity.user", "identity.role", "identity.group")),
    # the organisation an account and its trails belong to
    "organizations": Collects(("account", "log.trail")),
    # ListBuckets and each bucket's region (GetBucketLocation)
    "s3": Collects(_BUCKETS),
    "s3.encryption": Collects(_BUCKETS, ("encryption.*", "encrypted_by")),
    "s3.replication": Collects(_BUCKETS, ("replica_regions", "replica_targets_unresolved", "replicates_to")),
    "s3.policy": Collects(_BUCKETS, ("transit.*",)),
    "s3.lifecycle": Collects(("log.store",), ("retention_days", "retention_unlimited", "retention_*")),
    "s3.object_lock": Collects(_BUCKETS, ("object_lock", "object_lock_mode", "immutability")),
    # tags of a log bucket outside the regions whose tagging API answered: its log class
    "s3.tagging": Collects(_BUCKETS),
    # Aurora global databases: where each member cluster's copies are
    "rds.global_clusters": Collects(("database",)),
    # --- regional (fetch_regional.REGION_SERVICES) ----------------------------------------
    # keys, and which keys are customer- or AWS-managed (the encryption of everything else)
    "kms": Collects(("kms.key", *_ENCRYPTED)),
    "kms.rotation": Collects(("kms.key",), ("rotation_*",)),
    "kms.policy": Collects(("kms.key",), ("policy_public", "policy_*")),
    # trails, and which buckets they write to (those are log stores)
    "cloudtrail": Collects(("log.trail", "account", *_BUCKETS)),
    "logs": Collects(("log.store",)),
    "ec2": Collects(("storage.block", "backup", "network.firewall", "compute.instance")),
    "ec2.volumes": Collects(("storage.block", "backup")),  # a snapshot takes its volume's key
    "ec2.snapshots": Collects(("backup",)),
    "ec2.security_groups": Collects(("network.firewall",)),
    # instances, and Systems Manager's view of them (DescribeInstanceInformation)
    "ec2.instances": Collects(("compute.instance",)),
    "elbv2": Collects(("network.load_balancer",)),
    "rds": Collects(("database", "backup")),
    "rds.parameters": Collects(("database",), ("transit.*",)),
    "dynamodb": Collects(("database",)),
    "dynamodb.continuous_backups": Collects(("database",), ("backup.*",)),
    "dynamodb.resource_policy": Collects(("database",), ("transit.*",)),
    "backup": Collects(("backup",)),
    "sns": Collects(("messaging.queue",)),
    "sqs": Collects(("messaging.queue",)),
    "config": Collects(("monitor.recorder",)),
    "guardduty": Collects(("monitor.detector",)),
    "alarms": Collects(("monitor.alert",)),
    # ECR repositories and the registry's scanning configuration
    "ecr": Collects(("compute.registry",)),
}

# every regional resource's tags (and buckets'), hence log classes: whatever is read there, its tags are
UNITS["tags"] = Collects(tuple(dict.fromkeys(k for name, u in UNITS.items() if name not in ("iam", "organizations")
                                             for k in u.kinds)))

HOW_TO_DECLARE = (
    "declare it in scanner/connectors/aws/plan.py UNITS: {name!r}: Collects((<the kinds it emits or changes>,)) "
    "— add fields=(<the properties / relationship types>,) when it only adds those to resources another unit "
    "emits — and give the policies that read it a `reads:` entry in policies/<area>.yaml"
)


def _overlap(ours: Iterable[str], theirs: Iterable[str]) -> bool:
    theirs = tuple(theirs)
    return any(a == b or fnmatch.fnmatchcase(a, b) or fnmatch.fnmatchcase(b, a) for a in ours for b in theirs)


class Plan:
    """The units a scan collects. ``units`` None: every one (no selection)."""

    def __init__(self, units: Iterable[str] | None = None) -> None:
        if units is None:
            self.units = frozenset(UNITS)
            self.everything = True
        else:
            self.units = frozenset(units)
            unknown = sorted(self.units - set(UNITS))
            if unknown:
                from scanner.errors import InputError

                raise InputError(f"unknown AWS collection unit(s) {', '.join(unknown)} "
                                 "(the worker and the caller run different cloudgov versions?)")
            self.everything = self.units == frozenset(UNITS)

    def wants(self, unit: str) -> bool:
        """Whether to collect ``unit``. One not declared in UNITS is collected (when in doubt,
        collect): tests/connectors/aws/test_plan.py fails on it and says how to declare it."""
        return unit in self.units or unit not in UNITS

    @property
    def skipped(self) -> list[str]:
        return sorted(set(UNITS) - self.units)


EVERYTHING = Plan()


def needs(policy: Policy, unit: Collects) -> bool:
    """Whether ``policy`` may read what ``unit`` produces."""
    reads = policy.reads
    if reads is None:
        return True  # undeclared: reads everything
    kinds = (*policy.kinds, *reads.kinds)
    if not _overlap(unit.kinds, kinds):
        return False
    return unit.fields is None or reads.fields is None or _overlap(unit.fields, reads.fields)


def needing(policies: Iterable[Policy], not_collected: Iterable[str]) -> list[str]:
    """The ids of the policies that would read a unit an inventory was collected without."""
    units = [UNITS[u] for u in not_collected if u in UNITS]
    return [p.id for p in policies if any(needs(p, u) for u in units)]


def plan_for(policies: Iterable[Policy] | None) -> Plan:
    """The units the policies need (None: no selection, every unit). A part (``kms.rotation``)
    is collected only with its service (``kms``): the service's unit is added when a part is
    needed."""
    if policies is None:
        return EVERYTHING
    chosen = list(policies)
    units = {name for name, unit in UNITS.items() if any(needs(p, unit) for p in chosen)}
    units |= {name.split(".", 1)[0] for name in units if "." in name and name.split(".", 1)[0] in UNITS}
    return Plan(units)
