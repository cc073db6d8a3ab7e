"""Pieces of the report: periods, the catalogue, the posture arithmetic, the charts."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from scanner.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]


def test_periods_in_taiwan_time():
    from scanner.report.periods import parse_period

    q3 = parse_period("2026-q3")
    assert (q3.label, q3.start, q3.end) == ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert q3.previous().label == "2026-Q2" and parse_period("2026-Q1").previous().label == "2025-Q4"
    assert [p.label for p in q3.back(4)] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    # 01:00 on 1 October in Taipei is 17:00 UTC on 30 September: Q4, not Q3
    assert not q3.contains(dt.datetime(2026, 9, 30, 17, 0, tzinfo=dt.UTC))
    assert q3.contains(dt.datetime(2026, 9, 30, 15, 59, tzinfo=dt.UTC))
    assert parse_period("2026").end == dt.date(2026, 12, 31)
    assert parse_period("2026-H1").end == dt.date(2026, 6, 30)
    assert parse_period("2026-02").end == dt.date(2026, 2, 28)
    for bad in ("2026-Q5", "Q3", "2026-13", "26-Q1"):
        with pytest.raises(UsageError):
            parse_period(bad)


def test_every_template_message_is_in_the_catalogue_in_both_languages():
    from scanner.report.i18n import KEY_RE, LANGS, load_catalogue

    template = (ROOT / "scanner" / "report" / "templates" / "board.html.j2").read_text(encoding="utf-8")
    keys = {k for k in KEY_RE.findall(template) if not k.endswith((".", "_"))}  # prefixes are checked below
    assert len(keys) > 100
    for lang in LANGS:
        cat = load_catalogue(lang)
        missing = [k for k in keys if not cat.has(k)]
        assert not missing, missing
    # keys built at render time: areas, severities, bands, statuses, sources, parties, review states, …
    from scanner.report.posture import AREAS
    from scanner.report.waiver_text import WAIVER_FIELDS
    from vendor_dd.domains import AUDIT_PARTIES

    en = load_catalogue("en")
    # (not guarded: a check without a board-level ``remedy.<id>`` shows its own remediation text, and
    # an evidence kind without a name reads 其他佐證文件; the identifier test catches text that reads as code)
    for prefix, values in {
        "area.": AREAS,
        "sev.": ("info", "low", "medium", "high", "critical"),
        "mat.": ("material", "non_material", "unknown"),
        "band.": ("within", "near", "outside", "none"),
        "judge.": ("outside", "near", "within", "unknown", "outside_clean", "near_clean", "within_clean"),
        "status.": ("met", "gap", "unknown", "accepted", "not_applicable", "manual", "no_scans", "no_vendor_data", "no_exit_plans"),
        "source.": ("automated", "planned", "vendor_dd", "exit_plan", "manual"),
        "risk.due_": ("config", "waiver", "audit"),
        "review.": ("never_reviewed", "overdue", "due_soon", "current"),
        "result.": ("not_met", "partially_met"),
        "sign.": ("ciso", "chairman", "president", "auditor"),
        "party.": AUDIT_PARTIES,
        "wproblem.": ("missing", "expired", "not_mapping", "resources", "bare_glob", "not_text", "bad_date", "other"),
        "wfield.": WAIVER_FIELDS,
        "fstatus.": ("FAIL", "ERROR", "WAIVED"),
        "cloud.": ("aws", "azure", "gcp"),
        "metric.": ("region_share", "provider_share", "material_provider_share", "npd_in_taiwan"),
        "period.": ("quarter_roc", "quarter_ad", "half1_roc", "half2_roc", "half1_ad", "half2_ad", "month_roc",
                    "month_ad", "year_roc", "year_ad"),
    }.items():
        for v in values:
            assert en.has(prefix + v), prefix + v


def test_no_user_facing_text_written_into_the_template():
    """Outside tags, jinja expressions and comments, the template holds no words."""
    template = (ROOT / "scanner" / "report" / "templates" / "board.html.j2").read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", template, flags=re.S)
    text = re.sub(r"<style>.*?</style>|<[^>]+>", " ", text, flags=re.S)
    words = re.findall(r"[A-Za-z\u4e00-\u9fff]{2,}", text)
    assert [w for w in words if w != "UTC"] == [], words  # UTC: the same in every language


def test_catalogue_rejects_a_translation_that_drops_a_field(monkeypatch, tmp_path):
    from scanner.report import i18n

    bad = tmp_path / "m.yaml"
    bad.write_text('x:\n  zh-TW: "共 {n} 項"\n  en: "items"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUE_PATH", bad)
    i18n._entries.cache_clear()
    try:
        with pytest.raises(ValueError, match="different fields"):
            i18n.load_catalogue("en")
    finally:
        i18n._entries.cache_clear()


def test_unknown_is_not_a_pass():
    from collections import Counter

    from scanner.report.posture import rate

    assert rate(Counter()) is None
    assert rate(Counter({"NOT_APPLICABLE": 4})) is None
    assert rate(Counter({"PASS": 3, "ERROR": 1})) == 0.75
    assert rate(Counter({"PASS": 1, "WAIVED": 1})) == 0.5


def test_charts_are_svg_with_text_labels():
    from scanner.report import charts

    svg = charts.trend_svg(["115/6/15", "115/9/15"], {"mfa": [0.8, 0.9], "logging": [None, 0.5]},
                           {"mfa": "多因子身分驗證", "logging": "日誌留存"}, floors={"mfa": 1.0, "logging": 0.95},
                           tolerances={"mfa": 0.02}, floor_label="風險胃納", near_label="容忍範圍", ylabel="（%）")
    assert svg.startswith("<svg") and "<text" in svg and "<image" not in svg
    # a panel per area, a value at every scan's point, the appetite line named in the legend
    assert "多因子身分驗證（%）" in svg and ">90.0<" in svg.replace(" ", "") and ">50.0<" in svg.replace(" ", "")
    assert "風險胃納" in svg and "容忍範圍" in svg
    grid = [[[] for _ in range(5)] for _ in range(5)]
    grid[3][2] = ["a", "b"]
    heat = charts.heat_svg(grid, x_label="可能性", y_label="影響", levels=["1", "2", "3", "4", "5"])
    assert ">2<" in heat or "2</text>" in heat


def test_appetite_override_validates_keys(tmp_path):
    from scanner.errors import ConfigError
    from scanner.report.data import load_appetite

    good = tmp_path / "a.yaml"
    good.write_text("areas: {mfa: {min_pass_rate: 0.9}}\n", encoding="utf-8")
    a = load_appetite(good)
    assert a["areas"]["mfa"]["min_pass_rate"] == 0.9 and a["areas"]["residency"]["min_pass_rate"] == 1.0
    bad = tmp_path / "b.yaml"
    bad.write_text("areas: {mfa: {min_pass: 0.9}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="min_pass"):
        load_appetite(bad)
