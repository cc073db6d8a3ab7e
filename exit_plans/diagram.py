"""The lock-in picture: the service's components by migration wave, coloured by portability.

matplotlib is imported here only (the ``report`` extra), with the non-interactive Agg
backend, so drawing works on servers without a display. SVG or PNG by the file suffix.
"""

from __future__ import annotations

from pathlib import Path

from exit_plans.lockin import PORTABLE, PROVIDER_SPECIFIC, UNKNOWN, LockinReport
from scanner.errors import InputError, UsageError

__all__ = ["draw", "COLOURS"]

COLOURS = {PORTABLE: "#2e7d32", PROVIDER_SPECIFIC: "#c62828", UNKNOWN: "#9e9e9e"}
# English only: matplotlib's default fonts have no CJK glyphs
_LABELS = {PORTABLE: "portable", PROVIDER_SPECIFIC: "provider-specific", UNKNOWN: "unknown (not classified)"}


def _short(text: str, n: int = 28) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def draw(report: LockinReport, path: Path) -> Path:
    suffix = path.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise UsageError(f"--diagram: {path.name!r} must end in .svg or .png")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D
    except ImportError:
        raise UsageError("drawing the diagram needs matplotlib: pip install 'cloudgov[report]'") from None

    # one box per (wave, type, portability): 40 EBS volumes are one box "×40", so a
    # manager sees the shape of the estate rather than a wall of labels
    groups: dict[tuple, list] = {}
    for c in report.components:
        groups.setdefault((c.wave, c.native_type or c.kind or "?", c.portability), []).append(c)
    group_of = {c.id: key for key, members in groups.items() for c in members}
    waves: dict[int, list[tuple]] = {}
    for key in sorted(groups, key=lambda k: (k[0], k[2], k[1])):
        waves.setdefault(key[0], []).append(key)
    tallest = max((len(v) for v in waves.values()), default=1)
    width = max(6.0, 3.4 * len(waves))
    height = max(3.0, 0.8 * tallest + 1.8)
    fig, ax = plt.subplots(figsize=(width, height))
    pos: dict[tuple, tuple[float, float]] = {}
    for w, keys in sorted(waves.items()):
        for i, key in enumerate(keys):
            pos[key] = (float(w), float(tallest - i - (tallest - len(keys)) / 2))
    links = {(group_of[b], group_of[a]) for a, b, _t in report.dependencies if a in group_of and b in group_of}
    for src, dst in sorted(links):
        if src == dst:
            continue
        (x1, y1), (x2, y2) = pos[src], pos[dst]
        ax.annotate("", xy=(x2 - 0.34, y2), xytext=(x1 + 0.34, y1),
                    arrowprops={"arrowstyle": "->", "color": "#555555", "lw": 0.8, "alpha": 0.7})
    for key, members in groups.items():
        x, y = pos[key]
        if len(members) == 1:
            label = f"{_short(members[0].name)}\n{_short(key[1])}"
        else:
            label = f"{_short(key[1])} ×{len(members)}\n{members[0].kind or '?'}"
        ax.text(x, y, label, ha="center", va="center", fontsize=7, color="white",
                bbox={"boxstyle": "round,pad=0.4", "fc": COLOURS[key[2]], "ec": "none"})
    for w in sorted(waves):
        ax.text(w, tallest + 0.9, f"wave {w}", ha="center", fontsize=9, weight="bold")
    ax.set_xlim(0.4, max(waves, default=1) + 0.6)
    ax.set_ylim(0.2, tallest + 1.3)
    ax.axis("off")
    score = "n/a" if report.score is None else f"{report.score}%"
    ax.set_title(f"{report.service}: portability {score} — migrate left to right (dependencies first)", fontsize=10)
    handles = [Line2D([0], [0], marker="s", color="w", markerfacecolor=COLOURS[k], markersize=10, label=_LABELS[k])
               for k in (PORTABLE, PROVIDER_SPECIFIC, UNKNOWN)]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, -0.12), ncol=3, frameon=False, fontsize=8)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format=suffix[1:], bbox_inches="tight")
    except OSError as e:
        raise InputError(f"{path}: cannot write the diagram ({e.strerror})") from None
    finally:
        plt.close(fig)
    return path
