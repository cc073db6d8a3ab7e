"""Catalogue integrity: ids unique and well-formed, parents exist, every policy cites existing
controls, ETG chapter 2 itemized, config defaults cite real articles."""

from __future__ import annotations

import re

import yaml

from policies.catalogue import CATALOGUE_DIR, EVIDENCE_SOURCES, load_catalogue
from policies.registry import load_policies
from scanner.config import DEFAULTS_PATH


def test_every_regulation_has_a_file_and_version_date():
    cat = load_catalogue()
    assert set(cat.regulations) == {"ETG", "CSM", "SRR", "DSG", "WFH"}
    assert cat.regulations["ETG"].version_date == "2024-12-27"
    for reg in cat.regulations.values():
        assert reg.version_date


def test_ids_unique_across_files():
    ids = []
    for path in CATALOGUE_DIR.glob("*.yaml"):
        ids += [c["id"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))["controls"]]
    assert len(ids) == len(set(ids))


def test_controls_are_complete_records():
    for c in load_catalogue():
        assert c.text_zh and c.summary_en, c.id
        assert c.evidence in EVIDENCE_SOURCES


def test_etg_chapter_2_is_itemized():
    cat = load_catalogue()
    for art in range(4, 10):
        assert f"ETG:{art}" in cat
    # down to 款/目 and sub-items
    for cid in ("ETG:4.1.3.1", "ETG:8.2.3", "ETG:8.1.1", "ETG:8.6.3.3", "ETG:9.5", "ETG:9.6", "ETG:6.2", "ETG:7.2"):
        assert cid in cat, cid
    chapter2 = [c for c in cat if re.match(r"ETG:[2-9](\.|$)", c.id)]
    assert len(chapter2) >= 80


def test_every_policy_cites_existing_controls():
    policies = load_policies()
    for p in policies:
        assert p.controls
        for c in p.controls:
            assert c in policies.catalogue, (p.id, c)


def test_reverse_index_is_computed():
    idx = load_policies().controls_index()
    assert "mfa.root_account" in idx["ETG:8.2.3"]


def test_config_defaults_cite_real_articles():
    cat = load_catalogue()
    d = yaml.safe_load(DEFAULTS_PATH.read_text(encoding="utf-8"))
    cited = list(d["jurisdiction"]["source"]) + list(d["identity"]["unused_source"]) + list(d["privileged"]["source"])
    for cls in d["logging"]["classes"].values():
        cited += cls["source"]
    for cid in cited:
        assert cid in cat, cid


def test_policy_ids_begin_with_their_area():
    for p in load_policies():
        assert p.id.startswith(p.area + ".")
