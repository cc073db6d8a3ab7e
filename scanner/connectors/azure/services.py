"""The Azure connector's services, declared once; every list the connector needs is derived.

A service is one thing the connector reads: the call that fetches it (``fetch``, also the
name its coverage gaps carry), the Resource Graph / ARM / Graph types it lists with the
row normalizer of each (``types``; None: read only for what other rows need, e.g. a disk
encryption set), the native types of the resources built from it that are not listed
types (``emits``), the canonical kinds an unreadable call leaves incomplete (``kinds``)
and whether its resources sit in a region (``regional``; the others are tenant- or
subscription-wide, region ``global``).

Derived here: :data:`NORMALIZED_TYPES` (the Resource Graph query), :data:`HANDLERS`
(type → row normalizer), :data:`TYPE_KINDS` (the gap kinds of a targeted read of a row),
:data:`RESOURCE_KINDS` (the gap of the resources query), :data:`ALL_KINDS` (a subscription
that cannot be read). ``tests/test_vocabulary.py`` checks every kind a fixture's resource
takes against the services its native type comes from.

Adding a service: one entry here (its types and normalizers), the normalizer in
:mod:`.resources` (or :mod:`.logs`), a recorded fixture it runs on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scanner.connectors.azure import compute as c
from scanner.connectors.azure import monitor as m
from scanner.connectors.azure import registries as acr
from scanner.connectors.azure import resources as r
from scanner.connectors.azure.common import (
    APP_GATEWAY,
    BACKUP_INSTANCE,
    BACKUP_VAULT,
    COSMOS,
    DES,
    DISK,
    EVENTHUB,
    LA_CLUSTER,
    MYSQL_FLEX,
    NSG,
    PG_FLEX,
    PROTECTED_ITEM,
    RSV,
    SERVICEBUS,
    SNAPSHOT,
    SQL_DB,
    SQL_SERVER,
    STORAGE,
    VAULT,
    WORKSPACE,
)
from scanner.model import Kind

__all__ = ["Service", "SERVICES", "NORMALIZED_TYPES", "HANDLERS", "TYPE_KINDS", "RESOURCE_KINDS", "ALL_KINDS", "SUBSCRIPTION_LIST_KINDS",
           "REGIONAL_SERVICES", "services_of", "fetched_by", "RG_RESOURCES", "RG_CONTAINERS", "RG_AUTHORIZATION",
           "RG_RECOVERY"]

#: a Resource Graph row (+ the scan's lookups) → [(Resource, [(relationship type, target id)])]
RowNormalizer = Callable[[dict[str, Any], Any], list[tuple[Any, list[tuple[str, str]]]]]

RG_RESOURCES = "resourcegraph:resources"
RG_CONTAINERS = "resourcegraph:resourcecontainers"
RG_AUTHORIZATION = "resourcegraph:authorizationresources"
RG_RECOVERY = "resourcegraph:recoveryservicesresources"


@dataclass(frozen=True)
class Service:
    kinds: tuple[str, ...]
    fetch: str
    types: Mapping[str, RowNormalizer | None] = field(default_factory=dict)
    emits: tuple[str, ...] = ()
    regional: bool = True


#: The connector's services. A kind a normalizer emits must be listed under every service
#: its resource is built from: that is what makes an unreadable call an ERROR for the kind.
SERVICES: dict[str, Service] = {
    "subscriptions": Service((Kind.ACCOUNT,), RG_CONTAINERS, {"microsoft.resources/subscriptions": None},
                             regional=False),
    "storage": Service((Kind.STORAGE_OBJECT, Kind.LOG_STORE), RG_RESOURCES, {STORAGE: r.storage}),
    # log storage accounts' blob containers and their immutability policies (CSM CC-18000 (4)c),
    # read over ARM and folded into the account (scanner.connectors.azure.logs); unread, they
    # leave its immutability unknown and hide no resource
    "blobcontainers": Service((Kind.STORAGE_OBJECT,), "arm:containers",
                              {"microsoft.storage/storageaccounts/blobservices/containers": None}),
    "disks": Service((Kind.STORAGE_BLOCK, Kind.BACKUP), RG_RESOURCES, {DISK: r.disk, SNAPSHOT: r.disk, DES: None}),
    "sql": Service((Kind.DATABASE,), RG_RESOURCES, {SQL_SERVER: None, SQL_DB: r.sql_database}),
    "cosmosdb": Service((Kind.DATABASE,), RG_RESOURCES, {COSMOS: r.cosmos}),
    "postgresql": Service((Kind.DATABASE,), RG_RESOURCES, {PG_FLEX: r.flexible_server}),
    "mysql": Service((Kind.DATABASE,), RG_RESOURCES, {MYSQL_FLEX: r.flexible_server}),
    "loganalytics": Service((Kind.LOG_STORE,), RG_RESOURCES, {WORKSPACE: r.workspace, LA_CLUSTER: None},
                            emits=("microsoft.operationalinsights/workspaces/tables",)),
    "keyvault": Service((Kind.KMS_KEY,), RG_RESOURCES, {VAULT: None}, emits=("microsoft.keyvault/vaults/keys",)),
    "backup": Service((Kind.BACKUP,), RG_RESOURCES, {RSV: r.backup_vault, BACKUP_VAULT: r.backup_vault}),
    # what the vaults back up (ETG 9.3): read only when the scope has a vault (items live in vaults)
    "backupitems": Service((Kind.BACKUP,), RG_RECOVERY, {PROTECTED_ITEM: None, BACKUP_INSTANCE: None}),
    "messaging": Service((Kind.QUEUE,), RG_RESOURCES, {SERVICEBUS: r.messaging, EVENTHUB: r.messaging}),
    "alerts": Service((Kind.ALERT,), RG_RESOURCES, {"microsoft.insights/activitylogalerts": m.activity_log_alert},
                      regional=False),
    "defender": Service((Kind.DETECTOR,), "arm:pricings", emits=("microsoft.security/pricings",), regional=False),
    "network": Service((Kind.FIREWALL,), RG_RESOURCES, {NSG: r.nsg}),
    "appgateway": Service((Kind.LOAD_BALANCER,), RG_RESOURCES, {APP_GATEWAY: r.app_gateway}),
    # ETG 8.4.1; its scanning is read from the Defender plans (arm:pricings, a gap of "defender")
    "containerregistry": Service((Kind.REGISTRY,), RG_RESOURCES,
                                 {"microsoft.containerregistry/registries": acr.container_registry}),
    "compute": Service((Kind.COMPUTE,), RG_RESOURCES, {c.VM: c.virtual_machine}),
    "activitylog": Service((Kind.LOG_TRAIL,), "arm:diagnosticSettings",
                           emits=("microsoft.insights/diagnosticsettings",), regional=False),
    "rbac": Service((Kind.IDENTITY_USER, Kind.IDENTITY_GROUP), RG_AUTHORIZATION,
                    {"microsoft.authorization/roleassignments": None, "microsoft.authorization/roledefinitions": None},
                    emits=("microsoft.graph/users", "microsoft.graph/groups", "microsoft.graph/serviceprincipals"),
                    regional=False),
    "pim": Service((Kind.IDENTITY_USER, Kind.IDENTITY_GROUP), "arm:roleEligibilityScheduleInstances",
                   {"microsoft.authorization/roleeligibilityscheduleinstances": None},
                   emits=("microsoft.graph/users", "microsoft.graph/groups", "microsoft.graph/serviceprincipals"),
                   regional=False),
    "entra": Service((Kind.IDENTITY_USER, Kind.IDENTITY_GROUP), "graph",
                     emits=("microsoft.graph/users", "microsoft.graph/groups", "microsoft.graph/serviceprincipals"),
                     regional=False),
}

# --- derived ------------------------------------------------------------------------------

#: Resource Graph types the resources query asks for (everything else no policy judges)
NORMALIZED_TYPES: tuple[str, ...] = tuple(t for s in SERVICES.values() if s.fetch == RG_RESOURCES for t in s.types)
#: Resource Graph type → its row normalizer
HANDLERS: dict[str, RowNormalizer] = {t: fn for s in SERVICES.values() for t, fn in s.types.items() if fn is not None}
#: Resource Graph type → the kinds a failed read of one of its rows leaves incomplete
TYPE_KINDS: dict[str, tuple[str, ...]] = {t: s.kinds for s in SERVICES.values() for t in s.types}
#: the kinds the resources query feeds (its failure hides all of them)
RESOURCE_KINDS: tuple[str, ...] = tuple(dict.fromkeys(
    k for s in SERVICES.values() if s.fetch == RG_RESOURCES for k in s.kinds))
#: the kinds the subscription list feeds: the subscriptions themselves and every service read
#: once per subscription over ARM (a refused list leaves those subscriptions unasked)
SUBSCRIPTION_LIST_KINDS: tuple[str, ...] = tuple(dict.fromkeys(
    k for s in SERVICES.values() if s.fetch == RG_CONTAINERS or s.fetch.startswith("arm:") for k in s.kinds))
#: every kind the connector produces: a subscription that cannot be read hides all of them
ALL_KINDS: tuple[str, ...] = tuple(dict.fromkeys(k for s in SERVICES.values() for k in s.kinds))
REGIONAL_SERVICES: frozenset[str] = frozenset(name for name, s in SERVICES.items() if s.regional)


def services_of(native_type: str) -> list[str]:
    """The services a resource of ``native_type`` is built from (they list it or emit it)."""
    t = native_type.lower()
    return [name for name, s in SERVICES.items() if t in s.types or t in s.emits]


def fetched_by(fetch: str) -> tuple[str, ...]:
    """The kinds of every service read by ``fetch`` (a gap of that call names them)."""
    return tuple(dict.fromkeys(k for s in SERVICES.values() if s.fetch == fetch for k in s.kinds))
