"""Hostile names in the registers reach the terminal inert: a provider, service, contract,
plan or audit whose text holds terminal escape sequences (clear screen, rewrite the window
title, a fake hyperlink), rich markup or a bidirectional override is printed visibly by
``vendor list / show / history / evidence list``, ``exit plan list`` and the commands' own
messages — never obeyed — and ``vendor export --format csv`` writes no formula."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from scanner.cli import run

ROOT = Path(__file__).resolve().parent.parent
TODAY = ["--actor", "t", "--today", "2026-06-01"]
ESC_CLEAR = "\x1b[2J"
OSC_TITLE = "\x1b]0;pwned\x07"
HYPERLINK = "\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07"
MARKUP = "[blink red]boom[/blink red]"
BIDI = "\u202e"
FORMULA = '=HYPERLINK("https://evil.example","x")'


def _register(tmp: Path) -> Path:
    evidence = tmp / "report.pdf"
    evidence.write_bytes(b"%PDF-1.4 hostile")
    doc = {
        "format": "cloudgov.vendors", "version": 1,
        "providers": [{
            "id": f"evil{OSC_TITLE}", "legal_name": f"{FORMULA}{ESC_CLEAR}", "name_en": MARKUP,
            "services": [{"id": f"svc{BIDI}", "name": f"{MARKUP}{HYPERLINK}", "service_model": "SaaS",
                          "materiality": {"material": True}, "rto_hours": 4}],
            "contracts": [{"id": f"c{ESC_CLEAR}", "title": MARKUP, "services": [f"svc{BIDI}"],
                           "clauses": {"data_location": {"status": "present", "section": f"{FORMULA}"}}}],
            "evidence": [{"file": str(evidence), "kind": f"soc2{ESC_CLEAR}", "name": f"r{OSC_TITLE}.pdf"}],
            "audits": [{"party": "firm", "date": "2026-01-10", "scope": MARKUP,
                        "findings": [{"description": f"{ESC_CLEAR}{MARKUP}"}]}],
        }],
    }
    f = tmp / "hostile.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    return f


def _plans(tmp: Path) -> Path:
    doc = {"format": "cloudgov.exit-plans", "version": 1,
           "plans": [{"service": f"evil{OSC_TITLE}/svc{BIDI}", "version": f"{MARKUP}{ESC_CLEAR}",
                      "strategy": "in_house", "transition_time": "2d"}]}
    f = tmp / "plans.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    return f


def _inert(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and BIDI not in text, repr(text)


@pytest.fixture
def hostile_db(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("CLOUDGOV_EVIDENCE_DIR", str(tmp_path / "ev"))
    db = f"sqlite:///{tmp_path / 'h.db'}"
    assert run(["vendor", "import", str(_register(tmp_path)), "--db", db, *TODAY]) == 0
    assert run(["exit", "plan", "import", str(_plans(tmp_path)), "--db", db, *TODAY]) == 0
    _inert(capsys.readouterr().err)  # the import summaries name the hostile keys
    return db


@pytest.mark.parametrize("argv", [
    ["vendor", "list", "--today", "2026-06-01"],
    ["vendor", "show", f"evil{OSC_TITLE}", "--today", "2026-06-01"],
    ["vendor", "history"],
    ["vendor", "evidence", "list", "--today", "2026-06-01"],
    ["exit", "plan", "list", "--today", "2026-06-01"],
])
def test_hostile_names_are_shown_not_obeyed(hostile_db, capsys, argv):
    assert run([*argv, "--db", hostile_db]) == 0
    cap = capsys.readouterr()
    _inert(cap.out)
    _inert(cap.err)
    assert "\\x1b" in cap.out  # the escape is visible as text, not dropped silently
    if argv[:2] in (["vendor", "show"], ["exit", "plan"]):
        assert "[blink red]" in cap.out  # rich markup printed literally, not interpreted


def test_edit_messages_are_inert(hostile_db, capsys, tmp_path):
    assert run(["vendor", "audit", "add", f"evil{OSC_TITLE}", "--party", "regulator", "--date", "2026-02-01",
                "--finding", MARKUP, "--db", hostile_db, *TODAY]) == 0
    assert run(["exit", "test", "add", f"evil{OSC_TITLE}/svc{BIDI}", "--date", "2026-03-01", "--kind", "tabletop",
                "--result", "passed", "--db", hostile_db, *TODAY]) == 0
    cap = capsys.readouterr()
    _inert(cap.err)


def test_csv_export_writes_no_formula(hostile_db, capsys):
    assert run(["vendor", "export", "--format", "csv", "--db", hostile_db, "--today", "2026-06-01"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows
    for row in rows:
        for cell in row.values():
            assert not (cell or "").startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert any((r.get("legal_name") or "").startswith("'=HYPERLINK") for r in rows)
