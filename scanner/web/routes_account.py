"""Signing in and out, the second factor, one's own account and tokens, and accounts (administrators)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import select

from scanner.errors import InputError
from scanner.web import auth
from scanner.web.access import PERMISSIONS, ROLES, allow, permissions_of
from scanner.web.app import (
    LANG_COOKIE,
    SESSION_COOKIE,
    CurrentIdentity,
    DbSession,
    RowId,
    redirect,
    render,
    set_session_cookie,
)
from scanner.web.i18n import LANGS
from scanner.web.models import ApiToken, User
from scanner.web.services import who

router = APIRouter(include_in_schema=False)  # pages: not part of the API document


def _safe_next(value: str | None) -> str:
    # only a path on this site: never //evil.example or https://…
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


@router.get("/healthz", **allow("public"))
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/lang/{code}", **allow("public"))
def set_lang(*, code: str, request: Request, next: str | None = None) -> Response:
    response = redirect(_safe_next(next or request.headers.get("referer", "").split(request.url.netloc, 1)[-1]))
    if code in LANGS:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 86400)
    return response


@router.get("/login", **allow("public"))
def login_form(*, request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None,
                  oidc=request.app.state.settings.oidc is not None)


@router.post("/login", **allow("public"))
def login(*, 
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    from scanner.records.changelog import record
    from scanner.store.db import session_scope

    engine = request.app.state.engine
    # its own transaction: a failed attempt is counted (and may lock) even though we refuse
    with session_scope(engine) as s:
        try:
            user = auth.authenticate(s, username, password, request.app.state.settings.policy)
        except auth.LoginRefused as e:
            record(s, who(username[:200] or "?"), "refuse", "login", username[:200], reason=e.reason,
                   client=request.client.host if request.client else None)
            refused = True
        else:
            refused = False
            auth.close_session(s, request.cookies.get(SESSION_COOKIE))  # no fixation: always a new token
            token = auth.open_session(s, user, mfa_passed=not user.totp_enabled)
            if not user.totp_enabled:
                user.last_login_at = auth.now()
            record(s, who(user.username), "login", "user", user.username)
    if refused:
        return render(request, "login.html", status_code=401, next=_safe_next(next), error="login.refused",
                      oidc=request.app.state.settings.oidc is not None)
    response = redirect("/login/totp?next=" + _safe_next(next) if user.totp_enabled else _safe_next(next))
    set_session_cookie(request, response, token)
    return response


@router.get("/login/totp", **allow("login"))
def totp_form(*, request: Request, next: str | None = None) -> Response:
    return render(request, "totp.html", next=_safe_next(next), error=None)


@router.post("/login/totp", **allow("login"))
def totp_verify(*, 
    request: Request, code: Annotated[str, Form(max_length=20)], next: Annotated[str, Form()] = "/",
    ident: CurrentIdentity, s: DbSession,
) -> Response:
    from scanner.records.changelog import record

    user = s.merge(ident.user)
    if not auth.verify_totp(user, code):
        record(s, who(user.username), "refuse", "totp", user.username)
        return render(request, "totp.html", status_code=401, next=_safe_next(next), error="totp.wrong")
    auth.close_session(s, ident.token)
    token = auth.open_session(s, user, mfa_passed=True)  # a new token once the second factor is in
    user.last_login_at = auth.now()
    record(s, who(user.username), "login", "user", user.username, second_factor="totp")
    response = redirect(_safe_next(next))
    set_session_cookie(request, response, token)
    return response


@router.post("/logout", **allow("login"))
def logout(*, request: Request, ident: CurrentIdentity, s: DbSession) -> Response:
    auth.close_session(s, ident.token)
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", **allow("self"))
def home(*, ident: CurrentIdentity) -> Response:
    perms = ident.permissions
    for perm, page in (("register.edit", "/providers"), ("waivers.approve", "/approvals"),
                       ("scans.run", "/scans"), ("users.admin", "/admin/users"), ("register.read", "/providers"),
                       ("board.read", "/board")):
        if perm in perms:
            return redirect(page)
    return redirect("/account")


@router.get("/account", **allow("self"))
def account(*, request: Request, ident: CurrentIdentity, s: DbSession) -> Response:
    tokens = list(s.scalars(select(ApiToken).where(ApiToken.user_id == ident.user.id).order_by(ApiToken.id)))
    return render(request, "account.html", tokens=tokens, new_secret=None,
                  my_perms=sorted(permissions_of(ident.user.roles)), PERMISSIONS=PERMISSIONS,
                  oidc=request.app.state.settings.oidc is not None, oidc_linked=bool(ident.user.oidc_subject))


@router.get("/account/password", **allow("login"))
def password_form(*, request: Request) -> Response:
    return render(request, "password.html", error=None)


@router.post("/account/password", **allow("login"))
def password_change(*, 
    request: Request, current: Annotated[str, Form(max_length=1000)], new: Annotated[str, Form(max_length=1000)],
    ident: CurrentIdentity, s: DbSession,
) -> Response:
    from scanner.records.changelog import record

    user = s.merge(ident.user)
    try:
        auth.authenticate(s, user.username, current, request.app.state.settings.policy)
    except auth.LoginRefused:
        return render(request, "password.html", status_code=400, error="password.current_wrong")
    try:
        auth.set_password(user, new)
    except auth.PasswordRejected as e:
        return render(request, "password.html", status_code=400, error=str(e))
    auth.close_all_sessions(s, user)
    token = auth.open_session(s, user, mfa_passed=True)
    record(s, who(user.username), "update", "user", user.username, field="password")
    response = redirect("/")
    set_session_cookie(request, response, token)
    return response


@router.get("/account/totp", **allow("login"))
def totp_enrol_form(*, request: Request, ident: CurrentIdentity, s: DbSession) -> Response:
    user = s.merge(ident.user)
    if user.totp_enabled:
        return redirect("/account")
    if not user.totp_secret:
        user.totp_secret = auth.new_totp_secret()
    return render(request, "totp_enrol.html", secret=user.totp_secret, uri=auth.totp_uri(user, user.totp_secret),
                  error=None)


@router.post("/account/totp", **allow("login"))
def totp_enrol(*, 
    request: Request, code: Annotated[str, Form(max_length=20)], ident: CurrentIdentity,
    s: DbSession,
) -> Response:
    from scanner.records.changelog import record

    user = s.merge(ident.user)
    if user.totp_enabled or ident.stage == "totp":
        return redirect("/account")
    if not user.totp_secret or not auth.verify_totp(user, code):
        return render(request, "totp_enrol.html", status_code=400, secret=user.totp_secret,
                      uri=auth.totp_uri(user, user.totp_secret or ""), error="totp.wrong")
    user.totp_enabled = True
    auth.close_all_sessions(s, user)
    token = auth.open_session(s, user, mfa_passed=True)
    record(s, who(user.username), "enrol", "user", user.username, second_factor="totp")
    response = redirect("/account")
    set_session_cookie(request, response, token)
    return response


@router.post("/account/tokens", **allow("self"))
def token_issue(*, 
    request: Request, name: Annotated[str, Form(max_length=200)], scopes: Annotated[list[str] | None, Form()] = None,
    ident: CurrentIdentity, s: DbSession,
) -> Response:
    from scanner.records.changelog import record

    user = s.merge(ident.user)
    row, secret = auth.issue_token(s, user, name, scopes or [])
    record(s, who(user.username), "issue", "token", user.username, name=row.name, scopes=row.scopes, prefix=row.prefix)
    tokens = list(s.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))
    return render(request, "account.html", tokens=tokens, new_secret=secret,
                  my_perms=sorted(permissions_of(user.roles)), PERMISSIONS=PERMISSIONS)


@router.post("/account/tokens/{token_id}/revoke", **allow("self"))
def token_revoke(*, token_id: RowId, ident: CurrentIdentity, s: DbSession) -> Response:
    from scanner.records.changelog import record

    row = auth.revoke_token(s, ident.user, token_id)
    record(s, who(ident.name), "revoke", "token", ident.name, name=row.name, prefix=row.prefix)
    return redirect("/account")


# --- administrators ----------------------------------------------------------------------


@router.get("/admin/users", **allow("users.admin"))
def users(*, request: Request, s: DbSession) -> Response:
    rows = list(s.scalars(select(User).order_by(User.username)))
    return render(request, "users.html", users=rows, new_password=None, now=auth.now())


@router.post("/admin/users", **allow("users.admin"))
def user_create(*, 
    request: Request, username: Annotated[str, Form(max_length=200)], display_name: Annotated[str, Form(max_length=200)] = "",
    roles: Annotated[list[str] | None, Form()] = None, ident: CurrentIdentity, s: DbSession,
) -> Response:
    from scanner.records.changelog import record

    password = auth.generate_password()
    user = auth.create_user(s, username, password, roles or [], display_name=display_name, must_change_password=True)
    record(s, who(ident.name), "create", "user", user.username, roles=user.roles)
    rows = list(s.scalars(select(User).order_by(User.username)))
    return render(request, "users.html", users=rows, new_password=(user.username, password), now=auth.now())


@router.post("/admin/users/{user_id}", **allow("users.admin"))
def user_update(*, 
    request: Request, user_id: RowId, action: Annotated[str, Form(max_length=20)], roles: Annotated[list[str] | None, Form()] = None,
    ident: CurrentIdentity, s: DbSession,
) -> Response:
    from scanner.records.changelog import record

    user = s.get(User, user_id)
    if user is None:
        raise InputError(f"no account {user_id}")
    new_password = None
    if action == "roles":
        roles = roles or []
        unknown = [r for r in roles if r not in ROLES]
        if unknown:
            raise InputError(f"unknown role(s) {', '.join(unknown)}")
        if user.id == ident.user.id and "administrator" not in roles:
            raise InputError("you cannot take the administrator role from yourself")
        user.roles = sorted(set(roles))
        record(s, who(ident.name), "update", "user", user.username, roles=user.roles)
    elif action in ("deactivate", "activate"):
        if user.id == ident.user.id:
            raise InputError("you cannot deactivate your own account")
        user.active = action == "activate"
        if not user.active:
            auth.close_all_sessions(s, user)
        record(s, who(ident.name), action, "user", user.username)
    elif action == "unlock":
        user.locked_until, user.failed_logins = None, 0
        record(s, who(ident.name), "unlock", "user", user.username)
    elif action == "reset":
        new_password = auth.generate_password()
        user.password_hash = auth.hash_password(new_password)
        user.must_change_password = True
        user.totp_enabled, user.totp_secret, user.totp_last_step = False, None, None
        auth.close_all_sessions(s, user)
        record(s, who(ident.name), "reset", "user", user.username)
    else:
        raise InputError(f"unknown action {action!r}")
    rows = list(s.scalars(select(User).order_by(User.username)))
    return render(request, "users.html", users=rows,
                  new_password=(user.username, new_password) if new_password else None, now=auth.now())
