"""Generate four quarters of stored scan results of the sample estate (2025-Q4 … 2026-Q3).

Each file is exactly what ``cloudgov scan snapshot … --format json`` writes (schema
``cloudgov.findings/1``), produced by evaluating a modified copy of samples/estate/*.json
in-process with the real engine, policies and samples/waivers.yaml. The story the board
report tells from them (each step is commented below):

* MFA improves: Q4 has two more privileged people without MFA; both fixed by Q1.
* Customer-managed keys improve: twelve more EBS volumes on aws/ebs in Q4, six in Q1,
  two in Q2, then the estate's two in Q3.
* Residency regresses: the orders table gains a Tokyo replica in Q2, and a database
  snapshot copy is left in Singapore in Q3; the approved offshore stores get waivers in Q1.
* Log retention stays short: the security workspace moves from 365 to 730 days in Q2,
  still short of 3 years, so the count of failures does not move.
* Q3 is the first scan that cannot read DynamoDB in Tokyo (AccessDenied): a coverage gap.

Deterministic: the same files every run. Run from the repository root:

    .venv/bin/python samples/history/generate.py
"""

from __future__ import annotations

import dataclasses
import io
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from policies.registry import load_policies  # noqa: E402
from scanner.config import load_config  # noqa: E402
from scanner.engine import evaluate  # noqa: E402
from scanner.inventory import Inventory, load, merge  # noqa: E402
from scanner.model import Resource  # noqa: E402
from scanner.outputs import json_doc  # noqa: E402
from scanner.waivers import parse_waivers  # noqa: E402

import yaml  # noqa: E402

TW = "ap-east-2"
TRADING, DATA = "222222222222", "333333333333"
SUB_PROD = "aaaaaaaa-1111-4aaa-8aaa-000000000001"

#: quarter → when the scan ran (UTC), and which sample waivers were on file then
QUARTERS = {
    "2025-Q4": ("2025-12-15T02:00:00Z", {"W-2025-014"}),
    "2026-Q1": ("2026-03-20T02:00:00Z", {"W-2025-014", "W-2026-001", "W-2026-002", "W-2026-003"}),
    "2026-Q2": ("2026-06-15T02:00:00Z", {"W-2025-014", "W-2026-001", "W-2026-002", "W-2026-003"}),
    "2026-Q3": ("2026-09-15T02:00:00Z", {"W-2025-014", "W-2026-001", "W-2026-002", "W-2026-003"}),
}
ORDER = list(QUARTERS)


def _set(inv: Inventory, rid: str, **props) -> None:
    r = inv.get(rid)
    if r is None:
        raise SystemExit(f"sample estate has no {rid}")
    inv.add(dataclasses.replace(r, properties={**r.properties, **props}))


def _drop(inv: Inventory, rid: str) -> None:
    inv.resources.pop(rid, None)
    inv.relationships = [x for x in inv.relationships if rid not in (x.source, x.target)]
    inv._invalidate()


def _clamp_times(inv: Inventory, now: str) -> None:
    """Nothing was used after the scan ran: move later last-use times to a week before it."""
    import datetime as dt

    at = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))
    week_before = (at - dt.timedelta(days=7)).isoformat().replace("+00:00", "Z")
    for r in list(inv):
        last = r.prop("last_used")
        if isinstance(last, str) and last not in ("never",) and last > now:
            inv.add(dataclasses.replace(r, properties={**r.properties, "last_used": week_before}))


def variant(quarter: str) -> Inventory:
    inv = merge(load(ROOT / "samples" / "estate" / f"{c}.json") for c in ("aws", "azure", "gcp"))
    at, _ = QUARTERS[quarter]
    inv.collected_at = at
    step = ORDER.index(quarter)
    # MFA: two more privileged people without MFA in Q4 (fixed by Q1)
    if step == 0:
        _set(inv, f"arn:aws:iam::{TRADING}:user/alice.chen", mfa=False)
        _set(inv, f"arn:aws:iam::{TRADING}:root", mfa=False)
    # dave.huang was still active before he moved teams (unused only from Q2 on)
    if step <= 1:
        _set(inv, f"arn:aws:iam::{TRADING}:user/dave.huang", last_used=at)
    # CMK: extra EBS volumes on the AWS-managed key, remediated quarter by quarter
    extra = {0: 12, 1: 6, 2: 2, 3: 0}[step]
    for i in range(1, 41):
        if i in (7, 31) or extra <= 0:
            continue
        rid = f"arn:aws:ec2:{TW}:{TRADING}:volume/vol-0a{i:04d}"
        _set(inv, rid, **{"encryption.key_manager": "provider"})
        inv.relationships = [x for x in inv.relationships if not (x.source == rid and x.type == "encrypted_by")]
        extra -= 1
    # residency regressions: Tokyo replica of the orders table from Q2, Singapore snapshot copy in Q3
    if step <= 1:
        _set(inv, f"arn:aws:dynamodb:{TW}:{TRADING}:table/orders", replica_regions=[TW])
    if step <= 2:
        _drop(inv, f"arn:aws:rds:ap-southeast-1:{TRADING}:snapshot:trading-core-dr-copy")
    # logging: the security workspace kept 365 days until Q2
    if step <= 1:
        law = f"/subscriptions/{SUB_PROD}/resourceGroups/rg-sec/providers/Microsoft.OperationalInsights/workspaces/law-fmsa-sec"
        _set(inv, law, retention_days=365)
    # the DynamoDB AccessDenied in Tokyo begins in Q3
    if step <= 2:
        inv.coverage_gaps = []
    _clamp_times(inv, at)
    return inv


def findings_json(quarter: str) -> str:
    at, waiver_ids = QUARTERS[quarter]
    inv = variant(quarter)
    policies = load_policies()
    config = load_config(None)
    doc = yaml.safe_load((ROOT / "samples" / "waivers.yaml").read_text(encoding="utf-8"))
    doc["waivers"] = [w for w in doc["waivers"] if w["id"] in waiver_ids]
    waivers = parse_waivers(doc, policies, source="samples/waivers.yaml")
    result = evaluate(inv, policies, config, waivers, source=f"snapshot:samples/estate/ ({quarter} variant)")
    buf = io.StringIO()
    json_doc.render(result, buf)
    # deterministic output: the file's generation time is the scan time
    return re.sub(r'"generated_at": "[^"]*"', f'"generated_at": "{at}"', buf.getvalue(), count=1)


def main() -> None:
    for quarter in ORDER:
        path = HERE / f"findings-{quarter}.json"
        path.write_text(findings_json(quarter), encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
