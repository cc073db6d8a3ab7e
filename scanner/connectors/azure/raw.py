"""The raw Azure payloads a scan gathers, as plain data: what normalization reads.

Collectors (live, :mod:`.collect`) and export-file readers (:mod:`.offline`) both fill an
:class:`AzureRaw`; :func:`scanner.connectors.azure.normalize.normalize` turns it into an
Inventory. ``None`` in a field means *not read* (unknown), an empty list means *read: none*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scanner.model import CoverageGap
from scanner.source import Source

__all__ = ["AzureRaw", "gap", "PROVIDER"]

PROVIDER = "azure"

Row = dict[str, Any]


@dataclass
class AzureRaw:
    tenant_id: str | None = None
    collected_at: str | None = None  # ISO UTC; when set, the "now" that decides which secrets are expired
    # Resource Graph tables (rows as `az graph query` / the SDK's objectArray give them)
    containers: list[Row] = field(default_factory=list)  # resourcecontainers: subscriptions, RGs
    resources: list[Row] = field(default_factory=list)  # resources (only the types we normalize)
    authorization: list[Row] | None = None  # authorizationresources: role assignments + definitions
    # PIM eligibility for Azure RBAC: ARM roleEligibilityScheduleInstances per subscription (and
    # management group); ``eligibility_unread`` names the scopes that could not be read.
    rbac_eligibility: list[Row] | None = None
    eligibility_unread: list[str] = field(default_factory=list)
    # Targeted ARM reads, keyed by the lower-cased ARM id of the parent
    locations: list[Row] | None = None  # GET /subscriptions/{id}/locations (pairedRegion, live)
    diagnostic_settings: dict[str, list[Row]] = field(default_factory=dict)  # subscription id -> settings
    pricings: dict[str, list[Row]] = field(default_factory=dict)  # subscription id -> Defender for Cloud plans
    workspace_tables: dict[str, list[Row]] = field(default_factory=dict)  # workspace id -> tables
    sql_protectors: dict[str, Row] = field(default_factory=dict)  # sql server id -> encryptionProtector
    vault_keys: dict[str, list[Row]] = field(default_factory=dict)  # key vault id -> keys
    lifecycle: dict[str, Row | None] = field(default_factory=dict)  # storage id -> policy (None: none set)
    # Resource Graph recoveryservicesresources: the vaults' protected items and backup
    # instances (None: not read — asked only when the scope has a vault)
    backup_items: list[Row] | None = None
    # log storage id -> its blob containers (List Containers), each container's
    # properties.immutabilityPolicy filled in when it has one (CSM CC-18000 (4)c)
    blob_containers: dict[str, list[Row]] = field(default_factory=dict)
    # Microsoft Graph
    users: list[Row] | None = None
    directory_roles: list[Row] | None = None  # /directoryRoles?$expand=members
    registration: list[Row] | None = None  # /reports/authenticationMethods/userRegistrationDetails
    ca_policies: list[Row] | None = None  # /identity/conditionalAccess/policies
    ca_error: str | None = None  # why the Conditional Access policies could not be read
    security_defaults: Row | None = None  # /policies/identitySecurityDefaultsEnforcementPolicy
    directory_objects: list[Row] = field(default_factory=list)  # service principals, groups by id
    group_members: dict[str, list[Row]] = field(default_factory=dict)  # group id -> transitive members
    # /roleManagement/directory/roleEligibilityScheduleInstances?$expand=principal,roleDefinition
    directory_eligibility: list[Row] | None = None
    # long-lived credentials: /applications and /servicePrincipals with passwordCredentials,
    # keyCredentials (applications also federatedIdentityCredentials); the error says why not read
    applications: list[Row] | None = None
    service_principals: list[Row] | None = None
    credentials_error: str | None = None
    registration_error: str | None = None  # why the registration report could not be read
    gaps: list[CoverageGap] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)


def gap(account: str, service: str, kinds: tuple[str, ...], code: str, message: str,
        region: str | None = None) -> CoverageGap:
    return CoverageGap(PROVIDER, account, region, service, kinds, code, message)
