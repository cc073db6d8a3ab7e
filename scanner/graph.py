"""A networkx view of an Inventory, for policies and analyses that follow relationships."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx

if TYPE_CHECKING:
    from scanner.inventory import Inventory

__all__ = ["build_graph", "dependencies"]


def build_graph(inv: Inventory) -> nx.MultiDiGraph:
    """Nodes are resource ids (with the Resource as ``resource``); edges carry ``type``.

    An edge whose end is not in the inventory (a key in an account we did not scan) still
    gets a node, with ``resource=None``, so the dependency is visible rather than dropped.
    """
    g = nx.MultiDiGraph()
    for r in inv.resources.values():
        g.add_node(r.id, resource=r, kind=r.kind)
    for rel in inv.relationships:
        for end in (rel.source, rel.target):
            if end not in g:
                g.add_node(end, resource=None, kind=None)
        g.add_edge(rel.source, rel.target, key=rel.type, type=rel.type, **dict(rel.properties))
    return g


def dependencies(g: nx.MultiDiGraph, start: str, types: set[str] | None = None) -> set[str]:
    """Every node reachable from ``start`` over edges of the given types (all if None)."""
    if start not in g:
        return set()
    if types is None:
        return set(nx.descendants(g, start))
    seen: set[str] = set()
    stack = [start]
    while stack:
        node = stack.pop()
        for _, nxt, data in g.out_edges(node, data=True):
            if data.get("type") in types and nxt not in seen and nxt != start:
                seen.add(nxt)
                stack.append(nxt)
    return seen
