"""The board's view: a dashboard (posture per area against risk appetite, overdue reviews,
expiring evidence, exit readiness, concentration) and the board report as HTML or PDF,
both built by ``scanner.report`` — the same data the CLI's ``cloudgov report board`` uses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scanner.web.access import allow
from scanner.web.app import DbSession, lang_of, render

router = APIRouter(include_in_schema=False)  # pages: not part of the API document


def default_period() -> str:
    """The quarter that holds today (CLOUDGOV_TODAY or the clock)."""
    from scanner.records import clock

    today = clock.today()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def board_data(session: Any, period_text: str) -> dict[str, Any]:
    from scanner.config import load_config
    from scanner.report.data import build_report, load_appetite
    from scanner.report.periods import parse_period

    cfg = load_config(None)
    thresholds = load_appetite(None, dict(cfg.report_appetite))
    return build_report(session, parse_period(period_text), appetite=thresholds, firm=cfg.firm_name, config=cfg)


@router.get("/board", **allow("board.read"))
def dashboard(*, request: Request, s: DbSession, period: str | None = None) -> Response:
    from scanner.store.models_history import Scan

    chosen = (period or "").strip() or _latest_period(s, Scan) or default_period()
    data = board_data(s, chosen)
    return render(request, "board.html", r=data, period=chosen)


def _latest_period(s: Any, Scan: Any) -> str | None:
    from sqlalchemy import func, select

    latest = s.scalar(select(func.max(Scan.evaluated_at)))
    return None if latest is None else f"{latest.year}-Q{(latest.month - 1) // 3 + 1}"


@router.get("/board/report", **allow("board.read"))
def report(*, request: Request, s: DbSession, period: str | None = None, fmt: str = "html",
           lang: str | None = None) -> Response:
    from scanner.errors import InputError
    from scanner.report.i18n import check_lang
    from scanner.report.render import FORMATS, render_html, render_pdf

    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    chosen = (period or "").strip() or default_period()
    data = board_data(s, chosen)
    html = render_html(data, check_lang(lang or lang_of(request)))
    label = data["period"]["label"]
    if fmt == "pdf":
        return Response(render_pdf(html), media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="board-{label}.pdf"'})
    return Response(html, media_type="text/html; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="board-{label}.html"'})
