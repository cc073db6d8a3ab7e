"""What Cloud Asset Inventory cannot say, read from the APIs that can (I/O orchestration).

After the Cloud Asset calls of a live scan:

* inherited roles — the IAM policies of folders and the organization above a project- or
  folder-scoped scan (:mod:`.hierarchy`), always;
* service-account key last use — Policy Analyzer activity for projects that hold
  user-managed keys (:mod:`.activity`), unless ``--no-key-activity``;
* group membership — the Cloud Identity Groups API for every group a binding names
  (:mod:`.groups`), with ``--read-groups``;
* Security Command Center's services — the Security Center Management API for every
  project scanned (:mod:`.scc`), always.

Every refusal is a coverage gap; the scan goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.facts import Activity, Groups
from scanner.connectors.gcp.rest import CLOUD_PLATFORM_SCOPE, RestCaller, authorized_session
from scanner.connectors.timeouts import Deadline
from scanner.model import CoverageGap

__all__ = ["Enrichment", "enrich"]


@dataclass
class Enrichment:
    records: list[AssetRecord] = field(default_factory=list)  # ancestors' IAM policies
    gaps: list[CoverageGap] = field(default_factory=list)
    groups: Groups | None = None
    activity: Activity | None = None
    calls: dict[str, int] = field(default_factory=dict)  # API → calls


def enrich(
    scopes: list[str],
    records: list[AssetRecord],
    *,
    read_groups: bool = False,
    key_activity: bool = True,
    endpoint: str | None = None,
    quota_project: str | None = None,
    session=None,
    backoff: float = 1.0,
    deadline: Deadline | None = None,
) -> Enrichment:
    from scanner.connectors.gcp import activity, groups, hierarchy, scc

    out = Enrichment()
    scopes_wanted = [CLOUD_PLATFORM_SCOPE] + ([groups.GROUPS_SCOPE] if read_groups else [])
    needs_hierarchy = any(not s.startswith("organizations/") for s in scopes)
    key_projects = activity.projects_with_keys(records) if key_activity else []
    scc_projects = scc.projects_of(records)
    if session is None and (needs_hierarchy or key_projects or read_groups or scc_projects):
        session = authorized_session(scopes_wanted, anonymous=bool(endpoint), quota_project=quota_project)

    def caller(api: str) -> RestCaller:
        out.calls.setdefault(api, 0)
        return RestCaller(session, lambda: out.calls.__setitem__(api, out.calls[api] + 1), backoff=backoff,
                          deadline=deadline)

    if needs_hierarchy:
        got, gaps = hierarchy.fetch_inherited(scopes, records, caller("cloudresourcemanager"),
                                              base_url=endpoint or hierarchy.DEFAULT_BASE_URL)
        out.records.extend(got)
        out.gaps.extend(gaps)
    if key_projects:
        out.activity, gaps = activity.fetch_activity(key_projects, caller("policyanalyzer"),
                                                     base_url=endpoint or activity.DEFAULT_BASE_URL)
        out.gaps.extend(gaps)
    if scc_projects:
        got, gaps = scc.fetch_scc(scc_projects, caller("securitycentermanagement"),
                                  base_url=endpoint or scc.DEFAULT_BASE_URL)
        out.records.extend(got)
        out.gaps.extend(gaps)
    if read_groups:
        everything = [*records, *out.records]
        out.groups, gaps = groups.fetch_groups(groups.bound_groups(everything), caller("cloudidentity"),
                                               account=_organization(everything) or "cloud-identity",
                                               base_url=endpoint or groups.DEFAULT_BASE_URL)
        out.gaps.extend(gaps)
    return out


def _organization(records: list[AssetRecord]) -> str | None:
    for rec in records:
        for anc in rec.ancestors:
            if anc.startswith("organizations/"):
                return anc.split("/", 1)[1]
    return None
