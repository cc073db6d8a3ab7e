"""Fixtures for the web application: an app over a fresh database (SQLite, and PostgreSQL
when CLOUDGOV_TEST_PG_URL is set), accounts of every role, signed-in clients."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

PASSWORD = "Correct-Horse-42-battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Client:
    http: TestClient
    username: str | None = None

    def csrf(self, path: str = "/login") -> str:
        page = self.http.get(path, follow_redirects=True)
        m = CSRF_RE.search(page.text) or re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
        assert m, f"no CSRF token on {path}: {page.status_code}"
        return m.group(1)

    def post(self, path: str, data: dict | None = None, *, token_from: str = "/account", **kw):
        headers = {"X-CSRF-Token": self.csrf(token_from)}
        return self.http.post(path, data=data, headers=headers, follow_redirects=False, **kw)


def make_app(url: str, tmp_path: Path, **settings):
    from scanner.web.app import Settings, create_app

    return create_app(Settings(db_url=url, evidence_root=tmp_path / "evidence", **settings))


@pytest.fixture
def app(database_url, tmp_path):
    return make_app(database_url, tmp_path)


def add_user(app, username: str, roles: list[str], *, totp: bool = True, password: str = PASSWORD) -> str | None:
    """An account (with a TOTP secret enrolled when ``totp``); returns the TOTP secret."""
    from scanner.store.db import session_scope
    from scanner.web import auth

    with session_scope(app.state.engine) as s:
        user = auth.create_user(s, username, password, roles)
        if totp:
            user.totp_secret = auth.new_totp_secret()
            user.totp_enabled = True
        return user.totp_secret


def totp_now(secret: str, offset: int = 0) -> str:
    import pyotp

    t = pyotp.TOTP(secret)
    import time

    return t.at(time.time() + offset * t.interval)


def sign_in(app, username: str, secret: str | None, password: str = PASSWORD) -> Client:
    c = Client(TestClient(app, base_url="http://testserver"), username)
    r = c.http.post("/login", data={"username": username, "password": password, "next": "/",
                                    "csrf_token": c.csrf("/login")}, follow_redirects=False)
    assert r.status_code == 303, r.text
    if secret:
        r = c.http.post("/login/totp", data={"code": totp_now(secret), "next": "/",
                                             "csrf_token": c.csrf("/login/totp")}, follow_redirects=False)
        assert r.status_code == 303, r.text
    return c


@pytest.fixture
def samples_app(app):
    """The application with the bundled samples loaded (register, exit plans, scans)."""
    from scanner.web.setup import load_samples

    load_samples(app.state.settings.db_url, app.state.settings.evidence_root)
    return app


@pytest.fixture
def users(app):
    """One signed-in client per role (each with TOTP)."""
    from scanner.web.access import ROLES

    out = {}
    for role in ROLES:
        secret = add_user(app, role.replace("_", "-"), [role])
        out[role] = sign_in(app, role.replace("_", "-"), secret)
    return out


@pytest.fixture
def anonymous(app):
    return Client(TestClient(app, base_url="http://testserver"))
