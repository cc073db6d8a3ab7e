"""CSV: one row per finding (every status), for spreadsheets."""

from __future__ import annotations

import csv
from typing import IO, TYPE_CHECKING

from scanner.outputs.escape import csv_row

if TYPE_CHECKING:
    from scanner.result import ScanResult

FILENAME = "findings.csv"
COLUMNS = [
    "policy",
    "status",
    "severity",
    "controls",
    "provider",
    "account",
    "region",
    "kind",
    "resource_id",
    "resource_name",
    "message",
    "waiver_id",
    "waiver_expires",
    "title_en",
    "title_zh",
]


def render(result: "ScanResult", stream: IO[str]) -> None:
    w = csv.writer(stream, lineterminator="\n")
    w.writerow(COLUMNS)
    get = result.policies.get
    for f in result.findings:
        p = get(f.policy)
        r = f.resource
        w.writerow(
            csv_row([
                f.policy,
                f.status.value,
                f.severity.value,
                ";".join(f.controls),
                r.provider,
                r.account,
                r.region or "",
                r.kind,
                r.id,
                r.name,
                f.message,
                f.waiver.id if f.waiver else "",
                f.waiver.expires if f.waiver else "",
                p.title_en if p else "",
                p.title_zh if p else "",
            ])
        )
