"""checkov runs while cloudgov parses: its results still arrive whole, it is stopped when
our own scan fails, and our errors still come first."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from scanner.errors import InputError
from scanner.iac import scan_iac
from scanner.iac.checkov import start_checkov


def fake_checkov(tmp_path: Path, body: str) -> Path:
    exe = tmp_path / "bin" / "checkov"
    exe.parent.mkdir()
    exe.write_text(f"#!{sys.executable}\nimport json, os, sys, time\n{body}\n")
    exe.chmod(0o755)
    return exe


def test_large_output_is_read_whole(tmp_path):
    # far more than a pipe buffer: checkov must not stall waiting for us to read
    result = {"check_id": "CKV_AWS_7", "check_result": {"result": "PASSED"}, "resource": "aws_kms_key.k",
              "file_path": "/main.tf", "file_line_range": [1, 3]}
    report = {"check_type": "terraform", "summary": {"checkov_version": "3.0"},
              "results": {"passed_checks": [result] * 3000}}
    exe = fake_checkov(tmp_path, f"sys.stdout.write({json.dumps(report)!r})")
    pending = start_checkov(tmp_path, ["CKV_AWS_7"], executable=exe, timeout=60)
    run = pending.wait()
    assert run.version == "3.0" and len(run.results) == 3000


def test_timeout_stops_checkov(tmp_path):
    exe = fake_checkov(tmp_path, "time.sleep(30)")
    pending = start_checkov(tmp_path, [], executable=exe, timeout=0.5)
    with pytest.raises(InputError, match="did not finish within"):
        pending.wait()


def test_checkov_is_stopped_when_our_scan_fails(tmp_path, monkeypatch):
    pidfile = tmp_path / "pid"
    exe = fake_checkov(tmp_path, f"open({str(pidfile)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)")
    monkeypatch.setenv("CLOUDGOV_CHECKOV", str(exe))
    empty = tmp_path / "nothing"
    empty.mkdir()
    started = time.monotonic()
    with pytest.raises(InputError, match="found"):  # nothing to scan: our error, not checkov's
        scan_iac(empty)
    assert time.monotonic() - started < 30
    if pidfile.exists():  # it had time to start: it must be gone now
        with pytest.raises(ProcessLookupError):
            os.kill(int(pidfile.read_text()), 0)


def test_our_error_comes_before_missing_checkov(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOUDGOV_CHECKOV", str(tmp_path / "no-such-checkov"))
    with pytest.raises(InputError, match="found"):
        scan_iac(tmp_path)
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "q"\n}\n')
    with pytest.raises(InputError, match="CLOUDGOV_CHECKOV"):
        scan_iac(tmp_path)
    assert scan_iac(tmp_path, use_checkov=False).inventory.get("aws_sqs_queue.q") is not None
