"""A readable table on the terminal: what needs attention, then the totals per area."""

from __future__ import annotations

from collections import Counter
from typing import IO, TYPE_CHECKING

from scanner.model import Status
from scanner.outputs.escape import markup_text as _m

if TYPE_CHECKING:
    from scanner.result import ScanResult

FILENAME = "findings.txt"
MAX_ROWS = 200
_STYLE = {Status.FAIL: "bold red", Status.ERROR: "yellow", Status.WAIVED: "cyan", Status.PASS: "green"}


def render(result: "ScanResult", stream: IO[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    tty = hasattr(stream, "isatty") and stream.isatty()
    console = Console(file=stream, width=None if tty else 160, highlight=False, soft_wrap=False)
    attention = [f for f in result.findings if f.status in (Status.FAIL, Status.ERROR, Status.WAIVED)]
    order = {Status.FAIL: 0, Status.ERROR: 1, Status.WAIVED: 2}
    attention.sort(key=lambda f: (-f.severity.rank, order[f.status], f.policy, f.resource.id))
    if attention:
        t = Table(title="Findings that need attention", show_lines=False, expand=False)
        for col in ("Status", "Severity", "Policy", "Resource", "Where", "Controls", "Why"):
            t.add_column(col, overflow="fold")
        for f in attention[:MAX_ROWS]:
            r = f.resource
            t.add_row(
                f"[{_STYLE[f.status]}]{f.status.value}[/]",
                f.severity.value,
                _m(f.policy),
                _m(r.name or r.id),
                _m(f"{r.provider}/{r.account}/{r.region or '-'}"),
                _m(" ".join(f.controls)),
                _m(f.message + (f" [waiver {f.waiver.id} until {f.waiver.expires}]" if f.waiver else "")),
            )
        console.print(t)
        if len(attention) > MAX_ROWS:
            console.print(f"... and {len(attention) - MAX_ROWS} more (use --format json/csv for all)")
    else:
        console.print("[green]Nothing failed, errored or was waived.[/green]")
    areas: dict[str, Counter] = {}
    for f in result.findings:
        areas.setdefault(f.policy.split(".", 1)[0], Counter())[f.status] += 1
    s = Table(title="Summary by area")
    s.add_column("Area")
    for st in Status:
        s.add_column(st.value, justify="right")
    for area, c in sorted(areas.items()):
        s.add_row(area, *[str(c.get(st, 0)) for st in Status])
    console.print(s)
    for g in result.coverage_gaps:
        where = f"{g.provider} {g.account} {g.region or 'global'} {g.service}: {g.code}"
        console.print(f"[yellow]coverage gap[/yellow] {_m(where)}")
    console.print(result.summary_line())
