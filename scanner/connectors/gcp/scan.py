"""A live GCP scan end to end: Cloud Asset Inventory, the enrichments (inherited IAM,
group members, key activity), the Directory API, then normalization.

The connector contract (:mod:`scanner.connectors`): ``collect(ScanRequest(...)) -> Inventory``.
``client`` (an AssetServiceClient) and ``session`` (an authorized requests session for the
REST APIs) may be injected; otherwise they are built from Application Default Credentials,
or anonymous ones when ``endpoint_url`` points at an emulator or a replay server.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scanner.connectors import Progress
from scanner.errors import UsageError
from scanner.inventory import Inventory
from scanner.model import CoverageGap
from scanner.source import Source

__all__ = ["ScanRequest", "collect"]


@dataclass(frozen=True)
class ScanRequest:
    #: organizations/<number>, folders/<number> or projects/<id> (parsed and de-duplicated)
    scopes: tuple[str, ...]
    #: Cloud Identity / Workspace customer for users' 2-step verification; None: MFA unknown
    directory_customer: str | None = None
    read_groups: bool = False
    key_activity: bool = True
    quota_project: str | None = None
    workers: int = 4
    endpoint_url: str | None = None
    #: seconds the whole scan may take; None: CLOUDGOV_SCAN_DEADLINE (default four hours)
    deadline: float | None = None

    @classmethod
    def parse(cls, scopes: list[str] | tuple[str, ...], **kwargs: Any) -> ScanRequest:
        from scanner.connectors.gcp.collect import parse_scope

        if not scopes:
            raise UsageError("give at least one --scope (organizations/<number>, folders/<number> or projects/<id>)")
        return cls(scopes=tuple(dict.fromkeys(parse_scope(s) for s in scopes)), **kwargs)


def collect(
    request: ScanRequest,
    *,
    progress: Progress | None = None,
    client: Any = None,
    session: Any = None,
    directory_session: Any = None,
) -> Inventory:
    from scanner.connectors.gcp.collect import collect as collect_assets
    from scanner.connectors.gcp.collect import make_client
    from scanner.connectors.gcp.enrich import enrich
    from scanner.connectors.gcp.normalize import normalize
    from scanner.connectors.timeouts import Deadline

    scopes = list(request.scopes)
    started = time.monotonic()
    deadline = Deadline("GCP", request.deadline)
    client = client or make_client(endpoint=request.endpoint_url, quota_project=request.quota_project)
    pages: dict[str, int] = {}

    def on_page(label: str, n: int) -> None:
        pages[label] = pages.get(label, 0) + n
        if progress is not None:
            progress(label, pages[label], None)

    collected = collect_assets(scopes, client, workers=request.workers, progress=on_page, deadline=deadline,
                               endpoint=request.endpoint_url)
    if progress is not None:
        progress("inherited roles, key use, groups", 0, None)
    extra = enrich(scopes, collected.records, read_groups=request.read_groups, key_activity=request.key_activity,
                   endpoint=request.endpoint_url, quota_project=request.quota_project, session=session,
                   deadline=deadline)
    directory, dir_calls = None, 0
    dir_gaps: list[CoverageGap] = []
    if request.directory_customer:
        from scanner.connectors.gcp import directory as directory_api

        calls = [0]
        if progress is not None:
            progress("Directory API: users", 0, None)
        directory, dir_gaps = directory_api.fetch_directory(
            request.directory_customer,
            directory_session or directory_api.directory_session(anonymous=bool(request.endpoint_url)),
            base_url=request.endpoint_url or "https://admin.googleapis.com",
            on_call=lambda: calls.__setitem__(0, calls[0] + 1),
            deadline=deadline,
        )
        dir_calls = calls[0]
    by_api = {"cloudasset": collected.calls, **dict(sorted(extra.calls.items()))}
    if request.directory_customer:
        by_api["directory"] = dir_calls
    source = Source(
        connector="gcp",
        mode="live",
        accounts=tuple(scopes),
        api_calls=sum(by_api.values()),
        calls_by_api=by_api,
        seconds=round(time.monotonic() - started, 3),
        details={"retries": collected.retries, "assets": len(collected.records), "endpoint_url": request.endpoint_url},
    )
    return normalize(
        [*collected.records, *extra.records],
        coverage=collected.coverage,
        directory=directory,
        groups=extra.groups,
        activity=extra.activity,
        gaps=[*collected.gaps, *extra.gaps, *dir_gaps],
        collected_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source=source,
    )
