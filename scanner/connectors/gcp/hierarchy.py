"""Roles inherited from above the scanned scope: ancestry and the ancestors' IAM policies (I/O).

A project- or folder-scoped Cloud Asset scan sees only policies set inside the scope, yet a
role granted on a folder or the organization applies to every project below it. The
ancestry comes from the ``ancestors`` Cloud Asset already returned (``getAncestry`` of
Resource Manager v1 only when no asset of the project was readable); each ancestor whose
policy was not read is then asked for its policy with Resource Manager v3
``getIamPolicy`` (which carries ``auditConfigs`` too). Each policy becomes an IAM-only
record, exactly as if Cloud Asset had listed it. A refusal is a coverage gap: inherited
roles (privilege) and the ancestor's audit config are unknown.
"""

from __future__ import annotations

from typing import Any

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.context import FOLDER, ORGANIZATION, PROJECT
from scanner.connectors.gcp.rest import Refusal, RestCaller
from scanner.connectors.gcp.services import kinds_of
from scanner.model import CoverageGap

__all__ = ["DEFAULT_BASE_URL", "fetch_inherited", "ancestry_of"]

DEFAULT_BASE_URL = "https://cloudresourcemanager.googleapis.com"
_PREFIX = "//cloudresourcemanager.googleapis.com/"
_ANCESTOR_TYPE = {"project": "projects", "folder": "folders", "organization": "organizations"}


def ancestry_of(scope: str, records: list[AssetRecord]) -> list[str] | None:
    """``[scope, parent, …, organizations/N]`` as Cloud Asset reported it, or None."""
    kind, ident = scope.split("/", 1)
    for rec in records:
        if not rec.ancestors or rec.asset_type not in (PROJECT, FOLDER):
            continue
        data = rec.data or {}
        if rec.name == _PREFIX + scope or (kind == "projects" and data.get("projectId") == ident):
            return list(rec.ancestors)
    for rec in records:  # any asset below the scope names the same chain
        for i, anc in enumerate(rec.ancestors):
            if anc == scope:
                return list(rec.ancestors[i:])
    return None


def fetch_inherited(
    scopes: list[str], records: list[AssetRecord], caller: RestCaller, *, base_url: str = DEFAULT_BASE_URL
) -> tuple[list[AssetRecord], list[CoverageGap]]:
    """IAM-only records for every ancestor of a project / folder scope whose policy is missing."""
    base = base_url.rstrip("/")
    have = {r.name for r in records if r.iam_policy is not None}
    chains: dict[str, list[str]] = {}  # ancestor → its own chain (itself first)
    gaps: list[CoverageGap] = []
    for scope in scopes:
        if scope.startswith("organizations/"):
            continue
        chain = ancestry_of(scope, records)
        if chain is None and scope.startswith("projects/"):
            chain, gap = _get_ancestry(scope, caller, base)
            if gap:
                gaps.append(gap)
                continue
        if chain is None:
            gaps.append(_gap(scope, "NotCollected", "its ancestry is unknown (no asset of it was readable); "
                                                   "roles inherited from above it are unknown", "ancestry"))
            continue
        for i, anc in enumerate(chain[1:], start=1):
            if anc.startswith(("folders/", "organizations/")):
                chains.setdefault(anc, chain[i:])
    out: list[AssetRecord] = []
    for anc, chain in chains.items():
        if _PREFIX + anc in have:
            continue
        body = caller.call("POST", f"{base}/v3/{anc}:getIamPolicy", body={"options": {"requestedPolicyVersion": 3}})
        if isinstance(body, Refusal):
            gaps.append(_gap(anc, body.code, f"getIamPolicy refused ({body.message}); roles granted there are unknown"))
            continue
        out.append(AssetRecord(name=_PREFIX + anc, asset_type=FOLDER if anc.startswith("folders/") else ORGANIZATION,
                               iam_policy=dict(body), ancestors=list(chain)))
    return out, gaps


def _get_ancestry(scope: str, caller: RestCaller, base: str) -> tuple[list[str] | None, CoverageGap | None]:
    body = caller.call("POST", f"{base}/v1/{scope}:getAncestry", body={})
    if isinstance(body, Refusal):
        return None, _gap(scope, body.code, f"getAncestry refused ({body.message}); roles inherited from its "
                                            "folders and organization are unknown", "getAncestry")
    chain = [scope]
    for item in body.get("ancestor") or []:
        rid: dict[str, Any] = item.get("resourceId") or {}
        kind = _ANCESTOR_TYPE.get(str(rid.get("type")))
        if kind and kind != "projects" and rid.get("id"):
            chain.append(f"{kind}/{rid['id']}")
    return chain, None


def _gap(node: str, code: str, message: str, call: str = "getIamPolicy") -> CoverageGap:
    return CoverageGap("gcp", node.split("/", 1)[1], None, f"cloudresourcemanager:{call}", kinds_of("cloudresourcemanager"), code,
                       f"{node}: {message}")
