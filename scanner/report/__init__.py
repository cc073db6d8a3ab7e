"""The board report (ETG 4.2, CSM CC-12000 (6)) as a library: data, HTML (with drill-down) and PDF.

The CLI (``cloudgov report board``) and the web application call these three functions; none
keeps a copy of the pipeline. Heavy imports (SQLAlchemy models, jinja2, matplotlib,
WeasyPrint) happen inside them.

    from scanner.report import board_html
    html = board_html(session, "2026-Q3", lang="zh-TW",
                      finding_href=lambda risk: f"/findings?policy={risk['id']}")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from scanner.config import Config
    from scanner.report.periods import Period

__all__ = ["board_data", "board_html", "board_pdf"]


def board_data(session: Session, period: str | Period, *, config: Config | None = None,
               appetite: dict[str, Any] | None = None, firm: str | None = None) -> dict[str, Any]:
    """Everything the report shows, as plain data (language-neutral)."""
    from scanner.config import load_config
    from scanner.report.appetite import load_appetite
    from scanner.report.data import build_report
    from scanner.report.periods import parse_period

    cfg = config or load_config(None)
    per = parse_period(period) if isinstance(period, str) else period
    thresholds = appetite or load_appetite(None, dict(cfg.report_appetite))
    return build_report(session, per, appetite=thresholds, firm=cfg.firm_name if firm is None else firm, config=cfg)


def board_html(session: Session, period: str | Period, *, lang: str = "zh-TW", config: Config | None = None,
               appetite: dict[str, Any] | None = None, firm: str | None = None,
               finding_href: Callable[[dict[str, Any]], str] | None = None, detail: bool = True) -> str:
    """The report as one self-contained HTML document.

    Each risk links to its findings: ``finding_href(risk)`` when given (``risk["id"]`` is the
    policy id, ``risk["kind"]`` ``policy`` / ``audit_finding`` / ``exit_plan``), else to its
    rows in the drill-down annex at the end of the document (``detail=True``).
    """
    from scanner.config import load_config
    from scanner.report.render import render_html

    cfg = config or load_config(None)
    data = board_data(session, period, config=cfg, appetite=appetite, firm=firm)
    return render_html(data, lang, dates=cfg.report_dates, detail=detail, finding_href=finding_href)


def board_pdf(session: Session, period: str | Period, *, lang: str = "zh-TW", config: Config | None = None,
              appetite: dict[str, Any] | None = None, firm: str | None = None) -> bytes:
    """The same report as a PDF (A4; needs WeasyPrint, Pango and a CJK font)."""
    from scanner.report.render import render_pdf

    return render_pdf(board_html(session, period, lang=lang, config=config, appetite=appetite, firm=firm))
