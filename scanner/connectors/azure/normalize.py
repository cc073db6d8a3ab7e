"""Azure payloads → the normalized model (pure functions, no I/O).

Reads an :class:`~scanner.connectors.azure.raw.AzureRaw` (Resource Graph rows, the few
targeted ARM reads, Microsoft Graph pages) and returns an Inventory. Unknown stays unknown:
a field the payload does not carry is left out, never written as ``false``. The work is
split by meaning: :mod:`.resources` (data-bearing kinds), :mod:`.logs` (keys, activity-log
export, log storage), :mod:`.identity` (Entra users, service principals, roles, MFA).
"""

from __future__ import annotations

import dataclasses

from scanner.connectors.azure import identity
from scanner.connectors.azure.access import internet_access
from scanner.connectors.azure.common import Context, row_type, subscription_resource
from scanner.connectors.azure.logs import activity_log_trail, key_resources, mark_log_storage
from scanner.connectors.azure.monitor import defender_plans
from scanner.connectors.azure.raw import AzureRaw
from scanner.connectors.azure.resources import backup_items
from scanner.connectors.azure.services import HANDLERS
from scanner.inventory import Inventory
from scanner.model import RelType

__all__ = ["normalize"]


def normalize(raw: AzureRaw) -> Inventory:
    inv = Inventory(collected_at=raw.collected_at, sources=list(raw.sources))
    ctx = Context(raw)
    conditions = internet_access(raw.ca_policies, raw.ca_error)
    for row in raw.containers:
        if row_type(row) == "microsoft.resources/subscriptions":
            sub = subscription_resource(row)
            inv.add(dataclasses.replace(sub, properties={**sub.properties, **conditions}))
    keys = list(key_resources(raw, ctx))
    inv.add_all(keys)
    for key in keys:
        ctx.key_by_uri[key.prop("key_uri", "").lower()] = key.id
    for row in raw.resources:
        handler = HANDLERS.get(row_type(row))
        for res, rels in handler(row, ctx) if handler else ():
            inv.add(res)
            inv.relate(res.id, RelType.IN_ACCOUNT, f"/subscriptions/{res.account}")
            for rel_type, target in rels:
                inv.relate(res.id, rel_type, target)
    backup_items(inv, raw)
    for sub_id, settings in raw.diagnostic_settings.items():
        trail, targets = activity_log_trail(sub_id, settings, ctx)
        inv.add(trail)
        for target in targets:
            inv.relate(trail.id, RelType.LOGS_TO, target)
            ctx.log_targets.add(target.lower())
    for sub_id, rows in raw.pricings.items():
        inv.add_all(defender_plans(sub_id, rows))
    mark_log_storage(inv, raw, ctx)
    identity.normalize_identities(raw, inv)
    for g in raw.gaps:
        inv.gap(g)
    return inv


