"""A live Azure scan end to end: credentials, Resource Graph, ARM, Microsoft Graph, normalization.

The connector contract (:mod:`scanner.connectors`): ``collect(ScanRequest(...)) -> Inventory``.
``credential`` (any azure-core TokenCredential) and ``transport`` (an azure-core transport,
e.g. :mod:`scanner.connectors.azure.replay`) may be injected; otherwise the credential is
``DefaultAzureCredential`` (az login, environment, managed or workload identity), closed
after the scan. Nothing is stored or printed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from scanner.connectors import Progress
from scanner.errors import InputError, UsageError
from scanner.inventory import Inventory

__all__ = ["ScanRequest", "collect"]


@dataclass(frozen=True)
class ScanRequest:
    #: tenant id or domain; None: the credential's home tenant
    tenant: str | None = None
    management_group: str | None = None
    #: subscription ids; empty: every subscription the credential can see
    subscriptions: tuple[str, ...] = ()
    max_workers: int = 8
    #: seconds the whole scan may take; None: CLOUDGOV_SCAN_DEADLINE (default four hours)
    deadline: float | None = None

    def __post_init__(self) -> None:
        if self.management_group and self.subscriptions:
            raise UsageError("give either --management-group or --subscriptions, not both")

    @property
    def scope(self) -> str:
        if self.management_group:
            return f"mg:{self.management_group}"
        return ",".join(self.subscriptions) if self.subscriptions else self.tenant or "tenant"


def collect(
    request: ScanRequest,
    *,
    progress: Progress | None = None,
    credential: Any = None,
    transport: Any = None,
) -> Inventory:
    try:
        from azure.core.exceptions import ClientAuthenticationError
        from azure.identity import CredentialUnavailableError
    except ModuleNotFoundError:
        raise UsageError("the Azure SDK is not installed: pip install 'cloudgov[azure]'") from None
    from scanner.connectors.azure.collect import collect_inventory
    from scanner.connectors.timeouts import Deadline

    deadline = Deadline("Azure", request.deadline)
    own = credential is None
    if own:
        credential = default_credential(request.tenant)
    steps = [0]

    def on_step(message: str) -> None:
        steps[0] += 1
        if progress is not None:
            progress(message, steps[0], None)

    try:
        return collect_inventory(
            credential, transport=transport, tenant=request.tenant, management_group=request.management_group,
            subscriptions=list(request.subscriptions), max_workers=request.max_workers, on_step=on_step,
            progress=progress, deadline=deadline,
        )
    except (CredentialUnavailableError, ClientAuthenticationError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"no usable Azure credentials (run `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID "
                         f"and a secret or federated token): {first[:200]}") from None
    finally:
        if own:
            credential.close()


def default_credential(tenant: str | None, **kwargs: Any) -> Any:
    """DefaultAzureCredential; with ``tenant``, every token it gives is for that tenant.

    DefaultAzureCredential takes no ``tenant_id``: its environment credential reads
    AZURE_TENANT_ID, ``az login``'s credential the CLI's default tenant, so a named tenant was
    silently ignored and the scan read the home tenant. Each token request now names the
    tenant (``tenant_id`` / ``options["tenant_id"]``), which every credential of the chain
    honours when the tenant is allowed (``additionally_allowed_tenants``). ``kwargs`` go to
    DefaultAzureCredential (tests give a ``transport``)."""
    from azure.identity import DefaultAzureCredential

    # azure-identity logs every failed credential of the chain as a multi-line WARNING;
    # the user gets one sentence from us instead.
    logging.getLogger("azure").setLevel(logging.ERROR)
    kwargs.setdefault("additionally_allowed_tenants", ["*"])
    if tenant:
        # the chain's credentials that choose a tenant when they are built take their own keyword
        for key in ("workload_identity_tenant_id", "shared_cache_tenant_id", "visual_studio_code_tenant_id"):
            kwargs.setdefault(key, tenant)
    credential = DefaultAzureCredential(**kwargs)
    return TenantCredential(credential, tenant) if tenant else credential


class TenantCredential:
    """A TokenCredential whose every token is requested for one tenant (unless the caller
    names another, as a claims challenge may)."""

    def __init__(self, inner: Any, tenant: str) -> None:
        self.inner, self.tenant = inner, tenant

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  **kwargs: Any) -> Any:
        return self.inner.get_token(*scopes, claims=claims, tenant_id=tenant_id or self.tenant, **kwargs)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        opts = dict(options or {})
        opts["tenant_id"] = opts.get("tenant_id") or self.tenant
        return self.inner.get_token_info(*scopes, options=opts)

    def close(self) -> None:
        self.inner.close()

    def __enter__(self) -> TenantCredential:
        self.inner.__enter__()
        return self

    def __exit__(self, *args: Any) -> None:
        self.inner.__exit__(*args)
