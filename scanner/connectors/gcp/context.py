"""What every GCP normalizer consults: projects, accounts, IAM policies, what was collected."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from scanner.connectors.gcp.assets import AssetRecord, get
from scanner.connectors.gcp.locations import project_from_name

__all__ = ["Coverage", "Context", "HIERARCHY_TYPES", "PUBLIC_MEMBERS", "PROJECT", "FOLDER", "ORGANIZATION"]

PROJECT = "cloudresourcemanager.googleapis.com/Project"
FOLDER = "cloudresourcemanager.googleapis.com/Folder"
ORGANIZATION = "cloudresourcemanager.googleapis.com/Organization"
HIERARCHY_TYPES = frozenset({PROJECT, FOLDER, ORGANIZATION})
PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})


@dataclass(frozen=True)
class Coverage:
    """What the source is known to hold in full, so that absence can mean "none".

    ``resource_types``: asset types listed exhaustively with full resource data.
    ``iam_policies``: every IAM policy in the scope was read (absent = no policy set).
    """

    resource_types: frozenset[str] = frozenset()
    iam_policies: bool = False


@dataclass
class Context:
    coverage: Coverage
    records: dict[str, AssetRecord] = field(default_factory=dict)  # by name; resource data
    by_type: dict[str, list[AssetRecord]] = field(default_factory=lambda: defaultdict(list))
    policies: dict[str, dict[str, Any]] = field(default_factory=dict)  # resource name → IAM policy
    policy_records: dict[str, AssetRecord] = field(default_factory=dict)
    project_ids: dict[str, str] = field(default_factory=dict)  # number → id
    project_orgs: dict[str, str] = field(default_factory=dict)  # project id → organization id
    default_org: str | None = None
    _project_by_id: dict[str, AssetRecord] | None = None

    @classmethod
    def build(cls, records: Iterable[AssetRecord], coverage: Coverage) -> Context:
        ctx = cls(coverage=coverage)
        for rec in records:
            if not rec.name:
                continue
            if rec.iam_policy is not None:
                old = ctx.policies.get(rec.name)
                # a list_assets IAM_POLICY copy carries auditConfigs; a search copy may not
                if old is None or (not get(old, "audit_configs") and len(rec.iam_policy) >= len(old)):
                    ctx.policies[rec.name] = rec.iam_policy
                ctx.policy_records.setdefault(rec.name, rec)
            if rec.data is None and rec.kms_keys is None and rec.location is None and not rec.labels:
                if rec.iam_policy is not None:
                    continue  # an IAM-only record: the resource itself comes from elsewhere
            prev = ctx.records.get(rec.name)
            if prev is not None:
                if prev.deep and not rec.deep:
                    continue  # keep the deeper copy
                ctx.by_type[prev.asset_type].remove(prev)
            ctx.records[rec.name] = rec
            ctx.by_type[rec.asset_type].append(rec)
        for rec in ctx.by_type.get(PROJECT, []):
            data = rec.data or {}
            number = str(data.get("projectNumber") or "") or rec.name.rsplit("/", 1)[-1]
            pid = data.get("projectId") or rec.display_name
            if pid and number:
                ctx.project_ids[number] = str(pid)
        for rec in list(ctx.policy_records.values()) + list(ctx.records.values()):
            # search results name a project by id and give its number in ``project``
            last = rec.name.rsplit("/", 1)[-1]
            if rec.asset_type == PROJECT and rec.project and not last.isdigit():
                ctx.project_ids.setdefault(str(rec.project).rsplit("/", 1)[-1], last)
        orgs: list[str] = []
        for rec in list(ctx.records.values()) + list(ctx.policy_records.values()):
            org = _org_of(rec)
            if org:
                orgs.append(org)
                acct = ctx.project_of(rec)
                if acct:
                    ctx.project_orgs.setdefault(acct, org)
        if orgs:
            ctx.default_org = max(set(orgs), key=orgs.count)
        return ctx

    # --- lookups -----------------------------------------------------------------------
    def project_record(self, project_id: str) -> AssetRecord | None:
        if self._project_by_id is None:
            self._project_by_id = {}
            for rec in self.by_type.get(PROJECT, []):
                pid = self.project_of(rec)
                if pid:
                    self._project_by_id[pid] = rec
        return self._project_by_id.get(project_id)

    def key_public(self, key_name: str) -> bool | None:
        """Whether the IAM policy of a key or its key ring grants anyone (allUsers,
        allAuthenticatedUsers) a role. None when IAM policies were not read."""
        ring = key_name.split("/cryptoKeys/", 1)[0]
        found = False
        for name in (key_name, ring):
            policy = self.policies.get(name)
            if policy is None:
                continue
            found = True
            for b in get(policy, "bindings") or []:
                if any(m in PUBLIC_MEMBERS for m in b.get("members") or []):
                    return True
        if found or self.coverage.iam_policies:
            return False
        return None

    # --- accounts ----------------------------------------------------------------------
    def project_id(self, ref: str | None) -> str | None:
        """A project id from ``projects/<id-or-number>`` or a bare id/number."""
        if not ref:
            return None
        ref = str(ref)
        if ref.startswith("projects/"):
            ref = ref.split("/", 2)[1]
        return self.project_ids.get(ref, ref)

    def project_of(self, rec: AssetRecord) -> str | None:
        if rec.asset_type == PROJECT:
            data = rec.data or {}
            return str(data.get("projectId") or rec.display_name or "") or self.project_id(rec.name.rsplit("/", 1)[-1])
        found = project_from_name(rec.name)
        if found:
            return self.project_id(found)
        if rec.project:
            return self.project_id(rec.project)
        for anc in rec.ancestors:
            if anc.startswith("projects/"):
                return self.project_id(anc)
        data = rec.data or {}
        if data.get("projectNumber"):
            return self.project_id(str(data["projectNumber"]))
        if data.get("projectId"):
            return str(data["projectId"])
        return None

    def account_of(self, rec: AssetRecord) -> str:
        """Project id; the organization / folder id for things above projects."""
        if rec.asset_type in (ORGANIZATION, FOLDER):
            return rec.name.rsplit("/", 1)[-1]
        found = self.project_of(rec)
        if found:
            return found
        m = _org_of(rec) or _scope_id(rec.name, "organizations") or _scope_id(rec.name, "folders")
        return m or "unknown"

    def organization_of(self, rec: AssetRecord) -> str | None:
        org = _org_of(rec)
        if org:
            return org
        pid = self.project_of(rec)
        return self.project_orgs.get(pid) if pid else None


def _scope_id(name: str, kind: str) -> str | None:
    marker = f"{kind}/"
    idx = name.find(marker)
    if idx < 0:
        return None
    return name[idx + len(marker) :].split("/", 1)[0] or None


def _org_of(rec: AssetRecord) -> str | None:
    for anc in rec.ancestors:
        if anc.startswith("organizations/"):
            return anc.split("/", 1)[1]
    if rec.asset_type == ORGANIZATION:
        return rec.name.rsplit("/", 1)[-1]
    if rec.asset_type == PROJECT:
        parent = (rec.data or {}).get("parent") or {}
        if isinstance(parent, dict) and parent.get("type") == "organization":
            return str(parent.get("id"))
    return _scope_id(rec.name, "organizations")
