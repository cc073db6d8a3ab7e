"""Strict reading of booleans and integers from exports (scanner/connectors/values.py)."""

from __future__ import annotations

import pytest

from scanner.connectors.values import flag, strict_bool, strict_int


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("True", True), ("False", False), ("false", False), (" TRUE ", True),
    ("yes", None), ("0", None), (0, None), (1, None), (None, None), ([], None),
])
def test_strict_bool(value, expected):
    assert strict_bool(value) is expected


def test_flag_defaults_only_when_absent():
    assert flag({}, "enabled", True) is True
    assert flag({"enabled": None}, "enabled", True) is True
    assert flag({"enabled": "False"}, "enabled", True) is False
    assert flag({"enabled": "maybe"}, "enabled", True) is None


@pytest.mark.parametrize("value, expected", [
    (30, 30), ("1095", 1095), ("-1", -1), (90.0, 90), (True, None), (False, None), ("30d", None), ("", None), (None, None),
])
def test_strict_int(value, expected):
    assert strict_int(value) == expected if expected is not None else strict_int(value) is None
