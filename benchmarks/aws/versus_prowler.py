"""Side by side: `cloudgov scan aws` and Prowler 5.x on the SAME seeded moto account.

    python3.11 -m venv .venv-prowler && .venv-prowler/bin/pip install 'prowler>=5,<6'
    .venv/bin/python benchmarks/aws/versus_prowler.py --resources 100 1000

One moto server per size, seeded by run.py's mix over two regions plus a few probe
resources (AWS-managed keys, console users with and without admin rights). Both tools
go through one counting reverse proxy on 127.0.0.1 (proxy.py), so "requests" are HTTP
requests on the wire for both. Wall time is the whole process from exec to exit
(start-up included), "start-up" the time until its first request reached the emulator,
peak RSS the process's own `ru_maxrss` (os.wait4). cloudgov runs first, then Prowler,
against the same server. Prowler runs only PROWLER_CHECKS (its checks for the MFA,
encryption/CMK, residency and log-retention areas). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (seed mix, moto server, env)
from proxy import CountingProxy  # noqa: E402

ROOT = run.ROOT
REGIONS = ["ap-east-2", "ap-northeast-1"]
PROWLER_CHECKS = [
    # MFA
    "iam_root_mfa_enabled", "iam_root_hardware_mfa_enabled", "iam_user_mfa_enabled_console_access",
    "iam_user_hardware_mfa_enabled", "iam_administrator_access_with_mfa",
    # encryption / customer-managed keys
    "s3_bucket_default_encryption", "s3_bucket_kms_encryption", "cloudwatch_log_group_kms_encryption_enabled",
    "ec2_ebs_volume_encryption", "ec2_ebs_snapshots_encrypted", "ec2_ebs_default_encryption",
    "dynamodb_tables_kms_cmk_encryption_enabled", "sns_topics_kms_encryption_at_rest_enabled",
    "sqs_queues_server_side_encryption_enabled", "kms_cmk_rotation_enabled", "cloudtrail_kms_encryption_enabled",
    "rds_instance_storage_encrypted", "rds_snapshots_encrypted", "backup_vaults_encrypted",
    # residency (Prowler has no data-location check; these are the nearest)
    "organizations_scp_check_deny_regions", "s3_bucket_cross_region_replication",
    # audit logging / retention
    "cloudwatch_log_group_retention_policy_specific_days_enabled", "cloudtrail_multi_region_enabled",
    "cloudtrail_multi_region_enabled_logging_management_events", "s3_bucket_lifecycle_enabled",
]
PROBES = ["vs-managed-s3", "vs-managed-ddb", "vs-managed-sns", "vs-managed-sqs", "vs-console-readonly", "vs-console-admin"]


def seed_probes(url: str) -> None:
    """Resources whose findings are compared by name: one of each kind encrypted with an
    AWS-managed key, and two console users without MFA (read-only, admin)."""
    s = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    r = REGIONS[0]
    c = lambda svc: s.client(svc, region_name=r, endpoint_url=url)  # noqa: E731
    c("s3").create_bucket(Bucket="vs-managed-s3", CreateBucketConfiguration={"LocationConstraint": r})
    c("s3").put_bucket_encryption(Bucket="vs-managed-s3", ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]})
    c("dynamodb").create_table(TableName="vs-managed-ddb", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                               AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                               BillingMode="PAY_PER_REQUEST", SSESpecification={"Enabled": True, "SSEType": "KMS"})
    c("sns").create_topic(Name="vs-managed-sns", Attributes={"KmsMasterKeyId": "alias/aws/sns"})
    c("sqs").create_queue(QueueName="vs-managed-sqs", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
    iam = c("iam")
    arns = {p["PolicyName"]: p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]}
    for user, policy in (("vs-console-readonly", "local-read"), ("vs-console-admin", "local-admin")):
        iam.create_user(UserName=user)
        iam.create_login_profile(UserName=user, Password="Bench-Passw0rd!")
        iam.attach_user_policy(UserName=user, PolicyArn=arns[policy])


def measured(cmd: list[str], env: dict, cwd: Path, log: Path) -> tuple[float, float, int]:
    """(wall s, peak RSS MiB, exit code) of one process, start-up included."""
    with open(log, "w") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode


def run_tool(name: str, proxy: CountingProxy, work: Path, prowler: Path) -> dict:
    out = work / name
    out.mkdir()
    e = run.env()
    if name == "cloudgov":
        cmd = [str(ROOT / ".venv/bin/cloudgov"), "scan", "aws", "--endpoint-url", proxy.url, "--regions", ",".join(REGIONS),
               "--format", "json", "--output-dir", str(out), "--save-inventory", str(out / "inv.json"), "--quiet"]
        ok = (0, 1)
    else:
        e.update(AWS_ENDPOINT_URL=proxy.url, HOME=str(out))
        cmd = [str(prowler), "aws", "--region", *REGIONS, "--checks", *PROWLER_CHECKS, "-M", "json-ocsf",
               "--output-directory", str(out), "--output-filename", "prowler", "--no-banner", "--no-color"]
        ok = (0, 3)  # 3 = some check failed
    proxy.label = name
    proxy.first[name] = None
    load = os.getloadavg()[0]
    t0 = time.monotonic()
    wall, rss, code = measured(cmd, e, out, work / f"{name}.log")
    if code not in ok:
        raise SystemExit(f"{name} exited {code}: see {work / (name + '.log')}\n" + (work / f"{name}.log").read_text()[-3000:])
    calls = proxy.by_label(name)
    first, last = proxy.first.get(name), proxy.last.get(name)
    return {"wall_s": wall, "startup_s": (first - t0) if first else None, "active_s": (last - first) if first else None,
            "peak_mib": rss, "load": load, "requests": sum(calls.values()), "calls": calls, "out": out}


def per_entity(calls: Counter, service: str) -> int:
    return sum(n for (s, _), n in calls.items() if s == service)


def findings_cloudgov(out: Path) -> list[tuple[str, str, str]]:
    data = json.loads((out / "findings.json").read_text())
    rows = data["findings"] if isinstance(data, dict) else data
    return [(f["policy"], f["status"], f["resource"]["id"]) for f in rows]


def findings_prowler(out: Path) -> list[tuple[str, str, str]]:
    [path] = glob.glob(str(out / "*.ocsf.json"))
    return [(f["metadata"]["event_code"], f["status_code"], f["resources"][0]["uid"]) for f in json.loads(Path(path).read_text())]


def probe_table(cg: list, pw: list) -> list[str]:
    rows = ["| probe | cloudgov | Prowler |", "|---|---|---|"]
    for probe in PROBES:
        def pick(fs):
            hits = sorted({f"{pid}: {st}" for pid, st, rid in fs if rid.rstrip("/").endswith(probe) or f"/{probe}" in rid
                           or f":{probe}" in rid})
            return "; ".join(hits) or "—"
        rows.append(f"| {probe} | {pick(cg)} | {pick(pw)} |")
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--prowler", type=Path, default=ROOT / ".venv-prowler/bin/prowler")
    ap.add_argument("--keep", type=Path, help="keep both tools' outputs and logs here")
    args = ap.parse_args()
    if not args.prowler.exists():
        raise SystemExit(f"{args.prowler} not found: install Prowler into its own virtualenv first (see README)")
    version = subprocess.run([str(args.prowler), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}; regions {', '.join(REGIONS)}; {len(PROWLER_CHECKS)} Prowler checks\n")
    run.REGIONS = REGIONS  # the same mix as run.py, over two regions
    results = {}
    for n in args.resources:
        server, url = run.start_server()
        work = Path(tempfile.mkdtemp(prefix=f"vs-prowler-{n}-", dir=args.keep))
        try:
            counts = run.seed(url, n)
            seed_probes(url)
            with CountingProxy(url) as proxy:
                results[n] = {name: run_tool(name, proxy, work, args.prowler) for name in ("cloudgov", "prowler")}
            results[n]["counts"] = counts
        finally:
            server.terminate()
            server.wait(10)
        cg, pw = results[n]["cloudgov"], results[n]["prowler"]
        inv = json.loads((cg["out"] / "inv.json").read_text())["sources"][0]
        print(f"## ~{n} resources ({inv['resources']} in cloudgov's inventory; {counts['buckets'] + counts['trails'] + 1} "
              f"buckets, {counts['users'] + 2} users)\n")
        print("| tool | wall s | start-up s | active s | peak MiB | HTTP requests | S3 req/bucket | IAM req/user | load avg |")
        print("|---|---|---|---|---|---|---|---|---|")
        nb, nu = counts["buckets"] + counts["trails"] + 1, counts["users"] + 2
        for name, r in (("cloudgov", cg), (version, pw)):
            print(f"| {name} | {r['wall_s']:.1f} | {r['startup_s']:.1f} | {r['active_s']:.1f} | {r['peak_mib']:.0f} | "
                  f"{r['requests']} | {per_entity(r['calls'], 's3') / nb:.1f} | {per_entity(r['calls'], 'iam') / nu:.1f} | "
                  f"{r['load']:.1f}/{os.cpu_count()} |")
        print(f"\nratio cloudgov/Prowler: requests {cg['requests'] / pw['requests']:.2f}, wall {cg['wall_s'] / pw['wall_s']:.2f}, "
              f"memory {cg['peak_mib'] / pw['peak_mib']:.2f}\n")
        for name, r in (("cloudgov", cg), ("prowler", pw)):
            by_svc = defaultdict(int)
            for (s, _), k in r["calls"].items():
                by_svc[s] += k
            print(f"<!-- {name} by service: {json.dumps(dict(sorted(by_svc.items(), key=lambda x: -x[1])))} -->")
            top = ", ".join(f"{s}:{o}={k}" for (s, o), k in r["calls"].most_common(12))
            print(f"<!-- {name} top operations: {top} -->")
        fc, fp = findings_cloudgov(cg["out"]), findings_prowler(pw["out"])
        print(f"\nfindings: cloudgov {dict(Counter(st for _, st, _ in fc))}, Prowler {dict(Counter(st for _, st, _ in fp))}\n")
        loc = Counter(st for pid, st, _ in fc if pid == "residency.data_location")
        print(f"cloudgov residency.data_location: {dict(loc)} (the {REGIONS[1]} resources are outside the default "
              "jurisdiction); Prowler has no data-location check\n")
        print("\n".join(probe_table(fc, fp)) + "\n")


if __name__ == "__main__":
    main()
