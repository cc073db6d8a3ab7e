"""Cloud Identity Groups API: who is in the groups that IAM bindings name (I/O).

``groups:lookup`` turns a group e-mail into its resource name, then ``groups.memberships.list``
(view BASIC, 1,000 a page) gives its direct members; groups nested in it are read the same
way, so the ``member_of`` chain is complete. A refusal (another customer's group, no
Groups Reader role) is recorded in :class:`~.facts.Groups` and as one coverage gap.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanner.connectors.gcp.assets import AssetRecord, get
from scanner.connectors.gcp.facts import Groups
from scanner.connectors.gcp.rest import Refusal, RestCaller
from scanner.connectors.gcp.services import kinds_of
from scanner.model import CoverageGap

__all__ = ["GROUPS_SCOPE", "DEFAULT_BASE_URL", "bound_groups", "fetch_groups"]

GROUPS_SCOPE = "https://www.googleapis.com/auth/cloud-identity.groups.readonly"
DEFAULT_BASE_URL = "https://cloudidentity.googleapis.com"
PAGE_SIZE = 1000  # BASIC view maximum


def bound_groups(records: Iterable[AssetRecord]) -> list[str]:
    """E-mails of every group an IAM binding names."""
    found: dict[str, None] = {}
    for rec in records:
        for b in get(rec.iam_policy, "bindings") or []:
            for m in b.get("members") or []:
                if str(m).startswith("group:"):
                    found[str(m).split(":", 1)[1].lower()] = None
    return list(found)


def fetch_groups(
    emails: list[str], caller: RestCaller, *, account: str, base_url: str = DEFAULT_BASE_URL
) -> tuple[Groups, list[CoverageGap]]:
    base = base_url.rstrip("/")
    groups = Groups()
    refused: dict[str, list[str]] = {}  # code → groups
    todo, seen = list(emails), set(emails)
    while todo:
        email = todo.pop(0)
        found = caller.call("GET", f"{base}/v1/groups:lookup", params={"groupKey.id": email})
        if isinstance(found, Refusal):
            groups.refused(email, f"groups.lookup: {found.message}")
            refused.setdefault(found.code, []).append(email)
            continue
        members = []
        url = f"{base}/v1/{found.get('name')}/memberships"
        for page in caller.pages(url, {"view": "BASIC", "pageSize": PAGE_SIZE}, key="memberships"):
            if isinstance(page, Refusal):
                groups.refused(email, f"memberships.list: {page.message}")
                refused.setdefault(page.code, []).append(email)
                break
            members.extend(page)
        else:
            groups.add(email, members)
            for key in groups.members[email]:
                nested = key.split(":", 1)[1]
                if key.startswith("group:") and nested not in seen:
                    seen.add(nested)
                    todo.append(nested)
    gaps = [
        CoverageGap("gcp", account, None, "cloudidentity.groups", kinds_of("cloudidentity.groups"), code,
                    f"membership of {len(names)} group(s) could not be read ({', '.join(names[:5])}"
                    f"{', …' if len(names) > 5 else ''}): {groups.errors[names[0]]}")
        for code, names in sorted(refused.items())
    ]
    return groups, gaps
