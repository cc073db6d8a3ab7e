"""Side by side, fairly: `cloudgov scan aws` and Prowler 5.x on the SAME seeded moto account.

    python3.11 -m venv /work/bench/prowler-venv && /work/bench/prowler-venv/bin/pip install 'prowler>=5,<6'
    .venv/bin/python benchmarks/aws/versus_prowler.py --resources 100 1000 --rounds 3 \\
        [--prowler /work/bench/prowler-venv/bin/prowler] [--before DIR] [--keep DIR]

* Isolation: the script re-runs itself under ``unshare -n`` (a new network namespace
  whose only interface is loopback, brought up with ``ip link set lo up``): the emulator
  and both tools talk over 127.0.0.1 and nothing else is reachable (no version checks,
  no metadata service, no stray endpoint).
* One moto server per size (benchmarks/aws/moto_logged.py: moto's own application with a
  request log written by the server, no proxy), seeded by run.py's mix over two regions
  plus six probe resources. Requests are counted in that log, per run (by time window:
  runs are sequential and nothing else talks to the server).
* Each tool runs under GNU ``/usr/bin/time`` (wall = elapsed, peak = maximum resident set
  size), interleaved: A B [C] A B [C] … for ``--rounds`` rounds; figures are the median
  and the range over the rounds. The 1-minute load average is recorded before each run.
* ``--before DIR``: a third tool, cloudgov from another checkout (``PYTHONPATH``) with
  this environment, so a change is measured side by side with what it replaced.

Prowler runs only PROWLER_CHECKS (its checks for the MFA, encryption/CMK, residency and
log-retention areas); cloudgov runs every policy, and (``--selection``) the same four areas,
and the policies nearest those checks, each collecting only what its policies read.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (seed mix, env)

ROOT = run.ROOT
HERE = Path(__file__).resolve().parent
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
#: cloudgov given the same selection as Prowler's check list (``--selection``), beside the
#: all-policies row: the four areas whole, or the policies nearest the 25 checks (the areas
#: without TLS-only, minimum TLS, key policy, HSM, geo-redundancy, offshore, change records,
#: central trail and audit-store policies, which Prowler is not run for here)
SELECTIONS = {
    "areas": ["--area", "mfa,encryption,residency,logging"],
    "checks": ["--policy", "mfa.*,encryption.*_encrypted,encryption.*_cmk,encryption.key_rotation,residency.data_location,"
               "residency.replica_location,logging.retention_minimum,logging.audit_trail_enabled"],
}
PROBES = ["vs-managed-s3", "vs-managed-ddb", "vs-managed-sns", "vs-managed-sqs", "vs-console-readonly", "vs-console-admin"]
TIME = "/usr/bin/time"
INNER = "CLOUDGOV_BENCH_NETNS"


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


class Server:
    """moto with its own request log (moto_logged.py) on a free loopback port."""

    def __init__(self, log: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = log
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, str(HERE / "moto_logged.py"), "--port", str(self.port), "--log", str(log)],
                                     env=run.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("moto server did not start")

    def requests(self, t0: float, t1: float) -> list[tuple[float, str, str]]:
        out = []
        for line in self.log.read_text().splitlines():
            when, service, op, _status = line.split(" ", 3)
            if t0 <= float(when) <= t1:
                out.append((float(when), service, op))
        return out

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def tool_command(name: str, url: str, out: Path, args: argparse.Namespace) -> tuple[list[str], dict[str, str], tuple[int, ...]]:
    e = run.env()
    if name.startswith("cloudgov"):
        if name == "cloudgov-before":
            e["PYTHONPATH"] = str(args.before)
        cmd = [sys.executable, "-m", "scanner", "scan", "aws", "--endpoint-url", url, "--regions", ",".join(REGIONS),
               "--format", "json", "--output-dir", str(out), "--quiet"]
        if name.startswith("cloudgov-") and name != "cloudgov-before":
            cmd += SELECTIONS[name.removeprefix("cloudgov-")]
        return cmd, e, (0, 1)
    e.update(AWS_ENDPOINT_URL=url, HOME=str(out))
    cmd = [str(args.prowler), "aws", "--region", *REGIONS, "--checks", *PROWLER_CHECKS, "-M", "json-ocsf",
           "--output-directory", str(out), "--output-filename", "prowler", "--no-banner", "--no-color"]
    return cmd, e, (0, 3)  # 3 = some check failed


def run_once(name: str, server: Server, work: Path, rnd: int, args: argparse.Namespace) -> dict:
    out = work / f"{name}-{rnd}"
    out.mkdir()
    cmd, env, ok = tool_command(name, server.url, out, args)
    timing = out / "time.txt"
    load = os.getloadavg()[0]
    t0 = time.time()
    with open(out / "log.txt", "w") as log:
        proc = subprocess.run([TIME, "-o", str(timing), "-f", "%e %M %U %S", *cmd], env=env, cwd=out, stdout=log,
                              stderr=subprocess.STDOUT)
    t1 = time.time()
    if proc.returncode not in ok:
        raise SystemExit(f"{name} exited {proc.returncode}: see {out / 'log.txt'}\n" + (out / "log.txt").read_text()[-3000:])
    wall, rss_kib, user, system = timing.read_text().strip().splitlines()[-1].split()
    time.sleep(0.3)  # the last request's log line is written once it is answered
    reqs = server.requests(t0, t1 + 0.3)
    return {"wall_s": float(wall), "peak_mib": int(rss_kib) / 1024, "cpu_s": float(user) + float(system), "load": load,
            "requests": len(reqs), "startup_s": (reqs[0][0] - t0) if reqs else None,
            "by_service": Counter(s for _, s, _ in reqs), "by_op": Counter(f"{s}:{o}" for _, s, o in reqs), "out": out}


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def findings_cloudgov(out: Path) -> list[tuple[str, str, str]]:
    data = json.loads((out / "findings.json").read_text())
    return [(f["policy"], f["status"], f["resource"]["id"]) for f in data["findings"]]


def findings_prowler(out: Path) -> list[tuple[str, str, str]]:
    [path] = glob.glob(str(out / "*.ocsf.json"))
    return [(f["metadata"]["event_code"], f["status_code"], f["resources"][0]["uid"]) for f in json.loads(Path(path).read_text())]


def probe_table(cg: list, pw: list) -> list[str]:
    rows = ["| probe | cloudgov | Prowler |", "|---|---|---|"]
    for probe in PROBES:
        def pick(fs, probe=probe):
            hits = sorted({f"{pid}: {st}" for pid, st, rid in fs if rid.rstrip("/").endswith(probe) or f"/{probe}" in rid
                           or f":{probe}" in rid})
            return "; ".join(hits) or "—"
        rows.append(f"| {probe} | {pick(cg)} | {pick(pw)} |")
    return rows


def one_size(n: int, args: argparse.Namespace, tools: list[str], version: str) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"vs-prowler-{n}-", dir=args.keep))
    server = Server(work / "requests.log")
    try:
        run.REGIONS = REGIONS  # the same mix as run.py, over two regions
        counts = run.seed(server.url, n)
        seed_probes(server.url)
        runs: dict[str, list[dict]] = {t: [] for t in tools}
        for rnd in range(args.rounds):
            for tool in tools:
                r = run_once(tool, server, work, rnd, args)
                runs[tool].append(r)
                print(f"<!-- ~{n} round {rnd + 1} {tool}: {r['wall_s']:.1f} s, {r['peak_mib']:.0f} MiB, "
                      f"{r['requests']} requests, load {r['load']:.1f} -->", flush=True)
    finally:
        server.stop()
    nb, nu = counts["buckets"] + counts["trails"] + 1, counts["users"] + 2
    cg_doc = json.loads((runs["cloudgov"][-1]["out"] / "findings.json").read_text())
    loads = [r["load"] for rs in runs.values() for r in rs]
    print(f"\n## ~{n} resources ({cg_doc['summary']['resources']} in cloudgov's inventory; {nb} buckets, {nu} users); "
          f"{args.rounds} rounds interleaved ({' '.join(tools)}); load average {min(loads):.1f}–{max(loads):.1f} "
          f"on {os.cpu_count()} CPUs\n")
    print("| tool | wall s | CPU s (user+sys) | first request after s | peak MiB | requests (server log) | S3 req/bucket | IAM req/user |")
    print("|---|---|---|---|---|---|---|---|")
    for tool in tools:
        rs = runs[tool]
        label = version if tool == "prowler" else tool
        print(f"| {label} | {spread([r['wall_s'] for r in rs])} | {spread([r['cpu_s'] for r in rs])} | "
              f"{spread([r['startup_s'] or 0 for r in rs])} | {spread([r['peak_mib'] for r in rs], '{:.0f}')} | "
              f"{spread([r['requests'] for r in rs], '{:.0f}')} | "
              f"{statistics.median(r['by_service']['s3'] for r in rs) / nb:.1f} | "
              f"{statistics.median(r['by_service']['iam'] for r in rs) / nu:.2f} |")
    if "prowler" in runs:
        pw = runs["prowler"]
        for tool in (t for t in tools if t != "prowler"):
            rs = runs[tool]
            per_round = [a["wall_s"] / b["wall_s"] for a, b in zip(rs, pw, strict=True)]
            print(f"\n{tool}/Prowler: wall {statistics.median(r['wall_s'] for r in rs) / statistics.median(r['wall_s'] for r in pw):.3f}× "
                  f"(per round {min(per_round):.3f}–{max(per_round):.3f}), CPU "
                  f"{statistics.median(r['cpu_s'] for r in rs) / statistics.median(r['cpu_s'] for r in pw):.3f}×, requests "
                  f"{statistics.median(r['requests'] for r in rs) / statistics.median(r['requests'] for r in pw):.2f}×, "
                  f"peak memory {statistics.median(r['peak_mib'] for r in rs) / statistics.median(r['peak_mib'] for r in pw):.2f}×")
    for tool in tools:
        last = runs[tool][-1]
        print(f"<!-- {tool} by service: {json.dumps(dict(last['by_service'].most_common()))} -->")
        print(f"<!-- {tool} top operations: {', '.join(f'{k}={v}' for k, v in last['by_op'].most_common(12))} -->")
    if "prowler" in runs:
        fc, fp = findings_cloudgov(runs["cloudgov"][-1]["out"]), findings_prowler(runs["prowler"][-1]["out"])
        print(f"\nfindings: cloudgov {dict(Counter(st for _, st, _ in fc))}, Prowler {dict(Counter(st for _, st, _ in fp))}\n")
        print("\n".join(probe_table(fc, fp)) + "\n")
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resources", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--prowler", type=Path, default=Path("/work/bench/prowler-venv/bin/prowler"))
    ap.add_argument("--no-prowler", action="store_true", help="cloudgov only (and --before)")
    ap.add_argument("--before", type=Path, help="also run cloudgov from this checkout (PYTHONPATH)")
    ap.add_argument("--keep", type=Path, help="keep every run's outputs, logs and the server's request log here")
    ap.add_argument("--selection", nargs="*", choices=sorted(SELECTIONS), default=["areas", "checks"],
                    help="also run cloudgov with these policy selections (collecting only what they need); "
                         "none: the all-policies row only")
    args = ap.parse_args()
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} not found: install GNU time (apt-get install time)")
    if os.environ.get(INNER) != "1":
        # a network namespace of our own: loopback only
        script = 'ip link set lo up && exec "$@"'
        cmd = ["unshare", "--net", "--", "sh", "-c", script, "sh", sys.executable, *sys.argv]
        raise SystemExit(subprocess.run(cmd, env={**os.environ, INNER: "1"}).returncode)
    tools = (["cloudgov"] + [f"cloudgov-{s}" for s in args.selection] + (["cloudgov-before"] if args.before else [])
             + ([] if args.no_prowler else ["prowler"]))
    version = "Prowler"
    if "prowler" in tools:
        if not args.prowler.exists():
            raise SystemExit(f"{args.prowler} not found: install Prowler into its own virtualenv first (see README)")
        version = subprocess.run([str(args.prowler), "--version"], capture_output=True, text=True).stdout.strip() or "Prowler"
    print(f"{version}; regions {', '.join(REGIONS)}; {len(PROWLER_CHECKS)} Prowler checks; "
          f"network namespace with loopback only; {args.rounds} rounds\n")
    for n in args.resources:
        one_size(n, args, tools, version)


if __name__ == "__main__":
    main()
