"""A local Cloud Asset (REST) + Directory API endpoint replaying recorded, scrubbed assets.

Serves on 127.0.0.1 only. The real google-cloud-asset client (REST transport, anonymous
credentials) talks to it exactly as to Google: ``GET /v1/{parent}/assets`` with
``assetTypes``/``contentType``/``pageSize``/``pageToken``, ``GET /v1/{scope}:searchAllIamPolicies``,
``GET /admin/directory/v1/users``, and the REST APIs read beside Cloud Asset: Resource Manager
``POST /v3/{folders|organizations}/N:getIamPolicy`` and ``POST /v1/projects/X:getAncestry``,
Cloud Identity ``GET /v1/groups:lookup`` and ``GET /v1/groups/G/memberships``, Policy
Analyzer ``GET /v1/projects/P/locations/global/activityTypes/T/activities:query``, Security
Center Management ``GET /v1/projects/P/locations/global/securityCenterServices`` (a project
without recorded services is refused, as for a caller without the permission). Faults are scripted per route: a list of HTTP
statuses returned before the real answer (``429`` throttling, ``503``), or ``403`` forever
for a denied scope. Every request is logged, so tests count calls and check paging.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

#: the recorded, scrubbed GCP exports the tests replay
DATA = Path(__file__).parents[2] / "data" / "gcp"


def recorded(name: str) -> list[dict]:
    """One recorded export of tests/data/gcp (JSON lines), as a list of assets."""
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line.strip()]


HIERARCHY = {
    "cloudresourcemanager.googleapis.com/Project",
    "cloudresourcemanager.googleapis.com/Folder",
    "cloudresourcemanager.googleapis.com/Organization",
}
_STATUS = {403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE", 401: "UNAUTHENTICATED",
           400: "INVALID_ARGUMENT"}


def _camel(s: str) -> str:
    head, *rest = s.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def camel_case(d: Any) -> Any:
    """Export (protobuf names) → REST JSON names; ``resource.data`` stays as the service wrote it."""
    if isinstance(d, list):
        return [camel_case(x) for x in d]
    if not isinstance(d, dict):
        return d
    return {_camel(k): (v if k == "data" else camel_case(v)) for k, v in d.items()}


class AssetApi:
    def __init__(self, resources: list[dict], policies: list[dict], users: list[dict] | None = None,
                 groups: dict[str, list[dict]] | None = None, activities: dict[str, list[dict]] | None = None,
                 scc: dict[str, list[dict]] | None = None) -> None:
        self.resources = resources
        self.policies = policies
        self.users = users or []
        self.groups = groups or {}  # group e-mail → memberships (groups.memberships.list items)
        self.activities = activities or {}  # project id → activities:query items (both types)
        self.scc = scc or {}  # project id → securityCenterServices items
        self.faults: dict[tuple[str, str], list[int]] = defaultdict(list)  # (route, scope) → statuses
        self.denied: set[tuple[str, str]] = set()
        self.log: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- scope filtering -----------------------------------------------------------------
    def _in_scope(self, asset: dict, scope: str) -> bool:
        ancestors = asset.get("ancestors") or []
        if scope in ancestors:
            return True
        if scope.startswith("projects/"):  # a project named by id
            pid = scope.split("/", 1)[1]
            return f"/projects/{pid}/" in asset["name"] + "/" or any(
                a == f"projects/{self._number(pid)}" for a in ancestors
            )
        return False

    def _number(self, pid: str) -> str | None:
        for a in self.resources:
            data = (a.get("resource") or {}).get("data") or {}
            if data.get("projectId") == pid:
                return str(data.get("projectNumber"))
        return None

    # --- routes ----------------------------------------------------------------------------
    def handle(self, path: str, query: dict[str, list[str]], method: str = "GET") -> tuple[int, dict]:
        one = {k: v[0] for k, v in query.items()}
        if method == "POST" and path.endswith(":getIamPolicy"):
            node = path[len("/v3/") : -len(":getIamPolicy")]
            found = [p for p in self.policies if p["name"] == "//cloudresourcemanager.googleapis.com/" + node]
            policy = camel_case(found[0]["iam_policy"]) if found else {}
            return self._one("getIamPolicy", node, policy)
        if method == "POST" and path.endswith(":getAncestry"):
            scope = path[len("/v1/") : -len(":getAncestry")]
            chain = next((a["ancestors"] for a in self.resources if self._in_scope(a, scope)
                          and a["asset_type"].endswith("/Project")), [])
            types = {"projects": "project", "folders": "folder", "organizations": "organization"}
            body = {"ancestor": [{"resourceId": {"type": types[a.split("/")[0]], "id": a.split("/")[1]}} for a in chain]}
            return self._one("getAncestry", scope, body)
        if path == "/v1/groups:lookup":
            email = one.get("groupKey.id", "")
            if email not in self.groups:
                return self._one("groups", email, None)
            return self._one("groups", email, {"name": f"groups/g{sorted(self.groups).index(email)}"})
        if path.startswith("/v1/groups/") and path.endswith("/memberships"):
            email = sorted(self.groups)[int(path.split("/")[3][1:])]
            return self._page("memberships", email, self.groups[email], one, key="memberships")
        if path.endswith("/activities:query"):
            project = path.split("/")[3]
            kind = path.split("/activityTypes/")[1].split("/")[0]
            items = [a for a in self.activities.get(project, []) if a["activityType"] == kind]
            return self._page("activity", f"projects/{project}", items, one, key="activities")
        if path.endswith("/securityCenterServices"):
            project = path.split("/")[3]
            if project not in self.scc:
                self.log.append({"route": "scc", "scope": f"projects/{project}", "query": one})
                return 403, {"error": {"code": 403, "status": "PERMISSION_DENIED", "message":
                                       "Permission 'securitycentermanagement.securityCenterServices.list' denied"}}
            return self._page("scc", f"projects/{project}", self.scc[project], one, key="securityCenterServices")
        if path.startswith("/admin/directory/v1/users"):
            return self._page("directory", one.get("customer", ""), self.users, one, key="users", size_param="maxResults")
        if path.endswith(":searchAllIamPolicies"):
            scope = path[len("/v1/") : -len(":searchAllIamPolicies")]
            results = [self._search_result(p) for p in self.policies if self._in_scope(p, scope)]
            return self._page("search", scope, results, one, key="results")
        if path.endswith("/assets"):
            scope = path[len("/v1/") : -len("/assets")]
            types = set(query.get("assetTypes") or [])
            content = one.get("contentType", "CONTENT_TYPE_UNSPECIFIED")
            content = {"1": "RESOURCE", "2": "IAM_POLICY"}.get(content, content)  # REST sends enum numbers
            source = self.policies if content == "IAM_POLICY" else self.resources
            items = [camel_case(a) for a in source
                     if (not types or a["asset_type"] in types) and self._in_scope(a, scope)]
            return self._page(f"list:{content}", scope, items, one, key="assets")
        return 404, {"error": {"code": 404, "message": f"no route {path}", "status": "NOT_FOUND"}}

    def _search_result(self, p: dict) -> dict:
        anc = p.get("ancestors") or []
        policy = dict(camel_case(p["iam_policy"]))
        policy.pop("auditConfigs", None)  # search results carry bindings only
        out = {"resource": p["name"], "assetType": p["asset_type"], "policy": policy,
               "folders": [a for a in anc if a.startswith("folders/")]}
        proj = [a for a in anc if a.startswith("projects/")]
        if proj:
            out["project"] = proj[0]
        org = [a for a in anc if a.startswith("organizations/")]
        if org:
            out["organization"] = org[0]
        return out

    def _one(self, route: str, scope: str, body: dict | None) -> tuple[int, dict]:
        status, page = self._page(route, scope, [], {}, key="_")
        if status != 200:
            return status, page
        if body is None:
            return 404, {"error": {"code": 404, "message": f"{scope} not found", "status": "NOT_FOUND"}}
        return 200, body

    def _page(self, route: str, scope: str, items: list, q: dict, *, key: str, size_param: str = "pageSize"):
        with self._lock:
            self.log.append({"route": route, "scope": scope, "query": q})
            if (route, scope) in self.denied or (route.split(":")[0], scope) in self.denied:
                return 403, {"error": {"code": 403, "message": f"The caller does not have permission on {scope}",
                                       "status": "PERMISSION_DENIED"}}
            pending = self.faults.get((route, scope)) or self.faults.get((route.split(":")[0], scope))
            if pending:
                status = pending.pop(0)
                return status, {"error": {"code": status, "message": "scripted fault", "status": _STATUS.get(status, "UNKNOWN")}}
        size = int(q.get(size_param) or 100)
        start = int(q.get("pageToken") or 0)
        body: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            body["nextPageToken"] = str(start + size)
        return 200, body

    # --- server -----------------------------------------------------------------------------
    def start(self) -> str:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                self._answer("GET")

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                self._answer("POST")

            def _answer(self, method: str) -> None:
                url = urlparse(self.path)
                status, body = api.handle(unquote(url.path), parse_qs(url.query), method)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def calls(self, route_prefix: str = "") -> int:
        return sum(1 for e in self.log if e["route"].startswith(route_prefix))
