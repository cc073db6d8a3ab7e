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
  is the source of truth for them); no mapped group, no entry.

A provider that says the person used a second factor (``amr`` holds ``mfa``) satisfies the
second-factor rule for administrators and approvers; otherwise their own TOTP is asked for.

Configuration (``cloudgov serve --oidc FILE``, YAML)::

    issuer: https://login.microsoftonline.com/<tenant id>/v2.0
    client_id: <application id>
    client_secret_env: CLOUDGOV_OIDC_SECRET   # the secret stays out of the file
    groups_claim: groups                      # Entra: group object ids
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


@dataclass
class OidcConfig:
    issuer: str
    client_id: str
    client_secret: str
    group_roles: dict[str, list[str]]
    groups_claim: str = "groups"
    scope: str = "openid profile email"
    metadata_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.issuer = self.issuer.rstrip("/")
        self.metadata_url = self.metadata_url or f"{self.issuer}/.well-known/openid-configuration"

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
    if not raw["issuer"].startswith(("https://", "http://127.0.0.1", "http://localhost")):
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
    return OidcConfig(issuer=raw["issuer"], client_id=raw["client_id"], client_secret=str(secret),
                      group_roles=group_roles, groups_claim=str(raw.get("groups_claim") or "groups"),
                      scope=str(raw.get("scope") or "openid profile email"),
                      metadata_url=str(raw.get("metadata_url") or ""))


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
    new_token, name = await run_in_threadpool(
        _sign_in, request.app.state.engine, config, claims, link_user, request.cookies.get(SESSION_COOKIE))
    response = redirect("/account" if link_user else "/")
    set_session_cookie(request, response, new_token)
    return response


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
