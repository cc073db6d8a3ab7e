"""scanner.connectors.gcp.scan.collect: a whole live GCP scan as a library call (the CLI's
orchestration, without the CLI), against the local Cloud Asset replay endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("google.cloud.asset_v1")

from asset_api_server import AssetApi, recorded  # noqa: E402

from scanner.connectors import live_collector  # noqa: E402
from scanner.errors import UsageError  # noqa: E402

DATA = Path(__file__).parents[2] / "data" / "gcp"
ORG = "organizations/100000000001"



def test_collect_counts_every_api_in_one_source_record():
    api = AssetApi(recorded("org-export.ndjson"), recorded("iam-export.ndjson"),
                   users=[{"primaryEmail": "chen.ops@example.com.tw", "isEnrolledIn2Sv": False}])
    url = api.start()
    try:
        ScanRequest, collect = live_collector("gcp")
        heard: list[str] = []
        inv = collect(ScanRequest.parse([ORG, ORG + "/"], endpoint_url=url, directory_customer="my_customer"),
                      progress=lambda label, done, total: heard.append(label))
    finally:
        api.stop()
    (src,) = inv.sources
    assert src.connector == "gcp" and src.mode == "live" and src.accounts == (ORG,)  # de-duplicated
    assert src.api_calls == api.calls() == sum(src.calls_by_api.values())
    assert src.calls_by_api["directory"] >= 1 and src.calls_by_api["cloudasset"] >= 1
    assert heard and "Directory API: users" in heard
    assert inv.get("user:chen.ops@example.com.tw").prop("mfa") is False


def test_a_scope_is_required():
    ScanRequest, _ = live_collector("gcp")
    with pytest.raises(UsageError, match="--scope"):
        ScanRequest.parse([])
