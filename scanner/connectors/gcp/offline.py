"""``gcloud asset`` output files, auto-detected by ``cloudgov scan snapshot``.

Recognised, plain or gzipped:

* ``gcloud asset export`` output: newline-delimited JSON, protobuf (snake_case) keys, with
  content type resource, iam-policy or both, one asset per line;
* a JSON array of the same assets, or ``gcloud asset list --format=json`` (camelCase);
* ``gcloud asset search-all-resources --format=json`` (shallow; full data only when
  ``--read-mask`` asked for ``versionedResources``);
* ``gcloud asset search-all-iam-policies --format=json``;
* a raw REST response page (``{"assets": [...]}`` or ``{"results": [...]}``).

They are one format on purpose: an export of resources and an export of IAM policies are
two halves of one picture (a key's policy, a project's audit config, who holds which
role), so every GCP file of a run is normalized together.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scanner.connectors.gcp.assets import AssetRecord, classify, to_record
from scanner.connectors.offline import FileFormat
from scanner.errors import InputError
from scanner.inventory import Inventory

__all__ = ["FORMATS", "read_records", "load"]

_ARRAY_HINT = re.compile(r'"(?:asset_type|assetType)"\s*:\s*"[a-z0-9.-]+\.googleapis\.com/')
_PAGE_START = re.compile(r'\{\s*"(?:assets|results|readTime|nextPageToken)"\s*:')
_IAM_HINT = re.compile(r'"resource"\s*:\s*"//[a-z0-9.-]+\.googleapis\.com/')


def _sniff(path: Path, head: str) -> bool:
    text = head.lstrip()
    if not text:
        return False
    if text[0] == "[" or (text[0] == "{" and _PAGE_START.match(text)):
        return bool(_ARRAY_HINT.search(text[:8192]) or ('"policy"' in text[:8192] and _IAM_HINT.search(text[:8192])))
    if text[0] != "{":
        return False
    first = text.split("\n", 1)[0]
    try:
        return classify(json.loads(first)) is not None
    except json.JSONDecodeError:  # a first line longer than the head
        return bool(_ARRAY_HINT.search(first[:8192])) and '"name":' in first[:8192]


def _open(path: Path) -> io.TextIOBase:
    raw = path.open("rb")
    if raw.read(2) == b"\x1f\x8b":
        raw.seek(0)
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8-sig")
    raw.seek(0)
    return io.TextIOWrapper(raw, encoding="utf-8-sig")


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
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None


def _is_document(path: Path) -> bool:
    """Whether a file that starts with '{' is one JSON object rather than JSON lines."""
    with _open(path) as fh:
        head = fh.read(4096).lstrip()
    return bool(_PAGE_START.match(head))


def _prepend(first: str, fh: io.TextIOBase) -> Iterator[str]:
    line = first + fh.readline()
    yield line
    yield from fh


def load(paths: list[Path]) -> Inventory:
    from scanner.connectors.gcp.normalize import normalize

    records: list[AssetRecord] = []
    for p in paths:
        records.extend(read_records(p))
    if not records:
        raise InputError(f"{', '.join(map(str, paths))}: no Cloud Asset records found")
    source = {
        "connector": "gcp",
        "mode": "offline",
        "files": [str(p) for p in paths],
        "records": len(records),
    }
    return normalize(records, source=source)


FORMATS = [
    FileFormat(
        "gcp-cloud-asset",
        "gcloud asset export (NDJSON), gcloud asset list / search-all-resources / "
        "search-all-iam-policies --format=json",
        _sniff,
        load,
    )
]
