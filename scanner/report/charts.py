"""Charts as inline SVG (matplotlib, imported only here): readable in print and in grey scale.

Series differ by line style and marker, not only by colour; bars carry hatches and their
values as text; every chart has its numbers written on it. Text stays text in the SVG
(``svg.fonttype: none``) so the PDF renderer sets it in the report's CJK font and the
figures can be searched and extracted.
"""

from __future__ import annotations

import io
import re
from typing import Any

__all__ = ["trend_svg", "heat_svg", "concentration_svg", "FONT_FAMILY"]

FONT_FAMILY = ["Noto Sans CJK TC", "Noto Sans TC", "Microsoft JhengHei", "PingFang TC", "DejaVu Sans"]
_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1, 1, 1)), "v")]


def _plt():
    import logging

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    # fonts missing on this machine only affect measuring; the SVG names them for the renderer
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    plt.rcParams.update({
        "svg.fonttype": "none",
        "svg.hashsalt": "cloudgov",  # deterministic ids
        "font.family": "sans-serif",
        "font.sans-serif": FONT_FAMILY,
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 96,
    })
    return plt


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)  # RDF boilerplate, no use in a report
    # scale with the page: drop fixed pt sizes, keep the viewBox
    text = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1 class="chart"', text, count=1)
    return text


#: Okabe & Ito's colour-blind-safe palette; every series also differs by line style and marker,
#: so the charts read in grey scale too.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "green": "#009E73", "orange": "#E69F00",
             "sky": "#56B4E9", "purple": "#CC79A7", "yellow": "#F0E442", "black": "#000000"}


def trend_svg(points: list[str], series: dict[str, list[float | None]], labels: dict[str, str], *,
              floors: dict[str, float | None] | None = None, tolerances: dict[str, float] | None = None,
              floor_label: str = "", near_label: str = "", ylabel: str = "") -> str:
    """Pass rate per area, one point per scan, one small panel per area with its appetite line
    (dashed) and tolerance band (shaded); the value is printed at every point."""
    plt = _plt()
    keys = list(series)
    cols = 2
    rows = (len(keys) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7.2, 1.45 * rows + 0.45), sharex=True, squeeze=False)
    x = list(range(len(points)))
    floors, tolerances = floors or {}, tolerances or {}
    for i, key in enumerate(keys):
        ax = axes[i // cols][i % cols]
        values = series[key]
        pts = [(xi, v * 100) for xi, v in zip(x, values, strict=True) if v is not None]
        floor = floors.get(key)
        lows = [y for _, y in pts] + ([floor * 100 - 100 * (tolerances.get(key) or 0)] if floor is not None else [])
        lo = max(0.0, (min(lows) if lows else 50) - 6)
        if floor is not None:
            tol = 100 * (tolerances.get(key) or 0)
            if tol:
                ax.axhspan(floor * 100 - tol, floor * 100, color=OKABE_ITO["orange"], alpha=0.22, linewidth=0,
                           label=near_label)
            ax.axhline(floor * 100, color=OKABE_ITO["vermillion"], linestyle=(0, (4, 2)), linewidth=1.3,
                       label=f"{floor_label} {floor * 100:g}%")
        if pts:
            xs, ys = zip(*pts, strict=True)
            ax.plot(xs, ys, linestyle="-", marker="o", markersize=5, color=OKABE_ITO["blue"], linewidth=1.8)
            for xi, yi in pts:
                ax.annotate(f"{yi:.1f}", (xi, yi), textcoords="offset points", xytext=(0, 5), ha="center", fontsize=7)
        ax.set_title(f"{labels[key]}{ylabel}", fontsize=9, loc="left")
        ax.set_ylim(lo, 103)
        ax.set_xlim(-0.4, len(points) - 0.6)
        ax.grid(axis="y", color="0.88", linewidth=0.6)
        ax.set_xticks(x, points, fontsize=7)
        ax.tick_params(axis="y", labelsize=7)
        # the unit goes into the panel titles' caption, never a label set sideways (CJK reads badly rotated)
    for j in range(len(keys), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    handles, names = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, [n.rsplit(" ", 1)[0] if n.startswith(floor_label) else n for n in names],
                   loc="lower center", ncol=len(handles), fontsize=8, frameon=False, bbox_to_anchor=(0.5, -0.02))
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return _svg(fig)


def heat_svg(grid: list[list[list[str]]], *, x_label: str, y_label: str, levels: list[str]) -> str:
    """Impact (rows) × likelihood (columns); each cell shows how many risks sit there."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    score = [[(i + 1) * (j + 1) for j in range(5)] for i in range(5)]
    edges = [k - 0.5 for k in range(6)]
    # vector cells (pcolormesh), not a raster image: sharp in print, nothing embedded
    # cividis: colour-blind safe and monotonic in lightness, so it also reads in grey scale
    ax.pcolormesh(edges, edges, score, cmap="cividis_r", vmin=0, vmax=30, edgecolors="white", linewidth=1.5)
    for i in range(5):
        for j in range(5):
            n = len(grid[i][j])
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=12, fontweight="bold",
                        color="white" if score[i][j] >= 12 else "black",
                        bbox={"boxstyle": "circle,pad=0.25", "fc": "none", "ec": "white" if score[i][j] >= 12 else "black"})
    ax.set_xticks(range(5), [f"{k + 1} {levels[k]}" for k in range(5)], fontsize=9)
    ax.set_yticks(range(5), [f"{levels[k]} {k + 1}" for k in range(5)], fontsize=9)
    ax.set_xlabel(x_label)
    ax.set_title(f"↑ {y_label}", loc="left", fontsize=9)  # horizontal: CJK set sideways reads badly
    for s in ax.spines.values():
        s.set_visible(False)
    return _svg(fig)


def concentration_svg(rows: list[dict[str, Any]], *, label_of, xlabel: str, limit: float | None = None,
                      limit_label: str = "") -> str:
    """Horizontal bars: share of data-bearing resources per provider / region, values as text."""
    plt = _plt()
    rows = rows[:10]
    fig, ax = plt.subplots(figsize=(6.4, 0.38 * max(len(rows), 2) + 0.8))
    hatches = ["", "///", "...", "xx", "\\\\", "++", "--", "oo", "**", "||"]
    names = [label_of(r) for r in rows][::-1]
    shares = [100 * (r["share"] or 0) for r in rows][::-1]
    bars = ax.barh(names, shares, color=OKABE_ITO["sky"], edgecolor="0.2", linewidth=0.6)
    for b, h in zip(bars, hatches[: len(bars)][::-1], strict=True):
        b.set_hatch(h)
    for b, r in zip(bars, rows[::-1], strict=True):
        ax.text(b.get_width() + 1, b.get_y() + b.get_height() / 2, f"{100 * (r['share'] or 0):.0f}% ({r['count']})",
                va="center", fontsize=7)
    ax.set_xlim(0, 118)
    ax.set_xlabel(xlabel)
    if limit is not None:
        ax.axvline(100 * limit, color=OKABE_ITO["vermillion"], linestyle=(0, (4, 2)), linewidth=1.3)
        ax.text(100 * limit, len(rows) - 0.4, f"{limit_label} {100 * limit:g}%", fontsize=7, ha="center", va="bottom",
                color=OKABE_ITO["vermillion"])
    return _svg(fig)
