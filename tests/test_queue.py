"""Distributed scans (scanner.queue): one shard per account on a real Celery worker with the
real Redis at 127.0.0.1:6379 and moto's server for the AWS shards — the same findings as the
in-process scan, through one merge and one pipeline.run. Without Redis the Redis tests skip
and the in-process path and the sharding are still tested."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest

from scanner.errors import InputError, UsageError
from scanner.queue import collect, merge_shards, redact, request_from_dict, request_to_dict, shards
from tests.connectors.aws.seed import seed
from tests.connectors.aws.test_cli_e2e import _env, _start_server

ROOT = Path(__file__).resolve().parents[1]
REDIS = os.environ.get("CLOUDGOV_TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
MEMBER = "222222222222"
CALLER = "123456789012"  # moto's default account


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


needs_redis = pytest.mark.skipif(not _redis_up(), reason="no Redis at 127.0.0.1:6379")


# --- sharding (no broker) -------------------------------------------------------------------


def test_a_request_becomes_one_shard_per_account_subscription_and_scope():
    from scanner.connectors.aws.collect import ScanRequest as Aws
    from scanner.connectors.azure.scan import ScanRequest as Azure
    from scanner.connectors.gcp.scan import ScanRequest as Gcp

    aws = shards("aws", Aws(accounts=["111111111111", "222222222222", "111111111111"], role_name="Audit",
                             regions=["ap-east-2"]))
    assert [s.accounts for s in aws] == [["111111111111"], ["222222222222"]]
    assert all(s.role_name == "Audit" and s.regions == ["ap-east-2"] for s in aws)
    azure = shards("azure", Azure(tenant="contoso.onmicrosoft.com", subscriptions=("s1", "s2")))
    assert [s.subscriptions for s in azure] == [("s1",), ("s2",)] and azure[0].tenant == "contoso.onmicrosoft.com"
    gcp = shards("gcp", Gcp.parse(["projects/tw-broker-prod", "folders/123456"], workers=2))
    assert [s.scopes for s in gcp] == [("projects/tw-broker-prod",), ("folders/123456",)]


def test_what_cannot_be_sharded_is_one_sentence():
    from scanner.connectors.aws.collect import ScanRequest as Aws
    from scanner.connectors.azure.scan import ScanRequest as Azure

    with pytest.raises(UsageError, match="--accounts"):
        shards("aws", Aws())
    with pytest.raises(UsageError, match="--organization"):
        shards("aws", Aws(organization=True))
    with pytest.raises(UsageError, match="--subscriptions"):
        shards("azure", Azure())


def test_a_shard_request_travels_as_json_and_comes_back_the_same():
    from scanner.connectors.aws.collect import ScanRequest as Aws
    from scanner.connectors.azure.scan import ScanRequest as Azure
    from scanner.connectors.gcp.scan import ScanRequest as Gcp

    for connector, req in (("azure", Azure(tenant="t", subscriptions=("s1",), max_workers=3)),
                           ("gcp", Gcp.parse(["projects/tw-broker-prod"], read_groups=True)),
                           # the policy selection's collection units reach the worker as a tuple
                           ("aws", Aws(accounts=["111111111111"], units=("iam", "kms", "tags")))):
        data = json.loads(json.dumps(request_to_dict(req)))
        assert request_from_dict(connector, data) == req
    with pytest.raises(InputError, match="unknown request field"):
        request_from_dict("gcp", {"scopes": ["projects/tw-broker-prod"], "colour": "blue"})


def test_bad_queue_urls_are_refused_before_anything_runs():
    from scanner.connectors.aws.collect import ScanRequest as Aws

    for url in ("amqp://broker", "redis://", "not a url", "redis://h:port/0"):
        with pytest.raises(UsageError, match="--queue"):
            collect("aws", Aws(accounts=[CALLER]), queue=url)
    assert redact("redis://user:s3cret@h:6380/1") == "redis://user:***@h:6380/1"
    assert "s3cret" not in redact("rediss://:s3cret@h/0")


def test_shards_merge_into_one_source():
    from scanner.inventory import Inventory
    from scanner.model import Resource
    from scanner.source import Source

    def shard(account: str, calls: int) -> Inventory:
        inv = Inventory(sources=[Source("aws", "live", accounts=(account,), regions=("ap-east-2",), api_calls=calls,
                                        calls_by_api={"s3": calls}, details={"http_requests": calls})])
        inv.add(Resource("aws", account, "ap-east-2", "storage.bucket", "AWS::S3::Bucket", f"arn:aws:s3:::{account}",
                         account))
        return inv

    inv = merge_shards("aws", [shard("111111111111", 3), shard("222222222222", 4)], seconds=1.5,
                       details={"shards": 2})
    (src,) = inv.sources
    assert src.accounts == ("111111111111", "222222222222") and src.api_calls == 7
    assert src.calls_by_api == {"s3": 7} and src.details["http_requests"] == 7 and src.details["shards"] == 2
    assert len(inv) == 2


# --- a real worker on the real Redis, moto's server for the accounts ------------------------


@pytest.fixture(scope="module")
def moto_two_accounts():
    proc, url = _start_server()
    try:
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        seed(session, ["ap-east-2", "ap-northeast-1"], endpoint_url=url)
        creds = session.client("sts", endpoint_url=url).assume_role(
            RoleArn=f"arn:aws:iam::{MEMBER}:role/CloudgovAudit", RoleSessionName="seed")["Credentials"]
        member = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                               aws_session_token=creds["SessionToken"], region_name="us-east-1")
        member.client("s3", region_name="ap-east-2", endpoint_url=url).create_bucket(
            Bucket="member-bucket", CreateBucketConfiguration={"LocationConstraint": "ap-east-2"})
        yield url
    finally:
        proc.kill()
        proc.wait(10)


def start_worker(env: dict[str, str], *extra: str) -> subprocess.Popen:
    """``cloudgov worker`` in its own process, returned once it is ready."""
    proc = subprocess.Popen([sys.executable, "-m", "scanner", "worker", "--queue", REDIS, "--concurrency", "2",
                             *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    lines = []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if " ready." in line:
            return proc
    proc.kill()
    pytest.fail("the worker did not start:\n" + "".join(lines[-30:]))


def stop_worker(proc: subprocess.Popen) -> None:
    proc.terminate()  # warm shutdown: the running tasks finish
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


@pytest.fixture
def queue_env():
    """The environment of a worker and its callers: our own queue name on the shared Redis."""
    return _env(CLOUDGOV_QUEUE_NAME=f"cloudgov-test-{uuid.uuid4().hex[:8]}")


def _scan(env: dict[str, str], url: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scanner", "scan", "aws", "--accounts", f"{CALLER},{MEMBER}", "--role-name",
         "CloudgovAudit", "--endpoint-url", url, "--regions", "ap-east-2,ap-northeast-1", "--format", "json",
         "--output-dir", str(out), "--save-inventory", str(out / "inventory.json"), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _verdicts(out: Path) -> list[tuple[str, str, str]]:
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return sorted((f["policy"], f["resource"]["id"], f["status"]) for f in doc["findings"])


@needs_redis
@pytest.mark.slow
def test_a_distributed_scan_finds_what_the_in_process_scan_finds(moto_two_accounts, queue_env, tmp_path):
    local = _scan(queue_env, moto_two_accounts, tmp_path / "local")
    assert local.returncode == 1, local.stderr  # the seeded accounts have high-severity failures
    worker = start_worker(queue_env)
    try:
        queued = _scan(queue_env, moto_two_accounts, tmp_path / "queued", "--queue", REDIS)
    finally:
        stop_worker(worker)
    logged = worker.stdout.read() if worker.stdout else ""
    assert queued.returncode == local.returncode, queued.stderr
    assert _verdicts(tmp_path / "queued") == _verdicts(tmp_path / "local")
    assert "2 account(s)" in queued.stderr
    inv = json.loads((tmp_path / "queued" / "inventory.json").read_text(encoding="utf-8"))
    (src,) = inv["sources"]
    assert src["accounts"] == [CALLER, MEMBER] and src["details"]["shards"] == 2 and src["api_calls"] > 0
    assert any(r["id"] == "arn:aws:s3:::member-bucket" and r["account"] == MEMBER for r in inv["resources"])
    # the worker ran one shard per account, and the shard store was emptied
    assert logged.count("cloudgov.collect_shard[") >= 2
    import redis

    assert not redis.Redis.from_url(REDIS).keys("cloudgov:shard:*")


def test_without_a_broker_the_same_scan_runs_in_process(moto_two_accounts, monkeypatch):
    from scanner.connectors.aws.collect import ScanRequest

    for k, v in _env().items():
        if k.startswith("AWS_"):
            monkeypatch.setenv(k, v)
    inv = collect("aws", ScanRequest(accounts=[CALLER, MEMBER], role_name="CloudgovAudit", regions=["ap-east-2"],
                                     endpoint_url=moto_two_accounts))
    (src,) = inv.sources
    assert src.accounts == (CALLER, MEMBER) and "shards" not in src.details
    assert inv.get("arn:aws:s3:::member-bucket").account == MEMBER


@needs_redis
def test_no_worker_listening_is_one_sentence_after_the_wait(moto_two_accounts, queue_env, tmp_path):
    queue_env["CLOUDGOV_QUEUE_TIMEOUT"] = "3"
    run = _scan(queue_env, moto_two_accounts, tmp_path / "none", "--queue", REDIS)
    assert run.returncode == 2, run.stderr
    assert "no answer from the queue's workers within 3 s" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "none" / "findings.json").exists()
    import redis

    r = redis.Redis.from_url(REDIS)  # the two shards nobody took: our queue only
    r.delete(queue_env["CLOUDGOV_QUEUE_NAME"], *r.keys(f"_kombu.binding.{queue_env['CLOUDGOV_QUEUE_NAME']}*"))


def test_an_unreachable_broker_is_exit_2(tmp_path):
    env = _env()
    port = _free_port()
    run = subprocess.run([sys.executable, "-m", "scanner", "scan", "aws", "--accounts", CALLER, "--queue",
                          f"redis://127.0.0.1:{port}/0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "cannot reach the broker" in run.stderr and "Traceback" not in run.stderr
    run = subprocess.run([sys.executable, "-m", "scanner", "worker", "--queue", f"redis://127.0.0.1:{port}/0"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2 and "cannot reach the broker" in run.stderr
    run = subprocess.run([sys.executable, "-m", "scanner", "worker"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2 and "--queue" in run.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
