"""moto's server with a request log written by the server itself (no proxy in between).

    python benchmarks/aws/moto_logged.py --port 5000 --log requests.log

The same application and request handler as ``python -m moto.server`` (moto/server.py),
wrapped in a WSGI middleware that appends one line per request once it is answered:
``<unix time> <service> <operation> <status>``. The service is the SigV4 credential
scope's; the operation is ``X-Amz-Target``'s, else the query protocol's ``Action``, else
(REST: S3) the method and the sub-resources of the query string (``GET?encryption``).
"""

from __future__ import annotations

import argparse
import io
import re
import threading
import time
from typing import Any
from urllib.parse import parse_qs

_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")


class RequestLog:
    def __init__(self, app: Any, path: str) -> None:
        self.app = app
        self._out = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 (lives as long as the server)
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        service, operation = self._identify(environ)
        status: list[str] = []

        def start(s: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(s.split(" ", 1)[0])
            return start_response(s, headers, exc_info) if exc_info else start_response(s, headers)

        body = self.app(environ, start)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()
            with self._lock:
                self._out.write(f"{time.time():.6f} {service} {operation} {status[0] if status else '-'}\n")

    @staticmethod
    def _identify(environ: dict[str, Any]) -> tuple[str, str]:
        m = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        service = m.group(1) if m else "-"
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return service, target.rsplit(".", 1)[-1]
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if "Action" in query:
            return service, query["Action"][0]
        if environ.get("REQUEST_METHOD") == "POST" and "form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            size = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(size) if size else b""
            environ["wsgi.input"] = io.BytesIO(raw)
            action = parse_qs(raw.decode("utf-8", "replace")).get("Action")
            if action:
                return service, action[0]
        sub = ",".join(sorted(k for k in query if k not in {"x-id", "max-keys", "prefix", "delimiter"}))
        return service, f"{environ.get('REQUEST_METHOD')}?{sub}"


def main() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    import os

    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # type: ignore[attr-defined]
    run_simple(args.host, args.port, RequestLog(app, args.log), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
