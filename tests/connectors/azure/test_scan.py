"""scanner.connectors.azure.scan.collect: the connector contract with an injected credential
and transport (the CLI's own path, without the CLI)."""

from __future__ import annotations

import pytest
from azure_recorded import FakeCredential, tenant_exchanges

from scanner.connectors import live_collector
from scanner.connectors.azure.replay import ReplayTransport
from scanner.errors import UsageError


def test_collect_from_a_request_reports_progress_and_one_source():
    ScanRequest, collect = live_collector("azure")
    transport = ReplayTransport(tenant_exchanges())
    heard: list[tuple[str, int, int | None]] = []
    inv = collect(ScanRequest(), credential=FakeCredential(), transport=transport,
                  progress=lambda label, done, total: heard.append((label, done, total)))
    assert len(inv) > 0
    (src,) = inv.sources
    assert src.connector == "azure" and src.mode == "live" and src.api_calls > 0
    assert heard and heard[0][0].startswith("Resource Graph")
    phases = [d for _, d, total in heard if total is None]
    assert phases == list(range(1, len(phases) + 1))  # each phase as it starts
    reads = [(d, total) for _, d, total in heard if total is not None]  # the targeted reads, counted
    assert reads and [d for d, _ in reads] == list(range(1, reads[0][1] + 1)) and {t for _, t in reads} == {5}


def test_management_group_and_subscriptions_are_alternatives():
    ScanRequest, _ = live_collector("azure")
    with pytest.raises(UsageError, match="not both"):
        ScanRequest(management_group="mg", subscriptions=("s",))
    assert ScanRequest(management_group="mg").scope == "mg:mg"
