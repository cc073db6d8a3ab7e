"""Each call of a live GCP scan refused in turn (403): no resource of the refused call's
scope may silently disappear. Against the local Cloud Asset / REST endpoint with the
recorded organisation, every call chain the connector makes (each ``list_assets`` group,
the hierarchy's IAM policies, ``searchAllIamPolicies``, Resource Manager, Cloud Identity
Groups, Policy Analyzer, the Directory API) is refused alone; a resource of the unfaulted
scan is then either still there with the same kind, or covered by a new coverage gap whose
kinds include its kind (GCP's reads are scope-wide: a gap's region is None)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("google.cloud.asset_v1")

from asset_api_server import AssetApi, recorded  # noqa: E402

from scanner.connectors.gcp.scan import ScanRequest, collect  # noqa: E402
from scanner.connectors.gcp.services import ASSET_GROUPS  # noqa: E402

DATA = Path(__file__).parents[2] / "data" / "gcp"
ORG = "organizations/100000000001"
PROJECT = "projects/trading-prod"
USERS = [{"primaryEmail": "wu.sre@example.com.tw", "isEnrolledIn2Sv": False},
         {"primaryEmail": "lai.oncall@example.com.tw", "isEnrolledIn2Sv": True}]

Match = Callable[[str, dict, str], bool]



def _listing(types: tuple[str, ...]) -> Match:
    return lambda path, q, method: (path.endswith("/assets") and set(q.get("assetTypes") or []) == set(types)
                                    and (q.get("contentType") or [""])[0] in ("1", "RESOURCE"))


#: every call chain of a scan, by the service of scanner.connectors.gcp.services it reads
CALLS: dict[str, Match] = {
    **{name: _listing(types) for name, (types, _) in ASSET_GROUPS.items()},
    "hierarchy-iam": lambda path, q, method: (path.endswith("/assets")
                                              and (q.get("contentType") or [""])[0] in ("2", "IAM_POLICY")),
    "iam-policies": lambda path, q, method: path.endswith(":searchAllIamPolicies"),
    "cloudresourcemanager": lambda path, q, method: path.endswith((":getIamPolicy", ":getAncestry")),
    "cloudidentity.groups": lambda path, q, method: path.startswith("/v1/groups"),
    "policyanalyzer": lambda path, q, method: path.endswith("/activities:query"),
    "admin.directory": lambda path, q, method: path.startswith("/admin/directory/"),
}


class Refusing(AssetApi):
    refuse: Match | None = None

    def handle(self, path: str, query: dict, method: str = "GET") -> tuple[int, dict]:
        if self.refuse is not None and self.refuse(path, query, method):
            with self._lock:
                self.log.append({"route": "refused", "scope": path, "query": query})
            return 403, {"error": {"code": 403, "message": "The caller does not have permission",
                                   "status": "PERMISSION_DENIED"}}
        return super().handle(path, query, method)


@pytest.fixture(scope="module")
def api():
    server = Refusing(recorded("org-export.ndjson"), recorded("iam-export.ndjson"), users=USERS,
                      groups={p.name[: -len(".json")]: json.loads(p.read_text()) for p in (DATA / "groups").glob("*.json")},
                      activities={"trading-prod": json.loads((DATA / "activity-trading-prod.json").read_text())})
    server.url = server.start()
    yield server
    server.stop()


def _scan(api, scope: str, refuse: Match | None = None):
    api.refuse = refuse
    try:
        return collect(ScanRequest.parse([scope], endpoint_url=api.url, directory_customer="my_customer",
                                         read_groups=True), )
    finally:
        api.refuse = None


@pytest.fixture(scope="module")
def baselines(api):
    return {scope: _scan(api, scope) for scope in (ORG, PROJECT)}


@pytest.mark.parametrize("scope", [ORG, PROJECT])
@pytest.mark.parametrize("service", sorted(CALLS))
def test_a_refused_call_hides_nothing_silently(api, baselines, scope, service):
    baseline = baselines[scope]
    assert len(baseline.resources) > 10
    before = sum(1 for e in api.log if e["route"] == "refused")
    faulted = _scan(api, scope, CALLS[service])
    refused = sum(1 for e in api.log if e["route"] == "refused") - before
    if not refused:
        pytest.skip(f"a {scope} scan makes no {service} call")  # e.g. no ancestors above an organisation
    new_gaps = [g for g in faulted.coverage_gaps if g not in baseline.coverage_gaps]
    assert new_gaps, f"{service}: refused {refused} time(s), yet no new coverage gap"
    kept = {(rid, r.kind) for rid, r in faulted.resources.items()}
    vanished = [r for rid, r in baseline.resources.items() if (rid, r.kind) not in kept]
    silent = [(r.kind, r.id) for r in vanished if not any(r.kind in g.kinds for g in new_gaps)]
    assert not silent, f"{service}: {len(silent)} resources vanished with no gap: {silent[:5]}"
