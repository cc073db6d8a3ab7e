"""ECR repositories → ``compute.registry`` (ETG 8.4.1: image integrity and trusted images). Pure.

Bundle section (per region): ``ecr: {"repositories": [DescribeRepositories entries],
"scanning": GetRegistryScanningConfiguration's scanningConfiguration, "scanning_unread": the
error code when that call failed}`` — ``scanning`` absent: not read, so whether images are
scanned stays unknown (ERROR naming the code).

Tags: ``imageTagMutability`` IMMUTABLE fixes every tag; IMMUTABLE_WITH_EXCLUSION every tag but
those matching ``imageTagMutabilityExclusionFilters`` (kept in ``images.tag_exclusions`` for the
policy to name); MUTABLE and MUTABLE_WITH_EXCLUSION (only the filters' tags fixed) leave tags
movable. Scanning (ECR user guide, "Filters to choose which repositories are scanned"): with the
ENHANCED scan type (Amazon Inspector) a repository no rule's filter matches is not scanned; with
BASIC a repository no SCAN_ON_PUSH filter matches is set to MANUAL — so once the registry has
rules, they alone decide. A BASIC registry without rules (the default, never configured) leaves
it to the repository's own ``scanOnPush``. A filter with ``*`` matches where ``*`` stands for any
characters; a filter without one matches every name that contains it.
"""

from __future__ import annotations

from collections.abc import Mapping
from fnmatch import fnmatchcase
from typing import Any

from scanner.connectors.aws.common import PROVIDER
from scanner.model import Kind, Resource

__all__ = ["ecr_repositories", "tag_mutability", "registry_scan", "on_off"]


def tag_mutability(value: Any, exclusions: Any = None) -> dict[str, Any]:
    """``imageTagMutability`` (+ its exclusion filters) → the ``images.tags_*`` properties."""
    v = str(value or "").upper()
    immutable = {"IMMUTABLE": True, "IMMUTABLE_WITH_EXCLUSION": True, "MUTABLE": False,
                 "MUTABLE_WITH_EXCLUSION": False}.get(v)
    if immutable is None:
        return {}
    props: dict[str, Any] = {"images.tags_immutable": immutable, "images.tags_immutable_by": f"imageTagMutability {v}"}
    if v.endswith("_WITH_EXCLUSION"):
        props["images.tag_exclusions"] = [str(f.get("filter")) for f in exclusions or [] if isinstance(f, Mapping)
                                          and f.get("filter")]
    return props


def on_off(value: Any) -> str:
    """A scan-on-push flag as a sentence says it."""
    return "on" if value is True else "off" if value is False else "not known"


def _matches(name: str, filters: Any) -> bool:
    """WILDCARD is the only filter type; neither names nor filters hold a character fnmatch treats
    as special but ``*``."""
    for f in filters or []:
        pattern = str(f.get("filter") or "") if isinstance(f, Mapping) else ""
        if pattern and fnmatchcase(name, pattern if "*" in pattern else f"*{pattern}*"):
            return True
    return False


def registry_scan(name: str, repo_scan_on_push: Any, scanning: Mapping[str, Any] | None, why: str | None = None) -> dict[str, Any]:
    """The ``images.scan_*`` properties of repository ``name`` under the registry's configuration
    (None: not read, ``why`` the API's code — then the repository's own setting proves nothing,
    since ENHANCED ignores it)."""
    if scanning is None:
        return {"images.unread": "the registry scanning configuration (GetRegistryScanningConfiguration) was not read"
                                 + (f": {why}" if why else "")}
    scan_type = str(scanning.get("scanType") or "BASIC").upper()  # no configuration defined: BASIC
    freqs = {str(rule.get("scanFrequency") or "").upper() for rule in scanning.get("rules") or []
             if isinstance(rule, Mapping) and _matches(name, rule.get("repositoryFilters"))}
    props: dict[str, Any] = {"images.scan_type": scan_type}
    if scan_type == "ENHANCED":
        continuous = "CONTINUOUS_SCAN" in freqs
        props.update({"images.scan_on_push": continuous or "SCAN_ON_PUSH" in freqs, "images.scan_continuous": continuous})
        props["images.scan_by"] = (f"registry rule (ENHANCED, {', '.join(sorted(freqs & {'CONTINUOUS_SCAN', 'SCAN_ON_PUSH'}))})"
                                   if props["images.scan_on_push"] else "ENHANCED scanning: no registry rule matches the repository")
        return props
    props["images.scan_continuous"] = False  # BASIC scans on push or by hand, never continuously
    if scanning.get("rules"):  # the registry's filters decide; a repository none matches is MANUAL
        on = "SCAN_ON_PUSH" in freqs
        props["images.scan_on_push"] = on
        props["images.scan_by"] = ("registry rule (BASIC, SCAN_ON_PUSH)" if on
                                   else "BASIC scanning: no SCAN_ON_PUSH rule matches the repository (MANUAL)")
    elif repo_scan_on_push is None:
        props["images.unread"] = "the repository's scanOnPush setting was not in the answer"
    else:  # no registry rules: the repository's own setting
        props["images.scan_on_push"] = repo_scan_on_push is True
        props["images.scan_by"] = f"repository scanOnPush {'on' if repo_scan_on_push is True else 'off'} (no registry rules)"
    return props


def ecr_repositories(account: str, region: str, section: Mapping[str, Any], tags: Mapping[str, Mapping[str, str]]) -> list[Resource]:
    scanning = section.get("scanning")
    out = []
    for repo in section.get("repositories") or []:
        name = str(repo.get("repositoryName") or "")
        arn = str(repo.get("repositoryArn") or f"arn:aws:ecr:{region}:{account}:repository/{name}")
        own = (repo.get("imageScanningConfiguration") or {}).get("scanOnPush")
        props: dict[str, Any] = {**tag_mutability(repo.get("imageTagMutability"), repo.get("imageTagMutabilityExclusionFilters")),
                                 **registry_scan(name, own, scanning, section.get("scanning_unread"))}
        if repo.get("createdAt"):
            props["created"] = str(repo["createdAt"])
        raw = {k: repo[k] for k in ("imageTagMutability", "imageTagMutabilityExclusionFilters", "imageScanningConfiguration")
               if k in repo}
        if scanning is not None:
            raw["registryScanningConfiguration"] = dict(scanning)
        out.append(Resource(PROVIDER, account, region, Kind.REGISTRY, "AWS::ECR::Repository", arn, name,
                            dict(tags.get(arn) or {}), {k: v for k, v in props.items() if v is not None}, raw))
    return out
