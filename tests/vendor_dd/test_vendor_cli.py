"""``cloudgov vendor list / show / history`` and start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_cli_start_up_imports_no_database_code():
    code = ("import sys, scanner.cli; "
            "bad = [m for m in ('sqlalchemy', 'alembic', 'vendor_dd.models', 'yaml') if m in sys.modules]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert "sqlalchemy" not in out.stdout and "vendor_dd" not in out.stdout, out.stdout


def test_list_show_history(register, sample_copy, vendor_cli):
    vendor_cli("import", str(sample_copy))
    rows = json.loads(vendor_cli("list", "--format", "json").stdout)
    by = {f"{r['provider']}/{r['service']}": r for r in rows}
    assert by["nimbus-crm/crm"]["review_status"] == "overdue"
    assert by["formosa-msp/azure-ops"]["review_status"] == "never_reviewed"
    assert by["aws-tw/core-trading"]["next_review_due"] == "2027-03-10"
    assert by["formosa-msp/azure-ops"]["material"] == ""  # unassessed stays unknown
    table = vendor_cli("list")
    assert table.exit_code == 0 and "nimbus" in table.stdout

    view = json.loads(vendor_cli("show", "nimbus-crm", "--format", "json").stdout)
    assert view["identifiers"]["sg_uen"] == "201900000S"
    assert [c["in_force"] for c in view["contracts"]] == [False, True]
    assert view["contracts"][1]["clauses"]["deletion_certificate"] == {"status": "missing", "section": None}
    assert view["evidence"][0]["state"] == "expired"
    text = vendor_cli("show", "aws-tw")
    assert text.exit_code == 0 and "FSA 4.2" in text.stdout and "(planned)" in text.stdout
    assert vendor_cli("show", "aws-tw", "--format", "xml").exit_code == 2

    vendor_cli("review", "start", "formosa-msp/azure-ops", "--actor", "alice")
    hist = json.loads(vendor_cli("history", "formosa-msp", "--format", "json").stdout)
    assert hist[0]["actor"] == "alice" and hist[0]["action"] == "start" and hist[0]["key"] == "formosa-msp/azure-ops"
    assert any(h["action"] == "create" and h["entity"] == "provider" and h["actor"] == "tester" for h in hist)
