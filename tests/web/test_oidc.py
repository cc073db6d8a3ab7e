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
from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, Graph, Provider, directory_role, group

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


@pytest.fixture
def graph(provider):
    g = Graph(provider, page_size=2).start()
    yield g
    g.stop()


@pytest.fixture
def graph_app(database_url, tmp_path, provider, graph):
    from scanner.web.oidc import OidcConfig

    config = OidcConfig(issuer=provider.issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, group_roles=GROUPS,
                        scope="openid profile email User.Read", groups_overage="graph", graph_url=graph.url)
    return make_app(database_url, tmp_path, oidc=config)


# Entra ID's groups overage in an id token: no groups claim, a pointer to where they are instead
# (learn.microsoft.com/entra/identity-platform/id-token-claims-reference, "Groups overage claim")
OVERAGE = {"_claim_names": {"groups": "src1"},
           "_claim_sources": {"src1": {"endpoint": "https://graph.windows.net/tenant-1/users/entra-oid-1/getMemberObjects"}}}


def overflowing(sub: str = "entra-oid-1", **extra) -> dict:
    claims = person(sub=sub, **extra)
    del claims["groups"]
    return claims


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


def test_groups_overage_reads_the_groups_from_graph(graph_app, provider, graph):
    # 5 memberships over 3 pages; a directory role whose id is in group_roles is not a group
    graph.members["entra-oid-1"] = [group("grp-unmapped-1"), group("grp-approvers"), directory_role("grp-audit"),
                                    group("grp-unmapped-2"), group("grp-vendor-managers")]
    c, r = sso(graph_app, provider, {**overflowing(amr=["pwd", "mfa"]), **OVERAGE})  # an approver: MFA at the provider
    assert r.status_code == 303, r.text[:300]
    assert c.get("/api/me").json()["roles"] == ["approver", "vendor_manager"]
    assert len(graph.calls) == 3 and graph.calls[0]["$top"] == "999" and graph.calls[0]["$select"] == "id"
    issued = next(t for t, sub in provider.access_tokens.items() if sub == "entra-oid-1")
    assert {call["authorization"] for call in graph.calls} == {f"Bearer {issued}"}  # this sign-in's access token
    # implicit-flow style indicator, and the groups changed at the provider since: roles follow them
    graph.members["entra-oid-1"] = [group("grp-audit")]
    c, r = sso(graph_app, provider, {**overflowing(), "hasgroups": True})
    assert r.status_code == 303 and c.get("/api/me").json()["roles"] == ["auditor"]
    # Graph answers, but no group maps to a role: the ordinary refusal
    graph.members["entra-oid-1"] = [group("grp-unmapped-1")]
    _, r = sso(graph_app, provider, {**overflowing(), **OVERAGE})
    assert "您所屬的群組在此沒有任何角色" in _refusal(r)


def _sessions_of(app, username: str) -> int:
    from scanner.store.db import session_scope
    from scanner.web.models import User, WebSession

    with session_scope(app.state.engine) as s:
        user = s.query(User).filter_by(username=username).one()
        return s.query(WebSession).filter_by(user_id=user.id).count()


def test_groups_overage_without_graph_is_refused_with_the_fix(sso_app, provider):
    c, r = sso(sso_app, provider, person())  # signed in before, with the groups in the token
    assert r.status_code == 303 and c.get("/api/me").json()["roles"] == ["vendor_manager"]
    before = _sessions_of(sso_app, "mei.lin@fmsa.example")
    for indicator in (OVERAGE, {"hasgroups": True}):
        _, r = sso(sso_app, provider, {**overflowing(), **indicator})
        text = _refusal(r)
        assert "單一登入遭拒：您所屬的群組多於權杖能容納的數量" in text and "指派給應用程式的群組" in text
        assert "groups_overage: graph" in text
    # the roles of the earlier sign-in do not open a session
    assert _sessions_of(sso_app, "mei.lin@fmsa.example") == before
    en = TestClient(sso_app, base_url="http://testserver", cookies={"cg_lang": "en"})
    _, r = sso(sso_app, provider, {**overflowing(), **OVERAGE}, client=en)
    assert "emit only the groups assigned to the application (or use app roles)" in _refusal(r)


@pytest.mark.parametrize(("fail", "reason"), [("403", "HTTP 403 Authorization_RequestDenied"),
                                              ("garbage", "JSONDecodeError"),
                                              ("elsewhere", "a next page outside graph_url")])
def test_graph_failures_refuse_the_sign_in(graph_app, provider, graph, fail, reason):
    graph.members["entra-oid-1"] = [group("grp-approvers"), group("grp-x"), group("grp-vendor-managers")]
    c, r = sso(graph_app, provider, person())  # an earlier sign-in with the groups in the token
    assert r.status_code == 303
    before = _sessions_of(graph_app, "mei.lin@fmsa.example")
    graph.fail = fail
    _, r = sso(graph_app, provider, {**overflowing(), **OVERAGE})
    text = _refusal(r)
    assert f"單一登入遭拒：無法從 Microsoft Graph 讀取您的群組（{reason}）" in text
    assert _sessions_of(graph_app, "mei.lin@fmsa.example") == before
    if fail == "elsewhere":  # the first page was read, the off-site next page never asked
        assert len(graph.calls) == 1


def test_overage_configuration(tmp_path):
    from scanner.errors import InputError
    from scanner.web.oidc import GRAPH_URL, load_config

    f = tmp_path / "oidc.yaml"
    base = "issuer: https://idp.example\nclient_id: a\nclient_secret: s\ngroup_roles: {g1: [auditor]}\n"
    f.write_text(base, encoding="utf-8")
    cfg = load_config(f)
    assert cfg.groups_overage == "refuse" and cfg.graph_url == GRAPH_URL
    f.write_text(base + "groups_overage: graph\n", encoding="utf-8")
    with pytest.raises(InputError, match="needs a Microsoft Graph permission in scope"):
        load_config(f)
    f.write_text(base + "groups_overage: graph\nscope: openid profile https://graph.microsoft.com/User.Read\n"
                 "graph_url: https://graph.microsoft.us/v1.0/\n", encoding="utf-8")
    cfg = load_config(f)
    assert cfg.groups_overage == "graph" and cfg.graph_url == "https://graph.microsoft.us/v1.0"
    f.write_text(base + "groups_overage: ignore\n", encoding="utf-8")
    with pytest.raises(InputError, match="groups_overage is one of refuse, graph"):
        load_config(f)
    f.write_text(base + "groups_overage: graph\nscope: openid User.Read\ngraph_url: http://graph.example\n", encoding="utf-8")
    with pytest.raises(InputError, match="graph_url must be an https"):
        load_config(f)


def test_overage_indicators():
    from scanner.web.oidc import groups_overflowed

    assert groups_overflowed({"sub": "x", **OVERAGE})
    assert groups_overflowed({"sub": "x", "hasgroups": True})
    assert not groups_overflowed({"sub": "x", "groups": ["g1"]})
    assert not groups_overflowed({"sub": "x"})  # no groups and no indicator: simply no groups
