"""Every shape Cloud Asset Inventory gives an asset in, reduced to one record (pure).

* ``gcloud asset export`` files and the live client (``proto.Message.to_dict``) use the
  protobuf field names: ``asset_type``, ``iam_policy``, ``audit_configs``;
* ``gcloud asset list --format=json`` and the REST API use JSON names: ``assetType``,
  ``iamPolicy``, ``auditConfigs``;
* ``search-all-resources`` gives ``ResourceSearchResult`` (shallow: location, labels,
  ``kmsKeys``; the full resource only in ``versionedResources`` when asked for);
* ``search-all-iam-policies`` gives ``IamPolicySearchResult`` (``resource`` + ``policy``).

The resource payload itself (``resource.data``) is the service's REST representation and
is camelCase in every one of them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["AssetRecord", "get", "from_asset", "from_search_result", "from_iam_search_result", "classify", "to_record"]


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def get(d: Mapping[str, Any] | None, snake: str, default: Any = None) -> Any:
    """``d[snake]`` or ``d[camelCase]``: protobuf and JSON field names alike."""
    if not d:
        return default
    if snake in d:
        return d[snake]
    return d.get(_camel(snake), default)


@dataclass
class AssetRecord:
    name: str  # full resource name: //storage.googleapis.com/bucket
    asset_type: str
    data: dict[str, Any] | None = None  # the resource's REST representation (deep fields)
    location: str | None = None
    iam_policy: dict[str, Any] | None = None
    ancestors: list[str] = field(default_factory=list)  # projects/123, folders/4, organizations/5
    project: str | None = None  # projects/<number> (search results)
    labels: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # resource manager tags, key short name → value
    kms_keys: list[str] | None = None  # search results only
    display_name: str | None = None
    deep: bool = False  # ``data`` is the whole resource, so a missing field means "not set"


def _tags(raw: Any) -> dict[str, str]:
    """Tags as ``key → value`` using short names (``123/cloudgov-log-class`` → ``cloudgov-log-class``)."""
    out: dict[str, str] = {}
    items: list[Any] = []
    if isinstance(raw, Mapping):
        items.extend({"tag_key": k, "tag_value": v} for k, v in raw.items())
    elif isinstance(raw, list):
        for t in raw:
            if isinstance(t, Mapping) and "tags" in t:  # effectiveTags: [{attachedResource, tags: [...]}]
                items.extend(t.get("tags") or [])
            else:
                items.append(t)
    for t in items:
        if not isinstance(t, Mapping):
            continue
        key = str(get(t, "tag_key") or get(t, "namespaced_tag_key") or "")
        value = str(get(t, "tag_value") or get(t, "namespaced_tag_value") or "")
        if key:
            out[key.rsplit("/", 1)[-1]] = value.rsplit("/", 1)[-1]
    return out


def from_asset(d: Mapping[str, Any]) -> AssetRecord:
    """An ``Asset`` (export line, list output, live client) → record."""
    resource = get(d, "resource") or {}
    data = resource.get("data") if isinstance(resource, Mapping) else None
    data = dict(data) if isinstance(data, Mapping) else None
    labels = {}
    if data:
        raw_labels = data.get("labels") or (data.get("settings") or {}).get("userLabels") or {}
        if isinstance(raw_labels, Mapping):
            labels = {str(k): str(v) for k, v in raw_labels.items()}
    return AssetRecord(
        name=str(d.get("name") or ""),
        asset_type=str(get(d, "asset_type") or ""),
        data=data,
        location=get(resource, "location") if isinstance(resource, Mapping) else None,
        iam_policy=get(d, "iam_policy"),
        ancestors=list(get(d, "ancestors") or []),
        labels=labels,
        tags=_tags(get(d, "effective_tags") or get(d, "tags")),
        deep=data is not None,
    )


def from_search_result(d: Mapping[str, Any]) -> AssetRecord:
    """A ``ResourceSearchResult`` → record; deep only when ``versionedResources`` is there."""
    data = None
    for vr in get(d, "versioned_resources") or []:
        res = vr.get("resource") if isinstance(vr, Mapping) else None
        if isinstance(res, Mapping):
            data = dict(res)
            break
    kms = get(d, "kms_keys")
    if kms is None and get(d, "kms_key"):
        kms = [get(d, "kms_key")]
    ancestors = _search_ancestors(d)
    tags = _tags(get(d, "effective_tags") or get(d, "tags"))
    return AssetRecord(
        name=str(d.get("name") or ""),
        asset_type=str(get(d, "asset_type") or ""),
        data=data,
        location=d.get("location"),
        ancestors=ancestors,
        project=get(d, "project"),
        labels={str(k): str(v) for k, v in (d.get("labels") or {}).items()},
        tags=tags,
        kms_keys=list(kms) if kms is not None else None,
        display_name=get(d, "display_name"),
        deep=data is not None,
    )


def _search_ancestors(d: Mapping[str, Any]) -> list[str]:
    """Project, folders and organization of a search result, nearest first."""
    ancestors = []
    if get(d, "project"):
        ancestors.append(str(get(d, "project")))
    ancestors.extend(get(d, "folders") or [])
    if get(d, "organization"):
        ancestors.append(str(get(d, "organization")))
    return ancestors


def from_iam_search_result(d: Mapping[str, Any]) -> AssetRecord:
    """An ``IamPolicySearchResult`` → a record carrying only the IAM policy."""
    ancestors = _search_ancestors(d)
    return AssetRecord(
        name=str(d.get("resource") or ""),
        asset_type=str(get(d, "asset_type") or ""),
        iam_policy=dict(d.get("policy") or {}),
        ancestors=ancestors,
        project=get(d, "project"),
    )


_RESOURCE_NAME = re.compile(r"^//[a-z0-9.-]+\.googleapis\.com/")


def classify(d: Any) -> str | None:
    """Which of the shapes above ``d`` is: ``asset``, ``search``, ``iam_search`` or None."""
    if not isinstance(d, Mapping):
        return None
    if isinstance(d.get("resource"), str) and isinstance(d.get("policy"), Mapping):
        return "iam_search"
    name = d.get("name")
    if not isinstance(name, str) or not _RESOURCE_NAME.match(name) or not get(d, "asset_type"):
        return None
    # search results carry updateTime too, but never a resource object, a policy or ancestors
    if any(k in d for k in ("resource", "iam_policy", "iamPolicy", "ancestors", "org_policy", "access_policy")):
        return "asset"
    return "search"


def to_record(d: Mapping[str, Any]) -> AssetRecord | None:
    kind = classify(d)
    if kind == "asset":
        return from_asset(d)
    if kind == "search":
        return from_search_result(d)
    if kind == "iam_search":
        return from_iam_search_result(d)
    return None
