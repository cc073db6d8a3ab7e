"""checkov's cloudformation and arm verdicts, from its single run, folded into our resources:
recorded output matched by file and first line, kept as evidence (a PASSED verdict never
fills what our parser left unknown)."""

from __future__ import annotations

import json

import pytest

from scanner.iac import checkov as ck
from scanner.iac.mapping import apply_checkov
from scanner.iac.project import collect
from tests.conftest import run_cli
from tests.iac.conftest import DATA

try:
    ck.find_checkov()
    HAVE_CHECKOV = True
except Exception:
    HAVE_CHECKOV = False


def test_one_checkov_run_covers_every_format(tmp_path):
    cmd = ck.command(tmp_path / "checkov", tmp_path, ["CKV_AWS_7"])
    i = cmd.index("--framework")
    assert cmd[i + 1:i + 4] == ["terraform", "cloudformation", "arm"]


def test_cloudformation_verdicts_are_a_second_opinion():
    case = DATA / "cfn" / "checkov"
    inv = collect(case, region="ap-east-2")
    logs = inv.get("template.yaml#Audit")
    assert logs.prop("encryption.key_manager") is None  # a parameter without a default
    stats = apply_checkov(inv, ck.parse_output((case / "checkov-output.json").read_text()), case)
    assert stats["matched"] == 3 and stats["unmatched"] == 0
    logs = inv.get("template.yaml#Audit")
    assert logs.prop("encryption.key_manager") is None  # checkov's PASS is no proof of ours
    assert logs.raw["checkov"] == {"CKV_AWS_158": "PASSED"} and "filled_by_checkov" not in logs.raw
    key = inv.get("template.yaml#Rotating")
    assert key.raw["checkov"] == {"CKV_AWS_7": "PASSED", "CKV_AWS_33": "PASSED"}
    assert "filled_by_checkov" not in key.raw  # rotation and policy were read by our parser


def test_arm_verdicts_are_a_second_opinion():
    case = DATA / "arm" / "checkov"
    inv = collect(case)
    rid = "azuredeploy.json#Microsoft.Compute/disks/data"
    assert inv.get(rid).prop("encryption.key_manager") is None  # type from a parameter without a default
    stats = apply_checkov(inv, ck.parse_output((case / "checkov-output.json").read_text()), case)
    assert stats["matched"] == 1
    assert inv.get(rid).prop("encryption.key_manager") is None
    assert inv.get(rid).raw["checkov"] == {"CKV_AZURE_93": "PASSED"}


def test_a_verdict_on_another_line_or_type_is_not_matched():
    case = DATA / "arm" / "checkov"
    inv = collect(case)
    doc = json.loads((case / "checkov-output.json").read_text())
    check = doc[0]["results"]["passed_checks"][0]
    check["file_line_range"] = [1, 19]
    stats = apply_checkov(inv, ck.parse_output(json.dumps(doc)), case)
    assert stats["unmatched"] == 1 and stats["matched"] == 0


@pytest.mark.skipif(not HAVE_CHECKOV, reason="checkov not set up (cloudgov iac setup)")
@pytest.mark.slow
@pytest.mark.parametrize("sample", ["samples/cloudformation", "samples/arm"])
def test_with_checkov_every_verdict_lands_on_a_resource(tmp_path, sample):
    proc = run_cli("iac", sample, "--region", "ap-east-2", "-f", "json", "-o", str(tmp_path))
    assert proc.returncode == 1, proc.stderr
    doc = json.loads((tmp_path / "findings.json").read_text())
    meta = doc["extra"]["checkov"]
    assert meta["matched"] > 0 and meta["unmatched"] == 0
    assert not any(f["policy"].startswith("CKV") for f in doc["findings"])
