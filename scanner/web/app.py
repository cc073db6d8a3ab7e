"""The ASGI application of ``cloudgov serve``: FastAPI, Jinja2 pages, one guard for every route.

:func:`create_app` builds it over one database (migrated on start). Every request passes
:func:`csrf_check` (state-changing requests from a browser carry the session-bound token)
and :func:`guard` (who is asking — session cookie or API token — and whether the route's
one declared permission is theirs). Pages are server-rendered; HTMX (vendored under
``static/``) makes small interactions, and no page loads anything from another host.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from scanner.errors import CloudgovError
from scanner.web import auth
from scanner.web.access import (
    PERMISSIONS,
    PSEUDO,
    ROLES,
    permissions_of,
    route_permission,
)
from scanner.web.i18n import LANGS, catalogue, label, pick_lang, translate

__all__ = ["Settings", "Identity", "DbSession", "CurrentIdentity", "RowId", "create_app", "api_routes", "db", "identity", "render", "redirect", "Denied"]

HERE = FsPath(__file__).resolve().parent
SESSION_COOKIE = "cg_session"
PRE_COOKIE = "cg_pre"  # binds the login form's CSRF token before there is a session
LANG_COOKIE = "cg_lang"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class Settings:
    db_url: str | None = None
    evidence_root: FsPath | None = None
    policy: auth.Policy = field(default_factory=auth.Policy)
    secure_cookies: bool = False  # set behind HTTPS
    max_upload_bytes: int = 25 * 1024 * 1024
    oidc: Any = None  # scanner.web.oidc.OidcConfig: single sign-on, when configured
    queue: str | None = None  # scan jobs on the task queue (redis://…); None: in-process (scanner.web.jobs)


@dataclass(frozen=True)
class Me:
    """What pages show of the signed-in account (a copy: usable after the transaction ends)."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    totp_enabled: bool


@dataclass
class Identity:
    user: Any  # scanner.web.models.User, bound to the request's session
    permissions: frozenset[str]
    via: str  # session / token
    stage: str = "ok"  # ok / totp (code owed) / enrol (must enrol TOTP) / password (must change)
    token: str | None = None  # the session cookie's token
    me: Me | None = None

    def __post_init__(self) -> None:
        u = self.user
        self.me = Me(u.id, u.username, u.display_name or u.username, tuple(u.roles or ()), bool(u.totp_enabled))

    @property
    def name(self) -> str:
        return self.me.username if self.me else self.user.username


class Denied(HTTPException):
    """Refused by the guard (carries a header the authorisation-matrix test reads)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail, headers={"X-Cloudgov-Denied": detail})


# --- request-scoped dependencies ---------------------------------------------------------


def db(request: Request) -> Iterator[Session]:
    from scanner.store.db import session_scope

    with session_scope(request.app.state.engine) as session:
        yield session


DbSession = Annotated[Session, Depends(db, scope="function")]  # one transaction, committed before the response is sent


def _signer(request: Request):
    from itsdangerous import URLSafeSerializer

    return URLSafeSerializer(request.app.state.secret, salt="csrf")


def _csrf_binding(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRE_COOKIE)
    return auth.digest(token)[:32] if token else None


def csrf_token(request: Request) -> str:
    """The token forms and HTMX send back; bound to this browser's session (or pre-session)."""
    binding = getattr(request.state, "csrf_binding", None) or _csrf_binding(request)
    if binding is None:  # first visit: a pre-session cookie is set on the response
        pre = secrets.token_urlsafe(24)
        request.state.new_pre_cookie = pre
        binding = auth.digest(pre)[:32]
        request.state.csrf_binding = binding
    return _signer(request).dumps(binding)


async def csrf_check(request: Request) -> None:
    if request.method not in UNSAFE or request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    sent = request.headers.get("x-csrf-token")
    if not sent and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    binding = _csrf_binding(request)
    try:
        ok = bool(sent and binding) and hmac.compare_digest(str(_signer(request).loads(sent)), binding or "")
    except Exception:  # itsdangerous.BadSignature and malformed input alike
        ok = False
    if not ok:
        raise Denied(403, "csrf")


def _identify(request: Request, session: Session) -> Identity | None:
    settings: Settings = request.app.state.settings
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        if not request.url.path.startswith("/api/"):
            raise Denied(401, "tokens are for /api/ only")
        row = auth.token_user(session, header[7:].strip())
        if row is None:
            raise Denied(401, "unknown or revoked token")
        perms = permissions_of(row.user.roles) & frozenset(row.scopes)
        return Identity(row.user, perms, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    live = auth.session_user(session, cookie, settings.policy)
    if live is None:
        return None
    user = live.user
    stage = "ok"
    if user.totp_enabled and not live.mfa_passed:
        stage = "totp"
    elif user.must_change_password:
        stage = "password"
    elif auth.needs_mfa_enrolment(user) and not (live.via == "oidc" and live.mfa_passed):
        stage = "enrol"  # a second factor the identity provider vouched for counts too
    return Identity(user, permissions_of(user.roles), "session", stage, cookie)


_STAGE_PAGES = {"totp": "/login/totp", "password": "/account/password", "enrol": "/account/totp"}


def guard(request: Request, session: DbSession) -> Identity | None:
    """Authenticate and authorise by the route's one declared permission."""
    perm = route_permission(request.scope.get("route"))
    if perm is None:
        raise Denied(403, "route without an access decision")
    if perm == "public" and request.method in UNSAFE:
        request.state.identity = None  # signing in opens its own transaction; nothing else here writes
        return None
    ident = _identify(request, session)
    request.state.identity = ident
    if perm == "public":
        return ident
    is_api = request.url.path.startswith("/api/")
    if ident is None:
        if is_api or request.method in UNSAFE:
            raise Denied(401, "sign in first")
        raise _Redirect("/login?next=" + quote(request.url.path))
    if perm == "login":
        return ident
    if ident.stage != "ok":
        if is_api:
            raise Denied(401, f"finish signing in ({ident.stage})")
        raise _Redirect(_STAGE_PAGES[ident.stage])
    if perm == "self" or perm in ident.permissions:
        return ident
    raise Denied(403, f"needs {perm}")  # the authorisation-matrix test reads this header


def identity(request: Request) -> Identity:
    ident = getattr(request.state, "identity", None)
    if ident is None:
        raise Denied(401, "sign in first")
    return ident




CurrentIdentity = Annotated[Identity, Depends(identity)]  # who is asking (after the guard)
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]  # a row id in a path (an INTEGER on every database)


class _Redirect(Exception):
    def __init__(self, to: str) -> None:
        self.to = to


# --- rendering ---------------------------------------------------------------------------


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    env = templates.env
    env.autoescape = True  # every page; text from the database is never markup
    env.globals["ROLES"] = ROLES
    env.globals["LANGS"] = LANGS
    return templates


def lang_of(request: Request) -> str:
    return pick_lang(request.cookies.get(LANG_COOKIE))


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    lang = lang_of(request)
    ident = getattr(request.state, "identity", None)
    ctx = {
        "request": request,
        "t": catalogue(lang),
        "tr": lambda message: translate(str(message), lang),  # a service-layer message, in this language
        "v": lambda group, value: label(lang, group, value),  # a stored vocabulary value, in this language
        "lang": lang,
        "me": ident.me if ident is not None and ident.stage == "ok" else None,
        "perms": ident.permissions if ident is not None and ident.stage == "ok" else frozenset(),
        "csrf": csrf_token(request),
        **context,
    }
    response = request.app.state.templates.TemplateResponse(request, template, ctx, status_code=status_code)
    _set_pre_cookie(request, response)
    return response


def _set_pre_cookie(request: Request, response: Response) -> None:
    pre = getattr(request.state, "new_pre_cookie", None)
    if pre:
        response.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="lax",
                            secure=request.app.state.settings.secure_cookies)


def redirect(to: str) -> RedirectResponse:
    return RedirectResponse(to, status_code=303)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                        secure=request.app.state.settings.secure_cookies)


# --- the application ---------------------------------------------------------------------


def _secret(engine: Engine) -> str:
    """The signing key, kept in the database so several workers share it."""
    from scanner.store.db import session_scope
    from scanner.web.models import WebSetting

    with session_scope(engine) as s:
        row = s.get(WebSetting, "secret")
        if row is None:
            row = WebSetting(key="secret", value=secrets.token_urlsafe(48))
            s.add(row)
        return str(row.value)


def create_app(settings: Settings | None = None) -> FastAPI:
    import exit_plans.models  # noqa: F401
    import scanner.store.models_history  # noqa: F401  (maps every table on the shared Base)
    import scanner.web.models  # noqa: F401
    import vendor_dd.models  # noqa: F401
    from scanner.records.evidence import store_root
    from scanner.store.db import open_db

    settings = settings or Settings()
    engine = open_db(settings.db_url)
    if settings.evidence_root is None:
        settings.evidence_root = store_root(settings.db_url)

    app = FastAPI(
        title="cloudgov",
        version=_version(),
        description="Cloud posture and outsourcing governance: the vendor register, scans and the board report.",
        dependencies=[Depends(csrf_check), Depends(guard)],
        docs_url=None,  # the interactive docs load scripts from a CDN; /api/openapi.json is the document
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.secret = _secret(engine)
    app.state.templates = _templates()

    from scanner.web import (
        oidc,
        routes_account,
        routes_api,
        routes_board,
        routes_register,
        routes_scans,
    )

    for module in (routes_account, oidc, routes_register, routes_scans, routes_board, routes_api):
        app.include_router(module.router)
    if settings.oidc is not None:
        oidc.install(app, settings.oidc)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _check_decisions(app)
    _install_handlers(app)
    from scanner.web.jobs import resume

    resume(engine, settings.db_url)  # scan jobs the server did not finish before it stopped
    return app


def _version() -> str:
    from scanner import __version__

    return __version__


def api_routes(app: FastAPI) -> list[Any]:
    """Every APIRoute of the application (FastAPI may nest included routers lazily)."""
    from fastapi.routing import APIRoute

    out: list[Any] = []

    def walk(routes: Any) -> None:
        for r in routes:
            if isinstance(r, APIRoute):
                out.append(r)
            elif hasattr(r, "original_router"):
                walk(r.original_router.routes)

    walk(app.routes)
    return out


def _check_decisions(app: FastAPI) -> None:
    routes = api_routes(app)
    missing = [r.path for r in routes if route_permission(r) is None]
    if missing:
        raise RuntimeError(f"routes without an access decision: {', '.join(missing)}")
    bad = [r.path for r in routes if route_permission(r) not in PSEUDO and route_permission(r) not in PERMISSIONS]
    if bad:
        raise RuntimeError(f"routes with an unknown permission: {', '.join(bad)}")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(_Redirect)
    async def _redirect(request: Request, exc: _Redirect) -> Response:
        return redirect(exc.to)

    @app.exception_handler(CloudgovError)
    async def _user_error(request: Request, exc: CloudgovError) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return render(request, "error.html", status_code=400, message=translate(str(exc), lang_of(request)))

    from sqlalchemy.exc import DataError

    @app.exception_handler(DataError)
    async def _bad_value(request: Request, exc: DataError) -> Response:
        # the database refused a value (PostgreSQL: a NUL character, a number out of range): the input's fault
        message = "a value in the request cannot be stored or searched for (for example a NUL character)"
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=400)
        return render(request, "error.html", status_code=400, message=translate(message, lang_of(request)))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        if _wants_json(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)
        response = render(request, "error.html", status_code=exc.status_code,
                          message=translate(str(exc.detail), lang_of(request)))
        response.headers.update(headers or {})
        return response

    @app.middleware("http")
    async def _limits(request: Request, call_next):  # noqa: ANN001, ANN202
        length = request.headers.get("content-length")
        limit = app.state.settings.max_upload_bytes + 64 * 1024
        if length and length.isdigit() and int(length) > limit:
            return JSONResponse({"detail": "the request is larger than the upload limit"}, status_code=413)
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
        )
        return response
