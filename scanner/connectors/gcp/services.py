"""The GCP connector's services, declared once; every list the connector needs is derived.

A service is one call chain the connector runs: ``fetch`` says which API call reads it
(its coverage gaps are named ``cloudasset:<service>`` for the Cloud Asset ones and
``<service>`` for the REST enrichments), ``types`` the Cloud Asset types it lists with the
handler of each (None: read for what other records need, e.g. key rings, or turned into
identities by :func:`scanner.connectors.gcp.identities.identities`), ``emits`` the native
types of resources built from it that are not listed types, ``kinds`` the canonical kinds
an unreadable call leaves incomplete, ``regional`` whether its resources sit in a
location (the others are organisation- or project-wide, region ``global``).

Derived here: :data:`ASSET_GROUPS` (one ``list_assets`` chain per group), :data:`HANDLERS`
(asset type → handler), :data:`ALL_KINDS`, :data:`REGIONAL_SERVICES`; the enrichments
read their gap kinds from :func:`kinds_of`. ``tests/test_vocabulary.py`` checks every kind a
fixture's resource takes against the services its native type comes from.

Adding a service: one entry here (its asset types and handlers), the handler in
:mod:`.resources`, a recorded fixture it runs on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from scanner.connectors.gcp import compute as c
from scanner.connectors.gcp import monitor as m
from scanner.connectors.gcp import network as net
from scanner.connectors.gcp import registries as ar
from scanner.connectors.gcp import resources as r
from scanner.connectors.gcp import scc
from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.audit import LOG_BUCKET, LOG_SINK, log_bucket
from scanner.connectors.gcp.context import FOLDER, ORGANIZATION, PROJECT, Context
from scanner.inventory import Inventory
from scanner.model import Kind

__all__ = ["Service", "SERVICES", "ASSET_GROUPS", "HANDLERS", "ALL_KINDS", "REGIONAL_SERVICES", "kinds_of",
           "services_of", "LIST_ASSETS", "LIST_IAM_POLICIES", "SEARCH_IAM_POLICIES", "REST"]

Handler = Callable[[Inventory, Context, AssetRecord], None]

#: Cloud Asset list_assets, content RESOURCE (one call chain per service)
LIST_ASSETS = "cloudasset:list_assets"
#: Cloud Asset list_assets, content IAM_POLICY, of the hierarchy's types
LIST_IAM_POLICIES = "cloudasset:list_assets:iam_policy"
#: Cloud Asset search_all_iam_policies: every other IAM policy in the scope
SEARCH_IAM_POLICIES = "cloudasset:search_all_iam_policies"
#: a REST API of the enrichments (scanner.connectors.gcp.enrich, .directory)
REST = "rest"

SERVICE_ACCOUNT = "iam.googleapis.com/ServiceAccount"
USER = "iam.googleapis.com/User"
GROUP = "iam.googleapis.com/Group"
AUDIT_CONFIG = "cloudaudit.googleapis.com/AuditConfig"
_PRINCIPALS = (USER, GROUP, SERVICE_ACCOUNT)


@dataclass(frozen=True)
class Service:
    kinds: tuple[str, ...]
    fetch: str
    types: Mapping[str, Handler | None] = field(default_factory=dict)
    emits: tuple[str, ...] = ()
    regional: bool = True


_HIERARCHY = {PROJECT: r.project, FOLDER: None, ORGANIZATION: None}
_IAM_KINDS = (Kind.IDENTITY_USER, Kind.IDENTITY_GROUP, Kind.KMS_KEY, Kind.LOG_TRAIL)

#: The connector's services. A kind a handler emits must be listed under every service its
#: resource is built from: that is what makes an unreadable call an ERROR for the kind.
SERVICES: dict[str, Service] = {
    "hierarchy": Service((Kind.ACCOUNT, Kind.LOG_TRAIL), LIST_ASSETS, _HIERARCHY, emits=(AUDIT_CONFIG,),
                         regional=False),
    "storage": Service(
        (Kind.STORAGE_OBJECT, Kind.STORAGE_BLOCK, Kind.BACKUP, Kind.QUEUE), LIST_ASSETS,
        {"storage.googleapis.com/Bucket": r.bucket, "compute.googleapis.com/Disk": r.disk,
         "compute.googleapis.com/RegionDisk": r.disk, "compute.googleapis.com/Snapshot": r.snapshot,
         "pubsub.googleapis.com/Topic": r.pubsub_topic},
    ),
    "databases": Service(
        (Kind.DATABASE,), LIST_ASSETS,
        {"sqladmin.googleapis.com/Instance": r.sql_instance, "bigquery.googleapis.com/Dataset": r.bq_dataset,
         "spanner.googleapis.com/Instance": None, "spanner.googleapis.com/Database": r.spanner_database},
    ),
    # VMs and the project-wide metadata they inherit (enable-osconfig, ETG 8.4.2)
    "compute": Service((Kind.COMPUTE,), LIST_ASSETS, {c.INSTANCE: c.instance, c.COMPUTE_PROJECT: None}),
    "bigquery-tables": Service((Kind.DATABASE,), LIST_ASSETS, {"bigquery.googleapis.com/Table": r.bq_table}),
    "network": Service((Kind.FIREWALL, Kind.LOAD_BALANCER), LIST_ASSETS,
                       {net.FIREWALL: net.firewall, net.HTTPS_PROXY: net.target_proxy, net.SSL_PROXY: net.target_proxy,
                        net.SSL_POLICY: None}, regional=False),
    # VPC Service Controls (ETG 8.2.2): the organisation's access policies and perimeters
    "perimeters": Service((Kind.ACCOUNT,), LIST_ASSETS, {net.ACCESS_POLICY: None, net.PERIMETER: None},
                          regional=False),
    # ETG 8.4.1: Docker repositories (tag immutability, Artifact Analysis scanning)
    "artifactregistry": Service((Kind.REGISTRY,), LIST_ASSETS, {ar.REPOSITORY: ar.repository}),
    "kms": Service((Kind.KMS_KEY,), LIST_ASSETS,
                   {"cloudkms.googleapis.com/KeyRing": None, "cloudkms.googleapis.com/CryptoKey": r.crypto_key}),
    "logging": Service((Kind.LOG_STORE, Kind.LOG_TRAIL), LIST_ASSETS, {LOG_BUCKET: log_bucket, LOG_SINK: None},
                       emits=(AUDIT_CONFIG,)),
    "monitoring": Service((Kind.ALERT,), LIST_ASSETS, {m.LOG_METRIC: m.log_metric, m.ALERT_POLICY: m.alert_policy},
                          regional=False),
    # Security Command Center is not in Cloud Asset Inventory: a live scan reads each project's
    # services from the Security Center Management API (scanner.connectors.gcp.scc); offline,
    # every project's threat detection is a gap of this service (ERROR, never a silent FAIL)
    "securitycenter": Service((Kind.DETECTOR,), REST, {scc.SERVICES_TYPE: scc.detector},
                              emits=("securitycenter.googleapis.com/OrganizationSettings",), regional=False),
    "iam": Service((Kind.IDENTITY_USER, Kind.IDENTITY_GROUP), LIST_ASSETS,
                   {SERVICE_ACCOUNT: None, "iam.googleapis.com/ServiceAccountKey": None, "iam.googleapis.com/Role": None},
                   emits=(USER, GROUP), regional=False),
    "hierarchy-iam": Service(_IAM_KINDS, LIST_IAM_POLICIES, emits=(*_PRINCIPALS, AUDIT_CONFIG), regional=False),
    "iam-policies": Service(_IAM_KINDS, SEARCH_IAM_POLICIES,
                            emits=(*_PRINCIPALS, AUDIT_CONFIG, "cloudkms.googleapis.com/CryptoKey"), regional=False),
    # the enrichments (REST): roles inherited from above the scope, key use, groups, users' 2SV
    "cloudresourcemanager": Service((Kind.IDENTITY_USER, Kind.IDENTITY_GROUP, Kind.LOG_TRAIL), REST,
                                    emits=(*_PRINCIPALS, AUDIT_CONFIG), regional=False),
    "policyanalyzer": Service((Kind.IDENTITY_USER,), REST, emits=(SERVICE_ACCOUNT,), regional=False),
    "cloudidentity.groups": Service((Kind.IDENTITY_USER, Kind.IDENTITY_GROUP), REST, emits=_PRINCIPALS,
                                    regional=False),
    "admin.directory": Service((Kind.IDENTITY_USER,), REST, emits=(USER,), regional=False),
}

# --- derived ------------------------------------------------------------------------------

#: list_assets call chains: service → (asset types, the kinds they feed)
ASSET_GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    name: (tuple(s.types), s.kinds) for name, s in SERVICES.items() if s.fetch == LIST_ASSETS
}
#: asset type → the handler that turns its records into resources
HANDLERS: dict[str, Handler] = {t: fn for s in SERVICES.values() for t, fn in s.types.items() if fn is not None}
#: every kind the connector produces: a scope that cannot be read hides all of them
ALL_KINDS: tuple[str, ...] = tuple(dict.fromkeys(k for s in SERVICES.values() for k in s.kinds))
REGIONAL_SERVICES: frozenset[str] = frozenset(name for name, s in SERVICES.items() if s.regional)


def kinds_of(service: str) -> tuple[str, ...]:
    """The kinds a gap of ``service`` names."""
    return SERVICES[service].kinds


def services_of(native_type: str) -> list[str]:
    """The services a resource of ``native_type`` is built from (they list it or emit it)."""
    return [name for name, s in SERVICES.items() if native_type in s.types or native_type in s.emits]
