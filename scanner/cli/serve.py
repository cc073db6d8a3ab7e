"""``cloudgov serve``: the web application for vendor managers, approvers, auditors and the board.

Only typer at import time; FastAPI, uvicorn and the application load inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.cli.common import DbOpt, QueueOpt
from scanner.errors import UsageError


def _check_listen(host: str, port: int) -> None:
    """Refuse an address we cannot listen on before anything else starts (one sentence, exit 2)."""
    import socket

    if not 0 < port < 65536:
        raise UsageError(f"--port: {port} is not a TCP port (1-65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError, ValueError):
        raise UsageError(f"--host: {host!r} is not an address or host name of this machine") from None
    family, kind, proto, _, addr = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as e:
            raise UsageError(f"cannot listen on {host}:{port} ({e.strerror})") from None


def register(app: typer.Typer, scan_app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", "-p", help="Port to listen on.")] = 8000,
        db: DbOpt = None,
        demo: Annotated[bool, typer.Option("--demo", help="A fresh database with the samples loaded (register, exit plans, scan history).")] = False,
        secure_cookies: Annotated[bool, typer.Option("--secure-cookies", help="Mark cookies Secure (behind HTTPS).")] = False,
        idle_minutes: Annotated[int, typer.Option("--idle-minutes", help="Sign out after this many idle minutes.")] = 30,
        oidc: Annotated[Path | None, typer.Option("--oidc", help="Single sign-on through OpenID Connect: a YAML file with issuer, client_id, client_secret_env and group_roles (docs/web.md).")] = None,
        queue: QueueOpt = None,
    ) -> None:
        """Start the web application (embedded SQLite by default; --db postgresql://… for a team)."""
        from scanner.extras import require

        require("web", "cloudgov serve")
        try:
            import uvicorn

            from scanner.web.app import Settings, create_app
            from scanner.web.setup import demo_database, first_admin
        except ModuleNotFoundError as e:
            raise UsageError(
                f"cloudgov serve needs the web extra ({e.name} is missing): pip install 'cloudgov[web]'"
            ) from None
        from scanner.web.auth import Policy

        if idle_minutes <= 0:
            raise UsageError("--idle-minutes must be a positive number of minutes")
        _check_listen(host, port)
        if queue:  # scan jobs go to `cloudgov worker --queue URL --db <this database>`
            from scanner.extras import require
            from scanner.queue import check_url

            require("queue", "cloudgov serve --queue")
            check_url(queue)
        evidence_root: Path | None = None
        if demo:
            db, evidence_root = demo_database(db)
        from scanner.web.oidc import load_config

        sso = load_config(oidc) if oidc is not None else None
        settings = Settings(db_url=db, evidence_root=evidence_root, secure_cookies=secure_cookies,
                            policy=Policy(idle_minutes=idle_minutes), oidc=sso, queue=queue)
        application = create_app(settings)
        created = first_admin(application.state.engine)
        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
        typer.echo(f"cloudgov serve: {url}")
        if created:
            name, password = created
            typer.echo(f"one-time password for {name!r} (change it, then set up the second factor, at first sign-in): {password}")
        uvicorn.run(application, host=host, port=port, log_level="warning")
