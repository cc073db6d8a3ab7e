"""Wrong values are refused with one sentence and exit 2, nothing written: negative,
infinite or NaN durations, ``true`` read as 1 day, unknown statuses, negative days."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanner.cli import run

ROOT = Path(__file__).resolve().parent.parent
TODAY = ["--actor", "t", "--today", "2026-06-01"]


def _one_line_exit_2(argv: list[str], capsys) -> str:
    code = run(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _count(db: str, table: str) -> int:
    from sqlalchemy import create_engine, inspect, text

    from scanner.store.db import resolve_url

    engine = create_engine(resolve_url(db))
    try:
        if table not in inspect(engine).get_table_names():
            return 0
        with engine.connect() as conn:
            return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar())
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["-2", ".inf", "-.inf", ".nan", "true", "'inf'", "'nan'", "'-1'"])
@pytest.mark.parametrize("field", ["rto_hours", "rpo_hours"])
def test_register_durations(tmp_path, capsys, field, value):
    text = (ROOT / "samples" / "vendors.yaml").read_text(encoding="utf-8")
    assert "        rto_hours: 2\n" in text
    text = text.replace("        rto_hours: 2\n", f"        rto_hours: 2\n        {field}: {value}\n", 1) if field == "rpo_hours" \
        else text.replace("        rto_hours: 2\n", f"        rto_hours: {value}\n", 1)
    text = text.replace("        rpo_hours: 0.25\n", "", 1) if field == "rpo_hours" else text
    reg = tmp_path / "vendors.yaml"
    reg.write_text(text, encoding="utf-8")
    for d in ("vendor-evidence",):
        (tmp_path / d).symlink_to(ROOT / "samples" / d)
    db = f"sqlite:///{tmp_path / 'r.db'}"
    line = _one_line_exit_2(["vendor", "import", str(reg), "--db", db, *TODAY], capsys)
    assert field in line
    assert _count(db, "vendor_provider") == 0


@pytest.mark.parametrize("value", ["-3h", ".inf", ".nan", "true", "-1"])
def test_exit_plan_transition_time(tmp_path, capsys, value):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert run(["vendor", "import", str(ROOT / "samples" / "vendors.yaml"), "--db", db, *TODAY]) == 0
    text = (ROOT / "samples" / "exit-plans.yaml").read_text(encoding="utf-8")
    assert "    transition_time: 1.5h\n" in text
    plans = tmp_path / "plans.yaml"
    plans.write_text(text.replace("    transition_time: 1.5h\n", f"    transition_time: {value}\n", 1), encoding="utf-8")
    capsys.readouterr()
    line = _one_line_exit_2(["exit", "plan", "import", str(plans), "--db", db, *TODAY], capsys)
    assert "transition_time" in line
    assert _count(db, "exit_plan") == 0


@pytest.mark.parametrize(
    "yaml_text,field",
    [
        ("identity: {unused_credentials_days: -5}", "unused_credentials_days"),
        ("identity: {unused_credentials_days: true}", "unused_credentials_days"),
        ("identity: {unused_credentials_days: .inf}", "unused_credentials_days"),
        ("identity: {unused_credentials_days: 2.5}", "unused_credentials_days"),
        ("logging: {classes: {audit: {min_days: true}}}", "min_days"),
        ("logging: {classes: {audit: {min_days: .nan}}}", "min_days"),
        ("firm: {name: [a, [b, c]]}", "firm.name"),
        ("firm: {name: &a [x, *a]}", "firm.name"),
    ],
)
def test_config_values(tmp_path, capsys, yaml_text, field):
    cfg = tmp_path / "cloudgov.yaml"
    cfg.write_text(yaml_text + "\n", encoding="utf-8")
    line = _one_line_exit_2(["scan", "snapshot", "samples/estate/", "--config", str(cfg), "-q"], capsys)
    assert field in line


def _findings(evaluated_at: str, status: str = "FAIL", severity: str = "high") -> dict:
    return {
        "schema": "cloudgov.findings/1", "evaluated_at": evaluated_at, "source": "t",
        "findings": [{"id": "f1", "policy": "mfa.root_account", "status": status, "severity": severity,
                      "resource": {"id": "arn:aws:iam::1:root"}, "message": "m"}],
    }


@pytest.mark.parametrize(
    "bad,field",
    [
        (_findings("2026-01-02T00:00:00Z", status="PASSED"), "findings[0].status"),
        (_findings("2026-01-02T00:00:00Z", status="pass"), "findings[0].status"),
        (_findings("2026-01-02T00:00:00Z", severity="urgent"), "findings[0].severity"),
        (_findings("not a time"), "evaluated_at"),
        ({**_findings("2026-01-02T00:00:00Z"), "findings": [{"id": "x"}]}, "findings[0].policy"),
        ({**_findings("2026-01-02T00:00:00Z"), "findings": [5]}, "findings[0]"),
    ],
)
def test_history_import_is_all_or_nothing(tmp_path, capsys, bad, field):
    """good.json then bad.json: exit 2 naming the field, and good.json was not kept either."""
    good, broken = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(_findings("2026-01-01T00:00:00Z")), encoding="utf-8")
    broken.write_text(json.dumps(bad), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'h.db'}"
    line = _one_line_exit_2(["history", "import", str(good), str(broken), "--db", db], capsys)
    assert field in line and "bad.json" in line
    assert _count(db, "history_scan") == 0
    assert run(["history", "import", str(good), "--db", db]) == 0
    assert _count(db, "history_scan") == 1


@pytest.mark.parametrize("days", ["-5", "0"])
def test_history_prune_negative_days(tmp_path, capsys, days):
    db = f"sqlite:///{tmp_path / 'h.db'}"
    code = run(["history", "prune", "--keep-days", days, "--db", db])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
