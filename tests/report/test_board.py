"""The board report from the samples: both formats, both languages, and what is missing said plainly."""

from __future__ import annotations

import io
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
    for heading in ("雲端風險董事會報告", "一、摘要與決議事項", "二、趨勢", "三、風險熱點圖", "四、集中度與資料存放地",
                    "五、委外登錄簿管理", "六、退場準備程度", "七、豁免與補償性措施", "提請董事會核議事項",
                    "新興科技資通安全管控指引第二章遵循對照表", "CC-12000(6)", "資訊安全長", "稽核主管"):
        assert heading in text, heading
    # MFA in Q3: 52 pass of 64 applicable (7 fail, 5 unknown) = 81.2 %, down 1.6 points from Q2 (53/64)
    assert "多因子身分驗證81.2%" in text
    assert "▼1.6pp" in text
    # the trend table carries every quarter's rate: CMK 87.8 → 90.6 → 92.5 → 93.0
    assert "客戶自管金鑰加密87.8%90.6%92.5%93.0%" in text
    # the expiring waiver goes to the board, with its owner
    assert "W-2025-014" in text and "statements@fmsa.com.tw" in text
    # the coverage gap and the missing registers are said, not hidden
    assert "dynamodb" in text and "AccessDenied" in text
    assert "無委外登錄簿資料" in text and "無退場計畫資料" in text
    assert "2027-03-31" in text  # the CC-12000 (6) statement is due by 31 March of the next year


def test_pdf_embeds_a_cjk_font(cli, history_db, tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "b.pdf"
    assert cli("report", "board", "-p", "2026-Q3", "-o", str(out), env=history_db).returncode == 0
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
    assert "http://" not in html.replace("http://www.w3.org/", "") and "https://" not in html
    assert html.count("<svg") == 3  # trend, heat map, concentration — inline
    assert "Board report on cloud risk" in html and "1. Summary and decisions" in html
    assert "81.2%" in html and "Multi-factor authentication" in html
    assert "No vendor register data" in html and "No exit plans" in html
    # English from the one catalogue: no zh-TW catalogue text leaks into the English report
    assert "摘要" not in html and "風險胃納" not in html


def test_period_without_scans_is_complete_and_says_so(cli, history_db, tmp_path):
    out = tmp_path / "empty.pdf"
    r = cli("report", "board", "--period", "2024-Q1", "--format", "pdf", "--output", str(out), env=history_db)
    assert r.returncode == 0, r.stderr
    assert "no scans stored for 2024-Q1" in r.stderr
    text = _flat(_pdf_text(out))
    assert "2024-Q1期間資料庫中沒有任何掃描結果" in text
    for heading in ("一、摘要與決議事項", "二、趨勢", "三、風險熱點圖", "八、新興科技資通安全管控指引第二章遵循對照表"):
        assert heading in text
    assert "無掃描資料" in text  # the matrix says which source is missing, never "met"
    html_out = tmp_path / "empty.html"
    assert cli("report", "board", "-p", "2024-Q1", "-l", "en", "-o", str(html_out), env=history_db).returncode == 0
    html = html_out.read_text(encoding="utf-8")
    # nothing reads as passing when nothing was scanned
    assert 'class="st-met"' not in html and "within appetite" not in html
    assert html.count("no data") == 4 and "Without scan data the top risks cannot be listed" in html


def test_vendor_and_exit_data_appear_when_imported(cli, history_db, tmp_path):
    env = {**history_db, "CLOUDGOV_DB": f"sqlite:///{tmp_path / 'full.db'}"}
    assert cli("history", "import", "samples/history/", env=env).returncode == 0
    v = cli("vendor", "import", "samples/vendors.yaml", env=env)
    assert v.returncode == 0, v.stderr
    x = cli("exit", "plan", "import", "samples/exit-plans.yaml", env=env)
    assert x.returncode == 0, x.stderr
    out = tmp_path / "full.html"
    r = cli("report", "board", "-p", "2026-Q3", "-l", "en", "-o", str(out), env=env)
    assert r.returncode == 0, r.stderr
    html = out.read_text(encoding="utf-8")
    assert "No vendor register data" not in html and "No exit plans:" not in html
    assert "3 providers and" in html  # aws-tw, nimbus-crm, formosa-msp
    assert "nimbus-crm" in html and "formosa-msp/azure-ops has no exit plan" in html
    assert "Audits in the last 12 months" in html


def test_unknown_period_language_and_format_are_usage_errors(cli, history_db, tmp_path):
    for args, msg in ((["-p", "2026-Q5"], "is not a period"), (["-p", "2026-Q3", "-l", "fr"], "--lang"),
                      (["-p", "2026-Q3", "-f", "docx"], "--format")):
        r = cli("report", "board", *args, "-o", str(tmp_path / "x"), env=history_db)
        assert r.returncode == 2 and msg in r.stderr and "Traceback" not in r.stderr, r.stderr
