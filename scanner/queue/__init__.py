"""Distributed collection: one shard per account / subscription / project on a task queue.

``collect(connector, request, queue=URL)`` splits a live connector's ``ScanRequest`` into
shards (:func:`shards`: one AWS account, one Azure subscription, one GCP scope each), sends
one ``cloudgov.collect_shard`` task per shard to the Celery workers listening on ``URL``
(``cloudgov worker --queue URL``), and waits. Each worker runs the connector's own
``collect`` on its shard with its own credentials (none travel through the broker) and puts
the shard's inventory in the shard store (:class:`ShardStore`: keys on the same Redis,
deleted once read). The caller merges the shards into one Inventory — one merge — and hands
it to :func:`scanner.pipeline.run` — one evaluation. Without ``queue`` the same scan runs
in-process through the connector's ``collect``.

Celery and redis are the ``queue`` extra; nothing here imports them until a queue is used.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scanner.errors import InputError, UsageError

if TYPE_CHECKING:
    from scanner.connectors import Progress
    from scanner.inventory import Inventory

__all__ = ["collect", "shards", "ShardStore", "request_to_dict", "request_from_dict", "queue_name",
           "shard_timeout", "redact"]

#: the request field that lists a connector's shards
SHARD_FIELD = {"aws": "accounts", "azure": "subscriptions", "gcp": "scopes"}
#: a shard inventory lives this long in the store if nobody collects it
SHARD_TTL = 24 * 3600


def queue_name() -> str:
    """The Celery queue cloudgov's tasks go to (CLOUDGOV_QUEUE_NAME: several installations
    sharing one Redis each use their own)."""
    return os.environ.get("CLOUDGOV_QUEUE_NAME", "").strip() or "cloudgov"


def shard_timeout() -> float:
    """Seconds a distributed collection waits for its shards (CLOUDGOV_QUEUE_TIMEOUT)."""
    raw = os.environ.get("CLOUDGOV_QUEUE_TIMEOUT", "").strip()
    try:
        value = float(raw) if raw else 3600.0
    except ValueError:
        raise UsageError(f"CLOUDGOV_QUEUE_TIMEOUT: {raw!r} is not a number of seconds") from None
    if value <= 0:
        raise UsageError("CLOUDGOV_QUEUE_TIMEOUT must be a positive number of seconds")
    return value


def redact(url: str) -> str:
    """The URL as it may be printed: any password replaced by ***."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def check_url(url: str, option: str = "--queue") -> str:
    """A Redis URL (redis://, rediss://), or one sentence saying what is wrong."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise UsageError(f"{option}: {redact(url)!r} is not a URL") from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise UsageError(f"{option}: give the Redis broker as redis://HOST[:PORT][/DB] (or rediss:// for TLS), "
                         f"not {redact(url)!r}")
    return url


# --- shards ------------------------------------------------------------------------------


def shards(connector: str, request: Any) -> list[Any]:
    """The request split into one request per account / subscription / project (scope)."""
    field = SHARD_FIELD.get(connector)
    if field is None:
        raise UsageError(f"{connector}: not a live connector that can be distributed (aws, azure, gcp)")
    if connector == "aws" and getattr(request, "organization", False):
        raise UsageError("--queue distributes the accounts given with --accounts (one shard per account); "
                         "list the organisation's accounts there instead of --organization")
    items = list(getattr(request, field) or ())
    if not items:
        what = {"aws": "--accounts", "azure": "--subscriptions", "gcp": "--scope"}[connector]
        raise UsageError(f"--queue needs the shards named: give {what} (one shard each)")
    value_type = tuple if isinstance(getattr(request, field), tuple) else list
    return [dataclasses.replace(request, **{field: value_type([item])}) for item in dict.fromkeys(items)]


def shard_label(connector: str, request: Any) -> str:
    return ",".join(getattr(request, SHARD_FIELD[connector]) or ())


def request_to_dict(request: Any) -> dict[str, Any]:
    """A ScanRequest as JSON-safe data (a task's argument)."""
    return {f.name: getattr(request, f.name) for f in dataclasses.fields(request)}


def request_from_dict(connector: str, data: dict[str, Any]) -> Any:
    """The connector's ScanRequest from :func:`request_to_dict`'s data (lists back to tuples
    where the field is a tuple; unknown fields are refused)."""
    from scanner.connectors import live_collector

    cls, _ = live_collector(connector)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise InputError(f"{connector} shard: unknown request field(s) {', '.join(unknown)} "
                         "(the worker and the caller run different cloudgov versions?)")
    values = {}
    for name, value in data.items():
        annotation = str(fields[name].type)
        values[name] = tuple(value) if isinstance(value, list) and annotation.startswith("tuple") else value
    return cls(**values)


# --- the shard store ---------------------------------------------------------------------


def inventory_bytes(inventory: Inventory) -> bytes:
    """An Inventory as our snapshot format (JSON lines, gzipped; raw payloads kept)."""
    from scanner import inventory as inventory_mod

    with tempfile.TemporaryDirectory(prefix="cloudgov-shard-") as folder:
        path = inventory_mod.save(inventory, Path(folder) / "shard.jsonl.gz")
        return path.read_bytes()


def inventory_from_bytes(data: bytes) -> Inventory:
    from scanner import inventory as inventory_mod

    with tempfile.TemporaryDirectory(prefix="cloudgov-shard-") as folder:
        path = Path(folder) / "shard.jsonl.gz"
        path.write_bytes(data if data[:2] == b"\x1f\x8b" else gzip.compress(data))
        return inventory_mod.load(path)


class ShardStore:
    """Shard inventories under ``cloudgov:shard:<run>:<n>`` on a Redis server, kept
    :data:`SHARD_TTL` seconds at most; :meth:`take` reads and deletes."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._redis = redis.Redis.from_url(url)

    def put(self, key: str, inventory: Inventory) -> int:
        data = inventory_bytes(inventory)
        self._redis.set(key, data, ex=SHARD_TTL)
        return len(data)

    def take(self, key: str) -> Inventory:
        data = self._redis.getdel(key)
        if data is None:
            raise InputError(f"shard {key} is not in the shard store {redact(self.url)} (expired or taken)")
        return inventory_from_bytes(bytes(data))  # type: ignore[arg-type]


# --- collecting --------------------------------------------------------------------------


def collect(
    connector: str,
    request: Any,
    *,
    queue: str | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> Inventory:
    """Collect ``request`` with the live ``connector``: through the queue's workers, one shard
    per account / subscription / project, when ``queue`` (a Redis URL) is given; in-process
    otherwise. Either way the result is one Inventory with one Source."""
    from scanner.connectors import live_collector

    if queue is None:
        _, collect_fn = live_collector(connector)
        return collect_fn(request, progress=progress)
    return _distributed(connector, request, check_url(queue), progress=progress,
                        timeout=shard_timeout() if timeout is None else timeout)


def _distributed(connector: str, request: Any, queue: str, *, progress: Progress | None,
                 timeout: float) -> Inventory:
    from scanner.extras import require

    require("queue", "distributing a scan (--queue)")
    from celery import group
    from celery.exceptions import TimeoutError as CeleryTimeout

    from scanner.queue.app import celery_app, reachable

    parts = shards(connector, request)
    app = celery_app(queue)
    reachable(app, queue)
    started = time.monotonic()
    run = uuid.uuid4().hex
    keys = [f"cloudgov:shard:{run}:{i}" for i in range(len(parts))]
    labels = [shard_label(connector, p) for p in parts]
    task = app.tasks["cloudgov.collect_shard"]
    job = group(task.s(connector, request_to_dict(p), key) for p, key in zip(parts, keys, strict=True))
    result = job.apply_async(queue=queue_name())
    if progress:
        progress("shards queued", 0, len(parts))
    store = ShardStore(queue)
    try:
        deadline = started + timeout
        answers: list[dict[str, Any] | None] = [None] * len(parts)
        while any(a is None for a in answers):
            for i, child in enumerate(result.results):
                if answers[i] is None and child.ready():
                    answers[i] = child.get(propagate=False) if child.successful() else {
                        "error": f"the worker failed: {child.result!r}", "internal": True}
                    if progress:
                        progress(f"shard {labels[i]}", sum(a is not None for a in answers), len(parts))
            if time.monotonic() > deadline:
                waiting = [labels[i] for i, a in enumerate(answers) if a is None]
                raise CeleryTimeout(", ".join(waiting))
            if any(a is None for a in answers):
                time.sleep(0.2)
    except CeleryTimeout as e:
        result.revoke()
        raise InputError(f"no answer from the queue's workers within {timeout:g} s for shard(s) {e} "
                         f"(is `cloudgov worker --queue {redact(queue)}` running? CLOUDGOV_QUEUE_TIMEOUT sets the wait)"
                         ) from None
    finally:
        result.forget()
    failed = [(labels[i], a) for i, a in enumerate(answers) if a and a.get("error")]
    if failed:
        for key in keys:
            store._redis.delete(key)
        label, answer = failed[0]
        more = f" (and {len(failed) - 1} more shard(s))" if len(failed) > 1 else ""
        if answer.get("internal"):
            raise RuntimeError(f"{connector} shard {label}: {answer['error']}{more}")
        raise InputError(f"{connector} shard {label}: {answer['error']}{more}")
    inventories = [store.take(key) for key in keys]
    return merge_shards(connector, inventories, seconds=time.monotonic() - started,
                        details={"shards": len(parts), "queue": redact(queue)})


def merge_shards(connector: str, inventories: Sequence[Inventory], *, seconds: float,
                 details: dict[str, Any]) -> Inventory:
    """The shards as one Inventory with one Source: accounts, regions and calls added up."""
    from scanner.inventory import merge
    from scanner.source import Source

    inv = merge(inventories)
    sources = inv.sources
    by_api: dict[str, int] = {}
    for s in sources:
        for api, n in s.calls_by_api.items():
            by_api[api] = by_api.get(api, 0) + n
    shard_details: dict[str, Any] = {}
    for s in sources:
        for k, v in s.details.items():
            if isinstance(v, int) and not isinstance(v, bool):
                shard_details[k] = shard_details.get(k, 0) + v
            else:
                shard_details.setdefault(k, v)
    inv.sources = [Source(
        connector=connector,
        mode=sources[0].mode if sources else "live",
        accounts=tuple(sorted({a for s in sources for a in s.accounts})),
        regions=tuple(sorted({r for s in sources for r in s.regions})),
        api_calls=sum(s.api_calls for s in sources),
        calls_by_api=dict(sorted(by_api.items())),
        seconds=round(seconds, 3),
        accounts_failed=tuple(a for s in sources for a in s.accounts_failed),
        details={**shard_details, "resources": len(inv), **details},
    )]
    return inv
