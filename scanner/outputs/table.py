"""The terminal table a person reads: the run's verdict and counts first, then what needs
attention grouped by policy, one line per resource (its full id, region and the reason).

Layout options come in ``result.extra["table"]`` (set by the CLI): ``wide`` (lines as long
as they need, nothing wrapped or cut), ``wrap`` (False: one line per resource, the reason
cut to the width) and ``quiet`` (only the headline and what fails the run). The verdict
needs the run's threshold, ``result.extra["threshold"]`` (set by the pipeline).
"""

from __future__ import annotations

import os
import textwrap
from collections import Counter
from typing import IO, TYPE_CHECKING, Any

from scanner.model import Finding, Severity, Status
from scanner.outputs.escape import markup_text as escape  # hostile names come out inert

if TYPE_CHECKING:
    from scanner.result import ScanResult

FILENAME = "findings.txt"
#: resources shown per policy before "… and N more" (--wide shows all)
PER_GROUP = 50
_SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan", Severity.INFO: "dim",
}
_STATUS_STYLE = {Status.FAIL: "bold red", Status.ERROR: "magenta", Status.WAIVED: "cyan", Status.PASS: "green"}
_ORDER = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2}
_INDENT = "    "
_GAP = "  "


def _width(stream: IO[str], wide: bool) -> int | None:
    if wide:
        return None
    if hasattr(stream, "isatty") and stream.isatty():
        import shutil

        return max(60, shutil.get_terminal_size().columns)
    try:
        return max(60, int(os.environ.get("COLUMNS", "")))
    except ValueError:
        return 100


def render(result: ScanResult, stream: IO[str]) -> None:
    from rich.console import Console
    layout: dict[str, Any] = result.extra.get("table") or {}
    wide, wrap, quiet = bool(layout.get("wide")), layout.get("wrap", True), bool(layout.get("quiet"))
    width = _width(stream, wide)
    console = Console(file=stream, width=width or 10_000, highlight=False, soft_wrap=True)
    threshold = result.extra.get("threshold") or {}
    fail_on = Severity.parse(threshold["fail_on"]) if threshold.get("fail_on") else None
    errors_fail = threshold.get("errors_fail", True)
    failing = set(map(id, result.failing(fail_on, errors_fail=errors_fail))) if fail_on else set()

    for line in _headline(result, fail_on, errors_fail, len(failing)):
        console.print(line, soft_wrap=wide)

    shown = [f for f in result.findings if f.status in _ORDER and (not quiet or id(f) in failing)]
    groups: dict[tuple[Status, str], list[Finding]] = {}
    for f in shown:
        groups.setdefault((f.status, f.policy), []).append(f)
    policies = {p.id: p for p in result.policies}
    ordered = sorted(groups.items(), key=lambda kv: (_ORDER[kv[0][0]], -kv[1][0].severity.rank, kv[0][1]))
    for (status, policy_id), findings in ordered:
        findings.sort(key=lambda f: (-f.severity.rank, f.resource.id))
        sev = findings[0].severity
        p = policies.get(policy_id)
        title = p.title_en if p is not None else ""
        controls = " ".join(findings[0].controls)
        console.print()
        console.print(
            f"[{_STATUS_STYLE[status]}]{status.value}[/] [{_SEVERITY_STYLE[sev]}]{sev.value}[/] "
            f"[bold]{escape(policy_id)}[/bold] · {len(findings)} resource{'s' if len(findings) != 1 else ''} — "
            f"{escape(title)}  [dim]{escape(controls)}[/dim]",
            soft_wrap=wide,
        )
        limit = None if wide else PER_GROUP
        rows = [(f.resource.id, f.resource.region or "global", _reason(f)) for f in findings[:limit]]
        for line in _rows(rows, width, wrap):
            console.print(escape(line), soft_wrap=True)
        if limit is not None and len(findings) > limit:
            console.print(f"{_INDENT}[dim]… and {len(findings) - limit} more (--wide, or --format csv/json for all)[/dim]")

    if not quiet:
        if result.coverage_gaps:
            console.print()
            console.print(f"[yellow]Not read (coverage gaps: the kinds they hide are ERROR, never PASS): "
                          f"{len(result.coverage_gaps)}[/yellow]")
            for g in result.coverage_gaps:
                console.print(escape(f"{_INDENT}{g.provider} {g.account} {g.region or 'global'} {g.service}: "
                                     f"{g.code}: {g.message}"), soft_wrap=wide)
        if not shown:
            console.print()
            console.print("[green]Nothing failed, errored or was waived.[/green]")


def _headline(result: ScanResult, fail_on: Severity | None, errors_fail: bool, n_failing: int) -> list[str]:
    c = result.counts()
    lines = []
    if fail_on is not None:
        what = "FAIL and ERROR" if errors_fail else "FAIL"
        if n_failing:
            lines.append(f"[bold red]FAILED[/bold red]: {n_failing} {what} finding{'s' if n_failing != 1 else ''} "
                         f"at or above {fail_on.value} (exit 1)")
        else:
            lines.append(f"[bold green]PASSED[/bold green]: no {what} finding at or above {fail_on.value} (exit 0)")
    counts = " · ".join(
        f"[{_STATUS_STYLE.get(s, 'dim')}]{c.get(s, 0)} {s.value}[/]" if c.get(s, 0) and s in _STATUS_STYLE
        else f"{c.get(s, 0)} {s.value}"
        for s in (Status.FAIL, Status.ERROR, Status.WAIVED, Status.PASS, Status.NOT_APPLICABLE)
    )
    lines.append(f"{len(result.findings)} findings over {result.resource_count} resources: {counts}")
    for status in (Status.FAIL, Status.ERROR):
        by_sev = Counter(f.severity for f in result.findings if f.status is status)
        if by_sev:
            parts = " · ".join(f"[{_SEVERITY_STYLE[s]}]{by_sev[s]} {s.value}[/]"
                               for s in sorted(by_sev, key=lambda s: -s.rank))
            lines.append(f"{status.value} by severity: {parts}")
    if result.source:
        lines.append(f"[dim]{result.source} · evaluated at {result.evaluated_at}[/dim]")
    return lines


def _reason(f: Finding) -> str:
    text = " ".join(str(f.message).split())
    if f.status is Status.WAIVED and f.waiver is not None:
        text += f" (waived by {f.waiver.id} until {f.waiver.expires})"
    return text


def _rows(rows: list[tuple[str, str, str]], width: int | None, wrap: bool) -> list[str]:
    """Resource lines: id, region, reason in columns; the reason gets what is left. An id too
    long for its column goes on a line of its own (whole, to copy), with region and reason on
    the next line across the full width."""
    if not rows:
        return []
    region_w = max(len(r[1]) for r in rows)
    if width is None:  # --wide: one line each, nothing cut
        id_w = max(len(r[0]) for r in rows)
        return [f"{_INDENT}{i:<{id_w}}{_GAP}{reg:<{region_w}}{_GAP}{why}" for i, reg, why in rows]
    room = width - len(_INDENT) - region_w - 2 * len(_GAP)
    cap = max(20, int(room * 0.55))  # the reason keeps at least ~45% of the line
    longest = max(len(r[0]) for r in rows)
    id_w = longest if longest <= cap else 0  # one layout per group: columns, or every id on its own line
    out: list[str] = []
    for rid, reg, why in rows:
        if len(rid) > id_w:
            out.append(f"{_INDENT}{rid}")
            lead = f"{_INDENT}{_GAP}{reg:<{region_w}}{_GAP}"
        else:
            lead = f"{_INDENT}{rid:<{id_w}}{_GAP}{reg:<{region_w}}{_GAP}"
        reason_w = max(20, width - len(lead))
        if wrap:
            parts = textwrap.wrap(why, reason_w, break_on_hyphens=False) or [""]
        else:
            parts = [why if len(why) <= reason_w else why[: reason_w - 1] + "…"]
        out.append(lead + parts[0])
        out.extend(" " * len(lead) + more for more in parts[1:])
    return out
