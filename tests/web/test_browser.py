"""The main journeys in a real Chromium (Debian's ``chromium``, installed by
scripts/setup-system), driven by Playwright against ``cloudgov serve``'s application on a
loopback port, over a fresh database with the samples loaded. Playwright never downloads a
browser here: it launches /usr/bin/chromium. Screenshots go to ``CLOUDGOV_SCREENSHOTS``
(default: the test's temporary folder)."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.web.conftest import PASSWORD, add_user, totp_now

pytest.importorskip("playwright")

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CHROMIUM = os.environ.get("CLOUDGOV_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"no Chromium at {CHROMIUM} (scripts/setup-system installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The application on 127.0.0.1:<free port>, in a thread of this process."""
    import uvicorn

    from scanner.web.app import Settings, create_app
    from scanner.web.setup import load_samples

    folder = tmp_path_factory.mktemp("browser")
    url = f"sqlite:///{folder / 'cloudgov.db'}"
    load_samples(url, folder / "evidence")
    app = create_app(Settings(db_url=url, evidence_root=folder / "evidence"))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "the server did not start"
    yield app, f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
    yield b
    b.close()
    pw.stop()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ.get("CLOUDGOV_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


def _page(browser, base: str, lang: str = "zh-TW"):
    ctx = browser.new_context(base_url=base, viewport={"width": 1366, "height": 900}, accept_downloads=True)
    ctx.add_cookies([{"name": "cg_lang", "value": lang, "url": base}])
    return ctx.new_page()


def _sign_in(page, username: str, secret: str | None, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if secret:
        page.wait_for_url(re.compile(r"/login/totp"))
        page.fill("input[name=code]", totp_now(secret))
        page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.content()[:2000]


def test_first_sign_in_changes_password_and_enrols_totp(server, browser, shots):
    from scanner.web.setup import first_admin

    app, base = server
    name, password = first_admin(app.state.engine)
    page = _page(browser, base)
    _sign_in(page, name, None, password)
    assert page.url.endswith("/account/password")
    page.fill("input[name=current]", password)
    page.fill("input[name=new]", "short")
    page.click("button[type=submit]")
    assert page.locator("#error").is_visible()
    page.fill("input[name=current]", password)
    page.fill("input[name=new]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/account/totp"), (page.url, page.content()[:3000])  # an administrator must enrol first
    secret = page.locator("#totp-secret").inner_text().strip()
    page.screenshot(path=str(shots / "01-totp-enrolment.png"), full_page=True)
    page.fill("input[name=code]", totp_now(secret))
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/account$"))
    assert page.locator("#totp-state").inner_text().startswith("已啟用")
    page.goto("/admin/users")
    assert page.locator("text=admin").first.is_visible()
    page.context.close()


def test_add_provider_and_service(server, browser, shots):
    app, base = server
    secret = add_user(app, "vm-browser", ["vendor_manager"])
    page = _page(browser, base)
    _sign_in(page, "vm-browser", secret)
    page.goto("/providers")
    form = page.locator("#new-provider")
    form.locator("input[name=id]").fill("taipei-cloud")
    form.locator("input[name=legal_name]").fill("台北雲端服務股份有限公司 <b>bold?</b>")
    form.locator("input[name=tw_ubn]").fill("24567890")
    form.locator("input[name=headquarters_country]").fill("TW")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/providers/taipei-cloud$"))
    assert page.locator("h1").inner_text().startswith("台北雲端服務股份有限公司 <b>bold?</b>")  # shown as text
    page.locator("summary", has_text="新增服務").click()
    svc = page.locator("#new-service")
    svc.locator("input[name=id]").fill("core-ledger")
    svc.locator("input[name=name]").fill("核心帳務系統")
    svc.locator("select[name=service_model]").select_option("SaaS")
    svc.locator("select[name=material]").select_option("yes")
    svc.locator("input[name=scopes]").fill("aws:111122223333")
    svc.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/providers/taipei-cloud/services/core-ledger$"))
    assert "待核准" in page.locator("#materiality-approval").inner_text()
    page.screenshot(path=str(shots / "02-service.png"), full_page=True)
    page.context.close()


def test_due_diligence_review_to_approval(server, browser, shots):
    from vendor_dd.domains import REVIEW_DOMAINS

    app, base = server
    vm_secret = add_user(app, "vm-review", ["vendor_manager"])
    ap_secret = add_user(app, "approver-review", ["approver"])
    page = _page(browser, base)
    _sign_in(page, "vm-review", vm_secret)
    page.goto("/providers")
    slug = page.locator("#providers a[href^='/providers/']").first.get_attribute("href")
    page.goto(slug)
    service_href = page.locator("a[href*='/services/']").first.get_attribute("href")
    page.goto(service_href)
    if page.locator("#start-review").count():
        page.click("#start-review")
    else:
        page.click("#open-review")
    page.wait_for_url(re.compile(r"/review$"))
    for dom in REVIEW_DOMAINS:
        page.select_option(f"select[name='result.{dom}']", "met" if dom != "backup" else "partially_met")
    page.fill("textarea[name='compensating.backup']", "每日備份至本公司自有機房（補償性措施）")
    page.click("#review-save")
    page.click("#review-submit")
    assert page.locator("#review-status").inner_text() == "已送核"
    review_url = page.url
    page.context.close()

    page = _page(browser, base, lang="en")
    _sign_in(page, "approver-review", ap_secret)
    page.goto(review_url)
    page.click("#review-approve")
    page.wait_for_url(re.compile(r"/approvals$"))
    page.goto(review_url)
    assert page.locator("#review-status").inner_text() == "approved and completed"
    page.screenshot(path=str(shots / "03-review-approved.png"), full_page=True)
    page.context.close()


def test_upload_evidence_and_see_it_expire(server, browser, shots, tmp_path, monkeypatch):
    app, base = server
    secret = add_user(app, "vm-evidence", ["vendor_manager"])
    page = _page(browser, base)
    _sign_in(page, "vm-evidence", secret)
    page.goto("/providers")
    page.goto(page.locator("#providers a[href^='/providers/']").first.get_attribute("href"))
    pdf = tmp_path / "iso27001-2026.pdf"
    pdf.write_bytes(b"%PDF-1.4\n% ISO 27001 certificate (test)\n")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    form = page.locator("#evidence-upload")
    form.locator("input[name=upload]").set_input_files(str(pdf))
    form.locator("select[name=kind]").select_option("iso27001")
    form.locator("input[name=valid_until]").fill(tomorrow.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator("#evidence-table tr", has_text="iso27001-2026.pdf")
    assert "1 日內到期" in row.inner_text()
    monkeypatch.setenv("CLOUDGOV_TODAY", (tomorrow + dt.timedelta(days=2)).isoformat())  # the server's clock
    page.reload()
    row = page.locator("#evidence-table tr", has_text="iso27001-2026.pdf")
    assert "已過期" in row.inner_text()
    row.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "04-evidence-expired.png"), full_page=True)
    with page.expect_download() as dl:
        row.locator("a").click()
    assert Path(dl.value.path()).read_bytes() == pdf.read_bytes()
    page.context.close()


def test_waiver_request_refused_self_approval_then_approved(server, browser, shots):
    app, base = server
    eng_secret = add_user(app, "eng-waiver", ["cloud_engineer", "approver"])
    ap_secret = add_user(app, "approver-waiver", ["approver"])
    page = _page(browser, base)
    _sign_in(page, "eng-waiver", eng_secret)
    page.goto("/waivers?policy=residency.data_location&resource=arn:aws:s3:::fmsa-research-hk")
    form = page.locator("#waiver-form")
    form.locator("textarea[name=reason]").fill("研究資料鏡像 <script>alert('x')</script>")
    form.locator("textarea[name=compensating_control]").fill("每晚複製至 ap-east-2")
    form.locator("input[name=owner]").fill("infra@example.tw")
    form.locator("input[name=expires]").fill("2099-12-31")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/waivers$"))
    row = page.locator("#waivers tr", has_text="fmsa-research-hk").first
    assert "<script>alert('x')</script>" in row.inner_text()  # shown as text, not run
    row.locator("button.waiver-approve").click()
    assert "職務分離" in page.locator("#error").inner_text()  # the service's refusal, in the page language
    page.screenshot(path=str(shots / "05-self-approval-refused.png"), full_page=True)
    page.context.close()

    page = _page(browser, base)
    _sign_in(page, "approver-waiver", ap_secret)
    page.goto("/waivers")
    row = page.locator("#waivers tr", has_text="fmsa-research-hk").first
    row.locator("button.waiver-approve").click()
    page.wait_for_url(re.compile(r"/waivers$"))
    row = page.locator("#waivers tr", has_text="fmsa-research-hk").first
    assert "已核准" in row.locator(".waiver-state").inner_text()
    page.context.close()


def test_browse_a_scans_findings(server, browser, shots):
    app, base = server
    secret = add_user(app, "eng-browse", ["cloud_engineer"])
    page = _page(browser, base, lang="en")
    _sign_in(page, "eng-browse", secret)
    page.goto("/scans")
    page.locator("#scans a[href^='/scans/']").first.click()
    page.wait_for_url(re.compile(r"/scans/\d+$"))
    before = page.locator("#findings-count").inner_text()
    with page.expect_response(re.compile(r"/scans/\d+\?")):
        page.select_option("select[name=area]", "mfa")  # HTMX swaps the table in place
    page.wait_for_function("(before) => document.querySelector('#findings-count').innerText !== before", arg=before)
    statuses = page.locator("#findings-table tr td:nth-child(3)").all_inner_texts()
    assert statuses and all(s.startswith("mfa.") for s in statuses)
    assert "area=mfa" in page.url  # the filter is in the address, to share
    page.screenshot(path=str(shots / "06-findings.png"), full_page=True)
    page.locator("#findings-table a").first.click()
    page.wait_for_url(re.compile(r"/findings/\d+$"))
    assert page.locator("#resource-id").inner_text()
    page.context.close()


def test_download_the_board_pdf(server, browser, shots):
    app, base = server
    secret = add_user(app, "board-browser", ["board_member"])
    page = _page(browser, base)
    _sign_in(page, "board-browser", secret)
    page.goto("/board?period=2026-Q3")
    assert page.locator("#posture").is_visible()
    page.screenshot(path=str(shots / "07-board.png"), full_page=True)
    with page.expect_download(timeout=120_000) as dl:
        page.click("#board-pdf", timeout=120_000)  # the click waits for the PDF response: slow on a loaded machine
    data = Path(dl.value.path()).read_bytes()
    assert data.startswith(b"%PDF") and dl.value.suggested_filename == "board-2026-Q3.pdf"
    # a board member sees only the board: the register is refused
    page.goto("/providers")
    assert "需要 register.read" in page.content()  # the refusal, in the page language
    page.context.close()


def test_record_a_termination_and_check_deletion(server, browser, shots):
    """ETG 9.6 in the browser: the end of aws-tw/data-lake with its certificate, then the
    post-exit scan of the samples (a snapshot and an enabled key left): the check fails."""
    app, base = server
    secret = add_user(app, "vm-exit", ["vendor_manager"])
    page = _page(browser, base)
    _sign_in(page, "vm-exit", secret)
    page.goto("/exit-plans")
    page.locator("a[href='/exit-plans/aws-tw/data-lake']").click()
    page.wait_for_url(re.compile(r"/exit-plans/aws-tw/data-lake$"))
    form = page.locator("#termination-form")
    form.locator("input[name=terminated_on]").fill("2026-10-31")
    form.locator("input[name=reason]").fill("moved to the firm's own data platform")
    form.locator("input[name=certificate]").set_input_files(str(SAMPLES / "after-exit" / "deletion-certificate-data-lake.pdf"))
    form.locator("input[name=issued_by]").fill("AWS Taiwan")
    form.locator("input[name=scope][value=logs]").uncheck()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/exit-plans/aws-tw/data-lake"))
    record = page.locator("#termination-record").inner_text()
    assert "2026-10-31" in record and "deletion-certificate-data-lake.pdf" in record and "提供者保存的日誌 ✗" in record
    verify = page.locator("#verify-form")
    verify.locator("input[name=files]").set_input_files(str(SAMPLES / "after-exit" / "data-lake-after-exit.json"))
    verify.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/exit-plans/aws-tw/data-lake"))
    rows = page.locator("#verification-list").inner_text()
    assert "未通過：仍有殘留" in rows and "snapshot" in rows.lower()
    page.screenshot(path=str(shots / "08-termination.png"), full_page=True)
    page.context.close()
