"""Long-lived credentials of service principals → ``access_keys`` (pure functions).

A service principal signs in with its application's credentials (the app registration's client
secrets and certificates) or with credentials held on the service principal itself. Both are
long-lived: each becomes one access key ``{id, active, created, last_used}``, active while its
``endDateTime`` lies in the future (measured at collection time). Never the secret: Graph does
not return it, and the ``hint`` it does return is dropped.

Not counted:

* federated identity credentials (workload identity federation) trade an external token for a
  short-lived one; they are not long-lived secrets and are only reported in the evidence;
* certificates with usage ``Sign`` (SAML token signing keys, not sign-in credentials);
* managed identities hold no secrets at all: ``access_keys: []``.

What cannot be read stays unknown (no ``access_keys``), with ``credential_evidence`` saying why:
a page without the credential fields, a refused ``Application.Read.All``, or an application
registered in another tenant (multi-tenant or Microsoft first-party), whose credentials that
tenant holds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from scanner.connectors.azure.raw import AzureRaw

__all__ = ["Credentials", "access_keys_of"]


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def access_keys_of(obj: dict[str, Any], owner: str, now: datetime) -> list[dict[str, Any]] | None:
    """Client secrets and sign-in certificates of one application / service principal object;
    None when the object was read without its credential fields (unknown, not none)."""
    if "passwordCredentials" not in obj or "keyCredentials" not in obj:
        return None
    keys = []
    for kind, field in (("client_secret", "passwordCredentials"), ("certificate", "keyCredentials")):
        for c in obj.get(field) or []:
            if kind == "certificate" and str(c.get("usage", "")).lower() == "sign":
                continue  # a SAML token-signing key, not a credential to sign in with
            end = _time(c.get("endDateTime"))
            keys.append({"id": c.get("keyId"), "active": end is None or end > now, "created": c.get("startDateTime"),
                         "last_used": None, "type": kind, "owner": owner, "expires": c.get("endDateTime"),
                         "name": c.get("displayName")})
    return keys


class Credentials:
    """Looks up the long-lived credentials of each service principal in the bulk listings."""

    def __init__(self, raw: AzureRaw, tenant: str):
        self.now = _time(raw.collected_at) or datetime.now(UTC)
        self.apps = None if raw.applications is None else {
            str(a.get("appId", "")).lower(): a for a in raw.applications}
        self.sps = None if raw.service_principals is None else {
            str(s.get("id", "")).lower(): s for s in raw.service_principals}
        self.error = raw.credentials_error or "applications / servicePrincipals not read"
        self.tenant = tenant.lower()

    def for_principal(self, pid: str, obj: dict[str, Any]) -> dict[str, Any]:
        """Properties for the service principal's identity.user: ``access_keys`` when known,
        ``credential_evidence`` always, ``federated_credentials`` when the application was read."""
        sp = (self.sps or {}).get(pid.lower())
        sp_type = str((sp or obj).get("servicePrincipalType") or "").lower()
        if sp_type == "managedidentity":
            return {"access_keys": [], "credential_evidence": "managed identity: no secrets or certificates "
                                                               "(its tokens come from the Azure platform)"}
        if self.sps is None:
            return {"credential_evidence": f"unknown: {self.error}"}
        if sp is None:
            return {"credential_evidence": "unknown: not in the servicePrincipals listing"}
        keys = access_keys_of(sp, "service_principal", self.now)
        if keys is None:
            return {"credential_evidence": "unknown: servicePrincipals read without passwordCredentials / "
                                           "keyCredentials"}
        props: dict[str, Any] = {}
        sources = ["service principal"]
        if sp_type == "application":
            owner = str(sp.get("appOwnerOrganizationId") or "").lower()
            app = (self.apps or {}).get(str(sp.get("appId", "")).lower())
            if app is None:
                if self.apps is None:
                    why = self.error
                elif owner and owner != self.tenant:
                    why = (f"application registered in tenant {owner} (multi-tenant or first-party): its "
                           "credentials are held there and cannot be read from this tenant")
                else:
                    why = "its application registration is not in the applications listing"
                return {"credential_evidence": f"unknown: {why}"}
            app_keys = access_keys_of(app, "application", self.now)
            if app_keys is None:
                return {"credential_evidence": "unknown: applications read without passwordCredentials / "
                                               "keyCredentials"}
            keys = app_keys + keys
            sources.insert(0, "application registration")
            if isinstance(app.get("federatedIdentityCredentials"), list):
                props["federated_credentials"] = len(app["federatedIdentityCredentials"])
        active = sum(1 for k in keys if k["active"])
        note = f"{active} active of {len(keys)} client secret(s) / certificate(s) on the {' and '.join(sources)}"
        if props.get("federated_credentials"):
            note += (f"; {props['federated_credentials']} federated identity credential(s) not counted "
                     "(workload identity federation issues short-lived tokens, no long-lived secret)")
        props.update({"access_keys": keys, "credential_evidence": note})
        return props
