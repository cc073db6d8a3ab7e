"""The authorisation matrix: every route × every role → allowed or refused, generated from
the application's route table, so a new route without a decision fails the suite."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import Client

PARAMS = {"int": "999999", "slug": "no-such", "service": "no-such", "contract": "no-such", "decision": "approve",
          "code": "en", "scan_id": "999999", "other_id": "999999", "fmt": "html", "period": "2026-Q3"}


def _path(route) -> str:
    def fill(m: re.Match) -> str:
        name = m.group(1).split(":")[0]
        param = next((p for p in route.dependant.path_params if p.name == name), None)
        if param is not None and param.field_info.annotation is int:
            return PARAMS["int"]
        return PARAMS.get(name, "x")

    return re.sub(r"\{([^}]+)\}", fill, route.path)


def _cases(app):
    from scanner.web.access import route_permission
    from scanner.web.app import api_routes

    out = []
    for r in api_routes(app):
        for method in sorted(r.methods - {"HEAD"}):
            out.append((method, r.path, _path(r), route_permission(r)))
    # signing out ends the session the other cases use: last
    return sorted(out, key=lambda c: c[1] == "/logout")


def test_every_route_has_a_known_decision(app):
    from scanner.web.access import PERMISSIONS, PSEUDO

    cases = _cases(app)
    assert len(cases) > 30
    for method, path, _, perm in cases:
        assert perm in PERMISSIONS or perm in PSEUDO, (method, path, perm)


def test_a_route_without_a_decision_stops_the_application(database_url, tmp_path):
    from fastapi import APIRouter

    from scanner.web import app as web_app

    extra = APIRouter()

    @extra.get("/undecided")
    def undecided() -> dict:
        return {}

    application = web_app.FastAPI()
    application.include_router(extra)
    with pytest.raises(RuntimeError, match="/undecided"):
        web_app._check_decisions(application)


def test_authorisation_matrix(app, users, anonymous):
    from scanner.web.access import ROLE_PERMISSIONS

    results = []
    for role, client in users.items():
        csrf = client.csrf("/account")
        for method, path, url, perm in _cases(app):
            r = client.http.request(method, url, headers={"X-CSRF-Token": csrf, "Accept": "application/json"},
                                    data={} if method != "GET" else None, follow_redirects=False)
            denied = r.headers.get("x-cloudgov-denied", "")
            allowed = perm in ("public", "login", "self") or perm in ROLE_PERMISSIONS[role]
            if allowed:
                ok = not denied.startswith("needs ") and r.status_code not in (401, 500)
            else:
                ok = r.status_code == 403 and denied == f"needs {perm}"
            results.append((ok, role, method, path, perm, r.status_code, denied))
    wrong = [x for x in results if not x[0]]
    assert not wrong, "\n".join(map(str, wrong))
    # no one signed in: only public routes answer; pages send to the sign-in form, the API says 401
    for method, path, url, perm in _cases(app):
        r = anonymous.http.request(method, url, headers={"X-CSRF-Token": anonymous.csrf()}, follow_redirects=False)
        if perm == "public":
            assert r.status_code not in (401, 403) or path == "/login", (method, path, r.status_code)
        elif path.startswith("/api/") or method != "GET":
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path)


def test_matrix_is_complete_per_role(app, users):
    """Each role can reach its pages and only those: a cross-check on the table itself."""
    from scanner.web.access import ROLE_PERMISSIONS

    assert "users.admin" in ROLE_PERMISSIONS["administrator"]
    assert ROLE_PERMISSIONS["board_member"] == {"board.read"}
    assert not {"register.edit", "waivers.approve", "register.approve"} & ROLE_PERMISSIONS["auditor"]
    assert isinstance(users["auditor"], Client)
