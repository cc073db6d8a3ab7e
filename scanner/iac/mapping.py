"""checkov as a second opinion: its verdicts are evidence beside OUR evaluation, never a PASS.

Every finding comes from our policies judging the resource as our evaluator read it
(:mod:`scanner.iac.tfload`). Each checkov check that tests what one of our policies tests
is mapped here (:data:`BUILTIN`, our own checks in ``checks/checks.toml``); its verdicts
are kept in the resource's ``raw["checkov"]``. Only a FAILED built-in verdict may fill a
property our evaluation left unknown, and only with a value that fails our policy too
(``on_fail``: a provider-managed key, rotation off, a public key policy): so a checkov
result can turn our ERROR into FAIL, never anything into PASS. When checkov and we judge
the same resource differently, our finding stands and says so in its evidence
(:func:`second_opinion`).

Checks that push data out of the country (cross-region replication, geo-redundant
backups) are never requested under the Taiwan profile: in-country residency (ETG 8.6.3)
takes precedence, and ``residency.*`` reports such copies instead.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from scanner.iac.checkov import CHECKS_DIR, CheckovRun
from scanner.inventory import Inventory

__all__ = [
    "BuiltinMap", "BUILTIN", "SUPPRESSED_TAIWAN", "custom_checks", "requested_checks", "apply_checkov", "second_opinion",
]


@dataclass(frozen=True)
class BuiltinMap:
    policy: str
    on_pass: dict[str, Any] = field(default_factory=dict)  # what a PASSED verdict claims (evidence only)
    on_fail: dict[str, Any] = field(default_factory=dict)  # what a FAILED verdict proves (fills unknowns)


_CMK = {"encryption.enabled": True, "encryption.key_manager": "customer"}
_PROVIDER = {"encryption.enabled": True, "encryption.key_manager": "provider"}

#: checkov built-in check → our policy, and what its verdict proves.
BUILTIN: dict[str, BuiltinMap] = {
    # S3: passes on aws:kms with the AWS-managed key too, so only a failure proves anything
    "CKV_AWS_145": BuiltinMap("encryption.object_storage_cmk", on_fail=_PROVIDER),
    "CKV_AWS_158": BuiltinMap("encryption.log_store_cmk", on_pass=_CMK, on_fail=_PROVIDER),
    "CKV_AWS_189": BuiltinMap("encryption.block_storage_cmk", on_pass=_CMK),
    "CKV_AWS_327": BuiltinMap("encryption.database_cmk", on_pass=_CMK),
    "CKV_AWS_119": BuiltinMap("encryption.database_cmk", on_pass=_CMK, on_fail=_PROVIDER),
    "CKV_AWS_166": BuiltinMap("encryption.backup_cmk", on_pass=_CMK),
    "CKV_AWS_7": BuiltinMap("encryption.key_rotation", on_pass={"rotation_enabled": True}, on_fail={"rotation_enabled": False}),
    "CKV_AWS_33": BuiltinMap("encryption.key_policy_public", on_fail={"policy_public": True}),
    # 365 days is below our 3- and 5-year classes: evidence only, our predicate decides
    "CKV_AWS_338": BuiltinMap("logging.retention_minimum"),
    "CKV_AZURE_93": BuiltinMap("encryption.block_storage_cmk", on_pass=_CMK, on_fail=_PROVIDER),
    "CKV2_AZURE_1": BuiltinMap("encryption.object_storage_cmk", on_pass=_CMK, on_fail=_PROVIDER),
    "CKV_GCP_81": BuiltinMap("encryption.database_cmk", on_pass=_CMK, on_fail=_PROVIDER),
    "CKV_GCP_83": BuiltinMap("encryption.messaging_cmk", on_pass=_CMK, on_fail=_PROVIDER),
}

#: Built-in checks that recommend copies outside the country; not run under the Taiwan profile.
SUPPRESSED_TAIWAN: dict[str, str] = {
    "CKV_AWS_144": "S3 cross-region replication",
    "CKV_AZURE_94": "MySQL geo-redundant backups",
    "CKV_AZURE_102": "PostgreSQL geo-redundant backups",
    "CKV_AZURE_129": "MariaDB geo-redundant backups",
    "CKV_AZURE_136": "PostgreSQL flexible server geo-redundant backups",
    "CKV_AZURE_206": "storage account geo-replication (GRS)",
    "CKV_AZURE_165": "container registry geo-replication",
}


def custom_checks() -> dict[str, dict[str, Any]]:
    """Our own checks (scanner/iac/checks/checks.toml): id → spec with ``policy``."""
    return tomllib.loads((CHECKS_DIR / "checks.toml").read_text(encoding="utf-8"))


def requested_checks() -> list[str]:
    ids = sorted(set(BUILTIN) | set(custom_checks()))
    return [i for i in ids if i not in SUPPRESSED_TAIWAN]


def _policy_of(check_id: str) -> str | None:
    if check_id in BUILTIN:
        return BUILTIN[check_id].policy
    spec = custom_checks().get(check_id)
    return spec.get("policy") if spec else None


_INDEX = re.compile(r"\[[^\]]*\]")


def _details(details: tuple[str, ...]) -> dict[str, Any]:
    """Our checks report rendered values as ``key=value``."""
    out: dict[str, Any] = {}
    for d in details:
        key, sep, value = d.partition("=")
        if not sep:
            continue
        if value.isdigit():
            out[key] = int(value)
        elif value in ("true", "false"):
            out[key] = value == "true"
        else:
            out[key] = value
    if out.get("encryption.key_id"):
        out.update(_CMK)
    return out


def apply_checkov(inventory: Inventory, run: CheckovRun, scanned_dir: Path) -> dict[str, int]:
    """Fold checkov's verdicts into the inventory; returns counts for the run summary."""
    cwd = Path.cwd().resolve()
    index: dict[tuple[str, str], list[str]] = {}
    by_line: dict[tuple[str, int], list[tuple[str, str]]] = {}  # CloudFormation / ARM: (file, first line)
    for r in inventory:
        raw = r.raw or {}
        loc, tf, tpl = raw.get("location") or {}, raw.get("terraform") or {}, raw.get("template") or {}
        if loc.get("file") and tf.get("address"):
            absolute = (cwd / loc["file"]).resolve().as_posix()
            index.setdefault((absolute, tf["address"]), []).append(r.id)
        elif loc.get("file") and tpl.get("type"):
            absolute = (cwd / loc["file"]).resolve().as_posix()
            by_line.setdefault((absolute, loc["start_line"]), []).append((tpl["type"].lower() + ".", r.id))
    stats = {"checkov_results": 0, "matched": 0, "filled": 0, "unmatched": 0}
    base = scanned_dir.resolve()
    for res in run.results:
        if res.check_id in SUPPRESSED_TAIWAN or _policy_of(res.check_id) is None:
            continue
        stats["checkov_results"] += 1
        key = ((base / res.file).resolve().as_posix(), _INDEX.sub("", res.resource))
        # templates: checkov names a resource "<Type>.<logical id or name>" and gives the same lines
        ids = index.get(key) or [rid for prefix, rid in by_line.get((key[0], res.start_line), [])
                                 if res.resource.lower().startswith(prefix)]
        if not ids:
            stats["unmatched"] += 1  # a type we do not model; its policy has no resource to judge
            continue
        stats["matched"] += 1
        proven: dict[str, Any] = {}
        if res.check_id in BUILTIN and res.result == "FAILED":
            proven = BUILTIN[res.check_id].on_fail
        details = _details(res.details) if res.check_id not in BUILTIN else {}
        for rid in ids:
            stats["filled"] += _merge(inventory, rid, res.check_id, res.result, proven, details)
    return stats


def _merge(inventory: Inventory, rid: str, check_id: str, result: str, proven: dict[str, Any],
           details: dict[str, Any]) -> int:
    r = inventory.resources[rid]
    props = dict(r.properties)
    raw = dict(r.raw or {})
    filled = 0
    for k, v in proven.items():
        if props.get(k) is None:
            props[k] = v
            raw["filled_by_checkov"] = {**(raw.get("filled_by_checkov") or {}), k: check_id}
            filled += 1
    raw["checkov"] = {**(raw.get("checkov") or {}), check_id: result}
    if details:  # what checkov rendered: evidence, never a value we judge
        raw["checkov_details"] = {**(raw.get("checkov_details") or {}), check_id: details}
    inventory.resources[rid] = replace(r, properties=props, raw=raw)
    return filled


def second_opinion(finding: Any) -> None:
    """Put checkov's verdicts on the finding's resource for the finding's policy into its
    evidence, and say when they disagree with ours (ours stands)."""
    verdicts = {c: v for c, v in ((finding.resource.raw or {}).get("checkov") or {}).items() if _policy_of(c) == finding.policy}
    if not verdicts:
        return
    status = finding.status.value
    disagree = sorted(c for c, v in verdicts.items() if (v == "PASSED" and status == "FAIL") or (v == "FAILED" and status == "PASS")
                      or (v == "PASSED" and status == "ERROR"))
    extra: dict[str, Any] = {"checkov": verdicts}
    if disagree:
        extra["checkov_disagrees"] = {
            c: f"checkov {verdicts[c]}, cloudgov {status}: cloudgov's own evaluation stands" for c in disagree
        }
    finding.evidence = {**dict(finding.evidence or {}), **extra}
