"""Single sign-on through OpenID Connect (Entra ID style), with authlib's Starlette client.

authlib does the protocol: discovery (``/.well-known/openid-configuration``), the
authorization-code flow with PKCE (S256) and a nonce, the code exchange, and the id token's
validation (signature against the provider's JWKS, issuer, audience, expiry, nonce). This
module decides who that is here:

* the account already linked to this subject (issuer + ``sub``) signs in;
* a signed-in person who asked to link (``/account/oidc/link``) gets the subject linked;
* otherwise a new account named after ``preferred_username`` (Entra: the UPN) — unless a
  local account has that name: then it must sign in with its password and link, so that no
  one takes over an account by naming it at the provider;
* roles come from the groups claim through ``group_roles`` at every sign-in (the provider
  is the source of truth for them); no mapped group, no entry;
* a person in more groups than fit in the token (Entra ID's "groups overage": no ``groups``
  claim, ``_claim_names: {groups: ...}`` instead, or ``hasgroups: true`` in implicit flows) gets
  the groups from Microsoft Graph (``GET /me/transitiveMemberOf``, paged, with the access
  token: ``groups_overage: graph``, a delegated Graph permission in ``scope``) or, without
  that, is refused with the fix named; never signed in on the roles of an earlier sign-in.

A provider that says the person used a second factor (``amr`` holds ``mfa``) satisfies the
second-factor rule for administrators and approvers; otherwise their own TOTP is asked for.

Configuration (``cloudgov serve --oidc FILE``, YAML)::

    issuer: https://login.microsoftonline.com/<tenant id>/v2.0
    client_id: <application id>
    client_secret_env: CLOUDGOV_OIDC_SECRET   # the secret stays out of the file
    groups_claim: groups                      # Entra: group object ids
    groups_overage: refuse                    # or graph: read them from Microsoft Graph
    graph_url: https://graph.microsoft.com/v1.0
    group_roles:
      "<group object id>": [vendor_manager]
      "<group object id>": [approver]
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scanner.errors import InputError
from scanner.web.access import ROLES, allow

__all__ = ["OidcConfig", "load_config", "router", "install"]

router = APIRouter(include_in_schema=False)
SUBJECT_SEP = "|"
MFA_METHODS = frozenset({"mfa", "otp", "hwk", "swk", "fido"})  # RFC 8176 values that are a second factor
GRAPH_URL = "https://graph.microsoft.com/v1.0"
# delegated Microsoft Graph permissions that let the signed-in person list their own memberships
# (learn.microsoft.com/graph/api/user-list-transitivememberof: User.Read is the least privileged)
GRAPH_SCOPES = ("user.read", "user.read.all", "groupmember.read.all", "group.read.all", "directory.read.all")
GRAPH_MAX_PAGES = 100  # 999 a page: ~100,000 memberships; past that the answer is not trusted
OVERAGE_MODES = ("refuse", "graph")


@dataclass
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    group_roles: dict[str, list[str]]
    groups_claim: str = "groups"
    scope: str = "openid profile email"
    metadata_url: str = ""
    groups_overage: str = "refuse"  # "graph": read the groups from Microsoft Graph when they overflow the token
    graph_url: str = GRAPH_URL
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.issuer = self.issuer.rstrip("/")
        self.metadata_url = self.metadata_url or f"{self.issuer}/.well-known/openid-configuration"
        self.graph_url = (self.graph_url or GRAPH_URL).rstrip("/")

    def roles_for(self, groups: list[str]) -> list[str]:
        return sorted({r for g in groups for r in self.group_roles.get(str(g), ())})


def load_config(path: Path) -> OidcConfig:
    """The ``--oidc`` file; anything wrong in it is an input error naming the field."""
    from scanner.docfile import parse_yaml, read_text

    try:
        raw = parse_yaml(read_text(path, what="the --oidc file"), path)
    except OSError as e:
        raise InputError(f"--oidc: cannot read {path} ({e.strerror})") from None
    if not isinstance(raw, dict):
        raise InputError(f"--oidc: {path} is not a mapping of settings")
    for key in ("issuer", "client_id"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise InputError(f"--oidc: {path}: {key} is required")
    if not _loopback_or_https(raw["issuer"]):
        raise InputError(f"--oidc: {path}: issuer must be an https:// address")
    secret = raw.get("client_secret")
    if raw.get("client_secret_env"):
        secret = os.environ.get(str(raw["client_secret_env"]))
        if not secret:
            raise InputError(f"--oidc: {path}: the environment variable {raw['client_secret_env']} is not set")
    if not secret:
        raise InputError(f"--oidc: {path}: give client_secret_env (or client_secret)")
    mapping = raw.get("group_roles")
    if not isinstance(mapping, dict) or not mapping:
        raise InputError(f"--oidc: {path}: group_roles must map groups to lists of roles")
    group_roles: dict[str, list[str]] = {}
    for group, roles in mapping.items():
        roles = [roles] if isinstance(roles, str) else roles
        if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
            raise InputError(f"--oidc: {path}: group_roles.{group}: roles are a list of {', '.join(ROLES)}")
        group_roles[str(group)] = [str(r) for r in roles]
    overage = str(raw.get("groups_overage") or "refuse")
    if overage not in OVERAGE_MODES:
        raise InputError(f"--oidc: {path}: groups_overage is one of {', '.join(OVERAGE_MODES)}")
    scope = str(raw.get("scope") or "openid profile email")
    graph_url = str(raw.get("graph_url") or GRAPH_URL)
    if overage == "graph":
        if not _loopback_or_https(graph_url):
            raise InputError(f"--oidc: {path}: graph_url must be an https:// address")
        granted = {s.rsplit("/", 1)[-1].lower() for s in scope.split()}
        if not granted & set(GRAPH_SCOPES):
            raise InputError(f"--oidc: {path}: groups_overage: graph needs a Microsoft Graph permission in scope "
                             "(add User.Read, or GroupMember.Read.All)")
    return OidcConfig(issuer=raw["issuer"], client_id=raw["client_id"], client_secret=str(secret),
                      group_roles=group_roles, groups_claim=str(raw.get("groups_claim") or "groups"),
                      scope=scope, metadata_url=str(raw.get("metadata_url") or ""),
                      groups_overage=overage, graph_url=graph_url)


def _loopback_or_https(url: str) -> bool:
    return url.startswith(("https://", "http://127.0.0.1", "http://localhost"))


def install(app: Any, config: OidcConfig) -> None:
    """Register the client and the short-lived cookie that carries state, nonce and the PKCE
    verifier between the redirect and the callback (signed with the server's key)."""
    from authlib.integrations.starlette_client import OAuth
    from starlette.middleware.sessions import SessionMiddleware

    oauth = OAuth()
    oauth.register("sso", client_id=config.client_id, client_secret=config.client_secret,
                   server_metadata_url=config.metadata_url,
                   client_kwargs={"scope": config.scope, "code_challenge_method": "S256"})
    app.state.oauth = oauth
    app.add_middleware(SessionMiddleware, secret_key=app.state.secret, session_cookie="cg_oidc", max_age=600,
                       same_site="lax", https_only=app.state.settings.secure_cookies)


def _client(request: Request) -> Any:
    oauth = getattr(request.app.state, "oauth", None)
    if oauth is None:
        raise InputError("single sign-on is not configured on this server")
    return oauth.sso


def _callback_url(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


@router.get("/login/oidc", **allow("public"))
async def oidc_start(*, request: Request) -> Response:
    """Off to the provider (authorization-code flow, PKCE S256, state and nonce)."""
    client = _client(request)
    request.session.pop("link_user", None)
    return await client.authorize_redirect(request, _callback_url(request))


@router.get("/account/oidc/link", **allow("self"))
async def oidc_link(*, request: Request) -> Response:
    """Link the signed-in account to the provider's subject that signs in next."""
    client = _client(request)
    request.session["link_user"] = request.state.identity.me.id
    return await client.authorize_redirect(request, _callback_url(request))


@router.get("/login/oidc/callback", name="oidc_callback", **allow("public"))
async def oidc_callback(*, request: Request) -> Response:
    from authlib.integrations.base_client import OAuthError
    from joserfc.errors import JoseError
    from starlette.concurrency import run_in_threadpool

    from scanner.web.app import SESSION_COOKIE, redirect, set_session_cookie

    client = _client(request)
    try:
        token = await client.authorize_access_token(request)
    except (OAuthError, JoseError) as e:  # state, the code exchange, the id token's signature and claims
        raise InputError(f"single sign-on refused: {getattr(e, 'description', None) or e.error}") from None
    claims = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        raise InputError("single sign-on refused: the provider sent no id token")
    link_user = request.session.pop("link_user", None)
    config: OidcConfig = request.app.state.settings.oidc
    if groups_overflowed(claims, config.groups_claim):
        # the token does not carry the groups: read them, or refuse; never the roles of last time
        claims[config.groups_claim] = await graph_groups(config, str(token.get("access_token") or ""))
    new_token, name = await run_in_threadpool(
        _sign_in, request.app.state.engine, config, claims, link_user, request.cookies.get(SESSION_COOKIE))
    response = redirect("/account" if link_user else "/")
    set_session_cookie(request, response, new_token)
    return response


def groups_overflowed(claims: dict[str, Any], groups_claim: str = "groups") -> bool:
    """Entra ID's groups overage: the person is in more groups than fit in the token (200 in
    a JWT), so the token has no groups claim but says where to get them (``_claim_names``
    names the claim, ``_claim_sources`` the endpoint) or, in implicit flows, ``hasgroups``."""
    if claims.get(groups_claim):
        return False
    names = claims.get("_claim_names")
    if isinstance(names, dict) and ("groups" in names or groups_claim in names):
        return True
    return claims.get("hasgroups") in (True, "true", "True")


async def graph_groups(config: OidcConfig, access_token: str) -> list[str]:
    """The signed-in person's group ids from Microsoft Graph (``/me/transitiveMemberOf``,
    direct and nested memberships, every page), with the access token of this sign-in.

    The endpoint in ``_claim_sources`` is not called: it points at the retired Azure AD
    Graph, and the token is sent only to the configured ``graph_url``. Any failure is a
    refusal: no groups read, no roles given."""
    import httpx

    if config.groups_overage != "graph":
        raise InputError("single sign-on refused: you are in more groups than fit in the token and this server does "
                         "not read them from Microsoft Graph; in the app registration, emit only the groups assigned "
                         "to the application (or use app roles), or set groups_overage: graph in the --oidc file")
    if not access_token:
        raise InputError("single sign-on refused: your groups could not be read from Microsoft Graph "
                         "(the provider sent no access token); no role is given without them")
    url: str | None = f"{config.graph_url}/me/transitiveMemberOf?$select=id&$top=999"
    groups: list[str] = []
    try:
        async with httpx.AsyncClient(timeout=15, follow_redirects=False,
                                     headers={"Authorization": f"Bearer {access_token}"}) as http:
            for _ in range(GRAPH_MAX_PAGES):
                if url is None:
                    break
                if not url.startswith(f"{config.graph_url}/"):  # the token goes nowhere else
                    raise _GraphError("a next page outside graph_url")
                r = await http.get(url)
                if r.status_code != 200:
                    raise _GraphError(f"HTTP {r.status_code}{_graph_error_code(r)}")
                page = r.json()
                if not isinstance(page, dict) or not isinstance(page.get("value"), list):
                    raise _GraphError("an answer without a value list")
                for item in page["value"]:
                    kind = item.get("@odata.type", "#microsoft.graph.group") if isinstance(item, dict) else None
                    if kind == "#microsoft.graph.group" and item.get("id"):  # not directory roles, units
                        groups.append(str(item["id"]))
                url = page.get("@odata.nextLink")
            else:
                if url is not None:
                    raise _GraphError(f"more than {GRAPH_MAX_PAGES} pages")
    except (_GraphError, httpx.HTTPError, ValueError) as e:
        reason = str(e) if isinstance(e, _GraphError) else type(e).__name__
        raise InputError(f"single sign-on refused: your groups could not be read from Microsoft Graph ({reason}); "
                         "no role is given without them") from None
    return groups


class _GraphError(Exception):
    pass


def _graph_error_code(r: Any) -> str:
    try:
        code = r.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f" {code}" if isinstance(code, str) and code.isprintable() and len(code) < 80 else ""


def _sign_in(engine: Any, config: OidcConfig, claims: dict[str, Any], link_user: int | None,
             old_cookie: str | None) -> tuple[str, str]:
    """Find, link or create the account for these validated claims; a new session for it."""
    from sqlalchemy import select

    from scanner.records.changelog import record
    from scanner.store.db import session_scope
    from scanner.web import auth
    from scanner.web.models import User
    from scanner.web.services import who

    subject = f"{claims.get('iss') or config.issuer}{SUBJECT_SEP}{claims['sub']}"
    groups = claims.get(config.groups_claim) or []
    if not isinstance(groups, list):
        groups = [groups]
    roles = config.roles_for([str(g) for g in groups])
    amr = claims.get("amr") or []
    mfa = bool(MFA_METHODS & set(amr if isinstance(amr, list) else [amr]))
    with session_scope(engine) as s:
        user = s.scalar(select(User).where(User.oidc_subject == subject))
        if link_user is not None:
            current = auth.session_user(s, old_cookie)
            if current is None or current.user.id != link_user:
                raise InputError("single sign-on refused: sign in again before linking an account")
            if user is not None and user.id != link_user:
                raise InputError(f"single sign-on refused: this identity is linked to the account {user.username} already")
            user = current.user
            user.oidc_subject = subject
            record(s, who(user.username), "link", "user", user.username, subject=subject)
        elif user is None:
            if not roles:
                raise InputError("single sign-on refused: none of your groups has a role here (ask an administrator)")
            name = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])[:200].replace(" ", "")
            if s.scalar(select(User).where(User.username == name)) is not None:
                raise InputError(f"single sign-on refused: an account named {name} exists already; sign in with its "
                                 "password and link single sign-on from My account")
            user = auth.create_user(s, name, None, roles, display_name=str(claims.get("name") or name)[:200])
            user.oidc_subject = subject
            record(s, who(name), "create", "user", name, via="oidc", roles=roles)
        if not user.active:
            raise InputError("single sign-on refused: the account is inactive")
        if link_user is None:
            if not roles:
                raise InputError("single sign-on refused: none of your groups has a role here (ask an administrator)")
            if sorted(user.roles or []) != roles:
                record(s, who(user.username), "update", "user", user.username, roles=roles, via="oidc groups")
                user.roles = roles
        auth.close_session(s, old_cookie)  # a new token at every sign-in: no session fixation
        new_token = auth.open_session(s, user, mfa_passed=mfa, via="oidc")
        user.last_login_at = auth.now()
        record(s, who(user.username), "login", "user", user.username, via="oidc", second_factor="idp" if mfa else None)
        return new_token, user.username
