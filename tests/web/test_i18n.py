"""Service-layer messages on pages come from the one string catalogue: zh-TW by default,
English after the switch. Every message the modules behind the pages raise has an entry
(read from their source, so a new message without one fails here)."""

from __future__ import annotations

import ast
import html
import re
import string
from pathlib import Path

import pytest

from tests.web.conftest import add_user, sign_in

ROOT = Path(__file__).resolve().parents[2]
#: the modules whose messages reach a page (the CLI-only set-up of --demo is not one)
MODULES = [*sorted(p for p in (ROOT / "scanner" / "web").glob("*.py") if p.name != "setup.py"),
           *(ROOT / m for m in ("vendor_dd/register.py", "vendor_dd/edit.py", "vendor_dd/importer.py",
                                "vendor_dd/evidence.py", "exit_plans/service.py", "scanner/store/queries.py",
                                "scanner/records/clock.py", "scanner/records/doc.py", "scanner/records/evidence.py"))]
ERRORS = {"InputError", "Denied", "SeparationOfDuties", "SelfApproval", "PasswordRejected", "UsageError"}


def _shape(text: str) -> str:
    """A message template with every field as {} (names differ between source and catalogue)."""
    out = []
    for lit, name, _, _ in string.Formatter().parse(text):
        out.append(lit.replace("{", "{{").replace("}", "}}"))
        if name is not None:
            out.append("{}")
    return "".join(out)


def _template(x: ast.AST) -> str | None:
    """The message a literal, an f-string or a sum of them makes, fields as {x}; else None."""
    if isinstance(x, ast.Constant) and isinstance(x.value, str):
        return x.value.replace("{", "{{").replace("}", "}}")
    if isinstance(x, ast.JoinedStr):
        parts = []
        for v in x.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value).replace("{", "{{").replace("}", "}}"))
            else:
                q = "'" if getattr(v, "conversion", -1) == ord("r") else ""
                parts.append(f"{q}{{x}}{q}")
        return "".join(parts)
    if isinstance(x, ast.BinOp) and isinstance(x.op, ast.Add):
        left, right = _template(x.left), _template(x.right)
        return None if left is None or right is None else left + right
    return None  # str(e): a message raised elsewhere, checked there


def _raised(path: Path) -> list[tuple[int, str]]:
    """(line, template) of each error raised with a literal or f-string message."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in ERRORS):
            continue
        args = node.args[1:] if node.func.id == "Denied" else node.args
        template = _template(args[0]) if args else None
        if template is not None:
            found.append((node.lineno, template))
    return found


def test_every_message_behind_the_pages_has_a_catalogue_entry():
    from scanner.web.i18n import entries

    shapes = {_shape(v["en"]) for k, v in entries().items() if k.startswith("svc.")}
    missing = [f"{p.relative_to(ROOT)}:{line}: {t}" for p in MODULES for line, t in _raised(p)
               if _shape(t) not in shapes]
    assert missing == [], "add svc.* entries to scanner/web/messages.yaml for:\n" + "\n".join(missing)
    assert len([1 for p in MODULES for _ in _raised(p)]) > 100  # the walk found the raise sites


@pytest.mark.parametrize(("message", "zh"), [
    ("unknown provider 'zz' (known: a, b)", "未知的雲端服務提供者「zz」（已登錄：a, b）"),
    ("the password needs at least 12 characters; not containing the account name", "密碼需要：至少 12 個字元；不含帳號名稱"),
    ("providers[0].headquarters_country: 'TWN' is not a two-letter country code (TW, US, SG)",
     "providers[0].headquarters_country：「TWN」不是兩個字母的國家代碼（TW、US、SG）"),
    ("aws-tw/x: no review in progress; start one with `cloudgov vendor review start aws-tw/x`",
     "aws-tw/x：沒有進行中的盡職調查；請先開始一次（cloudgov vendor review start aws-tw/x）"),
    ("contracts[0].clauses.x: unknown clause status 'maybe' (use one of: present, absent)",
     "contracts[0].clauses.x：未知的clause status「maybe」（可用：present, absent）"),
    ("a new message nobody translated", "無法完成（系統訊息）：a new message nobody translated"),
])
def test_translate_matches_nested_and_listed_messages(message, zh):
    from scanner.web.i18n import translate

    assert translate(message, "zh-TW") == zh
    assert translate(message, "en") == message


def _error(page) -> str:
    m = re.search(r'<p class="error" id="error">(.*?)</p>', page.text, re.S)
    assert m, page.text[:500]
    return html.unescape(m.group(1))


def test_a_service_error_is_in_the_page_language(app):
    vm = sign_in(app, "vm", add_user(app, "vm", ["vendor_manager"]))
    r = vm.post("/providers", {"id": "no spaces allowed", "legal_name": "Acme"})
    assert r.status_code == 400
    assert _error(r) == "provider id：「no spaces allowed」須為 1 至 100 個英文字母、數字、'-'、'_' 或 '.'"
    assert vm.http.get("/lang/en", params={"next": "/providers"}, follow_redirects=False).status_code == 303
    r = vm.post("/providers", {"id": "no spaces allowed", "legal_name": "Acme"})
    assert _error(r) == "provider id: 'no spaces allowed' must be 1 to 100 letters, digits, '-', '_' or '.'"
    # the API speaks the services' English whatever the page language
    api = vm.http.get("/api/providers/nobody")
    assert api.status_code == 400 and api.json()["detail"].startswith("unknown provider 'nobody'")


def test_separation_of_duties_refusal_is_translated(app):
    eng = sign_in(app, "eng", add_user(app, "eng", ["cloud_engineer", "approver"]))
    form = {"policy": "residency.data_location", "resources": "arn:aws:s3:::fmsa-research-hk",
            "reason": "migration", "compensating_control": "weekly review", "owner": "ops",
            "expires": "2099-01-01"}
    assert eng.post("/waivers", form, token_from="/waivers").status_code == 303
    waiver_id = re.findall(r'/waivers/(\d+)/approve', eng.http.get("/waivers").text)[0]
    r = eng.post(f"/waivers/{waiver_id}/approve", {}, token_from="/waivers")
    assert r.status_code == 403
    assert "此例外是您申請的，須由另一位核准人員決定（職務分離）" in _error(r)


# --- stored vocabulary values on pages --------------------------------------------------


def test_every_vocabulary_value_has_an_entry_in_both_languages():
    """Generated from the enums (scanner.web.i18n.enums): a status, severity, kind or register
    value added without a catalogue entry fails here."""
    from scanner.web.i18n import LANGS, entries, enums, label

    missing = [f"{group}.{value}" for group, values in enums().items() for value in values
               if f"{group}.{value}" not in entries()]
    assert missing == [], "add these to scanner/web/messages.yaml:\n" + "\n".join(missing)
    assert all(entries()[f"{g}.{x}"][lang].strip() for g, xs in enums().items() for x in xs for lang in LANGS)
    assert label("zh-TW", "status", "FAIL") == "未通過" and label("en", "status", "NOT_APPLICABLE") == "N/A"
    assert label("zh-TW", "area", "mfa") != "mfa"  # areas by their policy files' titles
    assert label("zh-TW", "status", "SOMETHING_NEW") == "SOMETHING_NEW"  # a newer value shows as stored


def _raw_tokens() -> set[str]:
    """Stored values whose zh-TW label differs from the value: on a zh-TW page they must not
    appear as the whole of a text node (or its first word, as in "FAIL 3")."""
    from policies.registry import load_areas
    from scanner.web.i18n import enums, label

    tokens = {x for g, xs in enums().items() for x in xs if label("zh-TW", g, x) != x}
    return tokens | {a.name for a in load_areas() if label("zh-TW", "area", a.name) != a.name}


def _untranslated(text: str, tokens: set[str]) -> list[str]:
    found = []
    for node in re.findall(r">([^<>]+)<", re.sub(r"<(script|style|pre|code|textarea)\b.*?</\1>", "", text, flags=re.S)):
        shown = html.unescape(node).strip()
        first = re.match(r"(\S+?)(?:[:：]|\s+\d+)?$", shown)  # "FAIL", "FAIL 3", "tabletop:"
        if first and first.group(1) in tokens:
            found.append(shown)
    return found


def test_pages_show_vocabulary_values_in_the_page_language(samples_app, users):
    aud = users["auditor"]
    scans = [int(x) for x in re.findall(r'<td><a href="/scans/(\d+)">', aud.http.get("/scans").text)]
    newest, previous = scans[0], scans[1]
    findings = aud.http.get(f"/api/scans/{newest}/findings", params={"per_page": 500}).json()["findings"]
    slugs = sorted(set(re.findall(r'href="/providers/([a-z0-9._-]+)"', aud.http.get("/providers").text)))
    pages = ["/", "/scans", f"/scans/{newest}", f"/scans/{newest}/diff/{previous}", "/providers", "/board",
             "/waivers", "/exit-plans",
             *(f"/scans/{newest}/findings/{f['id']}" for f in
               {f["status"]: f for f in findings}.values()),  # one finding of each status
             *(f"/providers/{s}" for s in slugs)]
    services = {m for s in slugs[:3] for m in re.findall(r'href="(/providers/[^"/]+/services/[^"/]+)"',
                                                         aud.http.get(f"/providers/{s}").text)}
    pages += sorted(services) + sorted(m.replace("/providers/", "/exit-plans/").replace("/services/", "/")
                                       for m in services)  # each service's exit plan and termination
    tokens = _raw_tokens()
    shown: dict[str, list[str]] = {}
    for path in pages:
        r = aud.http.get(path)
        assert r.status_code == 200, path
        if bad := _untranslated(r.text, tokens):
            shown[path] = bad
    assert shown == {}, f"stored values shown raw on zh-TW pages: {shown}"
    # the filters still carry the machine values, the API too
    scan = aud.http.get(f"/scans/{newest}").text
    assert '<option value="FAIL"' in scan and ">未通過<" in scan and ">FAIL<" not in scan
    assert {f["status"] for f in findings} <= {"PASS", "FAIL", "ERROR", "NOT_APPLICABLE", "WAIVED"}
    assert aud.http.get(f"/scans/{newest}", params={"status": "FAIL"}).status_code == 200
    # English after the switch
    aud.http.get("/lang/en", params={"next": "/"})
    assert ">FAIL<" in aud.http.get(f"/scans/{newest}").text
