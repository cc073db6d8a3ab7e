"""Container image repositories in Terraform (ETG 8.4.1) → ``compute.registry``, read with the
live connectors' own functions so code and cloud are judged alike.

- ``aws_ecr_repository``: ``image_tag_mutability`` (provider default MUTABLE) and its
  ``image_tag_mutability_exclusion_filter`` blocks; scanning as the registry's configuration
  decides — an ``aws_ecr_registry_scanning_configuration`` of this code, else unknown (its rules,
  when the account has any, override the repository's ``scan_on_push``).
- ``google_artifact_registry_repository`` (``format = "DOCKER"`` only): ``docker_config.
  immutable_tags`` (default false); ``vulnerability_scanning_config.enablement_config`` DISABLED
  scans nothing, INHERITED (the default) follows the project's Container Scanning API — a
  ``google_project_service`` of this code enabling it, else unknown.
- ``azurerm_container_registry``: tag locks are data-plane (unknown, as live); trust and
  quarantine policies; scanning from an ``azurerm_security_center_subscription_pricing`` of this
  code (Containers / CloudPosture with the registry assessment extension), else unknown.
"""

from __future__ import annotations

from typing import Any

from scanner.iac.hcl import TfResource, resolve
from scanner.iac.normalize import Ctx, Normalized, register

__all__ = ["ecr_repository", "artifact_registry_repository", "container_registry"]


def _ecr_scanning(ctx: Ctx) -> dict[str, Any] | None:
    """The code's registry scanning configuration in GetRegistryScanningConfiguration's shape."""
    cfgs = ctx.of_type("aws_ecr_registry_scanning_configuration")
    if not cfgs:
        return None
    cfg = cfgs[0]
    rules = []
    for rule in ctx.blocks(cfg.attrs, "rule"):
        filters = [{"filter": resolve(f.get("filter")), "filterType": resolve(f.get("filter_type"))}
                   for f in ctx.blocks(rule, "repository_filter")]
        rules.append({"scanFrequency": resolve(rule.get("scan_frequency")), "repositoryFilters": filters})
    return {"scanType": ctx.value(cfg, "scan_type"), "rules": rules}


def ecr_repository(res: TfResource, ctx: Ctx) -> Normalized:
    from scanner.connectors.aws.normalize_registry import on_off, registry_scan, tag_mutability

    name = ctx.value(res, "name")
    mutability = ctx.value(res, "image_tag_mutability") if ctx.has(res, "image_tag_mutability") else "MUTABLE"
    exclusions = [{"filter": resolve(b.get("filter"))} for b in ctx.blocks(res.attrs, "image_tag_mutability_exclusion_filter")]
    props = tag_mutability(mutability, exclusions)
    scan_cfg = ctx.block(res, "image_scanning_configuration")
    own = resolve(scan_cfg.get("scan_on_push")) if scan_cfg and "scan_on_push" in scan_cfg else (False if scan_cfg is None else None)
    scanning = _ecr_scanning(ctx)
    if scanning is None:
        props["images.unread"] = (f"the repository's scan_on_push is {on_off(own)}, but the registry's scanning configuration "
                                  "(aws_ecr_registry_scanning_configuration) is not in this code: its rules, when the "
                                  "account has any, decide")
    else:
        props.update(registry_scan(str(name or res.name), own, scanning))
    return Normalized("compute.registry", "AWS::ECR::Repository", {k: v for k, v in props.items() if v is not None},
                      name=name or res.name)


def artifact_registry_repository(res: TfResource, ctx: Ctx) -> Normalized | None:
    fmt = ctx.value(res, "format")
    if not isinstance(fmt, str) or fmt.upper() != "DOCKER":
        return None  # a package store (Maven, npm …), not an image registry; unknown format: nothing to judge
    mode = ctx.value(res, "mode") if ctx.has(res, "mode") else "STANDARD_REPOSITORY"
    props: dict[str, Any] = {"format": "DOCKER", "mode": mode}
    docker = ctx.block(res, "docker_config")
    immutable = resolve(docker.get("immutable_tags")) if docker and "immutable_tags" in docker else (False if not docker else None)
    if isinstance(immutable, bool):
        props.update({"images.tags_immutable": immutable, "images.tags_immutable_by": "docker_config.immutable_tags"})
    scan = ctx.block(res, "vulnerability_scanning_config")
    how = resolve(scan.get("enablement_config")) if scan and "enablement_config" in scan else ("INHERITED" if not scan else None)
    if how == "DISABLED":
        props.update({"images.scan_on_push": False, "images.scan_continuous": False,
                      "images.scan_by": "vulnerability_scanning_config.enablement_config DISABLED"})
    elif how == "INHERITED":
        api = [s for s in ctx.of_type("google_project_service") if ctx.value(s, "service") == "containerscanning.googleapis.com"]
        if api:
            props.update({"images.scan_on_push": True, "images.scan_continuous": True,
                          "images.scan_by": "Artifact Analysis (INHERITED; google_project_service containerscanning.googleapis.com)"})
        else:
            props["images.unread"] = ("vulnerability scanning is INHERITED from the project's Container Scanning API, "
                                      "which this code does not enable (google_project_service containerscanning.googleapis.com)")
    else:
        props["images.unread"] = "vulnerability_scanning_config.enablement_config is not known from the code"
    if immutable is None:
        props["images.unread"] = "; ".join(x for x in ("docker_config.immutable_tags is not known from the code",
                                                        props.get("images.unread")) if x)
    return Normalized("compute.registry", "artifactregistry.googleapis.com/Repository",
                      {k: v for k, v in props.items() if v is not None}, name=ctx.value(res, "repository_id") or res.name)


def _pricings(ctx: Ctx) -> list[dict[str, Any]] | None:
    """The code's Defender plans in the pricings API's shape (an extension block listed is on)."""
    plans = ctx.of_type("azurerm_security_center_subscription_pricing")
    if not plans:
        return None
    out = []
    for p in plans:
        exts = [{"name": resolve(e.get("name")), "isEnabled": "True"} for e in ctx.blocks(p.attrs, "extension")]
        out.append({"name": ctx.value(p, "resource_type") or "VirtualMachines",  # the provider's default
                    "properties": {"pricingTier": ctx.value(p, "tier"), **({"extensions": exts} if exts else {})}})
    return out


def container_registry(res: TfResource, ctx: Ctx) -> Normalized:
    from scanner.connectors.azure.registries import ACR_TAGS_UNREAD, defender_registry_scan

    trust_block = ctx.block(res, "trust_policy")  # azurerm 3.x; 4.x: trust_policy_enabled
    trust = ctx.value(res, "trust_policy_enabled") if ctx.has(res, "trust_policy_enabled") else (
        resolve(trust_block.get("enabled")) if trust_block else False)
    quarantine = ctx.value(res, "quarantine_policy_enabled") if ctx.has(res, "quarantine_policy_enabled") else False
    props: dict[str, Any] = {"sku": ctx.value(res, "sku"), "images.content_trust": trust, "images.quarantine": quarantine}
    plans = _pricings(ctx)
    scan = defender_registry_scan(plans) if plans is not None else {
        "images.unread": "the subscription's Defender plans (azurerm_security_center_subscription_pricing) are not in this code"}
    unread = [ACR_TAGS_UNREAD, scan.pop("images.unread", None)]
    props.update(scan)
    props["images.unread"] = "; ".join(x for x in unread if x)
    return Normalized("compute.registry", "Microsoft.ContainerRegistry/registries",
                      {k: v for k, v in props.items() if v is not None}, name=ctx.value(res, "name") or res.name)


register(
    {
        "aws_ecr_repository": (ecr_repository, "compute.registry"),
        "google_artifact_registry_repository": (artifact_registry_repository, "compute.registry"),
        "azurerm_container_registry": (container_registry, "compute.registry"),
    }
)
