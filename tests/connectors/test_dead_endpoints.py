"""A dead endpoint: a loopback socket that accepts connections and never answers. The scan
must give up within the configured timeouts with a sentence naming the endpoint, not hang
for minutes and not blame the credentials."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from scanner.errors import InputError


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)  # accepted, never read, never answered
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    srv.close()


def _within(seconds: float, fn):
    """Run fn in a thread; fail if it is still running after ``seconds`` (a liveness bound,
    generous, not a performance figure)."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001
            box["error"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still waiting on the dead endpoint after {seconds} s"
    return box


def test_aws_gives_up_on_a_silent_endpoint_and_names_it(silent_endpoint, monkeypatch):
    import boto3

    from scanner.connectors.aws.collect import ScanRequest, collect

    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_CONFIG_FILE": "/nonexistent",
                 "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("CLOUDGOV_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("CLOUDGOV_READ_TIMEOUT", "1")
    box = _within(60, lambda: collect(ScanRequest(regions=["ap-east-2"], endpoint_url=silent_endpoint),
                                      session=boto3.Session(region_name="us-east-1")))
    err = box.get("error")
    assert isinstance(err, InputError), box
    assert silent_endpoint.removeprefix("http://") in str(err) and "credential" not in str(err).lower()
    assert "CLOUDGOV_READ_TIMEOUT" in str(err)


def test_timeouts_are_validated(monkeypatch):
    from scanner.connectors.timeouts import timeouts
    from scanner.errors import UsageError

    monkeypatch.setenv("CLOUDGOV_READ_TIMEOUT", "-1")
    with pytest.raises(UsageError, match="CLOUDGOV_READ_TIMEOUT"):
        timeouts()
    monkeypatch.setenv("CLOUDGOV_READ_TIMEOUT", "2.5")
    assert timeouts().read == 2.5
