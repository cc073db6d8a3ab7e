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
        ({"resources": ["*"]}, "would waive too much"),
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


# The guard against waiving everything used to look only for a bare "*": each of these
# waived every resource (or every AWS resource, or every bucket) of the policy.
@pytest.mark.parametrize(
    "pattern", ["?*", "*?", "arn:*", "**/*", "arn:aws:s3:::*", "arn:aws:s3:::[a-z]*", " * ", "*/*", "ab*"]
)
def test_globs_that_would_waive_too_much_are_refused(pattern):
    w = ws({"id": "G", "policy": "residency.data_location", "resources": ["arn:aws:s3:::fx-archive", pattern]})
    assert len(w) == 0
    assert "would waive too much" in w.problems[0]
    assert not w.match("residency.data_location", res("arn:aws:s3:::anything-else"))


@pytest.mark.parametrize("pattern", ["arn:aws:s3:::fx-*", "arn:aws:s3:::*-archive", "/subscriptions/1/x/vol?-data*"])
def test_globs_that_name_something_still_work(pattern):
    w = ws({"id": "G", "policy": "residency.data_location", "resources": [pattern]})
    assert len(w) == 1, w.problems


@pytest.mark.parametrize("field", ["reason", "compensating_control", "owner", "approver", "policy"])
@pytest.mark.parametrize("value", [{"a": 1}, ["x"], True, 5, "   "])
def test_text_fields_that_are_not_text_waive_nothing(field, value):
    entry = {"id": "T", "policy": "residency.data_location", "resources": ["arn:aws:s3:::logs"], field: value}
    if field == "policy" and isinstance(value, str):
        with pytest.raises(ConfigError, match="unknown policy id"):
            ws(entry)
        return
    w = ws(entry)
    assert len(w) == 0
    assert not w.match("residency.data_location", res("arn:aws:s3:::logs"))
    assert w.problems and "ignored" in w.problems[0]


@pytest.mark.parametrize("pattern,waived", [("arn:aws:s3:::fmsa-research-*", True), ("arn:*", False), ("?*", False)])
def test_waiver_file_through_the_cli(tmp_path, cli, pattern, waived):
    """The same waiver with a glob that names the bucket waives its FAIL; with a glob that
    would match everything it waives nothing and says why."""
    import json

    f = tmp_path / "w.yaml"
    f.write_text(
        f"waivers:\n  - {{id: W, policy: residency.data_location, resources: ['{pattern}'], reason: r,\n"
        "     compensating_control: c, owner: o, approver: a, expires: 2099-01-01}\n",
        encoding="utf-8",
    )
    r = cli("scan", "snapshot", "samples/estate/", "--waivers", str(f), "--format", "json", "-q")
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    [bucket] = [x for x in doc["findings"] if x["policy"] == "residency.data_location"
                and x["resource"]["id"] == "arn:aws:s3:::fmsa-research-hk"]
    assert bucket["status"] == ("WAIVED" if waived else "FAIL")
    if not waived:
        assert not [x for x in doc["findings"] if x["status"] == "WAIVED"]
        assert any("would waive too much" in p for p in doc["waiver_problems"])
