"""Security Command Center's services per project, from the Security Center Management API (I/O).

Cloud Asset Inventory does not hold whether Security Command Center's detection services
run, so a live scan asks ``GET v1/projects/P/locations/global/securityCenterServices``
once per project it scanned: each service (event-threat-detection,
security-health-analytics, container-threat-detection, ...) with its
``effectiveEnablementState`` (ENABLED / DISABLED / INGEST_ONLY; INHERITED is resolved to
the ancestor's state by the API). The answer becomes one record per project, turned into a
``monitor.detector`` by :func:`detector`; a refusal is a coverage gap for that project, so
monitoring.threat_detection says unknown (ERROR), never a guessed FAIL. Offline exports do
not carry it: their gap is added in :mod:`.normalize`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from scanner.connectors.gcp.assets import AssetRecord
from scanner.connectors.gcp.context import PROJECT, Context
from scanner.connectors.gcp.rest import Refusal, RestCaller
from scanner.inventory import Inventory
from scanner.model import CoverageGap, Kind

__all__ = ["DEFAULT_BASE_URL", "SERVICES_TYPE", "projects_of", "fetch_scc", "detector"]

DEFAULT_BASE_URL = "https://securitycentermanagement.googleapis.com"
#: the native type of the record (and detector) built from one project's answer
SERVICES_TYPE = "securitycentermanagement.googleapis.com/SecurityCenterService"
_STATES = frozenset({"ENABLED", "DISABLED", "INGEST_ONLY"})


def projects_of(records: Iterable[AssetRecord]) -> list[str]:
    """The project ids the scan read (its Project records)."""
    found: dict[str, None] = {}
    for rec in records:
        if rec.asset_type != PROJECT:
            continue
        pid = (rec.data or {}).get("projectId") or rec.display_name
        if pid:
            found[str(pid)] = None
    return list(found)


def fetch_scc(projects: list[str], caller: RestCaller, *, base_url: str = DEFAULT_BASE_URL,
              service: str = "securitycenter") -> tuple[list[AssetRecord], list[CoverageGap]]:
    from scanner.connectors.gcp.services import kinds_of

    base = base_url.rstrip("/")
    records: list[AssetRecord] = []
    gaps: list[CoverageGap] = []
    for project in projects:
        parent = f"projects/{project}/locations/global"
        items: list[dict[str, Any]] = []
        for page in caller.pages(f"{base}/v1/{parent}/securityCenterServices", {"pageSize": 100},
                                 key="securityCenterServices"):
            if isinstance(page, Refusal):
                gaps.append(CoverageGap(
                    "gcp", project, None, service, kinds_of(service), page.code,
                    f"Security Command Center services of project {project} refused ({page.message}); "
                    "whether threat detection runs there is unknown"))
                break
            items.extend(page)
        else:
            records.append(AssetRecord(name=f"//securitycentermanagement.googleapis.com/{parent}/securityCenterServices",
                                       asset_type=SERVICES_TYPE, data={"securityCenterServices": items},
                                       ancestors=[f"projects/{project}"], deep=True))
    return records, gaps


def detector(inv: Inventory, ctx: Context, rec: AssetRecord) -> None:
    """One project's Security Command Center services as a ``monitor.detector``:
    ``services`` maps each service id to its effective state; ``enabled`` is whether any
    runs (the policy judges the ones it requires)."""
    from scanner.connectors.gcp.resources import emit

    services: dict[str, str | None] = {}
    for item in (rec.data or {}).get("securityCenterServices") or []:
        if not isinstance(item, dict):
            continue
        sid = str(item.get("name") or "").rsplit("/", 1)[-1]
        if not sid:
            continue
        state = str(item.get("effectiveEnablementState") or "").upper()
        services[sid] = state if state in _STATES else None  # an unknown state is unknown
    props: dict[str, Any] = {"service": "scc", "services": services}
    if any(s == "ENABLED" for s in services.values()):
        props["enabled"] = True
    elif services and all(s is not None for s in services.values()):
        props["enabled"] = False
    emit(inv, ctx, rec, Kind.DETECTOR, "global", props, name="Security Command Center")
