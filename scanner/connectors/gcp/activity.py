"""Policy Analyzer (Activity Analyzer): when service accounts and their keys last authenticated (I/O).

``activities:query`` per project, for the two activity types ``serviceAccountKeyLastAuthentication``
and ``serviceAccountLastAuthentication`` (1,000 a page). Only projects that hold user-managed
keys are asked: the rest have nothing for these policies to judge. A refusal leaves last
use unknown, as without the call, and becomes a coverage gap for that project.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.facts import ACCOUNT_ACTIVITY, KEY_ACTIVITY, Activity
from scanner.connectors.gcp.rest import Refusal, RestCaller
from scanner.connectors.gcp.services import kinds_of
from scanner.model import CoverageGap

__all__ = ["DEFAULT_BASE_URL", "projects_with_keys", "fetch_activity"]

DEFAULT_BASE_URL = "https://policyanalyzer.googleapis.com"
PAGE_SIZE = 1000


def projects_with_keys(records: Iterable[AssetRecord]) -> list[str]:
    """Projects (as named in the key's resource name) holding user-managed service-account keys."""
    found: dict[str, None] = {}
    for rec in records:
        if rec.asset_type != "iam.googleapis.com/ServiceAccountKey":
            continue
        if str((rec.data or {}).get("keyType") or "USER_MANAGED") != "USER_MANAGED":
            continue
        if "/projects/" in rec.name:
            found[rec.name.split("/projects/", 1)[1].split("/", 1)[0]] = None
    return list(found)


def fetch_activity(
    projects: list[str], caller: RestCaller, *, base_url: str = DEFAULT_BASE_URL
) -> tuple[Activity, list[CoverageGap]]:
    base = base_url.rstrip("/")
    activity = Activity()
    gaps: list[CoverageGap] = []
    for project in projects:
        for kind in (KEY_ACTIVITY, ACCOUNT_ACTIVITY):
            url = f"{base}/v1/projects/{project}/locations/global/activityTypes/{kind}/activities:query"
            for page in caller.pages(url, {"pageSize": PAGE_SIZE}, key="activities"):
                if isinstance(page, Refusal):
                    gaps.append(CoverageGap(
                        "gcp", project, None, "policyanalyzer", kinds_of("policyanalyzer"), page.code,
                        f"{kind} activity of project {project} refused ({page.message}); "
                        "when its service accounts and keys were last used is unknown",
                    ))
                    break
                activity.add(page)
    return activity, gaps
