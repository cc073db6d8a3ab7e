"""`scan azure --tenant T`: every token the default credential chain gets is for T.

DefaultAzureCredential takes no tenant: its environment credential used AZURE_TENANT_ID and
``az login``'s the CLI's default tenant, so ``--tenant`` was ignored and the home tenant was
scanned. A fake identity endpoint (azure-core's transport seam, the real MSAL flow behind
it) records which tenant each token is asked of."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

pytest.importorskip("azure.identity")

HOME = "11111111-1111-1111-1111-111111111111"
TARGET = "22222222-2222-2222-2222-222222222222"
ARM_SCOPE = "https://management.azure.com/.default"


class IdentityEndpoint:
    """Answers the Microsoft identity platform's discovery and token requests."""

    def __init__(self) -> None:
        from azure.core.pipeline.transport import HttpTransport

        endpoint = self

        class _Transport(HttpTransport):
            def __enter__(self): return self
            def __exit__(self, *args: Any) -> None: return None
            def open(self) -> None: return None
            def close(self) -> None: return None

            def send(self, request: Any, **kwargs: Any) -> Any:
                return endpoint.answer(request)

        self.transport = _Transport()
        self.token_tenants: list[str] = []

    def answer(self, request: Any) -> Any:
        import requests
        from azure.core.rest._requests_basic import RestRequestsTransportResponse

        host_path = request.url.split("://", 1)[1]
        tenant = host_path.split("/")[1]
        if "openid-configuration" in request.url:
            base = f"https://login.microsoftonline.com/{tenant}"
            body: dict[str, Any] = {"token_endpoint": f"{base}/oauth2/v2.0/token", "issuer": f"{base}/v2.0",
                                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize"}
        elif request.url.split("?")[0].endswith("/oauth2/v2.0/token"):
            self.token_tenants.append(tenant)
            body = {"access_token": f"token-for-{tenant}", "expires_in": 3600, "token_type": "Bearer"}
        else:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        raw = requests.Response()
        raw.status_code = 200
        data = json.dumps(body).encode()
        raw.raw = io.BytesIO(data)
        raw.headers["Content-Type"] = "application/json"
        response = RestRequestsTransportResponse(request=request, internal_response=raw)
        response._content = data
        return response


@pytest.fixture
def service_principal_env(monkeypatch):
    """A service principal of the HOME tenant in the environment, nothing else in the chain."""
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-0000000000c1")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "not-a-real-secret")
    monkeypatch.setenv("AZURE_TENANT_ID", HOME)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", "https://login.microsoftonline.com")


def test_tenant_names_the_tenant_of_every_token(service_principal_env):
    from scanner.connectors.azure.scan import default_credential

    idp = IdentityEndpoint()
    credential = default_credential(TARGET, transport=idp.transport)
    try:
        assert credential.get_token(ARM_SCOPE).token == f"token-for-{TARGET}"
        assert credential.get_token_info("https://graph.microsoft.com/.default").token == f"token-for-{TARGET}"
    finally:
        credential.close()
    assert idp.token_tenants == [TARGET, TARGET]


def test_without_tenant_the_credential_s_own_tenant_is_used(service_principal_env):
    from scanner.connectors.azure.scan import default_credential

    idp = IdentityEndpoint()
    credential = default_credential(None, transport=idp.transport)
    try:
        credential.get_token(ARM_SCOPE)
    finally:
        credential.close()
    assert idp.token_tenants == [HOME]


def test_a_caller_s_own_tenant_request_is_kept():
    """A claims challenge may name a tenant: the wrapper passes it on rather than overriding it."""
    from scanner.connectors.azure.scan import TenantCredential

    asked: list[Any] = []

    class Inner:
        def get_token(self, *scopes, claims=None, tenant_id=None, **kw):
            asked.append(tenant_id)

        def get_token_info(self, *scopes, options=None):
            asked.append((options or {}).get("tenant_id"))

    c = TenantCredential(Inner(), TARGET)
    c.get_token(ARM_SCOPE)
    c.get_token(ARM_SCOPE, tenant_id="other")
    c.get_token_info(ARM_SCOPE, options={"tenant_id": "other"})
    c.get_token_info(ARM_SCOPE)
    assert asked == [TARGET, "other", "other", TARGET]
