"""The Inventory: resources, relationships and coverage gaps, with our own snapshot format.

Snapshot format ``cloudgov.inventory`` version 1, in two encodings:

* a JSON document: ``{"format": "cloudgov.inventory", "version": 1, "collected_at": ...,
  "sources": [...], "resources": [...], "relationships": [...], "coverage_gaps": [...]}``
* JSON lines (plain or gzipped): a header line ``{"format": "cloudgov.inventory",
  "version": 1, "encoding": "jsonl", ...}`` then one object per line, each with ``"record"``
  one of ``resource``, ``relationship``, ``gap``. This one streams: large estates load and
  save without holding the text in memory.

Shards collected apart are merged with :func:`merge` and evaluated together.
"""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from scanner.errors import InputError
from scanner.model import CoverageGap, Relationship, Resource
from scanner.source import Source

__all__ = ["FORMAT", "VERSION", "Inventory", "load", "save", "merge", "is_snapshot"]

FORMAT = "cloudgov.inventory"
_NO_EDGES: list[Relationship] = []  # shared, never mutated
VERSION = 1


@dataclass
class Inventory:
    resources: dict[str, Resource] = field(default_factory=dict)
    relationships: list[Relationship] = field(default_factory=list)
    coverage_gaps: list[CoverageGap] = field(default_factory=list)
    collected_at: str | None = None  # ISO 8601 UTC; the "now" that age-based policies use
    #: what produced it, one record per collection (dicts given here are read as Sources)
    sources: list[Source] = field(default_factory=list)
    _by_kind: dict[str, list[Resource]] | None = field(default=None, repr=False, compare=False)
    _out: dict[str, list[Relationship]] | None = field(default=None, repr=False, compare=False)
    _in: dict[str, list[Relationship]] | None = field(default=None, repr=False, compare=False)
    _graph: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.sources = [s if isinstance(s, Source) else Source.from_dict(s) for s in self.sources]

    # --- building -----------------------------------------------------------------
    def add(self, resource: Resource) -> None:
        self.resources[resource.id] = resource
        self._invalidate()

    def add_all(self, resources: Iterable[Resource]) -> None:
        for r in resources:
            self.resources[r.id] = r
        self._invalidate()

    def relate(self, source: str, type: str, target: str, **props: Any) -> None:
        self.relationships.append(Relationship(source, str(type), target, props))
        self._invalidate()

    def gap(self, gap: CoverageGap) -> None:
        self.coverage_gaps.append(gap)

    def _invalidate(self) -> None:
        self._by_kind = self._out = self._in = self._graph = None

    # --- reading --------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.resources)

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    def get(self, resource_id: str) -> Resource | None:
        return self.resources.get(resource_id)

    def of_kind(self, *kinds: str) -> list[Resource]:
        if self._by_kind is None:
            idx: dict[str, list[Resource]] = defaultdict(list)
            for r in self.resources.values():
                idx[r.kind].append(r)
            self._by_kind = dict(idx)
        if len(kinds) == 1:
            return self._by_kind.get(kinds[0], [])
        return [r for k in kinds for r in self._by_kind.get(k, [])]

    def _index_edges(self) -> None:
        out: dict[str, list[Relationship]] = defaultdict(list)
        inc: dict[str, list[Relationship]] = defaultdict(list)
        for rel in self.relationships:
            out[rel.source].append(rel)
            inc[rel.target].append(rel)
        self._out, self._in = dict(out), dict(inc)

    def outgoing(self, resource_id: str, type: str | None = None) -> list[Relationship]:
        if self._out is None:
            self._index_edges()
        rels = self._out.get(resource_id)  # type: ignore[union-attr]
        if not rels:
            return _NO_EDGES
        return rels if type is None else [r for r in rels if r.type == type]

    def incoming(self, resource_id: str, type: str | None = None) -> list[Relationship]:
        if self._in is None:
            self._index_edges()
        rels = self._in.get(resource_id)  # type: ignore[union-attr]
        if not rels:
            return _NO_EDGES
        return rels if type is None else [r for r in rels if r.type == type]

    def gaps_for(self, provider: str, account: str, kind: str, region: str | None = None) -> list[CoverageGap]:
        """Coverage gaps that make ``kind`` in this account (and region) incomplete."""
        return [
            g
            for g in self.coverage_gaps
            if g.provider == provider
            and g.account == account
            and kind in g.kinds
            and (region is None or g.region in (None, region))
        ]

    def graph(self):
        """The networkx view (built once, lazily: networkx is imported only here)."""
        if self._graph is None:
            from scanner.graph import build_graph

            self._graph = build_graph(self)
        return self._graph

    def accounts(self) -> list[tuple[str, str]]:
        return sorted({(r.provider, r.account) for r in self.resources.values()})


# --- merge --------------------------------------------------------------------------


def merge(inventories: Iterable[Inventory]) -> Inventory:
    """Union of shards. A resource seen in two shards keeps the later shard's copy."""
    merged = Inventory()
    seen_rel: set[tuple[str, str, str]] = set()
    seen_gap: set[CoverageGap] = set()
    times: list[str] = []
    for inv in inventories:
        merged.resources.update(inv.resources)
        for rel in inv.relationships:
            key = (rel.source, rel.type, rel.target)
            if key not in seen_rel:
                seen_rel.add(key)
                merged.relationships.append(rel)
        for g in inv.coverage_gaps:
            if g not in seen_gap:
                seen_gap.add(g)
                merged.coverage_gaps.append(g)
        if inv.collected_at:
            times.append(inv.collected_at)
        merged.sources.extend(inv.sources)
    merged.collected_at = max(times) if times else None
    return merged


# --- save -----------------------------------------------------------------------------


def _header(inv: Inventory, encoding: str) -> dict[str, Any]:
    h: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if encoding == "jsonl":
        h["encoding"] = "jsonl"
    h["collected_at"] = inv.collected_at
    h["sources"] = [s.to_dict() for s in inv.sources]
    return h


def save(inv: Inventory, path: str | Path, *, with_raw: bool = True) -> Path:
    """Write a snapshot. ``.json`` → one document; ``.jsonl``, ``.gz`` → JSON lines."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    name = path.name
    jsonl = name.endswith((".jsonl", ".gz"))
    tmp = path.with_name(path.name + ".tmp")
    opener = gzip.open if name.endswith(".gz") else open
    with opener(tmp, "wt", encoding="utf-8") as fh:  # type: ignore[operator]
        if jsonl:
            _write_jsonl(inv, fh, with_raw)
        else:
            doc = _header(inv, "json")
            doc["resources"] = [r.to_dict(with_raw=with_raw) for r in inv.resources.values()]
            doc["relationships"] = [r.to_dict() for r in inv.relationships]
            doc["coverage_gaps"] = [g.to_dict() for g in inv.coverage_gaps]
            json.dump(doc, fh, ensure_ascii=False, indent=1, sort_keys=False)
            fh.write("\n")
    tmp.replace(path)  # never leave a half-written snapshot under the real name
    return path


def _write_jsonl(inv: Inventory, fh: IO[str], with_raw: bool) -> None:
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    fh.write(dumps(_header(inv, "jsonl")) + "\n")
    for r in inv.resources.values():
        d = r.to_dict(with_raw=with_raw)
        d["record"] = "resource"
        fh.write(dumps(d) + "\n")
    for rel in inv.relationships:
        d = rel.to_dict()
        d["record"] = "relationship"
        fh.write(dumps(d) + "\n")
    for g in inv.coverage_gaps:
        d = g.to_dict()
        d["record"] = "gap"
        fh.write(dumps(d) + "\n")


# --- load -------------------------------------------------------------------------------


def _open_text(path: Path) -> IO[str]:
    from scanner.docfile import open_text

    return open_text(path, what="an inventory snapshot")


def is_snapshot(head: str) -> bool:
    """Whether the first characters of a (decompressed) file look like our snapshot."""
    return f'"format": "{FORMAT}"' in head or f'"format":"{FORMAT}"' in head


def load(path: str | Path) -> Inventory:
    """Read a snapshot in either encoding. Bad input raises InputError (one sentence)."""
    from scanner.docfile import parse_json

    path = Path(path)
    try:
        with _open_text(path) as fh:
            first = fh.readline()
            try:
                header = json.loads(first)
            except (json.JSONDecodeError, RecursionError):
                header = None
            if isinstance(header, dict) and header.get("encoding") == "jsonl":
                _check_header(path, header)
                return _load_jsonl(path, header, fh)
            text = first + fh.read()
    except (OSError, EOFError, UnicodeDecodeError, gzip.BadGzipFile) as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None
    doc = parse_json(text, path)
    if not isinstance(doc, dict):
        raise InputError(f"{path}: not a cloudgov inventory snapshot (expected a JSON object)")
    _check_header(path, doc)
    try:
        inv = Inventory(collected_at=doc.get("collected_at"), sources=list(doc.get("sources") or []))
        for d in doc.get("resources") or []:
            r = Resource.from_dict(d)
            inv.resources[r.id] = r
        inv.relationships = [Relationship.from_dict(d) for d in doc.get("relationships") or []]
        inv.coverage_gaps = [CoverageGap.from_dict(d) for d in doc.get("coverage_gaps") or []]
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise InputError(f"{path}: malformed snapshot entry (missing or wrong field {e})") from None
    return inv


def _check_header(path: Path, doc: dict[str, Any]) -> None:
    if doc.get("format") != FORMAT:
        raise InputError(f"{path}: not a cloudgov inventory snapshot (no \"format\": \"{FORMAT}\")")
    version = doc.get("version")
    if version != VERSION:
        raise InputError(
            f"{path}: snapshot version {version!r} is not supported (this cloudgov reads version {VERSION})"
        )


def _load_jsonl(path: Path, header: dict[str, Any], fh: IO[str]) -> Inventory:
    inv = Inventory(collected_at=header.get("collected_at"), sources=list(header.get("sources") or []))
    loads = json.loads
    lineno = 1
    try:
        for lineno, line in enumerate(fh, start=2):
            if not line.strip():
                continue
            d = loads(line)
            t = d.pop("record", None)
            if t == "resource":
                r = Resource.from_dict(d)
                inv.resources[r.id] = r
            elif t == "relationship":
                inv.relationships.append(Relationship.from_dict(d))
            elif t == "gap":
                inv.coverage_gaps.append(CoverageGap.from_dict(d))
            else:
                raise InputError(f"{path}: line {lineno}: unknown record kind {t!r}")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: malformed JSON on line {lineno}: {e.msg}") from None
    except RecursionError:
        raise InputError(f"{path}: line {lineno}: the JSON is nested too deeply") from None
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        raise InputError(f"{path}: line {lineno}: malformed snapshot entry (missing or wrong field {e})") from None
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise InputError(f"{path}: cannot read the file ({e})") from None
    return inv
