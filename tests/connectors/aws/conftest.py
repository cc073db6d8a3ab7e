from __future__ import annotations

import json
import os

import pytest

from botocore.awsrequest import AWSResponse


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    """No real credentials or endpoints ever: fixed fake keys, no profile files."""
    for k in list(os.environ):
        if k.startswith("AWS_"):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_):
        yield self.body


def error_response(status: int, code: str, message: str = "injected") -> AWSResponse:
    body = json.dumps({"__type": code, "message": message}).encode()
    return AWSResponse("https://fault.invalid/", status, {"x-amzn-query-error": f"{code};Sender"}, _Raw(body))


def deny(operation_prefix: str, code: str = "AccessDenied", status: int = 403, when=None):
    """An instrument: every call whose event name starts with before-call.<prefix> fails."""

    def install(events):
        def handler(event_name=None, params=None, **kw):
            if when is None or when(params, kw):
                return error_response(status, code), {"Error": {"Code": code, "Message": f"injected {code}"}}
            return None

        events.register(f"before-call.{operation_prefix}", handler)

    return install


def answer(operation: str, respond):
    """An instrument: calls to ``operation`` (``ssm.DescribeInstanceInformation``) are answered
    with ``respond(params)`` (a parsed response) — for operations moto does not implement."""

    def install(events):
        def handler(event_name=None, params=None, **kw):
            return AWSResponse("https://stub.invalid/", 200, {}, _Raw(b"{}")), respond(params)

        events.register(f"before-call.{operation}", handler)

    return install


def instruments(*installs):
    """Several instruments as one, installed in order (the first that answers a call wins)."""

    def install(events):
        for i in installs:
            i(events)

    return install
