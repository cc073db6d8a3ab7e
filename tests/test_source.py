"""scanner.source.Source: one record shape for every collection, and older snapshots read."""

from __future__ import annotations

from scanner.inventory import Inventory, load, save
from scanner.source import Source


def test_round_trip_through_a_snapshot(tmp_path):
    src = Source(connector="aws", mode="live", accounts=("111111111111",), regions=("ap-east-2",), api_calls=7,
                 calls_by_api={"s3": 3, "iam": 4}, seconds=1.5,
                 accounts_failed=({"account": "222222222222", "code": "AccessDenied", "message": "no"},),
                 details={"http_requests": 9})
    inv = Inventory(sources=[src])
    back = load(save(inv, tmp_path / "inv.json"))
    assert back.sources == [src]


def test_older_free_form_dicts_are_read_as_records():
    aws = Source.from_dict({"connector": "aws", "mode": "live", "api_calls": 5, "http_requests": 6,
                            "api_calls_by_service": {"s3": 5}, "accounts": ["1"], "endpoint_url": None})
    assert (aws.api_calls, dict(aws.calls_by_api), aws.accounts) == (5, {"s3": 5}, ("1",))
    assert aws.details == {"http_requests": 6, "endpoint_url": None}
    azure = Source.from_dict({"provider": "azure", "scope": "the tenant", "api_calls": {"resourcegraph": 4, "graph": 2}})
    assert (azure.connector, azure.api_calls, azure.details["scope"]) == ("azure", 6, "the tenant")
    register = Source.from_dict({"source": "vendor_dd", "as_of": "2026-11-01"})
    assert register.connector == "vendor_dd" and register.details == {"as_of": "2026-11-01"}


def test_dicts_given_to_an_inventory_become_records():
    inv = Inventory(sources=[{"connector": "test", "mode": "offline"}])
    assert inv.sources == [Source(connector="test", mode="offline")]
