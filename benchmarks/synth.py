"""Synthetic estates for benchmarks: a realistic mix of kinds, relationships and a few
violations, generated deterministically (seeded) at any size."""

from __future__ import annotations

import random

from scanner.inventory import Inventory
from scanner.model import Resource

REGIONS = ["ap-east-2"] * 8 + ["ap-northeast-1", "ap-southeast-1"]
# share of each kind in an estate (roughly what a broker's AWS organisation holds)
MIX = [
    ("identity.user", 0.10),
    ("identity.role", 0.08),
    ("kms.key", 0.04),
    ("storage.object", 0.12),
    ("storage.block", 0.25),
    ("database", 0.06),
    ("backup", 0.20),
    ("log.store", 0.12),
    ("messaging.queue", 0.03),
]


def synthetic_estate(n: int, seed: int = 7) -> Inventory:
    rnd = random.Random(seed)
    inv = Inventory(collected_at="2026-11-01T00:00:00Z")
    accounts = [f"{100000000000 + i}" for i in range(max(1, n // 5000))]
    for a in accounts:
        inv.add(Resource("aws", a, "global", "account", "AWS::Organizations::Account", f"arn:aws:organizations::1:account/o-x/{a}", a,
                         properties={"organization_id": "o-x"}))
        inv.add(Resource("aws", a, "ap-east-2", "log.trail", "AWS::CloudTrail::Trail", f"arn:aws:cloudtrail:ap-east-2:{a}:trail/t", "t",
                         properties={"enabled": True, "all_regions": rnd.random() > 0.05, "management_events": True}))
    keys: dict[str, list[str]] = {a: [] for a in accounts}
    groups: dict[str, str] = {}
    for a in accounts:
        gid = f"arn:aws:iam::{a}:group/admins"
        inv.add(Resource("aws", a, "global", "identity.group", "AWS::IAM::Group", gid, "admins",
                         properties={"roles": ["AdministratorAccess"], "actions": ["*"]}))
        groups[a] = gid
    counts = [(kind, int(n * share)) for kind, share in MIX]
    serial = 0
    for kind, count in counts:
        for _ in range(count):
            serial += 1
            a = accounts[serial % len(accounts)]
            region = rnd.choice(REGIONS)
            rid = f"arn:aws:{kind}:{region}:{a}:r-{serial}"
            props: dict = {}
            tags: dict = {}
            if kind == "identity.user":
                region = "global"
                props = {"human": True, "console_access": True, "mfa": rnd.random() > 0.1,
                         "roles": ["ReadOnlyAccess"], "actions": ["s3:Get*"], "access_keys": [],
                         "last_used": "2026-10-01T00:00:00Z"}
            elif kind == "identity.role":
                region = "global"
                props = {"human": False, "roles": ["AdministratorAccess"] if rnd.random() < 0.2 else ["app"],
                         "actions": ["dynamodb:GetItem"], "last_used": "2026-03-01T00:00:00Z"}
            elif kind == "kms.key":
                props = {"key_manager": "customer", "rotation_enabled": rnd.random() > 0.2, "state": "enabled",
                         "policy_public": False}
                keys[a].append(rid)
            else:
                props = {"encryption.enabled": True, "replica_regions": []}
                if kind == "log.store":
                    props["retention_days"] = rnd.choice([30, 365, 1096, 1827])
                    tags = {"cloudgov:log-class": rnd.choice(["audit", "firewall", "personal_data_access"])}
            inv.resources[rid] = Resource("aws", a, region, kind, f"Synthetic::{kind}", rid, f"r-{serial}", tags, props)
            if kind == "identity.user" and rnd.random() < 0.05:
                inv.relate(rid, "member_of", groups[a])
            elif kind not in ("identity.user", "identity.role", "kms.key"):
                if keys[a] and rnd.random() < 0.8:
                    inv.relate(rid, "encrypted_by", rnd.choice(keys[a]))
                else:
                    # no key edge: the connector said provider-managed
                    inv.resources[rid].properties["encryption.key_manager"] = "provider"  # type: ignore[index]
    inv._invalidate()
    return inv
