"""The board report from the samples: both formats, both languages, and what is missing said plainly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def history_db(tmp_path_factory) -> dict[str, str]:
    """A database holding the four sample quarters, and nothing else."""
    from scanner.store.history import import_paths

    path = tmp_path_factory.mktemp("db") / "cloudgov.db"
    import_paths([ROOT / "samples" / "history"], f"sqlite:///{path}")
    return {"CLOUDGOV_DB": f"sqlite:///{path}", "CLOUDGOV_TODAY": "2026-11-21"}


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_zh_tw_has_headings_and_the_figures_of_the_data(cli, history_db, tmp_path):
    out = tmp_path / "board-2026Q3.pdf"
    r = cli("report", "board", "--period", "2026-Q3", "--lang", "zh-TW", "--format", "pdf", "--output", str(out),
            "--firm", "福爾摩沙證券", env=history_db)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:5] == b"%PDF-"
    text = _flat(_pdf_text(out))
    for heading in ("雲端風險董事會報告", "一、摘要與提請決議事項", "最嚴重之問題", "提請董事會決議事項", "二、風險胃納與容忍範圍",
                    "三、趨勢", "四、全部風險與熱點圖", "五、集中度與資料存放地", "六、委外廠商管理", "七、退場準備程度",
                    "八、豁免與補償性措施", "新興科技資通安全管控指引第二章遵循對照表", "CC-12000(6)", "資訊安全長", "稽核主管"):
        assert heading in text, heading
    # dates as 民國 years, the period named as a director says it
    assert "報告期間：民國115年第3季（民國115年7月1日至民國115年9月30日）" in text
    # MFA in Q3: 52 pass of 64 applicable (7 fail, 5 unknown) = 81.2 %, appetite 100 % with 3 points of tolerance: outside
    assert "多因子身分驗證81.2%≥100%3個百分點✗超出" in text
    # CMK 93.0 % against 95 % with 3 points of tolerance: near, not outside
    assert "客戶自管金鑰加密93.0%≥95%3個百分點△接近界限" in text
    assert "▼1.6個百分點" in text and not re.search(r"\dpp", text)
    # one trend point per scan: the Q3 scan's row carries every area's rate
    assert "民國115年9月15日81.2%93.0%94.9%91.4%" in text
    # the worst problem leads page 1: a key open to everyone (critical), then the root account without MFA
    assert "最嚴重之問題為「金鑰政策不得允許任何人使用」" in text
    assert text.index("根帳號及緊急存取帳號應啟用多因子認證") < text.index("二、風險胃納與容忍範圍")
    # the expiring waiver goes to the board, with its owner; the malformed one in the catalogue's words
    assert "W-2025-014" in text and "statements@fmsa.com.tw" in text
    assert "豁免W-2026-003欠缺核准人，未生效" in text and "waivesnothing" not in text
    # the coverage gap and the missing registers are said, not hidden (the identifiers in a footnote)
    assert "有一項服務無法讀取：掃描帳號權限不足" in text and "AccessDenied" in text
    assert "無雲端委外作業清冊資料" in text and "無退場計畫資料" in text
    assert "民國116年3月31日前提報董事會" in text  # the CC-12000 (6) statement is due by 31 March of the next year


def test_pdf_embeds_a_cjk_font(cli, history_db, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "b.pdf"
    assert cli("report", "board", "--period", "2026-Q3", "--output", str(out), env=history_db).returncode == 0
    fonts = set()
    for page in PdfReader(str(out)).pages:
        for f in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    assert any("CJK-TC" in f or "CJKTC" in f for f in fonts), fonts


def test_html_english_is_self_contained(cli, history_db, tmp_path):
    out = tmp_path / "board.html"
    r = cli("report", "board", "--period", "2026-Q3", "--lang", "en", "--format", "html", "--output", str(out), env=history_db)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    # no external reference of any kind: no src/href to anything, no @import, no url()
    refs = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert all(ref.startswith("#") for ref in refs), [x for x in refs if not x.startswith("#")]
    assert not re.search(r"\b(?:src|href)\s*=\s*[^\s\"'#]", html)
    assert "@import" not in html
    assert all(u.startswith("#") for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", html))  # only in-document ids
    # no attribute points anywhere (a Key Vault key id printed as text in the annex is not a reference)
    assert not re.search(r"""=\s*["']https?://(?!www\.w3\.org/)""", html)
    assert html.count("<svg") == 3  # trend, heat map, concentration — inline
    assert "Board report on cloud risk" in html and "1. Summary and decisions" in html
    assert "81.2%" in html and "Multi-factor authentication" in html and "2026-09-30" in html
    assert "No outsourcing register data" in html and "No exit plans" in html
    # drill-down: each risk on page 1 links to its findings in the annex
    assert 'href="#risk-1"' in html and 'id="risk-1"' in html
    # English from the one catalogue: no zh-TW catalogue text leaks into the English report
    assert "摘要" not in html and "風險胃納" not in html


def test_period_without_scans_is_complete_and_says_so(cli, history_db, tmp_path):
    out = tmp_path / "empty.pdf"
    r = cli("report", "board", "--period", "2024-Q1", "--format", "pdf", "--output", str(out), env=history_db)
    assert r.returncode == 0, r.stderr
    assert "no scans stored for 2024-Q1" in r.stderr
    text = _flat(_pdf_text(out))
    assert "民國113年第1季期間資料庫中沒有任何掃描結果" in text
    assert "無法判斷雲端風險是否在風險胃納之內" in text
    for heading in ("一、摘要與提請決議事項", "二、風險胃納與容忍範圍", "三、趨勢", "九、新興科技資通安全管控指引第二章遵循對照表"):
        assert heading in text
    assert "無掃描資料" in text  # the matrix says which source is missing, never "met"
    html_out = tmp_path / "empty.html"
    assert cli("report", "board", "--period", "2024-Q1", "-l", "en", "--output", str(html_out), env=history_db).returncode == 0
    html = html_out.read_text(encoding="utf-8")
    # nothing reads as passing when nothing was scanned
    assert 'class="st-met"' not in html and 'class="band band-within"' not in html and 'class="band band-outside"' not in html
    # every posture area, in the appetite table and in the results per area: no data, never a pass
    from scanner.report.posture import AREAS

    assert len(AREAS) >= 6 and html.count(">no data<") == 2 * len(AREAS)
    assert "Without scan data the top risks cannot be listed" in html


def test_registers_without_scans_in_the_period(cli, tmp_path):
    """A period with the registers but no scan: the register's risks are listed, nothing reads as passing."""
    env = {"CLOUDGOV_DB": f"sqlite:///{tmp_path / 'reg.db'}", "CLOUDGOV_TODAY": "2026-11-21"}
    assert cli("vendor", "import", "samples/vendors.yaml", env=env).returncode == 0
    assert cli("exit", "plan", "import", "samples/exit-plans.yaml", env=env).returncode == 0
    out = tmp_path / "reg.html"
    r = cli("report", "board", "--period", "2026-Q3", "-l", "en", "--output", str(out), env=env)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "Audit finding at" in html and "<svg" not in html.split('id="concentration"')[0].split('id="risks"')[1]
    assert 'class="band band-within"' not in html


def test_vendor_and_exit_data_appear_when_imported(cli, history_db, tmp_path):
    env = {**history_db, "CLOUDGOV_DB": f"sqlite:///{tmp_path / 'full.db'}"}
    assert cli("history", "import", "samples/history/", env=env).returncode == 0
    v = cli("vendor", "import", "samples/vendors.yaml", env=env)
    assert v.returncode == 0, v.stderr
    x = cli("exit", "plan", "import", "samples/exit-plans.yaml", env=env)
    assert x.returncode == 0, x.stderr
    out = tmp_path / "full.html"
    r = cli("report", "board", "--period", "2026-Q3", "-l", "en", "--output", str(out), env=env)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "No outsourcing register data" not in html and "No exit plans:" not in html
    assert "holds 3 cloud service providers" in html  # aws-tw, nimbus-crm, formosa-msp
    # names as registered, not slugs
    assert "Nimbus CRM Pte. Ltd." in html and "nimbus-crm" not in html.split('id="detail"')[0]
    assert "Set a deadline for an exit plan for: Azure 代管維運（網路下單備援環境）" in html
    assert "Audits in the last 12 months" in html


def test_unknown_period_language_and_format_are_usage_errors(cli, history_db, tmp_path):
    for args, msg in ((["--period", "2026-Q5"], "is not a period"), (["--period", "2026-Q3", "-l", "fr"], "--lang"),
                      (["--period", "2026-Q3", "-f", "docx"], "--format")):
        r = cli("report", "board", *args, "--output", str(tmp_path / "x"), env=history_db)
        assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr, r.stderr


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_no_table_runs_off_the_page(cli, history_db, tmp_path, lang):
    """Every word of every page ends inside the page (poppler's pdftotext -bbox gives each
    word's box): a table with one column per area (the trends) once ran past the right edge
    when the compute area made the areas eight."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) not installed: scripts/setup-system installs it")
    out = tmp_path / f"board-{lang}.pdf"
    r = cli("report", "board", "--period", "2026-Q3", "--lang", lang, "--format", "pdf", "--output", str(out),
            env=history_db)
    assert r.returncode == 0, r.stderr
    boxes = subprocess.run(["pdftotext", "-bbox", str(out), "-"], capture_output=True, text=True, check=True).stdout
    outside: list[str] = []
    for number, (width, body) in enumerate(re.findall(r'<page width="([\d.]+)"[^>]*>(.*?)</page>', boxes, re.S), start=1):
        for x_max, word in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', body):
            if float(x_max) > float(width):
                outside.append(f"page {number}: {word!r} ends at x={float(x_max):.0f} of {float(width):.0f}")
    assert not outside, "\n".join(outside[:10])
