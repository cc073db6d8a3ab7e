"""scanner.pipeline.run: the one pipeline the CLI, the web application and workers share."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from scanner.errors import CloudgovError, UsageError
from scanner.inventory import Inventory, load, merge
from scanner.model import Resource, Severity, Status
from scanner.pipeline import STAGES, Options, run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def estate() -> Inventory:
    return merge(load(p) for p in sorted((ROOT / "samples" / "estate").glob("*.json")))


def _unencrypted_bucket() -> Inventory:
    inv = Inventory(collected_at="2026-01-01T00:00:00Z")
    inv.add(
        Resource(
            provider="aws", account="111111111111", region="ap-east-2", kind="storage.object",
            native_type="AWS::S3::Bucket", id="arn:aws:s3:::plain", name="plain",
            properties={"encryption.key_manager": "provider"},
        )
    )
    return inv


def test_files_history_and_exit_code_come_back_as_values(estate, tmp_path):
    stages: list[str] = []
    db = f"sqlite:///{tmp_path / 'history.db'}"
    outcome = run(
        estate,
        Options(formats=("json,sarif",), output_dir=tmp_path / "out", store=True, db=db, source="snapshot:estate",
                save_inventory=tmp_path / "inv.json"),
        progress=lambda stage, message: stages.append(stage),
    )
    assert stages == ["evaluate", "save_inventory", "render", "store"]
    assert set(stages) <= set(STAGES)
    assert [p.name for p in outcome.written] == ["findings.json", "findings.sarif"]
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["source"] == "snapshot:estate"
    assert isinstance(outcome.scan_id, int)
    assert len(load(tmp_path / "inv.json")) == len(estate)
    # the sample estate has known high-severity failures: the default threshold (high) trips
    assert outcome.fail_on is Severity.HIGH
    assert outcome.result.failing(Severity.HIGH)
    assert outcome.exit_code == 1


def test_nothing_rendered_when_no_format_is_asked(tmp_path):
    out = io.StringIO()
    outcome = run(_unencrypted_bucket(), Options(formats=(), stdout=out))
    assert out.getvalue() == "" and outcome.written == []
    statuses = {f.policy: f.status for f in outcome.result.findings}
    assert statuses["encryption.object_storage_cmk"] is Status.FAIL


def test_stdout_format_goes_to_the_given_stream():
    out = io.StringIO()
    run(_unencrypted_bucket(), Options(formats=("json",), stdout=out))
    doc = json.loads(out.getvalue())
    assert any(f["policy"] == "encryption.object_storage_cmk" for f in doc["findings"])


def test_threshold_and_errors_fail_decide_the_exit_code():
    inv = _unencrypted_bucket()
    assert run(inv, Options(formats=(), fail_on="critical")).exit_code == 0
    assert run(inv, Options(formats=(), fail_on=Severity.LOW)).exit_code == 1


def test_areas_limit_the_policies():
    outcome = run(_unencrypted_bucket(), Options(formats=(), areas={"vendor"}))
    assert outcome.result.findings == [] and outcome.exit_code == 0


def test_bad_input_is_refused_before_any_stage(tmp_path):
    stages: list[str] = []
    with pytest.raises(UsageError, match="unknown output format"):
        run(_unencrypted_bucket(), Options(formats=("pdf",)), progress=lambda s, m: stages.append(s))
    with pytest.raises(UsageError, match="--fail-on"):
        run(_unencrypted_bucket(), Options(formats=(), fail_on="severe"), progress=lambda s, m: stages.append(s))
    with pytest.raises(CloudgovError, match="no such waiver file"):
        run(_unencrypted_bucket(), Options(formats=(), waivers=tmp_path / "missing.yaml"),
            progress=lambda s, m: stages.append(s))
    assert stages == []


def test_postprocess_sees_the_result_before_rendering():
    seen: list[int] = []

    def exempt_everything(result) -> None:
        seen.append(len(result.findings))
        result.exit_code_exempt = {f.fingerprint for f in result.findings}

    outcome = run(_unencrypted_bucket(), Options(formats=(), fail_on="low", postprocess=exempt_everything))
    assert seen and seen[0] == len(outcome.result.findings)
    assert outcome.exit_code == 0
