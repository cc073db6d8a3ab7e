"""Waivers: active, expired, malformed; exact ids and globs, never substrings."""

from __future__ import annotations

import datetime as dt

import pytest

from policies.registry import load_policies
from scanner.errors import ConfigError
from scanner.model import Resource
from scanner.waivers import parse_waivers

BASE = {"reason": "r", "compensating_control": "c", "owner": "o", "approver": "a", "expires": "2027-01-01"}


def res(rid: str) -> Resource:
    return Resource("aws", "1", "ap-east-2", "storage.object", "AWS::S3::Bucket", rid, rid)


def ws(*entries):
    return parse_waivers({"waivers": [dict(BASE, **e) for e in entries]}, load_policies())


def test_exact_and_glob():
    w = ws({"id": "A", "policy": "residency.data_location", "resources": ["arn:aws:s3:::logs", "arn:aws:s3:::fx-*"]})
    assert w.match("residency.data_location", res("arn:aws:s3:::logs"))
    assert w.match("residency.data_location", res("arn:aws:s3:::fx-archive"))
    assert not w.match("residency.data_location", res("arn:aws:s3:::app-logs"))  # not a substring match
    assert not w.match("encryption.object_storage_cmk", res("arn:aws:s3:::logs"))  # other policy


def test_expired_waiver_stops_waiving():
    w = ws({"id": "A", "policy": "residency.data_location", "resources": ["x"], "expires": "2026-01-31"})
    active, expired = w.active_on(dt.date(2026, 2, 1))
    assert not active.match("residency.data_location", res("x"))
    assert [e.id for e in expired] == ["A"]
    assert "expired on 2026-01-31" in active.problems[0]
    still, _ = w.active_on(dt.date(2026, 1, 31))  # valid through its expiry date
    assert still.match("residency.data_location", res("x"))


@pytest.mark.parametrize(
    "bad,problem",
    [
        ({"approver": ""}, "missing approver"),
        ({"expires": "next year"}, "not a date"),
        ({"resources": ["*"]}, "bare '*'"),
        ({"resources": [1, 2]}, "list of ids"),
    ],
)
def test_malformed_entries_are_reported_and_waive_nothing(bad, problem):
    w = ws(dict({"id": "M", "policy": "residency.data_location", "resources": ["x"]}, **bad))
    assert len(w) == 0
    assert problem in w.problems[0]


def test_unknown_policy_is_an_error():
    with pytest.raises(ConfigError, match="unknown policy id"):
        ws({"id": "U", "policy": "nope.policy", "resources": ["x"]})


def test_file_must_be_a_list():
    with pytest.raises(ConfigError):
        parse_waivers({"waivers": {"a": 1}}, load_policies())
