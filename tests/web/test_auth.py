"""Accounts: password policy, argon2, lockout, TOTP, sessions (fixation, idle timeout), CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.conftest import PASSWORD, Client, add_user, sign_in, totp_now


def test_password_policy_and_argon2(app):
    from scanner.store.db import session_scope
    from scanner.web import auth

    for weak in ("short1A!", "alllowercaseletters", "abcdefghijkl1", "Xy9-ana-tester-Xy9"):
        with pytest.raises(auth.PasswordRejected):
            auth.check_password_policy(weak, "ana-tester")
    with session_scope(app.state.engine) as s:
        user = auth.create_user(s, "ana", PASSWORD, ["auditor"])
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_lockout_after_repeated_failures(app, anonymous):
    add_user(app, "vm", ["vendor_manager"], totp=False)
    for _ in range(5):
        r = anonymous.http.post("/login", data={"username": "vm", "password": "wrong-Password-1",
                                                "csrf_token": anonymous.csrf()}, follow_redirects=False)
        assert r.status_code == 401
    # locked: even the right password is refused now, with the same message
    r = anonymous.http.post("/login", data={"username": "vm", "password": PASSWORD, "csrf_token": anonymous.csrf()},
                            follow_redirects=False)
    assert r.status_code == 401 and "cg_session" not in r.cookies
    from scanner.store.db import session_scope
    from scanner.web.models import User
    from vendor_dd.models import Change

    with session_scope(app.state.engine) as s:
        user = s.query(User).filter_by(username="vm").one()
        assert user.locked_until is not None
        refusals = s.query(Change).filter_by(entity="login", action="refuse", key="vm").count()
        assert refusals == 6


def test_unknown_account_gets_the_same_answer(app, anonymous):
    r = anonymous.http.post("/login", data={"username": "nobody", "password": PASSWORD, "csrf_token": anonymous.csrf()})
    assert r.status_code == 401
    assert "帳號或密碼錯誤" in r.text


def test_totp_required_and_not_replayable(app):
    secret = add_user(app, "appr", ["approver"])
    c = Client(__import__("fastapi.testclient", fromlist=["TestClient"]).TestClient(app))
    r = c.http.post("/login", data={"username": "appr", "password": PASSWORD, "csrf_token": c.csrf()},
                    follow_redirects=False)
    assert r.headers["location"].startswith("/login/totp")
    # before the code: every page sends back to the code form, the API refuses
    assert c.http.get("/providers", follow_redirects=False).headers["location"] == "/login/totp"
    assert c.http.get("/api/providers").status_code == 401
    code = totp_now(secret)
    r = c.http.post("/login/totp", data={"code": "000000" if code != "000000" else "111111",
                                         "csrf_token": c.csrf("/login/totp")}, follow_redirects=False)
    assert r.status_code == 401
    r = c.http.post("/login/totp", data={"code": code, "csrf_token": c.csrf("/login/totp")}, follow_redirects=False)
    assert r.status_code == 303
    # the same code again, in a new sign-in, is refused (replay)
    c2 = Client(__import__("fastapi.testclient", fromlist=["TestClient"]).TestClient(app))
    c2.http.post("/login", data={"username": "appr", "password": PASSWORD, "csrf_token": c2.csrf()})
    r = c2.http.post("/login/totp", data={"code": code, "csrf_token": c2.csrf("/login/totp")}, follow_redirects=False)
    assert r.status_code == 401


def test_administrator_must_change_password_then_enrol(app):
    from fastapi.testclient import TestClient

    from scanner.store.db import session_scope
    from scanner.web import auth
    from scanner.web.setup import first_admin

    name, password = first_admin(app.state.engine)
    assert first_admin(app.state.engine) is None  # only on an empty database
    c = Client(TestClient(app))
    c.http.post("/login", data={"username": name, "password": password, "csrf_token": c.csrf()})
    assert c.http.get("/admin/users", follow_redirects=False).headers["location"] == "/account/password"
    r = c.http.post("/account/password", data={"current": password, "new": "short", "csrf_token": c.csrf("/account/password")})
    assert r.status_code == 400
    r = c.http.post("/account/password", data={"current": password, "new": PASSWORD, "csrf_token": c.csrf("/account/password")},
                    follow_redirects=False)
    assert r.status_code == 303
    # an administrator cannot go on without a second factor
    assert c.http.get("/admin/users", follow_redirects=False).headers["location"] == "/account/totp"
    page = c.http.get("/account/totp")
    secret = __import__("re").search(r'id="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    r = c.http.post("/account/totp", data={"code": totp_now(secret), "csrf_token": c.csrf("/account/totp")},
                    follow_redirects=False)
    assert r.status_code == 303
    assert c.http.get("/admin/users").status_code == 200
    with session_scope(app.state.engine) as s:
        from scanner.web.models import User

        assert s.query(User).filter_by(username=name).one().totp_enabled
    assert auth  # imported for the models


def test_new_session_token_at_sign_in_no_fixation(app):
    from fastapi.testclient import TestClient

    add_user(app, "eng", ["cloud_engineer"], totp=False)
    c = Client(TestClient(app))
    c.http.cookies.set("cg_session", "attacker-chosen-value", domain="testserver.local")
    c.http.post("/login", data={"username": "eng", "password": PASSWORD, "csrf_token": c.csrf()})
    assert c.http.cookies.get("cg_session") not in (None, "attacker-chosen-value")
    first = c.http.cookies.get("cg_session")
    c.http.post("/login", data={"username": "eng", "password": PASSWORD, "csrf_token": c.csrf()})
    assert c.http.cookies.get("cg_session") != first
    # the old token is dead
    stale = TestClient(app)
    stale.cookies.set("cg_session", first, domain="testserver.local")
    assert stale.get("/account", follow_redirects=False).status_code == 303


def test_idle_timeout(app):
    from scanner.store.db import session_scope
    from scanner.web.models import WebSession

    secret = add_user(app, "aud", ["auditor"])
    c = sign_in(app, "aud", secret)
    assert c.http.get("/account").status_code == 200
    with session_scope(app.state.engine) as s:
        for row in s.query(WebSession):
            row.last_seen = row.last_seen - timedelta(minutes=31)
    r = c.http.get("/account", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_csrf_required_on_every_state_change(app, users):
    c = users["administrator"]
    for data in ({"username": "x1", "roles": "auditor"}, {"username": "x2", "roles": "auditor", "csrf_token": "forged"}):
        r = c.http.post("/admin/users", data=data, follow_redirects=False)
        assert r.status_code == 403 and r.headers["x-cloudgov-denied"] == "csrf"
    # a token from another browser's session does not work either
    other = users["auditor"].csrf("/account")
    r = c.http.post("/admin/users", data={"username": "x3", "roles": "auditor", "csrf_token": other})
    assert r.status_code == 403
    r = c.http.post("/admin/users", data={"username": "x4", "roles": "auditor", "csrf_token": c.csrf("/admin/users")})
    assert r.status_code == 200 and 'id="new-password"' in r.text


def test_change_log_carries_the_signed_in_account(app, users):
    from scanner.store.db import session_scope
    from vendor_dd.models import Change

    c = users["administrator"]
    r = c.post("/admin/users", {"username": "newbie", "roles": "auditor", "actor": "someone-else"})
    assert r.status_code == 200
    with session_scope(app.state.engine) as s:
        row = s.query(Change).filter_by(entity="user", action="create", key="newbie").one()
        assert row.actor == "administrator"


def test_api_tokens_scoped_hashed_revocable(app, users):
    import re

    from scanner.store.db import session_scope
    from scanner.web.models import ApiToken

    c = users["auditor"]
    r = c.post("/account/tokens", {"name": "ci", "scopes": ["scans.read"]})
    secret = re.search(r'id="token-secret">([^<]+)<', r.text).group(1)
    with session_scope(app.state.engine) as s:
        row = s.query(ApiToken).one()
        assert secret not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
        token_id = row.id
    api = __import__("fastapi.testclient", fromlist=["TestClient"]).TestClient(app)
    h = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/scans", headers=h).status_code == 200
    assert api.get("/api/providers", headers=h).status_code == 403  # not in the token's scopes
    assert api.get("/account", headers=h).status_code == 401  # tokens are for the API only
    # a token cannot carry a permission its owner lacks
    r = c.post("/account/tokens", {"name": "bad", "scopes": ["register.edit"]})
    assert r.status_code == 400
    c.post(f"/account/tokens/{token_id}/revoke")
    assert api.get("/api/scans", headers=h).status_code == 401
