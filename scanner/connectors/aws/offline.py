"""AWS's own export files, for ``cloudgov scan snapshot``:

* an AWS Config configuration snapshot (``{"fileVersion", "configurationItems": [...]}``,
  plain or gzipped, as Config delivers it to S3);
* an IAM credential report (``aws iam get-credential-report`` → the decoded CSV);
* ``aws iam get-account-authorization-details`` JSON.

They form one format group, so a credential report and an authorization-details file of
the same account (and a Config snapshot of it) become one account bundle, normalized by
the same functions as a live scan. Pure Python: no boto3 needed.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from scanner.connectors.aws.common import arn_account
from scanner.connectors.aws.config_snapshot import add_item, new_bundle
from scanner.connectors.aws.normalize import normalize_account
from scanner.connectors.aws.normalize_iam import parse_credential_report
from scanner.connectors.offline import FileFormat
from scanner.errors import InputError
from scanner.inventory import Inventory, merge
from scanner.source import Source

__all__ = ["FORMATS", "load_exports", "classify"]

_REPORT_HEAD = "user,arn,user_creation_time"


def classify(head: str) -> str | None:
    text = head.lstrip("\ufeff \t\r\n")
    if text.startswith(_REPORT_HEAD):
        return "credential_report"
    if text.startswith("{"):
        probe = text[:4096]
        if '"configurationItems"' in probe or ('"fileVersion"' in probe and '"configSnapshotId"' in probe):
            return "config_snapshot"
        if any(k in probe for k in ('"UserDetailList"', '"RoleDetailList"', '"GroupDetailList"')):
            return "authorization_details"
        if '"Content"' in probe and '"ReportFormat"' in probe:
            return "credential_report_json"  # aws iam get-credential-report --output json (base64 CSV)
    return None


def _sniff(path: Path, head: str) -> bool:
    return classify(head) is not None


def _read(path: Path) -> str:
    from scanner.connectors.offline import read_export

    return read_export(path, what="an AWS export file")


def _doc(path: Path, text: str) -> dict[str, Any]:
    from scanner.docfile import parse_json

    doc = parse_json(text, path)
    if not isinstance(doc, dict):
        raise InputError(f"{path}: expected a JSON object")
    return doc


def _report_account(path: Path, csv_text: str) -> str:
    for row in parse_credential_report(csv_text):
        acct = arn_account(row.get("arn"))
        if acct:
            return acct
    raise InputError(f"{path}: the credential report has no rows with an ARN, so its account is unknown")


def _details_account(path: Path, doc: dict[str, Any]) -> str:
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList"):
        for entity in doc.get(key) or []:
            acct = arn_account(entity.get("Arn"))
            if acct:
                return acct
    for p in doc.get("Policies") or []:
        acct = arn_account(p.get("Arn"))
        if acct and acct != "aws":
            return acct
    raise InputError(f"{path}: the authorization details name no account (no users, groups or roles)")


def load_exports(paths: list[Path]) -> Inventory:
    bundles: dict[str, dict[str, Any]] = {}
    skipped_types: dict[str, int] = {}
    for path in paths:
        text = _read(path)
        kind = classify(text[:65536])
        if kind == "credential_report_json":
            try:
                text = base64.b64decode(_doc(path, text)["Content"]).decode("utf-8")
            except (KeyError, ValueError) as e:
                raise InputError(f"{path}: cannot decode the credential report's Content ({e})") from None
            kind = "credential_report"
        if kind == "credential_report":
            acct = _report_account(path, text)
            bundles.setdefault(acct, new_bundle(acct)).setdefault("iam", {})["credential_report"] = text
        elif kind == "authorization_details":
            doc = _doc(path, text)
            acct = _details_account(path, doc)
            iam = bundles.setdefault(acct, new_bundle(acct)).setdefault("iam", {})
            prev = iam.get("authorization_details") or {}
            iam["authorization_details"] = {
                k: list(prev.get(k) or []) + list(doc.get(k) or [])
                for k in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
            }
        elif kind == "config_snapshot":
            doc = _doc(path, text)
            items = doc.get("configurationItems")
            if not isinstance(items, list):
                raise InputError(f"{path}: an AWS Config snapshot needs a configurationItems list")
            for i, item in enumerate(items):
                # a wrongly shaped item is a broken file, never a silently empty account
                if not isinstance(item, dict) or not isinstance(item.get("resourceType"), str):
                    got = type(item).__name__ if not isinstance(item, dict) else repr(item.get("resourceType"))
                    raise InputError(f"{path}: configurationItems[{i}] is not a configuration item "
                                     f"(resourceType must be a string such as \"AWS::S3::Bucket\", got {got})")
                if not add_item(bundles, item):
                    t = item["resourceType"]
                    skipped_types[t] = skipped_types.get(t, 0) + 1
        else:
            raise InputError(f"{path}: not an AWS export this reader knows")
    shards = []
    for bundle in bundles.values():
        inv = normalize_account(bundle)
        # IAM from a Config snapshot lacks the credential report: MFA stays unknown, and
        # the report alone lacks policies: privilege stays unknown (both say so in evidence).
        shards.append(inv)
    inv = merge(shards)
    inv.sources = [
        Source(
            connector="aws",
            mode="offline",
            accounts=tuple(sorted(bundles)),
            details={"files": [str(p) for p in paths], "resource_types_not_used": skipped_types},
        )
    ]
    return inv


FORMATS = [
    FileFormat(
        "aws-export",
        "AWS Config snapshot, IAM credential report (CSV) or get-account-authorization-details JSON",
        _sniff,
        load_exports,
    )
]
