"""The recorded tenant (tests/data/azure) as azure-core exchanges, and a fake credential.

Two subscriptions: ``prod-trading`` (sub1: data, keys, logs, activity-log export) and
``dev-sandbox`` (sub2: its diagnostic settings answer 403). Users alice (Global
Administrator, MFA), bob (Contributor on sub1, no MFA), carol (Reader, MFA; PIM-eligible for
Owner on sub1 and for User Administrator in an administrative unit), dave (Contributor on a
resource group, member of a group holding a custom ``Microsoft.Authorization/*`` role on sub1,
no MFA), erin (no active role, PIM-eligible Global Administrator, no MFA). Service principals:
deploy-pipeline (Owner on a management group, an active client secret), report-exporter
(Contributor on sub1, only an expired secret and a federated credential), mi-backup-runner
(a managed identity, Owner on sub2).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from scanner.connectors.azure.raw import AzureRaw
from scanner.connectors.azure.replay import Exchange

DATA = Path(__file__).parents[2] / "data" / "azure"
ARM = "https://management.azure.com"
GRAPH = "https://graph.microsoft.com/v1.0"
ARG = f"{ARM}/providers/Microsoft.ResourceGraph/resources"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


IDS = load("ids.json")


class FakeCredential:
    """A TokenCredential that hands out a dummy token and remembers the scopes asked for."""

    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **_: Any):
        from azure.core.credentials import AccessToken

        self.scopes.extend(scopes)
        return AccessToken("test-token", int(time.time()) + 3600)


def arg_page(az_output: dict[str, Any]) -> dict[str, Any]:
    """`az graph query` output → the REST body Resource Graph sends."""
    body = {"totalRecords": az_output["total_records"], "count": az_output["count"],
            "resultTruncated": "false", "data": az_output["data"]}
    if az_output.get("skip_token"):
        body["$skipToken"] = az_output["skip_token"]
    return body


DENIED = {"error": {"code": "Authorization_RequestDenied",
                    "message": "Insufficient privileges to complete the operation."}}


def tenant_exchanges(*, registration_403: bool = False, throttle_resources: bool = False,
                     applications_403: bool = False, pim_403: bool = False) -> list[Exchange]:
    s1, s2 = IDS["sub1"], IDS["sub2"]
    quota = {"x-ms-user-quota-remaining": "14", "x-ms-user-quota-resets-after": "00:00:05"}
    ex = [
        Exchange("POST", ARG, body=arg_page(load("arg-resourcecontainers.json")), headers=quota,
                 body_contains=("resourcecontainers",)),
    ]
    if throttle_resources:
        ex.append(Exchange("POST", ARG, 429, {"error": {"code": "RateLimiting", "message": "Please retry"}},
                           {"Retry-After": "0.01"}, body_contains=("| where type in~ ('microsoft.storage",)))
    ex += [
        Exchange("POST", ARG, body=arg_page(load("arg-resources-page1.json")), headers=quota,
                 body_contains=("| where type in~ ('microsoft.storage",)),
        Exchange("POST", ARG, body=arg_page(load("arg-resources-page2.json")), headers=quota,
                 body_contains=("| where type in~ ('microsoft.storage", '"$skipToken": "ew0KICAiJGlkIjogIjEiLA0K"')),
        Exchange("POST", ARG, body=arg_page(load("arg-authorizationresources.json")), headers=quota,
                 body_contains=("authorizationresources",)),
        Exchange("GET", f"{ARM}/subscriptions/{s1}/locations", body=load("arm-locations.json")),
        Exchange("GET", f"{ARM}/subscriptions/{s1}/providers/Microsoft.Insights/diagnosticSettings",
                 body=load("arm-diagnostic-settings-sub1.json")),
        Exchange("GET", f"{ARM}/subscriptions/{s2}/providers/Microsoft.Insights/diagnosticSettings", 403,
                 {"error": {"code": "AuthorizationFailed", "message": "The client does not have authorization "
                            "to perform action 'microsoft.insights/diagnosticSettings/read'"}}),
        Exchange("GET", f"{ARM}/subscriptions/{s1}/providers/Microsoft.Security/pricings",
                 body=json.loads((DATA / "public" / "defender-pricings-list.json").read_text(encoding="utf-8"))),
        Exchange("GET", f"{ARM}/subscriptions/{s2}/providers/Microsoft.Security/pricings", 403,
                 {"error": {"code": "AuthorizationFailed", "message": "The client does not have authorization "
                            "to perform action 'Microsoft.Security/pricings/read'"}}),
        Exchange("GET", f"{ARM}/subscriptions/{s1}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances",
                 body=load("arm-role-eligibility-sub1.json")),
        Exchange("GET", f"{ARM}/subscriptions/{s2}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances",
                 body={"value": []}),
        Exchange("GET", f"{ARM}{IDS['workspace']}/tables", body=load("arm-workspace-tables.json")),
        Exchange("GET", f"{ARM}{IDS['vault']}/keys", body=load("arm-vault-keys.json")),
        Exchange("GET", f"{ARM}{IDS['sql_server']}/encryptionProtector/current",
                 body=load("arm-sql-encryption-protector.json")),
        Exchange("GET", f"{ARM}{IDS['log_storage']}/managementPolicies/default",
                 body=load("arm-lifecycle-auditlogs.json")),
        Exchange("GET", f"{ARM}{IDS['log_storage']}/blobServices/default/containers",
                 body=load("public/blob-containers-auditlogs.json")),
        Exchange("GET", f"{ARM}{IDS['log_storage']}/blobServices/default/containers/insights-activity-logs"
                 "/immutabilityPolicies/default", body=load("public/immutability-policy-activity-logs.json")),
        Exchange("GET", f"{ARM}{IDS['log_storage']}/blobServices/default/containers/insights-logs-auditevent"
                 "/immutabilityPolicies/default", body=load("public/immutability-policy-auditevent.json")),
        Exchange("GET", f"{GRAPH}/users", body=load("graph-users-page1.json"), query_contains=("signInActivity",)),
        Exchange("GET", f"{GRAPH}/users", body=load("graph-users-page2.json"), query_contains=("$skiptoken=",)),
        Exchange("GET", f"{GRAPH}/directoryRoles", body=load("graph-directory-roles.json")),
        Exchange("GET", f"{GRAPH}/roleManagement/directory/roleEligibilityScheduleInstances",
                 *((403, DENIED) if pim_403 else (200, load("graph-role-eligibility.json")))),
        Exchange("POST", f"{GRAPH}/directoryObjects/getByIds", body=load("graph-directory-objects.json")),
        Exchange("GET", f"{GRAPH}/groups/{IDS['group']}/transitiveMembers/microsoft.graph.user",
                 body=load("graph-group-members.json")),
    ]
    if applications_403:
        ex += [Exchange("GET", f"{GRAPH}/applications", 403, DENIED),
               Exchange("GET", f"{GRAPH}/servicePrincipals", 403, DENIED)]
    else:
        ex += [
            Exchange("GET", f"{GRAPH}/applications", body=load("graph-applications.json"),
                     query_contains=("passwordCredentials", "$expand=federatedIdentityCredentials")),
            Exchange("GET", f"{GRAPH}/servicePrincipals", body=load("graph-service-principals-page1.json"),
                     query_contains=("passwordCredentials",)),
            Exchange("GET", f"{GRAPH}/servicePrincipals", body=load("graph-service-principals-page2.json"),
                     query_contains=("$skiptoken=",)),
        ]
    reg = f"{GRAPH}/reports/authenticationMethods/userRegistrationDetails"
    if registration_403:
        ex += [
            Exchange("GET", reg, 403, {"error": {"code": "Authentication_RequestFromNonPremiumTenantOrB2CTenant",
                                                 "message": "Neither tenant is B2C or tenant doesn't have premium license"}}),
            Exchange("GET", f"{GRAPH}/policies/identitySecurityDefaultsEnforcementPolicy",
                     body=load("graph-security-defaults.json")),
            Exchange("GET", f"{GRAPH}/identity/conditionalAccess/policies", body=load("graph-ca-policies.json")),
        ]
    else:
        ex += [Exchange("GET", reg, body=load("graph-user-registration-details.json")),
               # ETG 8.2.2: the tenant's Conditional Access, read whatever the registration report says
               Exchange("GET", f"{GRAPH}/identity/conditionalAccess/policies", body=load("graph-ca-policies-admins.json"))]
    return ex


def recorded_raw() -> AzureRaw:
    """The recorded tenant as one AzureRaw, without any client: what the pure tests normalize."""
    raw = AzureRaw(tenant_id=IDS["tenant"])
    raw.containers = load("arg-resourcecontainers.json")["data"]
    raw.resources = load("arg-resources-page1.json")["data"] + load("arg-resources-page2.json")["data"]
    raw.authorization = load("arg-authorizationresources.json")["data"]
    raw.locations = load("arm-locations.json")["value"]
    raw.diagnostic_settings = {IDS["sub1"]: load("arm-diagnostic-settings-sub1.json")["value"]}
    raw.workspace_tables = {IDS["workspace"].lower(): load("arm-workspace-tables.json")["value"]}
    raw.sql_protectors = {IDS["sql_server"].lower(): load("arm-sql-encryption-protector.json")}
    raw.vault_keys = {IDS["vault"].lower(): load("arm-vault-keys.json")["value"]}
    raw.lifecycle = {IDS["log_storage"].lower(): load("arm-lifecycle-auditlogs.json")}
    raw.users = load("graph-users-page1.json")["value"] + load("graph-users-page2.json")["value"]
    raw.directory_roles = load("graph-directory-roles.json")["value"]
    raw.registration = load("graph-user-registration-details.json")["value"]
    raw.ca_policies = load("graph-ca-policies-admins.json")["value"]
    raw.directory_objects = load("graph-directory-objects.json")["value"]
    raw.group_members = {IDS["group"]: load("graph-group-members.json")["value"]}
    raw.directory_eligibility = load("graph-role-eligibility.json")["value"]
    raw.rbac_eligibility = load("arm-role-eligibility-sub1.json")["value"]
    raw.applications = load("graph-applications.json")["value"]
    raw.service_principals = (load("graph-service-principals-page1.json")["value"]
                              + load("graph-service-principals-page2.json")["value"])
    raw.collected_at = "2026-11-01T00:00:00Z"
    return raw


def named(inv, name):
    return next(r for r in inv if r.name == name)
