"""The rules a board paper lives by: only the period's data, no code identifiers in the zh-TW
text, the worst problem first, period boundaries in Taiwan time, citations in the regulation's
own form, one judgement of appetite everywhere."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "samples" / "history"


def _redated(src: Path, when: str, dest: Path) -> Path:
    doc = json.loads(src.read_text(encoding="utf-8"))
    doc["evaluated_at"] = doc["generated_at"] = when
    dest.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return dest


def _db(tmp_path: Path, files: list[Path], cli=None) -> str:
    """A database with ``files`` in the scan history and, given ``cli``, both sample registers."""
    from scanner.store.history import import_paths

    url = f"sqlite:///{tmp_path / 'board.db'}"
    import_paths(files, url)
    if cli is not None:
        env = {"CLOUDGOV_DB": url, "CLOUDGOV_TODAY": "2026-11-21"}
        for args in (("vendor", "import", "samples/vendors.yaml"), ("exit", "plan", "import", "samples/exit-plans.yaml")):
            r = cli(*args, env=env)
            assert r.returncode == 0, r.stderr
    return url


def _run(*args: str, env: dict[str, str]):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "scanner", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)


def _html(url: str, period: str, lang: str = "zh-TW") -> str:
    from scanner.report import board_html
    from scanner.store.db import open_db, session_scope

    with session_scope(open_db(url)) as s:
        return board_html(s, period, lang=lang, firm="福爾摩沙證券")


class _Visible(HTMLParser):
    """The text a reader sees, minus footnotes / the technical annex (class ``fn``), text quoted as
    its author wrote it (class ``authored``) and the style sheet. SVG chart labels are kept."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "meta", "col", "img", "hr", "path", "use", "rect", "circle", "line", "stop"):
            return
        classes = set((dict(attrs).get("class") or "").split())
        hidden = bool(classes & {"fn", "authored"}) or tag in ("style", "title")
        self.stack.append(hidden or (self.stack[-1] if self.stack else False))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "meta", "col", "img", "hr", "path", "use", "rect", "circle", "line", "stop"):
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    p = _Visible()
    p.feed(html)
    return " ".join(p.parts)


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IDENTIFIER_SHAPES = {
    "snake_case": re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b"),
    "slug": re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)+\b"),
    "policy id": re.compile(r"\b(?:mfa|encryption|residency|logging|vendor|exit)\.[a-z_]+\b"),
    "path": re.compile(r"\b[a-z][a-z0-9-]*/[a-z0-9-]+\b"),
    "ISO timestamp": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
    "pp": re.compile(r"\d\s?pp\b"),
}


#: English prose hyphenates words (customer-managed, go-live): there a slug is one carrying a digit or a slash
ENGLISH_SHAPES = {**{k: v for k, v in IDENTIFIER_SHAPES.items() if k not in ("slug", "pp")},
                  "slug with a number": re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[a-z]*\d[a-z0-9]*\b")}


def identifier_tokens(text: str, shapes: dict[str, re.Pattern[str]] = IDENTIFIER_SHAPES) -> dict[str, list[str]]:
    text = EMAIL.sub(" ", text)  # an owner's address is how a director reaches them, not a code
    return {name: sorted(set(rx.findall(text))) for name, rx in shapes.items() if rx.findall(text)}


@pytest.fixture(scope="module")
def full_db(tmp_path_factory) -> str:
    """The four sample quarters and both registers."""
    return _db(tmp_path_factory.mktemp("full"), [HISTORY], _run)


def test_identifier_finder_catches_what_it_should():
    """The finder itself: it must fail on the shapes the issue names, and pass plain prose."""
    bad = ("waiver W-2026-003: missing approver", "領域 bcp_dr", "服務 formosa-msp/azure-ops", "mfa.root_account",
           "log_retention", "產製時間 2026-12-02T01:14:49Z", "▼ 1.6 pp", "asia-east1-b")
    for text in bad[1:]:
        assert identifier_tokens(text), text
    assert not identifier_tokens("豁免 W-2026-003 欠缺核准人；負責人 infra-platform@fmsa.com.tw；CC-17020 b(e)；SOC 2")


def test_zh_tw_report_has_no_code_identifiers_outside_footnotes(full_db):
    html = _html(full_db, "2026-Q3")
    text = visible_text(html)
    assert "最嚴重之問題" in text and "金鑰政策不得允許任何人使用" in text  # the parser sees the body
    assert identifier_tokens(text) == {}
    # the identifiers are not lost: they are in the footnotes and the drill-down annex
    assert "mrk-shared-partner" in html and "ap-east-2" in html and "AccessDenied" in html
    # services and providers as registered, not slugs
    assert "核心下單系統（EC2、RDS、S3）" in text and "福爾摩沙雲端服務股份有限公司" in text


def test_english_report_speaks_english_outside_registered_names(full_db):
    html = _html(full_db, "2026-Q3", "en")
    text = visible_text(html)
    assert identifier_tokens(text, ENGLISH_SHAPES) == {}
    # zh-TW catalogue text never leaks into the English report (registered names may be Chinese)
    assert "風險胃納" not in text and "百分點" not in text and "民國" not in text


def test_nothing_of_a_later_period_appears_in_an_earlier_one(tmp_path, cli):
    """Two periods: 2025-Q1 (a scan on 2025-03-20) and 2026-Q3 (a scan on 2026-09-15), with the
    registers holding reviews, audits, evidence and plan tests dated up to 2026."""
    early = _redated(HISTORY / "findings-2025-Q4.json", "2025-03-20T02:00:00Z", tmp_path / "early.json")
    late = HISTORY / "findings-2026-Q3.json"
    url = _db(tmp_path, [early, late], cli)
    before, after = _html(url, "2025-Q1"), _html(url, "2026-Q3")

    # the later scan: its date, the resources failing only in it, its coverage gap
    assert "民國115年9月15日" in after and "民國115年9月15日" not in before
    assert "民國114年3月20日" in before
    early_doc, late_doc = (json.loads(p.read_text(encoding="utf-8")) for p in (early, late))

    def failing(doc):
        return {f["resource"]["id"] for f in doc["findings"] if f["status"] in ("FAIL", "ERROR")}

    only_later = failing(late_doc) - failing(early_doc)
    assert only_later, "the samples must differ for this test to mean anything"
    for rid in only_later:
        assert rid in after, rid
        assert rid not in before, rid
    assert "AccessDenied" in after and "AccessDenied" not in before
    # the registers as they stood on 2025-03-31: no review started in 2026, no audit held in 2026,
    # no evidence valid only from 2026, no exit test held after the period
    for later_only in ("quarterly failover drill",                     # core-trading review, 2026-02 … 03
                       "Cross-region backup restore test",             # firm audit of 2026-06-30
                       "SOC 2 第二類型報告",                              # AWS report valid from 2026-05-15
                       ):
        assert later_only not in before, later_only
    assert "quarterly failover drill" in after and "Cross-region backup restore test" in after
    # a service first contracted in 2026 was not yet in use: the Azure operations service (2026-01-05)
    assert "Azure 代管維運（網路下單備援環境）" in after and "Azure 代管維運（網路下單備援環境）" not in before
    # what was true then is still shown: the 2023 review of the CRM service and its shortfall
    assert "monthly export of audit logs" in before
    # the acceptance the board is asked for counts only shortfalls known then
    from scanner.report import board_data
    from scanner.store.db import open_db, session_scope

    with session_scope(open_db(url)) as s:
        q1 = board_data(s, "2025-Q1")
    assert all(x["review_started"] <= "2025-03-31" for x in q1["shortfalls"])
    assert all(p["at"] <= dt.datetime(2025, 3, 31, 16, tzinfo=dt.UTC) for p in q1["trend"]["points"])
    assert [p["id"] for p in q1["trend"]["points"]] == [s["id"] for s in q1["scans"]]
    assert all(x["tested_12m"] is not True for x in q1["exits"]["services"])  # the first test was in 2025-11


def test_period_boundaries_are_midnight_in_taipei(tmp_path):
    """A scan at 23:59 on 31 March in Taipei is Q1; one at 00:30 on 1 April in Taipei is Q2."""
    from scanner.report.periods import parse_period
    from scanner.report.posture import load_posture
    from scanner.store.db import open_db, session_scope

    last_q1 = _redated(HISTORY / "findings-2026-Q1.json", "2025-03-31T15:59:00Z", tmp_path / "a.json")
    first_q2 = _redated(HISTORY / "findings-2026-Q2.json", "2025-03-31T16:30:00Z", tmp_path / "b.json")
    url = _db(tmp_path, [last_q1, first_q2])
    with session_scope(open_db(url)) as s:
        q1 = load_posture(s, parse_period("2025-Q1"))
        q2 = load_posture(s, parse_period("2025-Q2"))
        assert [x["evaluated_at"].isoformat() for x in q1.scans] == ["2025-03-31T15:59:00+00:00"]
        assert [x["evaluated_at"].isoformat() for x in q2.scans] == ["2025-03-31T16:30:00+00:00"]
    # dates are Taipei dates: 16:30 UTC on 31 March is 1 April in Taipei
    assert "民國114年4月1日" in _html(url, "2025-Q2")
    from scanner.report import board_data

    with session_scope(open_db(url)) as s:
        data = board_data(s, "2025-Q2")
    # the trend of Q2 reaches back over Q1 too (four quarters), one point per scan
    assert len(data["trend"]["points"]) == 2 and len(data["scans"]) == 1


def test_register_as_of_the_period_end_day(tmp_path):
    """A review completed on the period's last day counts; one completed the next day does not."""
    from vendor_dd import facts
    from vendor_dd.models import Review, Service

    svc = Service(slug="s", name="服務", material=True)
    svc.reviews = [Review(status="completed", started_on=dt.date(2026, 9, 1), completed_on=dt.date(2026, 9, 30)),
                   Review(status="completed", started_on=dt.date(2026, 9, 20), completed_on=dt.date(2026, 10, 1))]
    assert facts.last_completed_review(svc, dt.date(2026, 9, 30)).completed_on == dt.date(2026, 9, 30)
    assert facts.last_completed_review(svc, dt.date(2026, 9, 29)) is None
    # on 30 September the second review had started but not finished
    assert facts.open_review(svc, dt.date(2026, 9, 30)).started_on == dt.date(2026, 9, 20)
    # on 19 September the first one was still under way; before 1 September nothing was
    assert facts.open_review(svc, dt.date(2026, 9, 19)).started_on == dt.date(2026, 9, 1)
    assert facts.open_review(svc, dt.date(2026, 8, 31)) is None


def _finding(policy: str, severity: str, account: str, n: int, status: str = "FAIL") -> dict:
    return {"fingerprint": f"{policy}-{account}-{n}", "policy": policy, "area": policy.split(".")[0], "status": status,
            "severity": severity, "resource_id": f"{policy}/{n}", "provider": "aws", "account": account,
            "region": "ap-east-2", "kind": "storage.object", "name": f"r{n}", "message": "", "controls": [],
            "waiver": None}


def test_one_critical_on_a_material_service_outranks_fifty_low_ones():
    from scanner.report.appetite import load_appetite
    from scanner.report.periods import parse_period
    from scanner.report.posture import Posture
    from scanner.report.ranking import rank_risks

    period = parse_period("2026-Q3")
    posture = Posture(period, scans=[{"id": 1}])
    posture.findings = ([_finding("encryption.messaging_cmk", "low", "111", i) for i in range(50)]
                        + [_finding("mfa.root_account", "critical", "111", 0)]
                        + [_finding("logging.audit_store_encrypted", "medium", "222", i) for i in range(30)]
                        + [_finding("residency.data_location", "high", "333", 0, status="ERROR")])
    links = {("aws", "111"): {"name": "核心下單", "material": True},
             ("aws", "222"): {"name": "資料湖", "material": False},
             ("aws", "333"): {"name": "客服", "material": None}}
    risks = rank_risks(posture, Posture(period.previous()), links=links, meta={}, appetite=load_appetite(),
                       streak={}, owners={"mfa": {"owner": "資訊安全部", "due": "2026-12-31"}})
    order = [r["id"] for r in risks]
    assert order[0] == "mfa.root_account", order
    assert order.index("mfa.root_account") < order.index("encryption.messaging_cmk")
    top = risks[0]
    assert top["materiality"] == "material" and top["resources"] == 1
    assert (top["owner"], top["due"], top["owner_source"]) == ("資訊安全部", "2026-12-31", "config")
    assert risks[0]["anchor"] == "risk-1" and risks[0]["findings"][0]["resource_id"] == "mfa.root_account/0"
    # the same fifty low findings on a material service still rank below one critical on a non-material one
    posture.findings = ([_finding("encryption.messaging_cmk", "low", "111", i) for i in range(50)]
                        + [_finding("mfa.root_account", "critical", "222", 0)])
    risks = rank_risks(posture, Posture(period.previous()), links=links, meta={}, appetite=load_appetite(),
                       streak={}, owners={})
    assert risks[0]["id"] == "mfa.root_account" and risks[0]["owner"] is None


def test_citations_in_the_regulations_own_form():
    from scanner.cite import chinese_number, cite, cite_list

    assert [chinese_number(n) for n in (1, 9, 10, 12, 20, 37, 54)] == ["一", "九", "十", "十二", "二十", "三十七", "五十四"]
    assert cite("ETG:4.2", "zh-TW", with_title=False) == "第四條第二項"
    assert cite("ETG:8.6.3.3", "zh-TW", with_title=False) == "第八條第六項第三款第三目"
    assert cite("ETG:4.1.4", "zh-TW") == "新興科技資通安全管控指引第四條第一項第四款"
    assert cite("ETG:8", "zh-TW", with_title=False) == "第八條"
    assert cite("SRR:9.p9", "zh-TW", with_title=False) == "第九條第九項"
    assert cite("CSM:CC-17020.b.e", "zh-TW") == "建立證券商資通安全檢查機制 CC-17020 b(e)"
    assert cite("CSM:CC-18000.4.c", "en") == "CSM CC-18000 (4)c"
    assert cite("WFH:2.2.7.1", "zh-TW", with_title=False) == "貳、二、(七)1"
    assert cite("ETG:8.6.3.3", "en") == "ETG Art. 8.6.3.3"
    assert cite_list(["ETG:8.1.1", "ETG:8.7.3", "CSM:CC-17020.b.c"], "zh-TW") == \
        "新興科技資通安全管控指引第八條第一項第一款、第八條第七項第三款；建立證券商資通安全檢查機制 CC-17020 b(c)"


def test_appetite_band_is_one_judgement():
    from scanner.report.appetite import band, judge

    assert band(0.95, 0.95, 0.03) == "within"
    assert band(0.93, 0.95, 0.03) == "near"
    assert band(0.92, 0.95, 0.03) == "near"  # exactly at the tolerance is still near
    assert band(0.919, 0.95, 0.03) == "outside"
    assert band(0.81, 1.0, 0.02) == "outside"
    assert band(None, 1.0) is None and band(0.5, None) is None
    # a maximum: concentration above the limit is outside, like a pass rate below it
    assert band(1.0, 0.8, 0.05, higher_is_better=False) == "outside"
    assert band(0.83, 0.8, 0.05, higher_is_better=False) == "near"
    assert judge(0.64, {"max_provider_share": 0.8, "tolerance": 0.05}, "max_provider_share")["band"] == "within"


def test_zones_fold_into_their_region():
    from scanner.config import load_config
    from scanner.report.regions import fold, region_name

    j = load_config(None).jurisdictions
    assert fold(j, "gcp", "asia-east1-b") == "asia-east1"
    assert fold(j, "aws", "ap-east-2a") == "ap-east-2"
    assert fold(j, "gcp", "asia-east1") == "asia-east1"
    assert region_name("aws", "ap-east-2") == "Asia Pacific (Taipei)"
    assert region_name("aws", "mars-1") is None


def test_dates_and_waiver_problems_in_the_catalogues_words():
    from scanner.report.fmt import Formatter, roc_date
    from scanner.report.waiver_text import parse_problem

    assert roc_date(dt.date(2026, 9, 30)) == "民國115年9月30日"
    assert Formatter("zh-TW", "iso").date("2026-09-30T02:00:00Z") == "2026-09-30"
    assert Formatter("en", "roc").date("2026-09-30") == "2026-09-30"  # English is always ISO
    p = parse_problem("waiver W-2026-003: missing approver; ignored (it waives nothing)")
    assert (p["kind"], p["id"], p["fields"]) == ("missing", "W-2026-003", ["approver"])
    p = parse_problem("W-2025-014: expired on 2026-09-30; it no longer waives encryption.object_storage_cmk")
    assert (p["kind"], p["date"], p["policy"]) == ("expired", "2026-09-30", "encryption.object_storage_cmk")
    p = parse_problem("waiver W-9: the glob 'arn:*' would waive too much: the part after the last ':' or '/' needs at "
                      "least 3 literal characters (name the resources); ignored")
    assert (p["kind"], p["id"]) == ("bare_glob", "W-9")
    assert parse_problem("something new the engine says")["kind"] == "other"
