"""``gcloud asset`` output files, auto-detected by ``cloudgov scan snapshot``.

Recognised, plain or gzipped:

* ``gcloud asset export`` output: newline-delimited JSON, protobuf (snake_case) keys, with
  content type resource, iam-policy or both, one asset per line;
* a JSON array of the same assets, or ``gcloud asset list --format=json`` (camelCase);
* ``gcloud asset search-all-resources --format=json`` (shallow; full data only when
  ``--read-mask`` asked for ``versionedResources``);
* ``gcloud asset search-all-iam-policies --format=json``;
* a raw REST response page (``{"assets": [...]}`` or ``{"results": [...]}``);

and, for what Cloud Asset cannot say (small JSON documents, read whole):

* ``gcloud projects get-ancestors-iam-policy PROJECT --format=json``: the IAM policies of
  a project's folders and organization (inherited roles, folder audit configs);
* ``gcloud identity groups memberships list --group-email=G --format=json`` saved as
  ``G.json`` (the file name says which group; the output does not);
* ``gcloud policy-intelligence query-activity --format=json`` for either activity type
  (service-account and key last authentication).

They are one format on purpose: an export of resources and an export of IAM policies are
two halves of one picture (a key's policy, a project's audit config, who holds which
role), so every GCP file of a run is normalized together.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from scanner.connectors.gcp.assets import AssetRecord, classify, to_record
from scanner.connectors.gcp.context import FOLDER, ORGANIZATION, PROJECT
from scanner.connectors.gcp.facts import Activity, Groups, is_activity, is_membership
from scanner.connectors.offline import FileFormat
from scanner.errors import InputError
from scanner.inventory import Inventory
from scanner.source import Source

__all__ = ["FORMATS", "read_records", "load"]

_ARRAY_HINT = re.compile(r'"(?:asset_type|assetType)"\s*:\s*"[a-z0-9.-]+\.googleapis\.com/')
_PAGE_START = re.compile(r'\{\s*"(?:assets|results|readTime|nextPageToken)"\s*:')
_IAM_HINT = re.compile(r'"resource"\s*:\s*"//[a-z0-9.-]+\.googleapis\.com/')
_MEMBERSHIP_HINT = re.compile(r'"preferredMemberKey"\s*:')
_ACTIVITY_HINT = re.compile(r'"activityType"\s*:\s*"serviceAccount(?:Key)?LastAuthentication"')
_ANCESTOR_HINT = re.compile(r'"type"\s*:\s*"(?:project|folder|organization)"')


def _extra_hint(text: str) -> bool:
    """A memberships list, an activity query, or get-ancestors-iam-policy output."""
    head = text[:8192]
    if not (head.startswith("[") or re.match(r'\{\s*"memberships"\s*:', head)):
        return False
    return bool(
        (_MEMBERSHIP_HINT.search(head) and '"groups/' in head)
        or _ACTIVITY_HINT.search(head)
        or (_ANCESTOR_HINT.search(head) and re.search(r'"policy"\s*:\s*\{', head) and '"bindings"' in head)
    )
_ANCESTOR_TYPES = {"project": ("projects", PROJECT), "folder": ("folders", FOLDER),
                   "organization": ("organizations", ORGANIZATION)}


def _sniff(path: Path, head: str) -> bool:
    text = head.lstrip()
    if not text:
        return False
    if _extra_hint(text):
        return True
    if text[0] == "[" or (text[0] == "{" and _PAGE_START.match(text)):
        return bool(_ARRAY_HINT.search(text[:8192]) or ('"policy"' in text[:8192] and _IAM_HINT.search(text[:8192])))
    if text[0] != "{":
        return False
    first = text.split("\n", 1)[0]
    try:
        return classify(json.loads(first)) is not None
    except (json.JSONDecodeError, RecursionError):  # a first line longer than the head, or nested too deep
        return bool(_ARRAY_HINT.search(first[:8192])) and '"name":' in first[:8192]


def _open(path: Path) -> IO[str]:
    """Plain or gzipped, within the input and decompressed-size limits (scanner.docfile)."""
    from scanner.docfile import open_text

    return open_text(path, what="a Cloud Asset export")


def read_records(path: Path) -> Iterator[AssetRecord]:
    """Stream the records of one file (NDJSON line by line; arrays as one document)."""
    try:
        with _open(path) as fh:
            first = fh.read(1)
            while first and first.isspace():
                first = fh.read(1)
            if first == "[" or (first == "{" and _is_document(path)):
                doc = json.loads(first + fh.read())
                items: Any = doc
                if isinstance(doc, dict):
                    items = doc.get("assets") or doc.get("results") or []
                if not isinstance(items, list):
                    raise InputError(f"{path}: expected a JSON array of Cloud Asset results")
                for n, item in enumerate(items, start=1):
                    rec = to_record(item) if isinstance(item, dict) else None
                    if rec is None:
                        raise InputError(f"{path}: item {n} is not a Cloud Asset asset or search result")
                    yield rec
                return
            lineno = 0
            for lineno, line in enumerate(_prepend(first, fh), start=1):
                if not line.strip():
                    continue
                item = json.loads(line)
                rec = to_record(item) if isinstance(item, dict) else None
                if rec is None:
                    raise InputError(f"{path}: line {lineno} is not a Cloud Asset asset or search result")
                yield rec
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    except RecursionError:
        raise InputError(f"{path}: the JSON is nested too deeply") from None
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None


def _is_document(path: Path) -> bool:
    """Whether a file that starts with '{' is one JSON object rather than JSON lines."""
    with _open(path) as fh:
        head = fh.read(4096).lstrip()
    return bool(_PAGE_START.match(head))


def _prepend(first: str, fh: IO[str]) -> Iterator[str]:
    line = first + fh.readline()
    yield line
    yield from fh


def _extra(path: Path, records: list[AssetRecord], groups: Groups, activity: Activity) -> bool:
    """Read ``path`` if it is one of the non-asset documents above; False if it is not."""
    with _open(path) as fh:
        head = fh.read(8192).lstrip()
    if not _extra_hint(head):
        return False
    try:
        with _open(path) as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: malformed JSON at line {e.lineno} column {e.colno}: {e.msg}") from None
    items = doc.get("memberships") if isinstance(doc, dict) else doc
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return False
    first = items[0]
    if is_membership(first):
        group = path.name.split(".json", 1)[0]
        if "@" not in group:
            raise InputError(f"{path}: a memberships list does not name its group; save it as <group-email>.json")
        groups.add(group, [m for m in items if is_membership(m)])
    elif is_activity(first):
        activity.add(items)
    elif str(first.get("type")) in _ANCESTOR_TYPES and isinstance(first.get("policy"), dict):
        chain = [f"{_ANCESTOR_TYPES[str(i.get('type'))][0]}/{i.get('id')}" for i in items
                 if str(i.get("type")) in _ANCESTOR_TYPES]
        for n, item in enumerate(i for i in items if str(i.get("type")) in _ANCESTOR_TYPES):
            plural, asset_type = _ANCESTOR_TYPES[str(item["type"])]
            records.append(AssetRecord(name=f"//cloudresourcemanager.googleapis.com/{plural}/{item.get('id')}",
                                       asset_type=asset_type, iam_policy=dict(item.get("policy") or {}),
                                       ancestors=chain[n:]))
    else:
        return False
    return True


def load(paths: list[Path]) -> Inventory:
    from scanner.connectors.gcp.normalize import normalize

    records: list[AssetRecord] = []
    groups, activity = Groups(), Activity()
    extras = 0
    for p in paths:
        if _extra(p, records, groups, activity):
            extras += 1
        else:
            records.extend(read_records(p))
    if not records:
        raise InputError(f"{', '.join(map(str, paths))}: no Cloud Asset records found")
    source = Source(
        connector="gcp",
        mode="offline",
        details={"files": [str(p) for p in paths], "records": len(records)},
    )
    # memberships and activity are facts about some groups / keys only: a group or key the
    # files do not mention stays unknown (see identities), so passing them never hides a gap
    return normalize(records, source=source, groups=groups if groups.members else None,
                     activity=activity if (activity.keys or activity.accounts) else None)


FORMATS = [
    FileFormat(
        "gcp-cloud-asset",
        "gcloud asset export (NDJSON), gcloud asset list / search-all-resources / "
        "search-all-iam-policies --format=json, with get-ancestors-iam-policy, group memberships "
        "and query-activity JSON",
        _sniff,
        load,
    )
]
