"""End to end: moto's server on 127.0.0.1, `cloudgov scan aws --endpoint-url` in a subprocess.

One server for the module (starting it is most of the cost); the rejected-credentials test
switches its authentication on and off through moto's ``/moto-api/reset-auth``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest

from .seed import seed

ROOT = Path(__file__).parents[3]
REGIONS = "ap-east-2,ap-northeast-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", MOTO_EC2_LOAD_DEFAULT_AMIS="false")
    env.update(extra)
    return env


def _start_server(**extra: str):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            env=_env(**extra), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    pytest.fail("moto server did not start")


@pytest.fixture(scope="module")
def moto_server():
    proc, url = _start_server()
    try:
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        seed(session, REGIONS.split(","), endpoint_url=url)
        yield url
    finally:
        proc.kill()  # an emulator has nothing to flush; SIGTERM waits for its open connections
        proc.wait(10)


def _cloudgov(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_scan_aws_against_moto_server(moto_server, tmp_path):
    out = tmp_path / "out"
    run = _cloudgov("scan", "aws", "--endpoint-url", moto_server, "--regions", REGIONS, "--format", "json",
                    "--output-dir", str(out), "--save-inventory", str(tmp_path / "inv.json"), env=_env())
    assert run.returncode == 1, run.stderr  # high-severity failures exist
    assert "API calls" in run.stderr and "Traceback" not in run.stderr
    doc = json.loads((out / "findings.json").read_text())
    status = {(f["policy"], f["resource"]["name"]): f["status"] for f in doc["findings"]}
    assert status[("encryption.object_storage_cmk", "tw-cmk")] == "PASS"
    # an AWS-managed key is not a customer-managed key, even though moto says CUSTOMER
    assert status[("encryption.object_storage_cmk", "tw-aws-managed")] == "FAIL"
    assert status[("encryption.object_storage_cmk", "tw-sse-s3")] == "FAIL"
    assert status[("mfa.privileged_users", "alice")] == "FAIL"
    assert status[("mfa.privileged_users", "reader")] == "NOT_APPLICABLE"  # read-only is not privileged
    assert status[("mfa.root_account", "<root_account>")] == "FAIL"
    assert status[("residency.data_location", "tw-cmk")] == "PASS"  # ap-east-2 is Taipei
    assert status[("residency.data_location", "alerts")] == "FAIL"  # ap-northeast-1 is Tokyo
    assert status[("logging.retention_minimum", "tw-trail-logs")] == "FAIL"  # 365 days < 3 years
    assert status[("logging.retention_minimum", "/app/audit")] == "PASS"
    trail_findings = [s for (p, _), s in status.items() if p == "logging.audit_trail_enabled"]
    assert trail_findings and set(trail_findings) == {"PASS"}  # the multi-region trail is logging
    # a Backup plan copying to Tokyo, and an Aurora global database with a Tokyo secondary
    assert status[("residency.replica_location", "tw-vault")] == "FAIL"
    assert status[("residency.replica_location", "tw-local")] == "PASS"
    assert status[("residency.replica_location", "tw-aurora")] == "FAIL"
    assert status[("residency.data_location", "tw-aurora-tokyo")] == "FAIL"
    inv = json.loads((tmp_path / "inv.json").read_text())
    src = inv["sources"][0]
    assert src["connector"] == "aws" and src["api_calls"] > 0 and src["details"]["endpoint_url"] == moto_server


@pytest.mark.slow
def test_scan_aws_with_a_selection_reads_only_what_it_needs(moto_server, tmp_path):
    """--area mfa: IAM only (no S3, KMS, regional services), and only mfa findings, with no
    coverage gap about what was not read; a bad --area stops before any API call."""
    out = tmp_path / "out"
    run = _cloudgov("scan", "aws", "--endpoint-url", moto_server, "--regions", REGIONS, "--area", "mfa", "--format", "json",
                    "--output-dir", str(out), "--save-inventory", str(tmp_path / "inv.json"), env=_env())
    assert run.returncode == 1, run.stderr
    doc = json.loads((out / "findings.json").read_text())
    assert {f["policy"].split(".")[0] for f in doc["findings"]} == {"mfa"}
    status = {(f["policy"], f["resource"]["name"]): f["status"] for f in doc["findings"]}
    assert status[("mfa.privileged_users", "alice")] == "FAIL"
    inv = json.loads((tmp_path / "inv.json").read_text())
    src = inv["sources"][0]
    assert set(src["calls_by_api"]) <= {"sts", "ec2", "iam"}, src["calls_by_api"]
    assert "s3" in src["details"]["not_collected"] and not inv.get("coverage_gaps")
    bad = _cloudgov("scan", "aws", "--endpoint-url", moto_server, "--regions", REGIONS, "--area", "mfaa", env=_env())
    assert bad.returncode == 2 and "no such area" in bad.stderr and "API calls" not in bad.stderr


@pytest.mark.slow
def test_denied_service_gives_error_findings_not_passes(moto_server, tmp_path):
    """The CLI path with AccessDenied comes from the collector's gap; evaluate it here."""
    from scanner.config import load_config
    from scanner.connectors.aws.collect import ScanRequest, collect
    from scanner.engine import evaluate
    from policies.registry import load_policies

    from .conftest import deny

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    inv = collect(ScanRequest(regions=["ap-east-2"], endpoint_url=moto_server), session=session, instrument=deny("logs"))
    result = evaluate(inv, load_policies(), load_config(None), None, source="test")
    retention = [f for f in result.findings if f.policy == "logging.retention_minimum"]
    assert any(f.status.value == "ERROR" for f in retention)
    assert not any(f.status.value == "PASS" and "/app/audit" in f.resource.id for f in retention)


def _moto_auth(url: str, free_actions: str) -> None:
    """moto checks credentials like AWS once ``free_actions`` unauthenticated calls are spent."""
    req = urllib.request.Request(f"{url}/moto-api/reset-auth", data=free_actions.encode(), method="POST",
                                 headers={"Content-Type": "text/plain"})  # a form body would be parsed away
    urllib.request.urlopen(req, timeout=10).close()


@pytest.mark.slow
def test_rejected_credentials_exit_2_with_one_sentence(moto_server):
    _moto_auth(moto_server, "0")
    try:
        run = _cloudgov("scan", "aws", "--endpoint-url", moto_server, "--regions", "ap-east-2", env=_env())
    finally:
        _moto_auth(moto_server, "inf")
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "AWS rejected the credentials" in run.stderr


def test_bad_regions_option_exit_2():
    run = _cloudgov("scan", "aws", "--regions", "taipei", env=_env())
    assert run.returncode == 2 and "not an AWS region name" in run.stderr
