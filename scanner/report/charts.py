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


def trend_svg(periods: list[str], series: dict[str, list[float | None]], labels: dict[str, str],
              *, floor: dict[str, float | None] | None = None, ylabel: str = "") -> str:
    """Pass rate per area over periods, one line style per area, values printed at each point."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7.2, 3.2))
    x = list(range(len(periods)))
    for i, (key, values) in enumerate(series.items()):
        ls, marker = _STYLES[i % len(_STYLES)]
        pts = [(xi, v * 100) for xi, v in zip(x, values) if v is not None]
        if not pts:
            continue
        xs, ys = zip(*pts)
        ax.plot(xs, ys, linestyle=ls, marker=marker, markersize=6, color=str(0.1 + 0.18 * i), linewidth=1.8,
                label=f"{labels[key]} {ys[-1]:.1f}%")
    ax.set_xticks(x, periods)
    ax.set_ylim(min(50, ax.get_ylim()[0]), 102)
    ax.set_xlim(-0.3, len(periods) - 0.7)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", color="0.85", linewidth=0.6)
    # the legend names each series with its latest value; exact values are in the table beside the chart
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=8, frameon=False, ncol=min(len(series), 4))
    return _svg(fig)


def heat_svg(grid: list[list[list[str]]], *, x_label: str, y_label: str, levels: list[str]) -> str:
    """Impact (rows) × likelihood (columns); each cell shows how many risks sit there."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.2, 3.4))
    score = [[(i + 1) * (j + 1) for j in range(5)] for i in range(5)]
    edges = [k - 0.5 for k in range(6)]
    # vector cells (pcolormesh), not a raster image: sharp in print, nothing embedded
    ax.pcolormesh(edges, edges, score, cmap="Greys", vmin=0, vmax=40, edgecolors="white", linewidth=1.5)
    for i in range(5):
        for j in range(5):
            n = len(grid[i][j])
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=12, fontweight="bold",
                        color="white" if score[i][j] >= 16 else "black",
                        bbox={"boxstyle": "circle,pad=0.25", "fc": "none", "ec": "white" if score[i][j] >= 16 else "black"})
    ax.set_xticks(range(5), [f"{k + 1} {levels[k]}" for k in range(5)], fontsize=9)
    ax.set_yticks(range(5), [f"{levels[k]} {k + 1}" for k in range(5)], fontsize=9)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    for s in ax.spines.values():
        s.set_visible(False)
    return _svg(fig)


def concentration_svg(rows: list[dict[str, Any]], *, label_of, xlabel: str) -> str:
    """Horizontal bars: share of data-bearing resources per provider / region, values as text."""
    plt = _plt()
    rows = rows[:10]
    fig, ax = plt.subplots(figsize=(6.4, 0.38 * max(len(rows), 2) + 0.8))
    hatches = ["", "///", "...", "xx", "\\\\", "++", "--", "oo", "**", "||"]
    names = [label_of(r) for r in rows][::-1]
    shares = [100 * (r["share"] or 0) for r in rows][::-1]
    bars = ax.barh(names, shares, color="0.75", edgecolor="0.2", linewidth=0.6)
    for b, h in zip(bars, hatches[: len(bars)][::-1]):
        b.set_hatch(h)
    for b, r in zip(bars, rows[::-1]):
        ax.text(b.get_width() + 1, b.get_y() + b.get_height() / 2, f"{100 * (r['share'] or 0):.0f}% ({r['count']})",
                va="center", fontsize=7)
    ax.set_xlim(0, 118)
    ax.set_xlabel(xlabel)
    return _svg(fig)
