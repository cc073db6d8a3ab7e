"""Benchmark: seed a local moto server with an account of ~N resources over several
regions, then time `cloudgov scan aws` against it (wall time, peak memory, API calls).

    .venv/bin/python benchmarks/aws/run.py --resources 100 1000

Only 127.0.0.1 is contacted. Results go to stdout as a Markdown table row per size.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ["ap-east-2", "ap-northeast-1", "ap-southeast-1"]
ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "*"}]})


def env() -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
             AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", MOTO_EC2_LOAD_DEFAULT_AMIS="false")
    return e


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env=env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    raise SystemExit("moto server did not start")


def seed(url: str, total: int) -> dict[str, int]:
    """Mix (per 100): 20 users, 2 groups, 15 buckets, 15 log groups, 15 volumes, 10
    snapshots, 8 tables, 5 queues, 5 topics, 3 keys, 2 trails (plus their buckets)."""
    s = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    c = lambda svc, region="us-east-1": s.client(svc, region_name=region, endpoint_url=url)  # noqa: E731
    f = total / 100
    counts = {k: max(1, round(v * f)) for k, v in dict(users=20, groups=2, buckets=15, log_groups=15, volumes=15,
                                                      snapshots=10, tables=8, queues=5, topics=5, keys=3, trails=1).items()}
    iam = c("iam")
    admin = iam.create_policy(PolicyName="local-admin", PolicyDocument=ADMIN)["Policy"]["Arn"]
    read = iam.create_policy(PolicyName="local-read", PolicyDocument=READ)["Policy"]["Arn"]
    for g in range(counts["groups"]):
        iam.create_group(GroupName=f"g{g}")
        iam.attach_group_policy(GroupName=f"g{g}", PolicyArn=admin if g == 0 else read)
    for u in range(counts["users"]):
        iam.create_user(UserName=f"u{u}")
        iam.add_user_to_group(GroupName=f"g{u % counts['groups']}", UserName=f"u{u}")
    keys = {}
    for i in range(counts["keys"]):
        region = REGIONS[i % len(REGIONS)]
        keys[region] = c("kms", region).create_key()["KeyMetadata"]["Arn"]
    for i in range(counts["buckets"]):
        region = REGIONS[i % len(REGIONS)]
        name = f"bench-bucket-{i}"
        c("s3", region).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        enc = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": keys[region]} if i % 3 == 0 and region in keys else {"SSEAlgorithm": "AES256"}
        c("s3", region).put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": enc}]})
    for i in range(counts["trails"]):
        region = REGIONS[i % len(REGIONS)]
        c("s3", region).create_bucket(Bucket=f"bench-trail-{i}", CreateBucketConfiguration={"LocationConstraint": region})
        c("cloudtrail", region).create_trail(Name=f"trail-{i}", S3BucketName=f"bench-trail-{i}", IsMultiRegionTrail=True)
    for i in range(counts["log_groups"]):
        c("logs", REGIONS[i % len(REGIONS)]).create_log_group(logGroupName=f"/bench/{i}", tags={"cloudgov:log-class": "audit"})
    vols = []
    for i in range(counts["volumes"]):
        region = REGIONS[i % len(REGIONS)]
        vols.append((region, c("ec2", region).create_volume(AvailabilityZone=f"{region}a", Size=1, Encrypted=i % 2 == 0)["VolumeId"]))
    for i in range(counts["snapshots"]):
        region, vol = vols[i % len(vols)]
        c("ec2", region).create_snapshot(VolumeId=vol)
    for i in range(counts["tables"]):
        c("dynamodb", REGIONS[i % len(REGIONS)]).create_table(
            TableName=f"table-{i}", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    for i in range(counts["queues"]):
        c("sqs", REGIONS[i % len(REGIONS)]).create_queue(QueueName=f"q{i}")
    for i in range(counts["topics"]):
        c("sns", REGIONS[i % len(REGIONS)]).create_topic(Name=f"topic{i}")
    return counts


def run_scan(url: str, out: Path) -> dict[str, float]:
    inv = out / "inv.json"
    t0 = time.monotonic()
    rss = out / "maxrss"
    wrapper = ("import atexit, resource, runpy, sys; "
               f"atexit.register(lambda: open({str(rss)!r}, 'w').write(str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))); "
               "sys.argv = ['cloudgov'] + sys.argv[1:]; runpy.run_module('scanner', run_name='__main__')")
    proc = subprocess.run([sys.executable, "-c", wrapper, "scan", "aws", "--endpoint-url", url, "--regions", ",".join(REGIONS),
                           "--format", "json", "--output-dir", str(out), "--save-inventory", str(inv), "--quiet"],
                          cwd=ROOT, env=env(), capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode not in (0, 1):
        raise SystemExit(proc.stderr)
    peak_kib = int(rss.read_text())  # the scan process alone, not the emulator
    src = json.loads(inv.read_text())["sources"][0]
    return {"wall_s": wall, "collect_s": src["seconds"], "peak_mib": peak_kib / 1024, "api_calls": src["api_calls"],
            "http_requests": src["http_requests"], "resources": src["resources"], "by_service": src["api_calls_by_service"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, nargs="+", default=[100, 1000])
    args = ap.parse_args()
    print("| target | resources in inventory | wall s | collection s | peak MiB | API calls | HTTP requests | calls/resource |")
    print("|---|---|---|---|---|---|---|---|")
    for n in args.resources:
        proc, url = start_server()
        try:
            seed(url, n)
            with tempfile.TemporaryDirectory() as d:
                r = run_scan(url, Path(d))
        finally:
            proc.terminate()
            proc.wait(10)
        print(f"| ~{n} | {r['resources']} | {r['wall_s']:.1f} | {r['collect_s']:.1f} | {r['peak_mib']:.0f} | {r['api_calls']} | "
              f"{r['http_requests']} | {r['api_calls'] / max(1, r['resources']):.2f} |")
        print(f"<!-- {n}: {json.dumps(r['by_service'])} -->")


if __name__ == "__main__":
    main()
