"""Connectors: collection (I/O) apart from normalization (pure functions over raw payloads).

The contract every live connector keeps: a module with a ``ScanRequest`` (what to read)
and ``collect(request, *, progress=None, **injected) -> Inventory``. ``injected`` are the
seams tests and hosts use instead of patching globals: a boto3 ``session`` (AWS), a
``credential`` and ``transport`` (Azure), a Cloud Asset ``client`` and REST ``session``
(GCP). ``progress(label, done, total)`` hears what is being read (``total`` None when
unknown). The Inventory carries one :class:`scanner.source.Source` for the collection and
a coverage gap for everything it could not read.

:data:`LIVE` names them (``name → module:attr``), imported only when used; offline export
formats are the same kind of registry in :mod:`scanner.connectors.offline`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

__all__ = ["LIVE", "Progress", "live_collector"]

#: (label, done, total): what the connector is reading now; total is None when unknown
Progress = Callable[[str, int, "int | None"], None]

#: live connectors: name → "module:collect"; each module also defines ScanRequest
LIVE: dict[str, str] = {
    "aws": "scanner.connectors.aws.collect:collect",
    "azure": "scanner.connectors.azure.scan:collect",
    "gcp": "scanner.connectors.gcp.scan:collect",
}


def live_collector(name: str) -> tuple[type, Callable[..., Any]]:
    """(ScanRequest, collect) of the live connector ``name``."""
    module_name, attr = LIVE[name].split(":")
    module = importlib.import_module(module_name)
    return module.ScanRequest, getattr(module, attr)
