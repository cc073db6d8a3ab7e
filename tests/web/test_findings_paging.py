"""The findings list as the database serves it (``history_0002``): most severe first by the
stored ``severity_order``, pages by offset or by keyset cursor, text search through the
trigram index (SQLite FTS5, PostgreSQL pg_trgm), cached counts, and the cached providers
list that follows every register change. Each runs on SQLite and, with
CLOUDGOV_TEST_PG_URL, on PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.web.conftest import add_user, sign_in

SEVERITIES = ["low", "critical", "info", "high", "medium", "bogus"]


def _document(n: int, tag: str = "") -> tuple[dict, list[dict]]:
    head = {"schema": "cloudgov.findings/1", "evaluated_at": "2026-11-01T02:00:00Z", "source": f"paging{tag}",
            "scope": {"accounts": [{"provider": "aws", "account": "111122223333"}]},
            "summary": {"resources": n}, "coverage_gaps": [], "waiver_problems": [], "policies": []}
    names = ["Payroll-Bucket", "ledger_archive", "100%-retained", 'say "hello"', "日本語の名前"]
    findings = [{"id": f"fp{tag}{i:05d}", "policy": f"p.{i % 3}", "area": "encryption",
                 "severity": SEVERITIES[i % len(SEVERITIES)], "status": "FAIL", "controls": ["ETG:8.1.1"],
                 "resource": {"id": f"arn:aws:s3:::bucket-{i}", "provider": "aws", "account": "111122223333",
                              "region": "ap-east-2", "kind": "storage.object", "name": names[i % len(names)]},
                 "message": f"finding {i}", "evidence": None, "waiver": None} for i in range(n)]
    return head, findings


def _store(app, n: int, tag: str = "") -> int:
    from scanner.store.db import session_scope
    from scanner.store.history import store_document

    head, findings = _document(n, tag)
    with session_scope(app.state.engine) as s:
        scan, _ = store_document(s, head, findings, origin="test")
        return scan.id


@pytest.fixture
def auditor(app):
    return sign_in(app, "aud", add_user(app, "aud", ["auditor"]))


RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def test_most_severe_first_and_keyset_pages_match_offset_pages(app, auditor):
    sid = _store(app, 130)
    url = f"/api/scans/{sid}/findings"
    everything = auditor.http.get(url, params={"per_page": 500}).json()
    assert everything["total"] == 130 and everything["next"] is None
    order = [(RANK.get(f["severity"], 5), f["id"]) for f in everything["findings"]]
    assert order == sorted(order)
    assert everything["findings"][0]["severity"] == "critical" and everything["findings"][-1]["severity"] == "bogus"
    # keyset: follow "next" until it runs out; the same rows as pages 1, 2, 3 by offset
    by_cursor, after = [], None
    while True:
        params = {"per_page": 50, **({"after": after} if after else {})}
        got = auditor.http.get(url, params=params).json()
        assert got["total"] == 130
        by_cursor += [f["id"] for f in got["findings"]]
        after = got["next"]
        if not after:
            break
    by_offset = [f["id"] for p in (1, 2, 3)
                 for f in auditor.http.get(url, params={"per_page": 50, "page": p}).json()["findings"]]
    assert by_cursor == by_offset == [f["id"] for f in everything["findings"]]
    # a filter keeps the order and the keyset; a severity is one range of the page index
    high = auditor.http.get(url, params={"severity": "high", "per_page": 10}).json()
    assert high["total"] == sum(1 for f in everything["findings"] if f["severity"] == "high")
    assert {f["severity"] for f in high["findings"]} == {"high"}
    rest = auditor.http.get(url, params={"severity": "high", "per_page": 100, "after": high["next"]}).json()
    assert [f["id"] for f in high["findings"] + rest["findings"]] == \
        [f["id"] for f in everything["findings"] if f["severity"] == "high"]
    bad = auditor.http.get(url, params={"after": "1;drop"})
    assert bad.status_code == 400 and "cursor" in bad.json()["detail"]


@pytest.mark.parametrize(("words", "expected"), [
    ("payroll", lambda f: f["name"] == "Payroll-Bucket"),          # case-insensitive, through the index
    ("BUCKET-12", lambda f: "bucket-12" in f["resource_id"]),       # the resource id too
    ("100%", lambda f: f["name"] == "100%-retained"),              # % is a character, not a wildcard
    ("0_-", lambda f: False),                                       # _ too (as a wildcard: "100%-retained")
    ('"hello"', lambda f: f["name"] == 'say "hello"'),              # quotes cannot break the query
    ("日本", lambda f: f["name"] == "日本語の名前"),                  # two characters: no trigram, a scan
    ("finding 7", lambda f: f["message"].startswith("finding 7")),   # the message
])
def test_text_search_matches_what_a_substring_search_would(app, auditor, words, expected):
    sid = _store(app, 90)
    url = f"/api/scans/{sid}/findings"
    everything = auditor.http.get(url, params={"per_page": 500}).json()["findings"]
    want = [f["id"] for f in everything if expected(f)]
    got = auditor.http.get(url, params={"q": words, "per_page": 500}).json()
    assert got["total"] == len(want)
    assert [f["id"] for f in got["findings"]] == want
    page = auditor.http.get(f"/scans/{sid}", params={"q": words})
    assert page.status_code == 200


def test_search_index_follows_deleted_scans(app, auditor):
    """Findings removed with their scan (retention) leave the search index too."""
    import datetime as dt

    from scanner.store.db import session_scope
    from scanner.store.history import prune

    old = _store(app, 20, "a")
    new = _store(app, 20, "b")  # same resources: both scans match a search
    with session_scope(app.state.engine) as s:
        s.execute(sa.text("UPDATE history_scan SET evaluated_at = :t WHERE id = :i"),
                  {"t": dt.datetime(2020, 1, 1, tzinfo=dt.UTC), "i": old})
    with session_scope(app.state.engine) as s:
        assert prune(s, 365) == 1
    got = auditor.http.get(f"/api/scans/{new}/findings", params={"q": "bucket-1"}).json()
    assert got["total"] == 11  # bucket-1, bucket-10 … bucket-19
    assert auditor.http.get(f"/api/scans/{old}/findings", params={"q": "bucket-1"}).status_code == 400
    if app.state.engine.dialect.name == "sqlite":
        with app.state.engine.connect() as c:  # FTS5's own consistency check raises if rows were left behind
            c.exec_driver_sql("INSERT INTO history_finding_text(history_finding_text, rank) VALUES ('integrity-check', 1)")


def test_database_at_history_0001_upgrades_and_the_models_match(database_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    import scanner.store.models_history  # noqa: F401
    from scanner.store import db as store

    engine = store._make_engine(store.resolve_url(database_url))
    cfg = store._alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "history_0001")
        conn.execute(sa.text(
            "INSERT INTO history_scan (uid, evaluated_at, recorded_at, origin, source, resource_count, finding_count, "
            "accounts, config, summary, policies, waiver_problems) VALUES ('u1', '2026-01-01', '2026-01-01', 'import', "
            "'', 1, 2, '[]', '{}', '{}', '{}', '[]')"))
        for fp, sev in (("a", "medium"), ("b", "critical")):
            conn.execute(sa.text(
                "INSERT INTO history_finding (scan_id, fingerprint, policy, area, status, severity, resource_id, provider, "
                "account, kind, name, message, controls) VALUES (1, :fp, 'p', 'a', 'FAIL', :sev, :rid, 'aws', '1', 'k', "
                "'Old-Name', '', '[]')"), {"fp": fp, "sev": sev, "rid": f"arn:aws:s3:::old-{fp}"})
    engine.dispose()
    engine = store.open_db(database_url)  # every branch to head
    from scanner.store import queries
    from scanner.store.db import session_scope

    with session_scope(engine) as s:
        rows, total = queries.findings(s, 1, queries.FindingFilter())
        assert [(r.fingerprint, r.severity_order) for r in rows] == [("b", 0), ("a", 2)]
        rows, total = queries.findings(s, 1, queries.FindingFilter(text="old-name"))
        assert total == 2  # rows stored before the migration are in the search index
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store.Base.metadata)

    def about_history(d) -> bool:
        item = d[0] if isinstance(d, list) else d
        obj = item[1] if item[0] in ("add_index", "remove_index", "add_table", "remove_table") else None
        name = getattr(getattr(obj, "table", obj), "name", "") if obj is not None else str(item[2])
        # the search index lives outside the models (FTS5 table, pg_trgm GIN index)
        return name.startswith("history_") and not name.startswith("history_finding_text") \
            and getattr(obj, "name", "") != "ix_history_finding_text"

    assert [d for d in diff if about_history(d)] == []


def test_providers_list_follows_register_changes(app):
    secret = add_user(app, "vm", ["vendor_manager"])
    vm = sign_in(app, "vm", secret)
    assert "acme-cloud" not in vm.http.get("/providers").text
    r = vm.post("/providers", {"id": "acme-cloud", "legal_name": "Acme 雲端股份有限公司"})
    assert r.status_code == 303
    assert "Acme 雲端股份有限公司" in vm.http.get("/providers").text
    r = vm.post("/providers", {"id": "acme-cloud", "legal_name": "Acme Renamed Ltd"})
    assert r.status_code == 303
    listed = vm.http.get("/api/providers").json()
    assert [p["legal_name"] for p in listed if p["id"] == "acme-cloud"] == ["Acme Renamed Ltd"]
    assert "Acme Renamed Ltd" in vm.http.get("/providers").text
