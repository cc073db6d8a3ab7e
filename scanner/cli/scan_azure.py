"""``cloudgov scan azure``: a live, tenant-wide Azure scan (Resource Graph, ARM, Microsoft Graph)."""

# No `from __future__ import annotations`: scan_options reads the Annotated options at runtime.
from typing import Annotated

import typer

from scanner.cli.common import ScanOptions, evaluate_and_exit, scan_options, stderr_console
from scanner.errors import InputError, UsageError


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @scan_app.command("azure")
    @scan_options
    def azure(
        tenant: Annotated[
            str | None,
            typer.Option("--tenant", help="Tenant id or domain (contoso.onmicrosoft.com). Default: the credential's."),
        ] = None,
        management_group: Annotated[
            str | None,
            typer.Option("--management-group", help="Scan the subscriptions under this management group."),
        ] = None,
        subscriptions: Annotated[
            str | None,
            typer.Option("--subscriptions", help="Comma-separated subscription ids (default: every visible one)."),
        ] = None,
        max_workers: Annotated[
            int, typer.Option("--max-workers", min=1, max=64, help="Subscriptions and targeted reads in parallel.")
        ] = 8,
        *,
        opts: ScanOptions,
    ) -> None:
        """Scan Azure live: credentials from DefaultAzureCredential (az login, environment,
        managed identity, workload identity); nothing is stored or printed."""
        if management_group and subscriptions:
            raise UsageError("give either --management-group or --subscriptions, not both")
        subs = [s.strip() for s in (subscriptions or "").split(",") if s.strip()]
        inventory = _collect(tenant, management_group, subs, max_workers, opts.quiet)
        scope = management_group and f"mg:{management_group}" or (",".join(subs) if subs else tenant or "tenant")
        evaluate_and_exit(inventory, opts, source=f"azure:{scope}")


def _collect(tenant, management_group, subs, max_workers, quiet):
    try:
        from azure.core.exceptions import ClientAuthenticationError
        from azure.identity import CredentialUnavailableError, DefaultAzureCredential
    except ModuleNotFoundError:
        raise UsageError("the Azure SDK is not installed: pip install 'cloudgov[azure]'") from None
    from scanner.connectors.azure.collect import collect_inventory

    import logging

    # azure-identity logs every failed credential of the chain as a multi-line WARNING;
    # the user gets one sentence from us instead.
    logging.getLogger("azure").setLevel(logging.ERROR)
    err = stderr_console(quiet)
    kwargs = {"additionally_allowed_tenants": ["*"]}
    if tenant:
        # DefaultAzureCredential refuses tenant_id (TypeError); each credential of the chain
        # that can target a tenant takes its own keyword (the CLI's comes from `az login`)
        for key in ("workload_identity_tenant_id", "shared_cache_tenant_id", "visual_studio_code_tenant_id"):
            kwargs[key] = tenant
    credential = DefaultAzureCredential(**kwargs)
    progress = _progress(err, quiet)
    try:
        with progress as p:
            task = p.add_task("Azure", total=None) if p else None
            inv = collect_inventory(
                credential, tenant=tenant, management_group=management_group, subscriptions=subs,
                max_workers=max_workers,
                on_step=(lambda msg: p.update(task, description=msg)) if p else None,
            )
    except (CredentialUnavailableError, ClientAuthenticationError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputError(f"no usable Azure credentials (run `az login`, or set AZURE_CLIENT_ID / AZURE_TENANT_ID "
                         f"and a secret or federated token): {first[:200]}") from None
    finally:
        credential.close()
    if not quiet:
        calls = inv.sources[0].get("api_calls", {}) if inv.sources else {}
        err.print(f"[dim]azure: {len(inv)} resources, {len(inv.coverage_gaps)} coverage gaps, "
                  f"{sum(calls.values())} API calls[/dim]")
    return inv


class _NoProgress:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


def _progress(console, quiet: bool):
    """A spinner on a terminal; nothing when stderr is not a TTY or --quiet."""
    if quiet or not console.is_terminal:
        return _NoProgress()
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=console, transient=True)
