"""A small OpenID Connect provider for the tests, served over real HTTP on 127.0.0.1.

It does what Entra ID does for a confidential web client: discovery, the authorization
endpoint (the person signing in is whoever the test put in ``provider.next_login``),
the token endpoint (client_secret_basic, the code once, PKCE S256 checked against the
challenge), RS256 id tokens with ``groups`` and ``amr``, and a JWKS. ``provider.tamper``
makes it sign with a key it does not publish, or for another audience, so the tests can see
the client refuse. Built from joserfc (what authlib itself uses for JOSE) and Starlette.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import threading
import time
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

CLIENT_ID = "cloudgov-test-client"
CLIENT_SECRET = "s3cret-for-tests-only"


class Provider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
        self.next_login: dict[str, Any] = {}
        self.tamper: str | None = None  # None / "key" / "audience" / "nonce"
        self.codes: dict[str, dict[str, Any]] = {}
        self.seen: list[dict[str, str]] = []  # authorization requests, as received
        self.access_tokens: dict[str, str] = {}  # access token issued -> the subject it was issued for
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self._server: Any = None

    # --- endpoints --------------------------------------------------------------------

    async def discovery(self, request: Request) -> JSONResponse:
        i = self.issuer
        return JSONResponse({
            "issuer": i, "authorization_endpoint": f"{i}/authorize", "token_endpoint": f"{i}/token",
            "jwks_uri": f"{i}/keys", "response_types_supported": ["code"], "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile", "email"],
        })

    async def keys(self, request: Request) -> JSONResponse:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Any:
        q = dict(request.query_params)
        self.seen.append(q)
        problems = [k for k, want in (("client_id", CLIENT_ID), ("response_type", "code"), ("code_challenge_method", "S256"))
                    if q.get(k) != want]
        if problems or "openid" not in q.get("scope", "").split() or not q.get("code_challenge") or not q.get("nonce"):
            return JSONResponse({"error": "invalid_request", "problems": problems}, status_code=400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"], "nonce": q["nonce"],
                            "claims": dict(self.next_login)}
        return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q.get('state', '')})}", 302)

    async def token(self, request: Request) -> JSONResponse:
        form = dict(await request.form())
        auth = request.headers.get("authorization", "")
        basic = base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else ""
        client_ok = basic == f"{CLIENT_ID}:{CLIENT_SECRET}" or (
            form.get("client_id") == CLIENT_ID and form.get("client_secret") == CLIENT_SECRET)
        if not client_ok:
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self.codes.pop(str(form.get("code")), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != grant["redirect_uri"]:
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        verifier = str(form.get("code_verifier") or "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["challenge"]:
            return JSONResponse({"error": "invalid_grant", "error_description": "PKCE verifier does not match"}, status_code=400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "nbf": now, "exp": now + 600,
                  "nonce": grant["nonce"], **grant["claims"]}
        key = self.key
        if self.tamper == "key":
            key = self.other_key
        elif self.tamper == "audience":
            claims["aud"] = "someone-else"
        elif self.tamper == "nonce":
            claims["nonce"] = "not-the-one-sent"
        id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = str(claims.get("sub"))
        return JSONResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": 600,
                             "id_token": id_token, "scope": "openid profile email"})

    # --- serving ----------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route("/.well-known/openid-configuration", self.discovery), Route("/keys", self.keys),
            Route("/authorize", self.authorize), Route("/token", self.token, methods=["POST"]),
        ])

    def start(self) -> Provider:
        self._server = _serve(self.app(), self.port)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


class Graph:
    """Microsoft Graph's ``GET /v1.0/me/transitiveMemberOf`` as the Graph reference describes
    it (learn.microsoft.com/graph/api/user-list-transitivememberof): the bearer token must be
    one ``provider`` issued; the answer is ``{"value": [directoryObject…]}`` with groups,
    directory roles and administrative units told apart by ``@odata.type``, ``$top`` pages
    (``page_size`` here, to see the client follow ``@odata.nextLink``). ``fail``: None / "403"
    (Authorization_RequestDenied: the app lacks the permission) / "garbage" / "elsewhere"
    (a next page on another host)."""

    def __init__(self, provider: Provider, page_size: int = 2) -> None:
        self.provider = provider
        self.page_size = page_size
        self.members: dict[str, list[dict[str, Any]]] = {}  # subject -> directory objects
        self.fail: str | None = None
        self.calls: list[dict[str, str]] = []
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1.0"
        self._server: Any = None

    async def member_of(self, request: Request) -> Any:
        q = dict(request.query_params)
        self.calls.append({**q, "authorization": request.headers.get("authorization", "")})
        auth = request.headers.get("authorization", "")
        subject = self.provider.access_tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
        if subject is None:
            return JSONResponse({"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}, 401)
        if self.fail == "403":
            return JSONResponse({"error": {"code": "Authorization_RequestDenied",
                                           "message": "Insufficient privileges to complete the operation."}}, 403)
        if self.fail == "garbage":
            return PlainTextResponse("<html>proxy error</html>", 200)
        objects = self.members.get(subject, [])
        skip = int(q.get("$skiptoken") or 0)
        page = objects[skip:skip + self.page_size]
        body: dict[str, Any] = {"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directoryObjects(id)",
                                "value": page}
        if skip + self.page_size < len(objects):
            host = "http://198.51.100.7/v1.0" if self.fail == "elsewhere" else self.url
            body["@odata.nextLink"] = f"{host}/me/transitiveMemberOf?$select=id&$top=999&$skiptoken={skip + self.page_size}"
        return JSONResponse(body)

    def start(self) -> Graph:
        self._server = _serve(Starlette(routes=[Route("/v1.0/me/transitiveMemberOf", self.member_of)]), self.port)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True


def group(object_id: str) -> dict[str, str]:
    return {"@odata.type": "#microsoft.graph.group", "id": object_id}


def directory_role(object_id: str) -> dict[str, str]:
    return {"@odata.type": "#microsoft.graph.directoryRole", "id": object_id}


def _serve(app: Starlette, port: int) -> Any:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("a test server on 127.0.0.1 did not start")
        time.sleep(0.02)
    return server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
