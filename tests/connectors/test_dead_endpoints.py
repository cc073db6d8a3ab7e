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


def _redirecting_transport(target: str):
    """azure-core's real requests transport, sending every call to ``target`` instead of
    Azure (the request keeps its Azure URL through the SDK's policies)."""
    from azure.core.pipeline.transport import RequestsTransport

    class Redirect(RequestsTransport):
        def send(self, request, **kwargs):
            scheme_host, _, path = request.url.partition("://")[2].partition("/")
            request.url = f"{target}/{path}"
            return super().send(request, **kwargs)

    return Redirect()


def test_azure_gives_up_on_a_silent_endpoint_and_names_it(silent_endpoint, monkeypatch):
    pytest.importorskip("azure.mgmt.resourcegraph")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent / "azure"))
    from azure_recorded import FakeCredential

    from scanner.connectors.azure.scan import ScanRequest, collect

    monkeypatch.setenv("CLOUDGOV_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("CLOUDGOV_READ_TIMEOUT", "1")
    box = _within(60, lambda: collect(ScanRequest(), credential=FakeCredential(),
                                      transport=_redirecting_transport(silent_endpoint)))
    err = box.get("error")
    assert isinstance(err, InputError), box
    assert "https://management.azure.com/providers/Microsoft.ResourceGraph/resources" in str(err), err
    assert "did not answer within 1 s" in str(err) and "credential" not in str(err).lower()
    assert "\n" not in str(err)


def test_azure_stops_at_the_scan_deadline_naming_what_it_waited_on(silent_endpoint, monkeypatch):
    """A read timeout longer than the whole deadline: the deadline wins."""
    pytest.importorskip("azure.mgmt.resourcegraph")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent / "azure"))
    from azure_recorded import FakeCredential

    from scanner.connectors.azure.scan import ScanRequest, collect

    monkeypatch.setenv("CLOUDGOV_READ_TIMEOUT", "600")
    box = _within(60, lambda: collect(ScanRequest(deadline=2), credential=FakeCredential(),
                                      transport=_redirecting_transport(silent_endpoint)))
    err = box.get("error")
    assert isinstance(err, InputError), box
    assert "deadline of 2 s" in str(err) and "CLOUDGOV_SCAN_DEADLINE" in str(err), err
    assert "management.azure.com" in str(err)


def test_gcp_gives_up_on_a_silent_endpoint_and_names_it(silent_endpoint, monkeypatch):
    pytest.importorskip("google.cloud.asset_v1")
    from scanner.connectors.gcp.scan import ScanRequest, collect

    monkeypatch.setenv("CLOUDGOV_CONNECT_TIMEOUT", "1")
    monkeypatch.setenv("CLOUDGOV_READ_TIMEOUT", "1")
    box = _within(60, lambda: collect(ScanRequest.parse(["organizations/1"], endpoint_url=silent_endpoint,
                                                        workers=2)))
    err = box.get("error")
    assert isinstance(err, InputError), box
    assert f"The Cloud Asset API at {silent_endpoint} did not answer within 1 s" in str(err), err
    assert "credential" not in str(err).lower() and "\n" not in str(err)


def test_gcp_stops_at_the_scan_deadline_naming_what_it_waited_on(silent_endpoint, monkeypatch):
    pytest.importorskip("google.cloud.asset_v1")
    from scanner.connectors.gcp.scan import ScanRequest, collect

    monkeypatch.setenv("CLOUDGOV_READ_TIMEOUT", "600")
    box = _within(60, lambda: collect(ScanRequest.parse(["organizations/1"], endpoint_url=silent_endpoint,
                                                        deadline=2)))
    err = box.get("error")
    assert isinstance(err, InputError), box
    assert "the GCP scan did not finish within its deadline of 2 s" in str(err), err
    assert silent_endpoint in str(err)


def test_gcp_rest_enrichments_keep_to_the_deadline(silent_endpoint, monkeypatch):
    """Resource Manager, Groups, Policy Analyzer, Directory: retries and backoff stop at the
    deadline instead of 5 retries × 60 s."""
    import requests

    from scanner.connectors.gcp.rest import RestCaller
    from scanner.connectors.timeouts import Deadline, DeadlineExceeded

    monkeypatch.setenv("CLOUDGOV_READ_TIMEOUT", "600")
    caller = RestCaller(requests.Session(), deadline=Deadline("GCP", 2))
    box = _within(60, lambda: caller.call("GET", f"{silent_endpoint}/v1/groups:lookup"))
    err = box.get("error")
    assert isinstance(err, DeadlineExceeded) and f"{silent_endpoint}/v1/groups:lookup" in str(err), box


def test_a_scan_deadline_is_validated(monkeypatch):
    from scanner.connectors.timeouts import Deadline
    from scanner.errors import UsageError

    monkeypatch.setenv("CLOUDGOV_SCAN_DEADLINE", "soon")
    with pytest.raises(UsageError, match="CLOUDGOV_SCAN_DEADLINE"):
        Deadline("Azure")
    monkeypatch.setenv("CLOUDGOV_SCAN_DEADLINE", "90")
    assert Deadline("Azure").seconds == 90
    with pytest.raises(UsageError, match="more than 0"):
        Deadline("GCP", 0)
