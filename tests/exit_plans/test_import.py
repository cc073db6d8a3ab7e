"""Plan import: idempotent upsert, change log, and bad input as one sentence (exit 2)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from exit_plans.importer import import_document, parse_duration_hours, read_document
from exit_plans.models import ExitPlan, ExitTest
from scanner.errors import InputError
from vendor_dd.models import Change


def _import(register, path, who):
    with register.session() as s:
        return import_document(s, who, read_document(path), source=path.name)


def _count(register, model):
    with register.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_import_again_changes_nothing_then_updates(loaded, samples, as_of):
    assert _count(loaded, ExitPlan) == 3 and _count(loaded, ExitTest) == 3
    changes = _count(loaded, Change)
    rep = _import(loaded, samples / "exit-plans.yaml", as_of())
    assert rep.created == [] and rep.updated == [] and _count(loaded, Change) == changes
    text = (samples / "exit-plans.yaml").read_text()
    text = text.replace("transition_time: 30d", "transition_time: 20h").replace(
        "    next_test_due: 2026-06-10\n",
        "      - {date: 2026-11-01, kind: restore, result: passed, scenario: stressed}\n    next_test_due: 2027-11-01\n")
    (samples / "exit-plans.yaml").write_text(text)
    rep = _import(loaded, samples / "exit-plans.yaml", as_of())
    assert rep.updated == ["exit plan nimbus-crm/crm"]
    with loaded.session() as s:
        last = s.scalars(select(Change).order_by(Change.id.desc())).first()
        assert (last.actor, last.entity, last.key) == ("tester", "exit_plan", "nimbus-crm/crm")
        assert last.details["transition_hours"] == [720.0, 20.0]
        assert last.details["tests_added"] == ["2026-11-01 restore"]


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda t: t.replace("service: nimbus-crm/crm", "service: nimbus-crm/nope"), "unknown service 'nimbus-crm/nope'"),
        (lambda t: t.replace("service: nimbus-crm/crm", "service: aws-tw/core-trading"), "has two plans"),
        (lambda t: t.replace("approved_on: 2024-02-01", "approved_on: 2024/02/01"), "is not a date in the form YYYY-MM-DD"),
        (lambda t: t.replace("strategy: in_house", "strategy: outsource"), "unknown exit strategy 'outsource'"),
        (lambda t: t.replace("kind: tabletop, result: passed, scenario: planned", "kind: drill, result: passed"), "unknown test kind 'drill'"),
        (lambda t: t.replace("transition_time: 30d", "transition_time: a month"), "is not a duration"),
        (lambda t: t.replace("    approved_by: 法遵長 Wang Shu-Fen\n", "", 1), "names its approver"),
        (lambda t: t.replace("format: cloudgov.exit-plans", "format: cloudgov.vendors"), "is not 'cloudgov.exit-plans'"),
        (lambda t: t.replace("plans:", "plans: [", 1), "malformed YAML at line"),
    ],
)
def test_bad_input_is_one_sentence_and_writes_nothing(loaded, samples, as_of, mutate, message):
    path = samples / "exit-plans.yaml"
    path.write_text(mutate(path.read_text()))
    changes = _count(loaded, Change)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        _import(loaded, path, as_of())
    assert "\n" not in str(e.value)
    assert _count(loaded, Change) == changes


def test_durations():
    assert parse_duration_hours("36h", "x") == 36 and parse_duration_hours("5d", "x") == 120
    assert parse_duration_hours(2, "x") == 2 and parse_duration_hours("1.5 hours", "x") == 1.5
    assert parse_duration_hours("2w", "x") == 336 and parse_duration_hours(None, "x") is None
    with pytest.raises(InputError):
        parse_duration_hours(True, "x")


def test_test_add_cli(loaded, exit_cli):
    r = exit_cli("test", "add", "nimbus-crm/crm", "--date", "2026-11-20", "--kind", "partial_migration",
                 "--result", "passed", "--scenario", "stressed", "--next-due", "2027-11-01", "--today", "2026-11-21")
    assert r.exit_code == 0, r.output
    r = exit_cli("plan", "list", "--format", "json", "--today", "2026-11-21")
    rows = {x["service"]: x for x in __import__("json").loads(r.stdout)}
    assert rows["nimbus-crm/crm"]["last_test"] == "2026-11-20" and rows["nimbus-crm/crm"]["next_test_due"] == "2027-11-01"
    assert rows["formosa-msp/azure-ops"]["state"] == "service"
    r = exit_cli("test", "add", "nimbus-crm/crm", "--date", "2026-11-20", "--kind", "partial_migration", "--result", "passed")
    assert r.exit_code == 2 and "already recorded" in str(r.exception)
    r = exit_cli("test", "add", "formosa-msp/azure-ops", "--date", "2026-11-20", "--kind", "restore", "--result", "passed")
    assert r.exit_code == 2 and "no exit plan on record" in str(r.exception)
    r = exit_cli("test", "add", "nimbus-crm/crm", "--date", "2026-11-20", "--kind", "restore", "--result", "ok")
    assert r.exit_code == 2 and "unknown test result 'ok'" in str(r.exception)


@pytest.mark.parametrize(
    "args, message",
    [
        (["exit", "plan", "import", "missing.yaml"], "missing.yaml: no such file"),
        (["exit", "verify", "aws-tw/data-lake", "--inventory", "missing.json"], "missing.json: no such file"),
        (["exit", "lockin", "--inventory", "samples/estate/aws.json"], "name the service"),
        (["exit", "lockin", "--inventory", "samples/estate/aws.json", "--scope", "222222222222"], "is not a cloud scope"),
        (["exit", "check", "--fail-on", "severe"], "--fail-on: unknown severity"),
        (["exit", "test", "add", "aws-tw/core-trading", "--date", "yesterday", "--kind", "restore", "--result", "passed"],
         "--date: 'yesterday' is not a date"),
    ],
)
def test_cli_bad_input_exit_2_one_sentence_no_traceback(cli, tmp_path, args, message):
    db = f"sqlite:///{tmp_path / 'c.db'}"
    r = cli(*args, env={"CLOUDGOV_DB": db, "CLOUDGOV_EVIDENCE_DIR": str(tmp_path / "ev"), "CLOUDGOV_ACTOR": "t"})
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0
