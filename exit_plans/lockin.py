"""Lock-in analysis on the inventory graph (ETG 5.3 互通性和可移植性, 9.5).

Pure: an Inventory and a service's cloud scopes in, a :class:`LockinReport` out. The
service's components are the workload resources in its scopes plus everything they reach
through keys, logs, replicas, backups and attachments (``inventory.graph()``); each is
classed ``portable``, ``provider_specific`` or ``unknown`` from ``portability.yaml``
(unknown never counts as portable). The migration order puts dependencies first: a key
before the data encrypted under it, a source before its replicas and backups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from scanner.docfile import yaml_load
from scanner.errors import InputError
from scanner.inventory import Inventory
from scanner.model import Kind, RelType, Resource

__all__ = ["Component", "LockinReport", "analyse", "classify", "PORTABLE", "PROVIDER_SPECIFIC", "UNKNOWN"]

PORTABLE, PROVIDER_SPECIFIC, UNKNOWN = "portable", "provider_specific", "unknown"

#: Control-plane kinds: not components a workload migrates.
_NOT_COMPONENTS = frozenset(
    {str(Kind.ACCOUNT), str(Kind.IDENTITY_USER), str(Kind.IDENTITY_ROLE), str(Kind.IDENTITY_GROUP),
     str(Kind.IDENTITY_POLICY), str(Kind.LOG_TRAIL)}
)
#: edge type → True when the edge's source depends on its target (else the reverse).
_DEPENDS = {
    str(RelType.ENCRYPTED_BY): True,   # data needs its key
    str(RelType.LOGS_TO): True,        # a trail / app needs its log store
    str(RelType.BACKUP_OF): True,      # a backup needs its source
    str(RelType.REPLICATES_TO): False,  # a replica needs its source
    str(RelType.ATTACHED_TO): False,   # an instance needs its volumes
}


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    return yaml_load((Path(__file__).with_name("portability.yaml")).read_text(encoding="utf-8"))


def classify(r: Resource | None) -> tuple[str, str]:
    """(class, why) for one resource; None (an edge's end outside the scan) is unknown."""
    if r is None:
        return UNKNOWN, "not in the scanned inventory"
    t = _table()
    entry = t["by_native_type"].get(r.native_type) or t["by_kind"].get(r.kind)
    if entry is None:
        return UNKNOWN, f"no portability rule for {r.native_type or r.kind}"
    if entry.get("engine_dependent"):
        engine = str(r.prop("engine") or "").lower()
        if not engine:
            return UNKNOWN, "database engine unknown"
        if any(engine.startswith(e) for e in t["portable_engines"]):
            return PORTABLE, f"{engine}: {entry['why']}"
        return PROVIDER_SPECIFIC, f"engine {engine} runs only at this provider"
    return entry["class"], entry["why"]


@dataclass(frozen=True)
class Component:
    id: str
    name: str
    kind: str | None
    native_type: str | None
    region: str | None
    portability: str
    why: str
    wave: int  # migration wave: 1 first
    depends_on: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "native_type": self.native_type,
                "region": self.region, "portability": self.portability, "why": self.why, "wave": self.wave,
                "depends_on": list(self.depends_on)}


@dataclass
class LockinReport:
    service: str
    scopes: list[str]
    components: list[Component] = field(default_factory=list)  # in migration order
    dependencies: list[tuple[str, str, str]] = field(default_factory=list)  # (dependent, dependency, type)

    def count(self, cls: str) -> int:
        return sum(1 for c in self.components if c.portability == cls)

    @property
    def score(self) -> int | None:
        """Share of components that are portable, 0–100 (None when there are none)."""
        if not self.components:
            return None
        return round(100 * self.count(PORTABLE) / len(self.components))

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "scopes": self.scopes,
            "score": self.score,
            "counts": {c: self.count(c) for c in (PORTABLE, PROVIDER_SPECIFIC, UNKNOWN)},
            "components": [c.to_dict() for c in self.components],
            "dependencies": [{"dependent": a, "dependency": b, "type": t} for a, b, t in self.dependencies],
        }


#: copies of a component belong to the service too (its replicas and backups)
_COPIES = {str(RelType.REPLICATES_TO), str(RelType.BACKUP_OF)}


def _dependency_graph(g, seeds: set[str]):
    """The service's components as a DiGraph, edges dependency → dependent.

    From each component the walk follows what it depends on (its key, its log store, its
    source) and its own copies (replicas, backups), never sideways: another account's
    tables encrypted under a shared key are not this service's components.
    """
    import networkx as nx

    def ends(u, v, t):
        return (u, v) if _DEPENDS[t] else (v, u)  # (dependent, dependency)

    members = set(seeds)
    stack = list(seeds)
    while stack:
        node = stack.pop()
        edges = list(g.out_edges(node, data=True)) + list(g.in_edges(node, data=True))
        for u, v, data in edges:
            t = data.get("type")
            if t not in _DEPENDS:
                continue
            dependent, dependency = ends(u, v, t)
            if node == dependent:
                nxt = dependency
            elif t in _COPIES:
                nxt = dependent
            else:
                continue
            res = g.nodes[nxt].get("resource")
            if nxt in members or (res is not None and res.kind in _NOT_COMPONENTS):
                continue
            members.add(nxt)
            stack.append(nxt)
    dep = nx.DiGraph()
    dep.add_nodes_from(members)
    for u, v, data in g.subgraph(members).edges(data=True):
        t = data.get("type")
        if t in _DEPENDS:
            dependent, dependency = ends(u, v, t)
            dep.add_edge(dependency, dependent, type=t)
    return dep


def analyse(inv: Inventory, service: str, scopes: list[str]) -> LockinReport:
    import networkx as nx

    scope_set = {tuple(s.split(":", 1)) for s in scopes}
    seeds = {r.id for r in inv if (r.provider, r.account) in scope_set and r.kind not in _NOT_COMPONENTS}
    if not any((r.provider, r.account) in scope_set for r in inv):
        raise InputError(
            f"{service}: the inventory holds none of the service's scopes ({', '.join(scopes) or 'none linked'}); "
            "scan those accounts or pass --scope"
        )
    g = inv.graph()
    dep = _dependency_graph(g, seeds)
    # cycles (mutual replication) migrate together: condense them into one step
    cond = nx.condensation(dep)
    wave_of: dict[str, int] = {}
    for i, generation in enumerate(nx.topological_generations(cond), start=1):
        for c in generation:
            for node in cond.nodes[c]["members"]:
                wave_of[node] = i
    report = LockinReport(service=service, scopes=list(scopes))
    for node in sorted(dep.nodes, key=lambda n: (wave_of[n], n)):
        r = g.nodes[node].get("resource") if node in g else inv.get(node)
        cls, why = classify(r)
        report.components.append(
            Component(
                id=node,
                name=(r.name if r is not None and r.name else node.rsplit("/", 1)[-1].rsplit(":", 1)[-1]),
                kind=r.kind if r else None,
                native_type=r.native_type if r else None,
                region=r.region if r else None,
                portability=cls,
                why=why,
                wave=wave_of[node],
                depends_on=tuple(sorted(dep.predecessors(node))),
            )
        )
    report.dependencies = sorted((v, u, d["type"]) for u, v, d in dep.edges(data=True))
    return report
