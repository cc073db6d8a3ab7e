"""Render the board report: jinja2 → one self-contained HTML file (CSS and SVG charts inline,
no external reference), and from the same HTML a PDF with WeasyPrint.

Heavy imports (jinja2, matplotlib, WeasyPrint) happen here, inside the report command.
The PDF needs Pango and a CJK font on the system: see scripts/setup-system and docs/report.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scanner.cite import cite as cite_control
from scanner.cite import cite_list as cite_controls
from scanner.errors import InputError
from scanner.report.fmt import Formatter
from scanner.report.i18n import Catalogue, load_catalogue
from scanner.report.posture import AREAS

__all__ = ["render_html", "render_pdf", "FORMATS", "period_name"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMATS = ("html", "pdf")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


class Notes:
    """Footnotes collected while rendering: technical identifiers live here, not in the text."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> str:
        if text in self.items:
            n = self.items.index(text) + 1
        else:
            self.items.append(text)
            n = len(self.items)
        return f'<sup class="fn"><a href="#fn-{n}">{n}</a></sup>'


def period_name(period: dict[str, Any], t: Catalogue, dates: str) -> str:
    """2026-Q3 → 民國115年第3季 / 2026年第3季 / 2026 Q3."""
    label, kind = period["label"], period["kind"]
    year = int(label[:4])
    y = str(year - 1911) if (t.lang == "zh-TW" and dates == "roc") else str(year)
    era = "roc" if (t.lang == "zh-TW" and dates == "roc") else "ad"
    part = label[5:]
    if kind == "quarter":
        return t(f"period.quarter_{era}", y=y, n=part[1])
    if kind == "half":
        return t(f"period.half{part[1]}_{era}", y=y)
    if kind == "month":
        return t(f"period.month_{era}", y=y, n=int(part))
    return t(f"period.year_{era}", y=y)


def _charts(r: dict[str, Any], t: Catalogue, f: Formatter, cloud: Callable[[str], str]) -> dict[str, str]:
    from scanner.report import charts

    out: dict[str, str] = {}
    tr = r["trend"]
    if tr["points"]:
        out["trend"] = charts.trend_svg(
            [f.short_date(p["at"]) for p in tr["points"]],
            {a: [p["areas"].get(a) for p in tr["points"]] for a in AREAS},
            {a: t(f"area.{a}") for a in AREAS},
            floors=tr["floors"], tolerances=tr["tolerances"],
            floor_label=t("chart.appetite"), near_label=t("chart.near"), ylabel=t("chart.unit"),
        )
    policy_risks = [k for k in r["risks"] if k["kind"] == "policy"]
    if policy_risks:
        out["heat"] = charts.heat_svg(r["heat"], x_label=t("chart.likelihood"), y_label=t("chart.impact"),
                                      levels=[t(f"heat.level{i}") for i in range(1, 6)])
    conc = r["concentration"]
    if conc["data_resources"]:
        out["providers"] = charts.concentration_svg(
            conc["regions"], label_of=lambda g: f"{cloud(g['provider'])} {g['name'] or t('region.multi' if g.get('multi') else 'region.unnamed', code=g['region'].upper())}",
            xlabel=t("chart.share"), limit=r["appetite"]["concentration"]["max_region_share"], limit_label=t("chart.appetite"))
    return out


def render_html(report: dict[str, Any], lang: str, *, dates: str = "roc", detail: bool = True,
                finding_href: Callable[[dict[str, Any]], str] | None = None, detail_rows: int = 25) -> str:
    """The report as one HTML document.

    ``finding_href(risk)`` gives each risk's link (the web application points it at its own
    findings page); by default a risk links to its rows in the drill-down annex (``detail``).
    """
    import jinja2

    t = load_catalogue(lang)
    f = Formatter(t.lang, dates)
    notes = Notes()
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    from markupsafe import Markup

    from policies.registry import load_policies

    policies = load_policies()

    def policy_title(pid: str) -> str:
        p = policies.get(pid)
        return t.pick({"title_zh": p.title_zh, "title_en": p.title_en}, "title") if p else t("policy.unknown")

    def pct(v: float | None) -> str:
        return f.pct(v, t("value.unknown"))

    def points_abs(v: float | None) -> str:
        return t("value.none") if not v else t("value.points", n=f"{100 * v:g}")

    def yesno(v: bool | None) -> str:
        return t("value.unknown") if v is None else t("value.yes" if v else "value.no")

    def cloud(provider: str) -> str:
        return t(f"cloud.{provider}") if t.has(f"cloud.{provider}") else provider.upper()

    def country(code: str) -> str:
        return t(f"country.{code}") if t.has(f"country.{code}") else code

    def region_label(provider: str, region: str, name: str | None, multi: bool = False) -> Markup:
        """The provider's own region name, its code in a footnote (a director reads the name)."""
        shown = name or (t("region.multi", code=region.upper()) if multi else t("region.unnamed"))
        return Markup("{}{}").format(shown, Markup(notes.add(region)))

    def region_name(provider: str, region: str) -> str:
        from scanner.config import default_jurisdictions
        from scanner.report.regions import fold
        from scanner.report.regions import region_name as name_of

        return name_of(provider, fold(default_jurisdictions(), provider, region)) or t("region.unnamed")

    def limit_text(m: dict[str, Any]) -> str:
        return ("≥ " if m["direction"] == "min" else "≤ ") + ("—" if m["limit"] is None else f"{100 * m['limit']:g}%")

    def services_short(names: list[str]) -> str:
        if len(names) <= 2:
            return t("sep.list").join(names)
        return t("sep.list").join(names[:2]) + t("risk.more_services", n=len(names) if t.lang == "zh-TW" else len(names) - 2)

    def metric_label(m: dict[str, Any]) -> str:
        names = {"area": lambda: t(f"area.{m['area']}"),
                 "region_share": lambda: t("metric.region_share", region=m.get("name") or t("region.unnamed")),
                 "provider_share": lambda: t("metric.provider_share", provider=cloud(m["provider"])),
                 "material_provider_share": lambda: t("metric.material_provider_share", provider=cloud(m["provider"])),
                 "npd_in_taiwan": lambda: t("metric.npd_in_taiwan")}
        return t("decide.metric", name=names[m["metric"]](), value=pct(m["value"]), limit=limit_text(m))

    def waiver_problem(p: dict[str, Any]) -> Markup:
        fields = "、".join(t(f"wfield.{x}") if t.has(f"wfield.{x}") else x for x in p["fields"]) if lang == "zh-TW" \
            else ", ".join(t(f"wfield.{x}") if t.has(f"wfield.{x}") else x for x in p["fields"])
        text = t(f"wproblem.{p['kind']}", id=p["id"], fields=fields, date=f.date(p["date"]) if p["date"] else "",
                 policy=policy_title(p["policy"]) if p["policy"] else "")
        return Markup("{}{}").format(text, Markup(notes.add(p["raw"])) if p["kind"] == "other" else "")

    def href(k: dict[str, Any]) -> str:
        if finding_href is not None:
            return finding_href(k)
        return f"#{k['anchor']}" if (detail and k.get("findings")) else "#risks"

    def cite(control: str, with_title: bool = True) -> str:
        return cite_control(control, t.lang, with_title=with_title)

    env.filters.update(cite=lambda c: cite(c), metric_label=metric_label, country=country)
    r = report
    pname = period_name(r["period"], t, dates)
    prev = _previous_period(r["period"])
    template = env.get_template("board.html.j2")
    return template.render(
        r=r, lang=t.lang, t=t, pick=t.pick, has=t.has, areas=AREAS, f=f, notes=notes,
        charts=_charts(r, t, f, cloud),
        css=(TEMPLATES / "board.css").read_text(encoding="utf-8"),
        pct=pct, points_abs=points_abs, yesno=yesno, policy_title=policy_title, cloud=cloud, region_label=region_label, region_name=region_name,
        waiver_problem=waiver_problem, href=href, limit_text=limit_text, cite_list=lambda cs: cite_controls(list(cs), t.lang), services_short=services_short, cite=cite, fn=lambda text: Markup(notes.add(str(text))),
        cjk=lambda s: bool(_CJK.search(s or "")), mat_key=lambda m: "unknown" if m is None else ("material" if m else "non_material"),
        period_name=pname, prev_name=period_name(prev, t, dates) if prev else r["previous"],
        year_name=t("period.year_roc" if (t.lang == "zh-TW" and dates == "roc") else "period.year_ad",
                    y=str(r["statement"]["year"] - 1911 if (t.lang == "zh-TW" and dates == "roc") else r["statement"]["year"])),
        trend_first=period_name(_period_dict(r["trend"]["periods"][0]), t, dates) if r["trend"]["periods"] else pname,
        detail=detail, detail_rows=detail_rows, none=None,
    )


def _period_dict(label: str) -> dict[str, Any]:
    from scanner.report.periods import parse_period

    p = parse_period(label)
    return {"label": p.label, "kind": p.kind}


def _previous_period(period: dict[str, Any]) -> dict[str, Any] | None:
    from scanner.report.periods import parse_period

    p = parse_period(period["label"]).previous()
    return {"label": p.label, "kind": p.kind}


def render_pdf(html: str) -> bytes:
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: Pango missing on the system
        raise InputError(
            "PDF output needs WeasyPrint and the system's Pango libraries "
            f"(pip install 'cloudgov[report]'; then cloudgov report setup): {str(e).splitlines()[0]}"
        ) from None
    import logging

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint.HTML(string=html, base_url=None).write_pdf()
