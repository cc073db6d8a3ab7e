"""Single sign-on through OpenID Connect against a provider running in the test on
127.0.0.1 (``tests/web/oidc_provider.py``): discovery, authorization code with PKCE,
the id token checked by authlib (signature, audience, nonce), groups → roles, account
linking. The browser's part (following redirects) is an HTTP client; the application's
calls to the provider are authlib's own, over real HTTP."""

from __future__ import annotations

import html

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, add_user, make_app, sign_in
from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

GROUPS = {"grp-vendor-managers": ["vendor_manager"], "grp-approvers": ["approver"], "grp-audit": ["auditor"]}


@pytest.fixture
def provider():
    p = Provider().start()
    yield p
    p.stop()


@pytest.fixture
def sso_app(database_url, tmp_path, provider):
    from scanner.web.oidc import OidcConfig

    config = OidcConfig(issuer=provider.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, group_roles=GROUPS)
    return make_app(database_url, tmp_path, oidc=config)


def person(sub: str = "entra-oid-1", groups=("grp-vendor-managers",), **extra) -> dict:
    return {"sub": sub, "preferred_username": "mei.lin@fmsa.example", "name": "林美", "groups": list(groups), **extra}


def sso(app, provider, claims: dict, client: TestClient | None = None):
    """Sign in as ``claims`` at the provider; the application's answer to the callback."""
    c = client or TestClient(app, base_url="http://testserver")
    provider.next_login = claims
    r = c.get("/login/oidc", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith(f"{provider.issuer}/authorize?")
    with httpx.Client() as browser:  # the person's browser at the provider: real HTTP
        back = browser.get(r.headers["location"], follow_redirects=False)
    assert back.status_code == 302, back.text
    assert back.headers["location"].startswith("http://testserver/login/oidc/callback?")
    return c, c.get(back.headers["location"], follow_redirects=False)


def _refusal(r) -> str:
    assert r.status_code == 400, r.text[:300]
    return html.unescape(r.text)


def test_first_sign_in_creates_the_account_with_roles_from_groups(sso_app, provider):
    assert "/login/oidc" in TestClient(sso_app).get("/login").text  # the login page offers it
    c, r = sso(sso_app, provider, person())
    assert r.status_code == 303 and r.headers["location"] == "/"
    me = c.get("/api/me").json()
    assert me["username"] == "mei.lin@fmsa.example" and me["roles"] == ["vendor_manager"] and me["via"] == "session"
    assert c.get("/providers").status_code == 200
    asked = provider.seen[-1]  # what authlib sent: PKCE S256, a nonce, state, openid
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert asked["nonce"] and asked["state"] and "openid" in asked["scope"].split()
    from scanner.store.db import session_scope
    from scanner.web.models import User

    with session_scope(sso_app.state.engine) as s:
        u = s.query(User).filter_by(username="mei.lin@fmsa.example").one()
        assert u.password_hash is None and u.oidc_subject == f"{provider.issuer}|entra-oid-1"
    # the same person again, now in the approvers' group only: roles follow the provider
    c2, r = sso(sso_app, provider, person(groups=["grp-approvers"], amr=["pwd", "mfa"]))
    assert r.status_code == 303
    assert c2.get("/api/me").json()["roles"] == ["approver"]
    # the provider vouched for a second factor: no TOTP enrolment asked of this approver
    assert c2.get("/approvals", follow_redirects=False).status_code == 200


def test_approver_without_a_second_factor_at_the_provider_must_enrol(sso_app, provider):
    c, r = sso(sso_app, provider, person(sub="oid-2", preferred_username="ap@fmsa.example", groups=["grp-approvers"],
                                         amr=["pwd"]))
    assert r.status_code == 303
    assert c.get("/approvals", follow_redirects=False).headers["location"] == "/account/totp"


def test_refusals(sso_app, provider):
    _, r = sso(sso_app, provider, person(sub="oid-3", preferred_username="x@fmsa.example", groups=["grp-unknown"]))
    assert "單一登入遭拒：您所屬的群組在此沒有任何角色" in _refusal(r)
    for tamper in ("key", "audience", "nonce"):  # authlib checks the id token; each is refused
        provider.tamper = tamper
        _, r = sso(sso_app, provider, person(sub=f"oid-{tamper}", preferred_username=f"{tamper}@fmsa.example"))
        assert "單一登入遭拒" in _refusal(r), tamper
    provider.tamper = None
    # a callback whose state this browser never sent
    c = TestClient(sso_app, base_url="http://testserver")
    c.get("/login/oidc", follow_redirects=False)
    assert "單一登入遭拒" in _refusal(c.get("/login/oidc/callback?code=abc&state=forged", follow_redirects=False))
    # nobody was signed in or created by any of that
    from scanner.store.db import session_scope
    from scanner.web.models import User, WebSession

    with session_scope(sso_app.state.engine) as s:
        assert s.query(User).count() == 0 and s.query(WebSession).count() == 0


def test_a_local_account_is_linked_only_by_its_signed_in_owner(sso_app, provider):
    add_user(sso_app, "mei.lin@fmsa.example", ["vendor_manager"], totp=False)
    _, r = sso(sso_app, provider, person())
    assert "已有名為 mei.lin@fmsa.example 的帳號" in _refusal(r)  # no take-over by naming it at the provider
    local = sign_in(sso_app, "mei.lin@fmsa.example", None, PASSWORD)
    assert "/account/oidc/link" in local.http.get("/account").text
    r = local.http.get("/account/oidc/link", follow_redirects=False)
    provider.next_login = person()
    with httpx.Client() as browser:
        back = browser.get(r.headers["location"], follow_redirects=False)
    r = local.http.get(back.headers["location"], follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/account"
    assert "已連結" in local.http.get("/account").text
    # from now on single sign-on opens that account
    c, r = sso(sso_app, provider, person())
    assert r.status_code == 303 and c.get("/api/me").json()["username"] == "mei.lin@fmsa.example"
    # and the same identity cannot be linked to a second account
    add_user(sso_app, "other", ["auditor"], totp=False)
    other = sign_in(sso_app, "other", None, PASSWORD)
    r = other.http.get("/account/oidc/link", follow_redirects=False)
    with httpx.Client() as browser:
        back = browser.get(r.headers["location"], follow_redirects=False)
    assert "已連結到帳號 mei.lin@fmsa.example" in _refusal(other.http.get(back.headers["location"], follow_redirects=False))


def test_without_configuration_there_is_no_single_sign_on(app):
    c = TestClient(app)
    assert "/login/oidc" not in c.get("/login").text
    r = c.get("/login/oidc", follow_redirects=False)
    assert r.status_code == 400 and "此伺服器未設定單一登入" in html.unescape(r.text)


def test_configuration_file(tmp_path, monkeypatch):
    from scanner.errors import InputError
    from scanner.web.oidc import load_config

    f = tmp_path / "oidc.yaml"
    f.write_text("issuer: https://login.microsoftonline.com/tenant-1/v2.0/\nclient_id: app-1\n"
                 "client_secret_env: CG_TEST_OIDC_SECRET\ngroup_roles:\n  g1: [approver]\n  g2: auditor\n", encoding="utf-8")
    with pytest.raises(InputError, match="CG_TEST_OIDC_SECRET is not set"):
        load_config(f)
    monkeypatch.setenv("CG_TEST_OIDC_SECRET", "x")
    cfg = load_config(f)
    assert cfg.metadata_url == "https://login.microsoftonline.com/tenant-1/v2.0/.well-known/openid-configuration"
    assert cfg.roles_for(["g2", "g1", "g9"]) == ["approver", "auditor"]
    f.write_text("issuer: https://idp.example\nclient_id: a\nclient_secret: s\ngroup_roles: {g1: [root]}\n", encoding="utf-8")
    with pytest.raises(InputError, match="group_roles.g1"):
        load_config(f)
