"""Where a Terraform resource lands: resource → provider configuration → region.

checkov shows a resource check only its provider's *name* (``aws.tw``), never the region
that provider points at, so residency is resolved here:

* AWS: the resource's own ``region`` argument (provider v6), else its ``availability_zone``
  (the zone's region, from the jurisdiction tables), else the ``region`` of the
  provider configuration it uses: its ``provider = aws.alias`` argument, or the default
  ``aws`` provider, looked up in its module, then through the module call's
  ``providers = { aws = aws.tw }`` map, then (default providers only) inherited from the
  parent module, as Terraform does.
* Azure: the resource's ``location`` argument (the provider has no region).
* GCP: the resource's ``location`` / ``region`` (or ``zone`` → its region, from the same
  tables the live connectors use), else the provider's ``region``.

An unresolvable region is reported with the reason (ERROR downstream), never guessed;
in particular AWS_REGION in the environment of whoever runs ``terraform apply`` is not
visible in code.
"""

from __future__ import annotations

from dataclasses import dataclass

from scanner.iac.hcl import TfModule, TfResource, _provider_ref, resolve

__all__ = ["Placement", "place", "provider_of", "zone_region"]


@dataclass(frozen=True)
class Placement:
    region: str | None
    provider_config: str | None  # "aws.tw" (as named in the module that defines it)
    how: str  # how the region was found, or why it could not be


def provider_of(res: TfResource) -> str | None:
    prefix = res.type.split("_", 1)[0]
    return {"aws": "aws", "azurerm": "azure", "azuread": "azure", "google": "gcp"}.get(prefix)


def _local_provider_name(res: TfResource) -> str:
    explicit = _provider_ref(res.attrs.get("provider"))
    if explicit:
        return explicit
    prefix = res.type.split("_", 1)[0]
    return "google" if prefix == "google" else prefix


def find_provider(module: TfModule, name: str) -> tuple[TfModule, str, dict] | None:
    """The provider block a reference means, following module provider maps."""
    seen = 0
    while module is not None and seen < 50:
        seen += 1
        if name in module.providers:
            return module, name, module.providers[name]
        if name in module.passed_providers:
            module, name = module.passed_providers[name]
            continue
        if "." in name:  # aliased configurations are never inherited implicitly
            return None
        module = module.parent  # type: ignore[assignment]
    return None


def zone_region(provider: str, zone: str) -> str | None:
    """The region of a zone, from the jurisdiction tables the live connectors use
    (``policies/jurisdictions/<provider>.yaml``: its ``zone_pattern`` and regions), never a
    cut of the string: ``asia-east1-b`` → ``asia-east1``, ``ap-northeast-1a`` →
    ``ap-northeast-1``, the local zone ``us-west-2-lax-1a`` → ``us-west-2``; None when the
    name is not a zone of a region the table knows (an AZ id like ``use1-az1``, a typo)."""
    from scanner.config import default_jurisdictions

    return default_jurisdictions().region_of_zone(provider, zone)


def place(res: TfResource) -> Placement:
    provider = provider_of(res)
    attrs = res.attrs
    if provider == "azure":
        if "location" in attrs:
            loc = resolve(attrs["location"], res.module)
            if isinstance(loc, str):
                return Placement(_azure_norm(loc), None, "location argument")
            return Placement(None, None, f"location {attrs['location']!r} cannot be resolved from code")
        return Placement(None, None, "no location argument")
    if provider == "gcp":
        for arg in ("location", "region"):
            if arg in attrs:
                loc = resolve(attrs[arg], res.module)
                if isinstance(loc, str):
                    return Placement(loc, None, f"{arg} argument")
                return Placement(None, None, f"{arg} {attrs[arg]!r} cannot be resolved from code")
        if "zone" in attrs:
            zone = resolve(attrs["zone"], res.module)
            if isinstance(zone, str):
                # a zone the table does not know stays as written: residency says it is not in the table
                return Placement(zone_region("gcp", zone) or zone.strip().lower(), None, "zone argument")
            return Placement(None, None, f"zone {attrs['zone']!r} cannot be resolved from code")
    if provider == "aws" and "region" in attrs:
        reg = resolve(attrs["region"], res.module)
        if isinstance(reg, str):
            return Placement(reg, None, "region argument")
        return Placement(None, None, f"region {attrs['region']!r} cannot be resolved from code")
    if provider == "aws" and isinstance(resolve(attrs.get("availability_zone")), str):
        # a volume, instance or database in a named zone (Local Zones included) is in its region
        region = zone_region("aws", attrs["availability_zone"])
        if region:
            return Placement(region, None, "availability_zone argument")

    name = _local_provider_name(res)
    found = find_provider(res.module, name)
    if found is None:
        return Placement(
            None, None,
            f"no provider configuration {name!r} in code (its region comes from the environment at apply time)",
        )
    mod, pname, cfg = found
    label = f"{mod.address}provider.{pname}" if mod.address else f"provider.{pname}"
    if "region" not in cfg:
        return Placement(None, label, f"{label} sets no region (it comes from the environment at apply time)")
    reg = resolve(cfg["region"], mod)
    if isinstance(reg, str):
        return Placement(reg, label, f"{label} region")
    return Placement(None, label, f"{label} region {cfg['region']!r} cannot be resolved from code")


def _azure_norm(location: str) -> str:
    # Azure accepts "Taiwan North" and "taiwannorth"; the API reports the latter.
    return location.replace(" ", "").lower()
