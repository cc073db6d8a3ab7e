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


# --- force (應 / 宜), scope (重大性) and honest evidence sources (issue 19) -------------------

def _requirement_items(cat, articles=range(4, 10)):
    """ETG chapter 2 requirement items: entries of Art. 4–9 that bind (shall/should) and are not
    a list's introduction ("…下列／以下…：", whose children are the items)."""
    return [c for c in cat if c.regulation == "ETG" and c.id.split(":")[1].split(".")[0] in {str(a) for a in articles}
            and c.force != "none" and not (cat.children(c.id) and c.text_zh.rstrip().endswith("："))]


def test_every_control_records_its_force_and_scope():
    from policies.catalogue import FORCES, SCOPES

    for c in load_catalogue():
        assert c.force in FORCES, c.id
        assert c.scope in SCOPES, c.id
    assert len(_requirement_items(load_catalogue())) == 62


def test_force_and_scope_follow_the_articles_wording():
    cat = load_catalogue()
    expect = {
        "ETG:8.1.1": ("shall", "all"),          # 應採行客戶資料加密或代碼化
        "ETG:8.2.3": ("shall", "all"),          # 應針對特權帳號實施多因子
        "ETG:6.1": ("shall", "all"),            # 應落實定期對雲端服務提供者之查核
        "ETG:6.2": ("shall", "all"),
        "ETG:6.3.6": ("should", "material"),    # 涉及重大性之雲端委外作業者…宜包含
        "ETG:7.2": ("shall", "material_natural_person"),
        "ETG:8.3.4": ("should", "all"),         # 宜考量集中管理稽核軌跡
        "ETG:8.6.3.3": ("shall", "material_natural_person"),
        "ETG:8.7.3": ("should", "material"),    # 8.7: 涉及重大性…宜評估採行
        "ETG:9.2": ("shall", "material"),
        "ETG:8.1": ("none", "all"),             # a heading
        "ETG:2.6": ("none", "all"),             # a definition
    }
    for cid, (force, scope) in expect.items():
        c = cat.get(cid)
        assert (c.force, c.scope) == (force, scope), cid


def test_automated_evidence_is_served_by_a_policy():
    """'automated' means a policy serves it (or, for a heading, one of its items); what no
    policy serves yet says 'planned' and names what the check would read."""
    ps = load_policies()
    idx = ps.controls_index()

    def served(c):
        return bool(idx.get(c.id)) or any(served(k) for k in ps.catalogue.children(c.id))

    for c in ps.catalogue:
        if c.evidence == "automated":
            assert served(c), f"{c.id} says automated but no policy serves it"
        if c.evidence == "planned":
            assert c.planned, c.id
            assert not idx.get(c.id), f"{c.id} is served by {idx[c.id]}: say automated"


def test_a_policy_applies_each_article_with_the_articles_own_scope():
    """Scope as the article has it: a policy limited to material services may not cite an
    article that binds all cloud outsourcing (it would leave the other services unjudged:
    ETG 6.1, 6.2), and a policy for everything may not cite an article for material
    outsourcing as if it bound everything (ETG 8.7.3) — such an article goes under
    scoped_controls, cited only where the resource's service is in its scope."""
    order = {"all": 0, "material": 1, "material_natural_person": 2}
    cat = load_catalogue()
    for p in load_policies():
        for cid in p.controls:
            assert cat.get(cid).scope == p.scope, f"{p.id} ({p.scope}) cites {cid} ({cat.get(cid).scope})"
        for scope, ids in p.scoped_controls.items():
            assert order[scope] > order[p.scope], p.id
            for cid in ids:
                assert cat.get(cid).scope == scope, f"{p.id} cites {cid} ({cat.get(cid).scope}) under {scope}"


def test_citations_pinned():
    ps = load_policies()
    cites = {p.id: set(p.controls) for p in ps}
    assert cites["vendor.data_location_clause"] == {"ETG:8.6.3.1", "ETG:8.1.1"}   # not ETG 8.2 (identity)
    assert cites["logging.audit_trail_enabled"] >= {"ETG:8.3.1", "CSM:CC-18000.4.a", "ETG:8.5"}
    assert "CSM:CC-18000.4.c" not in cites["logging.audit_trail_enabled"]        # (4)c is retention
    assert cites["logging.audit_store_encrypted"] == {"ETG:8.3.1", "CSM:CC-18000.4.c"}  # evidence protection
    assert not any(c.startswith("WFH:") for c in cites["mfa.privileged_users"])   # WFH is home-worker VPN MFA
    assert "ETG:8.2.1" in cites["mfa.root_account"]
    for pid in ("exit.plan_tested", "exit.next_test_scheduled"):
        assert "ETG:9.2" not in cites[pid], pid                                 # 9.2 is continuity drills
    assert {"ETG:9.4", "CSM:CC-20000.4"} <= cites["vendor.incident_backup_clauses"]
    assert "CSM:CC-18000.5.j" in cites["vendor.data_ownership_clause"]
    for pid in ("vendor.audit_right_regulator", "vendor.audit_right_association", "vendor.audit_performed"):
        assert ps.get(pid).params["applies_to"] == "all", pid                  # ETG 6.1, 6.2: all outsourcing
    kinds = ps.get("vendor.assurance_report_current").params["kinds"]
    assert "soc2-type2" in kinds and "iso27001" in kinds and "iso27701" in kinds  # 6.3.6: international standards


def test_citations_carry_the_text_version():
    cat = load_catalogue()
    assert cat.cite("CSM:CC-18000.4.c") == "CSM:CC-18000.4.c (CSM 2020-12-11)"
    assert cat.versions()["ETG"] == "2024-12-27"


def test_a_firm_loads_a_newer_csm_text_without_code_changes(tmp_path):
    """A modified csm.yaml in CLOUDGOV_CATALOGUE_DIR replaces the bundled one: its version date
    and texts show in `cloudgov controls`."""
    import json
    import os
    import subprocess
    import sys

    bundled = (CATALOGUE_DIR / "csm.yaml").read_text(encoding="utf-8")
    newer = bundled.replace("version_date: 2020-12-11", "version_date: 2025-04-11", 1)
    newer = newer.replace("至少留存三年", "至少留存五年（測試用修訂）", 1)
    assert newer != bundled
    (tmp_path / "csm.yaml").write_text(newer, encoding="utf-8")
    env = {**os.environ, "CLOUDGOV_CATALOGUE_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "scanner", "controls", "--regulation", "CSM", "--format", "json"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["regulations"]["CSM"]["version_date"] == "2025-04-11"
    rows = {c["id"]: c for c in doc["controls"]}
    assert "至少留存五年（測試用修訂）" in rows["CSM:CC-18000.4.c"]["text_zh"]
    assert (rows["CSM:CC-18000.4.c"]["force"], rows["CSM:CC-18000.4.c"]["scope"]) == ("shall", "all")
    # a directory that does not exist is one sentence, exit 2
    env["CLOUDGOV_CATALOGUE_DIR"] = str(tmp_path / "missing")
    r = subprocess.run([sys.executable, "-m", "scanner", "controls"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "not a directory" in r.stderr and "Traceback" not in r.stderr


def test_readme_states_the_computed_chapter_2_coverage():
    from pathlib import Path

    from scanner.cli.catalogue import chapter2_coverage, coverage_sentence

    cov = chapter2_coverage()
    assert cov["items"] == 62
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    stated = readme.split("<!-- coverage:etg -->\n", 1)[1].split("\n<!-- /coverage:etg -->", 1)[0]
    assert stated == coverage_sentence(cov), "README's coverage line is stale: paste the sentence `cloudgov controls --coverage` prints"


def test_second_wave_citations_pinned():
    """Issue 19, logging / monitoring / backup: each policy cites the article it serves, with the
    article's own scope (8.7.6 binds material outsourcing only)."""
    ps = load_policies()
    cites = {p.id: set(p.controls) for p in ps}
    assert cites["logging.change_records"] == {"ETG:8.5"}
    assert cites["logging.central_audit_trail"] == {"ETG:8.3.4"}
    assert cites["logging.audit_store_immutable"] == {"CSM:CC-18000.4.c"}  # 數位證據之保護
    assert cites["monitoring.threat_detection"] == {"ETG:8.3.2", "ETG:8.4.4", "CSM:CC-17010.i.c"}
    assert cites["monitoring.security_alerts"] == {"ETG:4.1.6", "ETG:8.3.3"}
    assert cites["monitoring.data_access_logged"] == {"ETG:8.7.6"} and ps.get("monitoring.data_access_logged").scope == "material"
    assert cites["backup.data_store_backed_up"] == cites["backup.vault_immutable"] == {"ETG:9.3"}
    cat = ps.catalogue
    for cid in ("ETG:4.1.6", "ETG:8.3.2", "ETG:8.3.3", "ETG:8.3.4", "ETG:8.4.4", "ETG:8.7.6", "CSM:CC-17010.i.c"):
        assert cat.get(cid).evidence == "automated", cid
