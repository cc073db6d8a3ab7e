"""A counting reverse proxy on 127.0.0.1 in front of a moto server.

Every request a scanner sends is forwarded unchanged to the emulator and counted by
(label, service, operation): the service is the SigV4 credential scope of the
`Authorization` header, the operation the `X-Amz-Target` header, the `Action` form or
query field, or — for REST APIs (S3) — the method and the first query key
(`GET ?encryption`). Both tools of a side-by-side run go through the same proxy, so the
counts are HTTP requests on the wire, not SDK calls as each tool reports them.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


def operation(method: str, path: str, headers, body: bytes) -> tuple[str, str]:
    m = _SCOPE.search(headers.get("Authorization", ""))
    service = m.group(1) if m else "?"
    target = headers.get("X-Amz-Target")
    if target:
        return service, target.rsplit(".", 1)[-1]
    parts = urlsplit(path)
    action = parse_qs(parts.query).get("Action")
    if not action and body and "x-www-form-urlencoded" in headers.get("Content-Type", ""):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        return service, action[0]
    key = parts.query.split("&", 1)[0].split("=", 1)[0]
    depth = len([p for p in parts.path.split("/") if p])  # S3 path style: /bucket[/key]
    return service, f"{method} {'/' * depth}{'?' + key if key else ''}"


class CountingProxy:
    """`with CountingProxy(upstream) as p:` … `p.label = "prowler"` … `p.counts`."""

    def __init__(self, upstream: str) -> None:
        u = urlsplit(upstream)
        self.host, self.port = u.hostname, u.port
        self.label = "-"
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self.first: dict[str, float | None] = {}  # label -> monotonic time of its first / last request
        self.last: dict[str, float] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_):  # quiet
                pass

            def _forward(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = self._read_chunked()
                svc, op = operation(self.command, self.path, self.headers, body)
                with proxy._lock:
                    proxy.counts[(proxy.label, svc, op)] += 1
                    if proxy.first.get(proxy.label) is None:
                        proxy.first[proxy.label] = time.monotonic()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                if body or self.command in ("POST", "PUT"):
                    headers["Content-Length"] = str(len(body))
                status, reason, rheaders, rbody = proxy._send(self.command, self.path, body, headers)
                self.send_response_only(status, reason)
                for k, v in rheaders:
                    if k.lower() not in _HOP and k.lower() != "content-length":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(rbody)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(rbody)
                proxy.last[proxy.label] = time.monotonic()

            def _read_chunked(self) -> bytes:
                out = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if not size:
                        self.rfile.readline()
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def _send(self, method: str, path: str, body: bytes, headers: dict) -> tuple:
        for attempt in (0, 1):  # one retry on a stale keep-alive connection
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
            try:
                conn.request(method, path, body=body or None, headers=headers)
                r = conn.getresponse()
                data = r.read()
                return r.status, r.reason, r.getheaders(), data
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def by_label(self, label: str) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter({(s, o): n for (lab, s, o), n in self.counts.items() if lab == label})

    def __enter__(self) -> "CountingProxy":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_) -> None:
        self._server.shutdown()
        self._server.server_close()
