"""Render the board report: jinja2 → one self-contained HTML file (CSS and SVG charts inline,
no external reference), and from the same HTML a PDF with WeasyPrint.

Heavy imports (jinja2, matplotlib, WeasyPrint) happen here, inside the report command.
The PDF needs Pango and a CJK font on the system: see scripts/setup-system and docs/report.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.errors import InputError
from scanner.report.i18n import Catalogue, load_catalogue
from scanner.report.posture import AREAS

__all__ = ["render_html", "render_pdf", "FORMATS"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMATS = ("html", "pdf")


def _charts(r: dict[str, Any], t: Catalogue) -> dict[str, str]:
    from scanner.report import charts

    out: dict[str, str] = {}
    if any(p["has_scans"] for p in r["trend"]):
        out["trend"] = charts.trend_svg(
            [p["label"] for p in r["trend"]],
            {a: [p["areas"].get(a) if p["has_scans"] else None for p in r["trend"]] for a in AREAS},
            {a: t(f"area.{a}") for a in AREAS},
            ylabel=t("chart.pass_rate"),
        )
    if r["top_risks"]:
        out["heat"] = charts.heat_svg(r["heat"], x_label=t("chart.likelihood"), y_label=t("chart.impact"),
                                      levels=[t(f"heat.level{i}") for i in range(1, 6)])
    conc = r["concentration"]
    if conc["data_resources"]:
        out["providers"] = charts.concentration_svg(
            conc["regions"], label_of=lambda g: f"{g['provider']} {g['region']}", xlabel=t("chart.share"))
    return out


def render_html(report: dict[str, Any], lang: str) -> str:
    import jinja2

    t = load_catalogue(lang)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from policies.registry import load_policies

    policies = load_policies()

    def policy_title(pid: str) -> str:
        p = policies.get(pid)
        return t.pick({"title_zh": p.title_zh, "title_en": p.title_en}, "title") if p else pid

    def pct(v: float | None) -> str:
        return t("value.unknown") if v is None else f"{100 * v:.1f}%"

    def delta(v: float | None) -> str:
        if v is None:
            return t("value.none")
        pp = 100 * v
        return "±0.0 pp" if abs(pp) < 0.05 else f"{'▲' if pp > 0 else '▼'} {abs(pp):.1f} pp"

    def yesno(v: bool | None) -> str:
        return t("value.unknown") if v is None else t("value.yes" if v else "value.no")

    def hours(v: float) -> str:
        return f"{v:g} h"

    template = env.get_template("board.html.j2")
    return template.render(
        r=report, lang=lang, t=t, pick=t.pick, has=t.has, areas=AREAS, charts=_charts(report, t),
        css=(TEMPLATES / "board.css").read_text(encoding="utf-8"),
        pct=pct, delta=delta, yesno=yesno, hours=hours, num=lambda n: f"{n:,}", policy_title=policy_title,
    )


def render_pdf(html: str) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: Pango missing on the system
        raise InputError(
            "PDF output needs WeasyPrint and the system's Pango libraries "
            f"(pip install 'cloudgov[report]'; then scripts/setup-system): {str(e).splitlines()[0]}"
        ) from None
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=None).write_pdf()
